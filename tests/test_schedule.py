"""What the trainer hands the kernel: the learning-rate schedule across epochs, subsampling.

The determinism and resume tests compare the code with itself, so a schedule that is wrong the
same way every time passes them. These tests check the numbers against the documented formulas
(hsw2v.train's module docstring; word2vec's subsampling), worked out here independently.
"""
from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from hsw2v import kernels
from hsw2v.config import make_config
threads_mod = importlib.import_module("hsw2v.threads")

train_mod = importlib.import_module("hsw2v.train")  # hsw2v.train is also the API function


def record_kernel_calls(monkeypatch):
    """Record, per kernel call of the run, (epoch, alpha, alpha_step, min_alpha, words read).

    The trainer calls ``kernels.train_chunk`` through the module, so a spy sees every chunk's
    learning rate as the kernel gets it. The warm-up call (one piece end, no words) is left out.
    """
    calls = []
    trainers = []
    real = kernels.train_chunk
    signature = inspect.signature(real)
    init = threads_mod.Trainer.__init__

    def keep(self, *a, **k):
        init(self, *a, **k)
        trainers.append(self)

    def spy(*args, **kwargs):
        n = real(*args, **kwargs)
        arg = signature.bind(*args, **kwargs).arguments
        trainer = trainers[-1]
        # training calls only: a thread's own generator, and more than the warm-up's piece end
        rate = arg["rate"]
        if len(arg["ids"]) > 1 and any(arg["scratch"].rng is r for r in trainer.rngs):
            calls.append((trainer.epoch, float(rate.alpha), float(rate.step), float(rate.floor),
                          int(n)))
        return n

    monkeypatch.setattr(threads_mod.Trainer, "__init__", keep)
    monkeypatch.setattr(kernels, "train_chunk", spy)
    monkeypatch.setattr(threads_mod, "CHUNK", 64)  # many chunks per epoch
    return calls


@pytest.mark.parametrize("shuffle", [True, False])
def test_one_thread_learning_rate_decays_linearly_over_all_epochs(monkeypatch, small_corpus,
                                                                  shuffle):
    # word2vec's schedule: alpha at word k of the whole run (epochs x W words) is
    # alpha - (alpha - min_alpha) * k / (epochs * W); it does not restart with each epoch.
    calls = record_kernel_calls(monkeypatch)
    alpha, min_alpha, epochs = 0.04, 0.001, 3
    res = train_mod.run(small_corpus, make_config(threads=1, epochs=epochs, dim=8, min_count=2,
                                                  alpha=alpha, min_alpha=min_alpha, seed=2,
                                                  shuffle=shuffle, quiet=True))
    total = res.model.vocab.total
    step = (alpha - min_alpha) / (epochs * total)
    assert len(calls) > 3 * epochs and {c[0] for c in calls} == set(range(epochs))
    before = 0  # words of the run read before each call
    for epoch, a, s, floor, n in calls:
        assert s == pytest.approx(step, rel=1e-12) and floor == min_alpha
        assert a == pytest.approx(alpha - step * before, rel=1e-9), (epoch, before)
        before += n
    assert before == epochs * total
    # the last call ends the run at min_alpha, and its rate is below the last epoch's start
    assert calls[-1][1] - step * calls[-1][4] == pytest.approx(min_alpha, rel=1e-9)
    first_of_last = next(c for c in calls if c[0] == epochs - 1)
    assert first_of_last[1] == pytest.approx(alpha - (alpha - min_alpha) * (epochs - 1) / epochs,
                                             rel=1e-9)


def test_two_threads_each_epoch_trains_within_its_share_of_the_schedule(monkeypatch,
                                                                        small_corpus):
    # With several threads each range moves through the schedule on its own words: epoch e of
    # E trains with rates between alpha - (alpha - min_alpha) * (e + 1) / E and that at e / E.
    calls = record_kernel_calls(monkeypatch)
    alpha, min_alpha, epochs = 0.05, 0.002, 3
    train_mod.run(small_corpus, make_config(threads=2, epochs=epochs, dim=8, min_count=2,
                                            alpha=alpha, min_alpha=min_alpha, seed=4,
                                            quiet=True))
    span = alpha - min_alpha
    assert {c[0] for c in calls} == set(range(epochs))
    for epoch, a, s, _, n in calls:
        hi = alpha - span * epoch / epochs
        lo = alpha - span * (epoch + 1) / epochs
        assert lo - 1e-12 <= a - s * n and a <= hi + 1e-12, (epoch, a, lo, hi)
    # each epoch starts (on some thread) at its share's top
    for epoch in range(epochs):
        top = max(a for e, a, *_ in calls if e == epoch)
        assert top == pytest.approx(alpha - span * epoch / epochs, rel=1e-9)


def word2vec_keep(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's keep probability, written out again (not hsw2v.vocab's code)."""
    total = float(np.sum(counts))
    out = []
    for f in counts.tolist():
        p = (np.sqrt(f / (sample * total)) + 1.0) * (sample * total) / f
        out.append(min(p, 1.0))
    return np.array(out)


@pytest.mark.parametrize("sample", [1e-3, 5e-3])
def test_words_trained_per_epoch_follow_the_sample_option(small_corpus, sample):
    # Subsampling keeps each occurrence of a word seen f times with probability p(f): an
    # epoch trains sum(f * p(f)) words on average, with binomial spread.
    epochs = 6
    res = train_mod.run(small_corpus, make_config(threads=1, epochs=epochs, dim=8, min_count=1,
                                                  sample=sample, seed=3, quiet=True))
    counts = res.model.vocab.counts
    p = word2vec_keep(counts, sample)
    assert 0.05 < p.min() < 0.7  # the option matters on this corpus
    mean = float(np.sum(counts * p))
    sd = float(np.sqrt(np.sum(counts * p * (1 - p))))
    trained = [e["trained_words"] for e in res.summary["epochs"]]
    assert all(e["words"] == res.model.vocab.total for e in res.summary["epochs"])
    # six epochs together: within 4 standard deviations of the formula's mean
    assert abs(sum(trained) - epochs * mean) < 4 * sd * np.sqrt(epochs), (trained, mean, sd)
    assert max(trained) < res.model.vocab.total


def test_sample_zero_trains_every_word(small_corpus):
    res = train_mod.run(small_corpus, make_config(threads=1, epochs=2, dim=8, min_count=1,
                                                  sample=0.0, quiet=True))
    assert [e["trained_words"] for e in res.summary["epochs"]] == [res.model.vocab.total] * 2


def test_epoch_figures_are_summed_exactly_past_float32(small_corpus):
    # A long run's epoch figures pass float32's exact range (2**24 words; a loss summed to
    # 1e8 moves in steps of 8 there). A resumed run carries them over from its checkpoint:
    # they must come back exactly, and the epoch's totals must add exactly onto them.
    import dataclasses

    cfg = make_config(threads=1, epochs=1, dim=8, min_count=2, quiet=True).resolved()

    def trainer():
        vocab, stream, remap = threads_mod.prepare([str(small_corpus)], cfg,
                                                 train_mod.CorpusStats())
        syn0, syn1 = train_mod.init_weights(len(vocab), cfg.dim, cfg.seed)
        model = train_mod.Model(vocab, train_mod.build_huffman(vocab.counts),
                            train_mod.Weights(syn0, syn1))
        return threads_mod.Trainer(cfg, model, stream, remap)

    plain = trainer()
    start = plain.state()
    fresh = plain.run_epoch(0)
    carried = np.array([[1e8 + 0.5, 2.0 ** 25 + 1, 2.0 ** 25 + 3, 2.0 ** 25 + 5, 0.0]])
    big = trainer()
    big.restore(dataclasses.replace(start, stats=carried))
    assert np.array_equal(big.state().stats, carried)
    total = big.run_epoch(0)
    assert fresh[1] > 0 and fresh[2] == big.model.vocab.total
    # the counts add exactly; the loss continues its running sum from the carried one (the
    # same additions in another grouping than carried + fresh: equal to float64 rounding, far
    # below float32's step of 8 there)
    assert total[1:].tolist() == (carried[0] + fresh)[1:].tolist()
    assert abs(total[0] - (carried[0][0] + fresh[0])) < 1e-6
    plain.stream.close()
    big.stream.close()
