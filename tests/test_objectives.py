"""Negative sampling and the exact softmax (--loss ns|hs+ns|softmax): kernels against slow
references, the noise sampler, the objectives' probability laws, options and runs."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import hsw2v
from hsw2v import kernels as K
from hsw2v.cli import main
from hsw2v.config import make_config
from hsw2v.huffman import build_huffman
from hsw2v.threads import noise_table
from hsw2v.train import run

from test_kernels import RefRng, ref_hs



# ------------------------------------------------------------------------------------------
# Slow references
# ------------------------------------------------------------------------------------------

def ref_alias_draw(prob, alias, rng: RefRng) -> int:
    """The kernels' alias draw in Python integers (high 40 bits column, low 24 bits coin)."""
    x = rng.u64()
    n = len(prob)
    col = ((x >> 24) * n) >> 40
    coin = (x & 0xFFFFFF) / 16777216.0
    return col if coin < prob[col] else int(alias[col])


def ref_ns(x, e, syn1neg, target, negative, prob, alias, rng, alpha):
    """word2vec's negative-sampling step for one input row (float64); returns the loss."""
    loss = 0.0
    for d in range(negative + 1):
        if d == 0:
            w, code = target, 0
        else:
            w, code = ref_alias_draw(prob, alias, rng), 1
            if w == target:
                continue
        y = syn1neg[w]
        s = float(x @ y)
        g, nll = ref_hs(s, code, alpha)  # saturated: no update, exact loss (as HS)
        loss += nll
        e += g * y
        syn1neg[w] = y + g * x
    return loss


def ref_softmax(x, e, syn1sm, target, alpha):
    """The exact softmax step for one input row (float64); returns -log p_target."""
    s = syn1sm @ x
    p = np.exp(s - s.max())
    p /= p.sum()
    loss = -math.log(p[target])
    g = -p * alpha
    g[target] += alpha
    e += g @ syn1sm
    syn1sm += np.outer(g, x)
    return loss


def ref_update(syn0, ctx, w, sg, alpha, objective, rng, syn1neg=None, syn1sm=None,
               negative=0, prob=None, alias=None):
    """One center word with one objective (float64 copies updated in place); returns the loss."""
    loss = 0.0

    def predict(x):
        nonlocal loss
        e = np.zeros_like(x)
        if objective == "ns":
            loss += ref_ns(x, e, syn1neg, w, negative, prob, alias, rng, alpha)
        else:
            loss += ref_softmax(x, e, syn1sm, w, alpha)
        return e

    if sg:
        for c in ctx:
            syn0[c] += predict(syn0[c].copy())
    else:
        e = predict(syn0[list(ctx)].mean(axis=0))
        for c in ctx:
            syn0[c] += e
    return loss


# ------------------------------------------------------------------------------------------
# The kernels against the references
# ------------------------------------------------------------------------------------------

def rows(a: np.ndarray) -> np.ndarray:
    return K.padded_rows(a.astype(np.float32))[1]


def call_mixed(syn0, ctx, w, sg, alpha, state, *, negative=0, syn1neg=None, prob=None,
               alias=None, syn1sm=None):
    v = syn0.shape[0]
    s = syn0.shape[1]
    empty = np.zeros((0, s), np.float32)
    codes, points, offsets = np.zeros(0, np.uint8), np.zeros(0, np.int32), np.zeros(v + 1, np.int64)
    noise = (negative, empty if syn1neg is None else syn1neg,
             np.zeros(0) if prob is None else prob,
             np.zeros(0, np.int32) if alias is None else alias, np.arange(v, dtype=np.int32))
    sm = (syn1sm is not None, empty if syn1sm is None else syn1sm, np.zeros(v))
    out = K.mixed_update(
        syn0, np.asarray(ctx, np.int32), len(ctx), w, sg, alpha,
        np.zeros(4 * len(ctx) * (negative + 2) + 8, np.float32),
        np.zeros(len(ctx) * (negative + 2), np.int64), K.blocks_of(syn0), state,
        np.zeros(0, np.float32), ((False, empty, codes, points, offsets), noise, sm))
    return np.array(out, np.float64)  # (loss, ns loss, path rows, output rows)


def call_plain_ns(syn0, ctx, w, sg, alpha, state, *, negative, syn1neg, prob, alias):
    """The kernels of ``--loss ns`` alone (sg_ns_update / cbow_ns_update), with their results
    in the places of mixed_update's."""
    fn = K.sg_ns_update if sg else K.cbow_ns_update
    loss, m = fn(syn0, np.asarray(ctx, np.int32), len(ctx), w, state, alpha,
                 np.zeros((len(ctx) + 1) * (negative + 1), np.float32),
                 np.zeros((2, syn0.shape[1]), np.float32),
                 np.zeros(len(ctx) * (negative + 2), np.int64), K.blocks_of(syn0),
                 np.zeros(0, np.float32),
                 (negative, syn1neg, prob, alias, np.arange(syn0.shape[0], dtype=np.int32)))
    return np.array([0.0, loss, 0.0, m])


@pytest.mark.parametrize("kernel", [call_mixed, call_plain_ns])
@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("scale", [0.3, 4.0])  # 4.0 saturates many scores
# 48: rows streamed on targets narrower than AVX-512 (6 blocks of 8 lanes, 12 of 4); a small
# width, as each width is compiled anew
@pytest.mark.parametrize("d", [20, 48])
def test_negative_sampling_step_matches_reference(sg, scale, kernel, d):
    rng = np.random.default_rng(3)
    v, k = 12, 5
    syn0 = rng.standard_normal((v, d)) * scale / math.sqrt(d)
    syn1neg = rng.standard_normal((v, d)) * scale / math.sqrt(d)
    counts = np.sort(rng.integers(1, 1000, v))[::-1]
    prob, alias = noise_table(counts, 0.75)
    ctx, w, alpha = [1, 4, 4, 7], 4, 0.05
    r0, rn = rows(syn0), rows(syn1neg)
    state = np.array([0x1234567], np.uint64)
    out = kernel(r0, ctx, w, sg, alpha, state, negative=k, syn1neg=rn, prob=prob, alias=alias)
    ref_rng = RefRng(0x1234567)
    loss = ref_update(syn0, ctx, w, sg, alpha, "ns", ref_rng, syn1neg=syn1neg, negative=k,
                      prob=prob, alias=alias)
    print(np.abs(r0[:, :d] - syn0).max(), np.abs(rn[:v, :d] - syn1neg).max())
    assert np.allclose(r0[:, :d], syn0, atol=2e-5)
    assert np.allclose(rn[:v, :d], syn1neg, atol=2e-5)
    assert out[1] == pytest.approx(loss, rel=1e-4)  # the NS loss slot
    assert int(state[0]) == ref_rng.x  # the same number of draws
    preds = len(ctx) if sg else 1
    assert out[3] <= preds * (k + 1) and out[3] >= preds  # output rows updated


@pytest.mark.parametrize("sg", [True, False])
def test_exact_softmax_step_matches_reference(sg):
    rng = np.random.default_rng(5)
    v, d = 9, 16
    syn0 = rng.standard_normal((v, d)) / 4
    syn1sm = rng.standard_normal((v, d)) / 4
    ctx, w, alpha = [0, 2, 8], 2, 0.1
    r0, rs = rows(syn0), rows(syn1sm)
    out = call_mixed(r0, ctx, w, sg, alpha, np.array([7], np.uint64), syn1sm=rs)
    loss = ref_update(syn0, ctx, w, sg, alpha, "softmax", None, syn1sm=syn1sm)
    assert np.allclose(r0[:, :d], syn0, atol=1e-5)
    assert np.allclose(rs[:v, :d], syn1sm, atol=1e-5)
    assert out[0] == pytest.approx(loss, rel=1e-5)


def test_softmax_step_lowers_the_loss_of_its_target():
    # A sign error in p - y would raise it.
    rng = np.random.default_rng(8)
    syn0 = rows(rng.standard_normal((6, 16)) / 4)
    syn1sm = rows(rng.standard_normal((6, 16)) / 4)
    first = call_mixed(syn0, [1, 2], 3, True, 0.2, np.array([1], np.uint64), syn1sm=syn1sm)[0]
    again = call_mixed(syn0, [1, 2], 3, True, 0.2, np.array([1], np.uint64), syn1sm=syn1sm)[0]
    assert again < first


# ------------------------------------------------------------------------------------------
# The objectives' probability laws
# ------------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=40), st.floats(-1e3, 1e3))
def test_softmax_probabilities_sum_to_one_and_ignore_a_shift(scores, shift):
    a = np.array(scores, np.float64)
    b = a + shift
    lse_a = K.softmax_inplace(a, len(a))
    lse_b = K.softmax_inplace(b, len(b))
    assert np.all(np.isfinite(a)) and np.all(a >= 0)
    assert a.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(a, b, rtol=1e-9, atol=1e-300)
    assert lse_b - lse_a == pytest.approx(shift, abs=1e-9 * (1 + abs(lse_a) + abs(shift)))
    ref = np.array(scores)
    assert lse_a == pytest.approx(ref.max() + math.log(np.exp(ref - ref.max()).sum()), rel=1e-12)


@pytest.mark.parametrize("counts", [[5, 3], [9, 9, 9, 9, 9], [100, 60, 30, 10, 8, 3, 2, 1, 1]])
def test_hierarchical_softmax_path_probabilities_sum_to_one(counts):
    tree = build_huffman(np.array(counts, np.int64))
    rng = np.random.default_rng(len(counts))
    h = rng.standard_normal(8)
    syn1 = rng.standard_normal((len(counts) - 1, 8))
    total = 0.0
    for w in range(len(counts)):
        path = slice(tree.offsets[w], tree.offsets[w + 1])
        nll = sum(K.sigmoid_and_nll(float(h @ syn1[p]), int(c))[1]
                  for c, p in zip(tree.codes[path], tree.points[path]))
        total += math.exp(-nll)
    assert total == pytest.approx(1.0, abs=1e-12)


def test_alias_table_is_exact():
    counts = np.array([1000, 400, 400, 90, 7, 3, 1, 1], np.int64)
    prob, alias = noise_table(counts, 0.75)
    v = len(counts)
    got = prob.copy()
    for j in range(v):
        got[alias[j]] += 1.0 - prob[j]
    want = counts ** 0.75 / (counts ** 0.75).sum()
    assert np.allclose(got / v, want, rtol=0, atol=1e-15)


def test_sampler_frequencies_match_unigram_to_the_three_quarters():
    counts = np.array([500, 200, 120, 60, 30, 12, 5, 2, 1, 1], np.int64)
    prob, alias = noise_table(counts, 0.75)
    state = np.array([99], np.uint64)
    n = 60_000
    draws = np.array([K.alias_draw(prob, alias, state) for _ in range(n)])
    observed = np.bincount(draws, minlength=len(counts))
    expected = n * counts ** 0.75 / (counts ** 0.75).sum()
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    # 9 degrees of freedom: the 0.999 quantile is 27.9 (unigram^1 would give ~600 here).
    assert chi2 < 27.9, (chi2, observed, expected.round())
    unigram = n * counts / counts.sum()
    assert float(((observed - unigram) ** 2 / unigram).sum()) > 100


def test_alias_draw_matches_its_reference():
    prob, alias = noise_table(np.array([50, 20, 5, 1], np.int64), 0.75)
    state, ref = np.array([12345], np.uint64), RefRng(12345)
    assert [K.alias_draw(prob, alias, state) for _ in range(200)] == \
        [ref_alias_draw(prob, alias, ref) for _ in range(200)]


# ------------------------------------------------------------------------------------------
# Options
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, needles", [
    (["--loss", "ns", "--negative", "0"], ["--negative 0", "at least 1 noise word"]),
    (["--loss", "ns", "--ns-exponent", "-0.5"], ["--ns-exponent -0.5", "out of range"]),
    (["--loss", "softmax", "--negative", "5"], ["--negative 5 with --loss softmax", "drop --negative"]),
    (["--loss", "hs", "--negative", "5"], ["--negative 5 with --loss hs", "--loss ns"]),
    (["--loss", "nce"], ["unknown --loss 'nce'", "hs+ns"]),
])
def test_bad_objective_options_are_one_line_errors(tmp_path, args, needles):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c a b c\n" * 5)
    out = tmp_path / "v.txt"
    r = CliRunner().invoke(main, ["train", str(corpus), "-o", str(out), *args])
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert "\n" not in line and line.startswith("hsw2v: error:")
    for needle in needles:
        assert needle in line
    assert not out.exists()


def test_negative_defaults_to_five_only_with_negative_sampling():
    assert make_config(loss="ns").resolved().negative == 5
    assert make_config(loss="hs+ns", negative=3).resolved().negative == 3
    assert make_config(loss="hs").resolved().negative is None


# ------------------------------------------------------------------------------------------
# Runs
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from conftest import make_corpus_text

    p = tmp_path_factory.mktemp("obj") / "c.txt"
    p.write_text(make_corpus_text(3000, seed=4))
    return str(p)


@pytest.mark.parametrize("loss", ["ns", "hs+ns", "softmax"])
@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_one_thread_runs_are_bit_identical_and_learn(corpus, loss, model):
    opts = dict(model=model, loss=loss, threads=1, seed=11, dim=16, min_count=1, epochs=3,
                quiet=True)
    a = run(corpus, make_config(**opts))
    b = run(corpus, make_config(**opts))
    assert np.array_equal(a.model.weights.syn0, b.model.weights.syn0)
    hist = a.summary["epochs"]
    losses = [h["loss"] for h in hist]
    assert losses[-1] < losses[0], losses  # a flipped gradient sign makes the loss climb
    if loss == "hs+ns":
        assert all(h["loss_hs"] > 0 and h["loss_ns"] > 0 for h in hist)
        assert hist[-1]["loss_ns"] < hist[0]["loss_ns"]
    outputs = {"ns": "syn1neg", "hs+ns": "syn1neg", "softmax": "syn1sm"}[loss]
    assert np.any(getattr(a.model.weights, outputs) != 0)
    assert (a.model.weights.syn1.shape[0] > 0) == ("hs" in loss)


def test_negative_sampling_learns_the_demo_structure(tmp_path):
    from hsw2v.demo import run_demo

    result = run_demo(model="sg", seed=3, threads=2, loss="ns")
    rec = result.recovery
    assert result.passed, (rec.neighbour_precision, rec.analogies_solved, rec.analogies_total)


def test_objective_is_in_the_summary_and_checkpoints_refuse_another(tmp_path, corpus):
    out = tmp_path / "v.bin"
    r = CliRunner().invoke(main, ["train", corpus, "-o", str(out), "--loss", "ns", "--threads",
                                  "1", "--min-count", "1", "--dim", "16", "-q"])
    assert r.exit_code == 0, r.output
    summary = json.loads(open(str(out) + ".json").read())
    assert summary["config"]["loss"] == "ns" and summary["config"]["negative"] == 5
    r = CliRunner().invoke(main, ["info", str(out)])
    assert "loss ns" in r.output


def test_resumed_negative_sampling_run_is_bit_identical(tmp_path, corpus, monkeypatch):
    import signal
    import threading

    from hsw2v.errors import TrainingInterrupted
    from hsw2v.interrupt import StopSignals
    from hsw2v.kernels import loop

    opts = dict(loss="hs+ns", threads=1, seed=2, dim=16, min_count=1, epochs=2, quiet=True)
    whole = hsw2v.train(corpus, **opts)
    real, calls, handled = loop.train_chunk, [0], threading.Event()
    real_handle = StopSignals._handle

    def handle(self, signum, frame):
        real_handle(self, signum, frame)
        handled.set()

    def once(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 2:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            assert handled.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(StopSignals, "_handle", handle)
    monkeypatch.setattr(K, "train_chunk", once)
    ckpt = str(tmp_path / "run.ckpt")
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(corpus, checkpoint=ckpt, **opts)
    monkeypatch.setattr(K, "train_chunk", real)
    with pytest.raises(hsw2v.errors.ConfigError, match="^loss='ns' differs"):
        hsw2v.train(None, resume=ckpt, loss="ns")
    resumed = hsw2v.train(None, resume=ckpt)
    assert np.array_equal(whole.vectors, resumed.vectors)


def test_private_noise_rows_merge_into_the_shared_ones():
    # One thread training through private copies of the most frequent words' output rows
    # (merged every NEG_SYNC_UPDATES updates and at the end) ends where training on the shared
    # rows ends, up to float rounding of the merge.
    from hsw2v.kernels.loop import NEG_SYNC_UPDATES

    rng = np.random.default_rng(2)
    v, d, k = 40, 16, 5
    counts = np.sort(rng.integers(1, 500, v))[::-1].astype(np.int64)
    prob, alias = noise_table(counts, 0.75)
    words = rng.choice(v, 4000, p=counts / counts.sum()).astype(np.int32)
    ids = np.concatenate([np.append(piece, -1) for piece in np.split(words, 40)]).astype(np.int32)
    remap = np.arange(v, dtype=np.int32)
    keep = np.ones(v)
    syn0 = (rng.random((v, d), dtype=np.float32) - 0.5) / d
    results = []
    for private in (False, True):
        r0 = rows(syn0.copy())
        rn = K.padded_rows(np.zeros((v, d), np.float32), 2 * K.HOT_NEG_ROWS)[1]
        neg = K.private_neg_rows(rn, v, 2, K.HOT_NEG_ROWS)[0] if private else (None, None)
        stats = np.zeros(5)
        K.train_chunk(ids, r0, K.Reading(remap, keep, True, 3), K.Rate(0.01, 0.0, 0.0),
                      K.Scratch(np.array([5], np.uint64), np.zeros(200, np.int32),
                                np.zeros(6, np.int32), np.zeros(6 * (k + 2), np.float32),
                                np.zeros((6, r0.shape[1]), np.float32), stats),
                      noise=K.Noise(k, rn, prob, alias, neg[0], neg[1]))
        results.append((r0[:v, :d].copy(), rn[:v, :d].copy(), stats.copy()))
    (a0, an, sa), (b0, bn, sb) = results
    assert sa[1] * k > NEG_SYNC_UPDATES  # long enough for merges inside the chunk
    assert np.allclose(a0, b0, atol=5e-5) and np.allclose(an, bn, atol=5e-5)
    assert np.any(an[: min(v, K.HOT_NEG_ROWS)])
