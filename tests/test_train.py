"""Training end to end on a tiny corpus: determinism, schedules, loss, outputs, config."""
from __future__ import annotations

import importlib
import json

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v
from hsw2v import kernels
from hsw2v.cli import main
from hsw2v.config import TrainConfig, make_config
from hsw2v.errors import ConfigError
from hsw2v.threads import alpha_at, thread_rng_states
from hsw2v.train import run
from hsw2v.weights import init_weights

threads_mod = importlib.import_module("hsw2v.threads")

FAST = dict(dim=16, epochs=2, min_count=2, quiet=True)


def test_threads_1_same_seed_is_bit_identical(small_corpus):
    a = hsw2v.train(small_corpus, threads=1, seed=7, **FAST)
    b = hsw2v.train(small_corpus, threads=1, seed=7, **FAST)
    c = hsw2v.train(small_corpus, threads=1, seed=8, **FAST)
    assert a.words == b.words
    assert a.vectors.dtype == np.float32
    assert np.array_equal(a.vectors, b.vectors)
    assert not np.array_equal(a.vectors, c.vectors)


@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_training_moves_weights_and_loss_falls(small_corpus, model):
    # No subsampling: at 1e-3 this tiny corpus keeps too few words to learn in 4 epochs.
    cfg = make_config(model=model, threads=2, seed=3, dim=16, epochs=4, min_count=2, sample=0,
                      quiet=True)
    res = run([small_corpus], cfg)
    syn0_init, _ = init_weights(len(res.model.vocab), 16, 3)
    assert not np.allclose(res.model.weights.syn0, syn0_init)
    assert np.isfinite(res.model.weights.syn0).all() and np.isfinite(res.model.weights.syn1).all()
    losses = [e["loss"] for e in res.summary["epochs"]]
    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    # below the loss of the untrained model (zero tree rows: ln 2 per node of the path)
    assert losses[-1] < 0.95 * np.log(2) * res.summary["huffman_mean_code_length"]
    # every in-vocabulary word is read exactly once per epoch, whatever the thread count
    assert all(e["words"] == res.model.vocab.total for e in res.summary["epochs"])


def test_every_word_is_read_once_per_epoch_with_many_threads(small_corpus):
    res = run([small_corpus], make_config(threads=5, **FAST))
    assert [e["words"] for e in res.summary["epochs"]] == [res.model.vocab.total] * 2


@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_groups_are_learned(small_corpus, model):
    # The corpus draws each sentence's words from one of two groups plus fillers that occur
    # with both. Each group word's 5 nearest words must be exactly its group's other 5 (over
    # 3 seeds each model got 60 of 60), and the fillers must stay far from the group words:
    # a flipped gradient also sorts the groups apart, but by pushing every vector onto one
    # line (mean |cos| to the fillers measured 0.80-0.998, against 0.09-0.24 trained).
    v = hsw2v.train(small_corpus, threads=1, dim=16, epochs=10, min_count=2, sample=0,
                    model=model)
    groups = [["cat", "dog", "mouse", "horse", "cow", "sheep"],
              ["hammer", "saw", "drill", "wrench", "screw", "nail"]]
    fillers = ["the", "a", "and", "of", "with", "near"]
    for group in groups:
        for w in group:
            near = {x for x, _ in v.most_similar(w, topn=5)}
            assert near == set(group) - {w}, (w, near)
    members = [w for g in groups for w in g]
    cos = np.array([[v.similarity(a, b) for b in fillers] for a in members])
    assert np.abs(cos).mean() < 0.5, np.abs(cos).mean()


def test_alpha_schedule_is_linear_and_floored():
    cfg = TrainConfig(alpha=0.05, min_alpha=0.001).resolved()
    assert alpha_at(cfg, 0.0) == 0.05
    assert alpha_at(cfg, 0.5) == pytest.approx(0.0255)
    assert alpha_at(cfg, 1.0) == pytest.approx(0.001)
    assert alpha_at(cfg, 2.0) == pytest.approx(0.001)
    assert TrainConfig(model="cbow").resolved().alpha == 0.05
    assert TrainConfig().resolved().min_alpha == pytest.approx(0.025e-4)


def test_init_matches_word2vec():
    syn0, syn1 = init_weights(50, 20, 1)
    assert syn0.dtype == syn1.dtype == np.float32
    assert syn0.shape == (50, 20) and syn1.shape == (49, 20)
    assert np.abs(syn0).max() <= 0.5 / 20 and not np.any(syn1)
    # Made in kernel rows (the trainer uses them without a copy), block by block with the
    # same numbers as one draw of the whole matrix.
    rng = np.random.default_rng(1)
    assert np.array_equal(syn0, (rng.random((50, 20), dtype=np.float32) - np.float32(0.5))
                          / np.float32(20))
    big0, big1 = init_weights(5000, 3, 2, spare_rows=6)
    rng = np.random.default_rng(2)
    assert np.array_equal(big0, (rng.random((5000, 3), dtype=np.float32) - np.float32(0.5))
                          / np.float32(3))
    assert kernels.padded_rows(big0)[0] is big0 and kernels.padded_rows(big1, 6)[0] is big1


def test_thread_rng_states_differ_and_are_reproducible():
    a = thread_rng_states(1, 4)
    b = thread_rng_states(1, 4)
    assert len({int(s[0]) for s in a}) == 4
    assert [int(s[0]) for s in a] == [int(s[0]) for s in b]


def test_cli_train_writes_text_binary_and_summary(tmp_path, small_corpus):
    runner = CliRunner()
    for name, fmt_first in (("v.txt", b"6"), ("v.bin", None)):
        out = tmp_path / name
        r = runner.invoke(main, ["train", str(small_corpus), "-o", str(out), "--dim", "8",
                                 "--min-count", "2", "--epochs", "1", "--threads", "1", "-q"])
        assert r.exit_code == 0, r.output
        header = out.read_bytes().split(b"\n", 1)[0].split()
        assert int(header[1]) == 8
        summary = json.loads((tmp_path / (name + ".json")).read_text())
        assert summary["config"]["dim"] == 8 and summary["vocab_size"] == int(header[0])
        assert len(summary["epochs"]) == 1
        # the phases add up; loading the kernel is reported apart from training
        parts = (summary["seconds_reading"] + summary["seconds_loading_kernel"]
                 + summary["seconds_training"])
        assert summary["seconds_loading_kernel"] >= 0
        assert parts == pytest.approx(summary["seconds_total"], abs=0.005)
        assert 0 < summary["cpu_seconds_training"] < 60
    loaded_t = hsw2v.Vectors.load(tmp_path / "v.txt")
    loaded_b = hsw2v.Vectors.load(tmp_path / "v.bin")
    assert loaded_t.words == loaded_b.words
    np.testing.assert_allclose(loaded_t.vectors, loaded_b.vectors, rtol=1e-5, atol=1e-7)


def test_cli_train_output_loads_in_gensim(tmp_path, small_corpus):
    gensim_models = pytest.importorskip("gensim.models")
    for name, binary in (("v.bin", True), ("v.txt", False)):
        out = tmp_path / name
        r = CliRunner().invoke(main, ["train", str(small_corpus), "-o", str(out), "--dim", "8",
                                      "--min-count", "2", "--epochs", "1", "-q"])
        assert r.exit_code == 0, r.output
        kv = gensim_models.KeyedVectors.load_word2vec_format(str(out), binary=binary)
        ours = hsw2v.Vectors.load(out)
        assert list(kv.index_to_key) == ours.words
        np.testing.assert_allclose(kv.vectors, ours.vectors, rtol=1e-5, atol=1e-6)


def test_config_file_and_flag_precedence(tmp_path, small_corpus):
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text('model = "cbow"\ndim = 12\nmin-count = 2\nepochs = 1\n')
    cfg = make_config(cfg_file, dim=10)
    assert (cfg.model, cfg.dim, cfg.min_count) == ("cbow", 10, 2)
    out = tmp_path / "v.txt"
    r = CliRunner().invoke(main, ["train", str(small_corpus), "-o", str(out), "--config",
                                  str(cfg_file), "--dim", "6", "-q"])
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "v.txt.json").read_text())
    assert summary["config"]["model"] == "cbow" and summary["config"]["dim"] == 6


def test_shipped_configs_are_valid():
    import glob
    import os

    files = glob.glob(os.path.join(os.path.dirname(__file__), "..", "configs", "*.toml"))
    assert {os.path.basename(f) for f in files} >= {"default.toml", "sg-hs.toml", "cbow-hs.toml",
                                                     "text8.toml"}
    for f in files:
        make_config(f).resolved()
    # default.toml lists every option
    from hsw2v.config import FIELDS, load_config
    default = load_config(os.path.join(os.path.dirname(files[0]), "default.toml"))
    assert set(default) >= FIELDS - {"alpha", "min_alpha", "threads", "max_vocab", "format",
                                     "save_vocab", "read_vocab", "checkpoint",
                                     "checkpoint_every", "resume", "negative", "from_model",
                                     "save_model", "init_vectors", "dask", "sync_words",
                                     "dask_slots", "subwords"}  # (None by default: commented out)


@pytest.mark.parametrize("key,value,msg", [
    ("dim", 0, "--dim 0 is out of range"), ("window", 0, "--window 0"),
    ("alpha", -0.1, "--alpha -0.1"), ("sample", -1, "--sample -1"),
    ("threads", 0, "--threads 0"), ("epochs", 0, "--epochs 0"), ("model", "skipgram", "sg or cbow"),
    ("shuffle", "yes", "shuffle must be true or false"),
])
def test_bad_options_name_the_value(key, value, msg):
    with pytest.raises(ConfigError, match=msg.replace("(", r"\(")):
        make_config(**{key: value}).resolved()


def test_unknown_config_key_suggests_the_right_one(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("min_cout = 3\n")
    with pytest.raises(ConfigError, match="did you mean 'min_count'"):
        make_config(f)


def test_save_and_read_vocab_round_trip(tmp_path, small_corpus):
    vocab_file = tmp_path / "vocab.txt"
    a = hsw2v.train(small_corpus, threads=1, save_vocab=str(vocab_file), **FAST)
    b = hsw2v.train(small_corpus, threads=1, read_vocab=str(vocab_file), **FAST)
    assert a.words == b.words
    assert np.array_equal(a.vectors, b.vectors)
    assert vocab_file.read_text().splitlines()[0].split()[0] == a.words[0]


def test_max_vocab_keeps_exactly_n(small_corpus):
    v = hsw2v.train(small_corpus, threads=1, max_vocab=5, **FAST)
    assert len(v) == 5


def test_quiet_does_not_leak_the_log_level(tmp_path, small_corpus):
    import logging

    from hsw2v.train import train_to_file

    logger = logging.getLogger("hsw2v")
    before = logger.level
    train_to_file([small_corpus], str(tmp_path / "v.txt"), quiet=True, **{
        k: v for k, v in FAST.items() if k != "quiet"})
    assert logger.level == before


@pytest.mark.parametrize("model, threads, dim", [("sg", 2, 20), ("cbow", 1, 40)])
def test_warm_up_loads_the_specialisation_training_calls(monkeypatch, small_corpus, model,
                                                         threads, dim):
    # The warm-up (before the clock and the bar start) is only worth it if it loads the
    # specialisation the epochs call: every call of the jitted kernel must have the same types.
    from numba import typeof

    from hsw2v.kernels import loop as kernels  # train_chunk calls loop's entry points

    seen = []

    def spy(name, real):
        def call(*args):
            seen.append((name, *(typeof(a) for a in args)))
            return real(*args)
        return call

    for name in ("train_rows", "train_rows_hs_sg", "train_rows_hs_cbow", "train_rows_ns_sg",
                 "train_rows_ns_cbow"):
        monkeypatch.setattr(kernels, name, spy(name, getattr(kernels, name)))
    run(small_corpus, make_config(model=model, threads=threads, dim=dim, min_count=1, epochs=1))
    assert len(seen) > 1 and set(seen) == {seen[0]}
    assert seen[0][0] == f"train_rows_hs_{model}"  # the default: this model's plain HS loop


def test_a_thread_that_finishes_first_takes_chunks_from_the_back_of_another(monkeypatch,
                                                                            small_corpus):
    # Thread 0 is slowed down: thread 1 must train the back of range 0 after its own range,
    # every word must still be read once per epoch, and the ranges' positions must meet.
    import time

    from hsw2v import kernels

    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    real = kernels.train_chunk
    calls = []  # (thread, entries of the call)

    def spy(ids, *args, **kwargs):
        rng = args[3].rng  # (syn0, reading, rate, scratch)
        t = next(i for i, r in enumerate(trainers[0].rngs) if r is rng)
        calls.append((t, len(ids)))
        if t == 0:
            time.sleep(0.01)
        return real(ids, *args, **kwargs)

    trainers = []
    init = threads_mod.Trainer.__init__

    def keep(self, *a, **k):
        init(self, *a, **k)
        trainers.append(self)

    monkeypatch.setattr(threads_mod.Trainer, "__init__", keep)
    monkeypatch.setattr(kernels, "train_chunk", spy)
    res = run(small_corpus, make_config(threads=2, epochs=2, dim=8, min_count=1, quiet=True))
    tr = trainers[-1]
    entries = [sum(n for t, n in calls if t == u and n > 1) for u in (0, 1)]
    own = np.diff(tr.starts[tr.first])  # entries per range
    assert entries[1] > own[1] * 2  # thread 1 trained more than its own range
    assert sum(entries) == int(own.sum()) * 2  # every entry once per epoch
    assert [e["words"] for e in res.summary["epochs"]] == [res.model.vocab.total] * 2


def test_what_each_thread_writes_shares_no_cache_line_with_another_thread(small_corpus):
    import importlib

    train_mod = importlib.import_module("hsw2v.train")
    cfg = make_config(threads=3, epochs=1, dim=8, min_count=1, quiet=True).resolved()
    vocab, stream, remap = threads_mod.prepare([str(small_corpus)], cfg, train_mod.CorpusStats())
    syn0, syn1 = init_weights(len(vocab), cfg.dim, 0, 3 * kernels.HOT_ROWS[cfg.model])
    model = train_mod.Model(vocab, train_mod.build_huffman(vocab.counts),
                            train_mod.Weights(syn0, syn1))
    tr = threads_mod.Trainer(cfg, model, stream, remap)

    def lines(a):  # 128-byte blocks (cache-line pairs) that array ``a`` touches
        addr = a.__array_interface__["data"][0]
        return set(range(addr // 128, (addr + max(a.nbytes, 1) - 1) // 128 + 1))

    per_thread = [set().union(*(lines(a) for a in (tr.rngs[t], tr.stats[t], *tr.scratch[t])))
                  for t in range(3)]
    for t in range(3):
        for u in range(t):
            assert not per_thread[t] & per_thread[u], (t, u)
    stream.close()


def test_state_with_chunks_taken_from_the_back_restores_exactly(monkeypatch, small_corpus):
    import dataclasses
    import importlib

    from hsw2v.errors import CheckpointError

    train_mod = importlib.import_module("hsw2v.train")
    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    cfg = make_config(threads=2, epochs=2, dim=8, min_count=1, quiet=True).resolved()

    def trainer():
        vocab, stream, remap = threads_mod.prepare([str(small_corpus)], cfg, train_mod.CorpusStats())
        syn0, syn1 = init_weights(len(vocab), cfg.dim, 0)
        model = train_mod.Model(vocab, train_mod.build_huffman(vocab.counts),
                            train_mod.Weights(syn0, syn1))
        return threads_mod.Trainer(cfg, model, stream, remap)

    a = trainer()
    taken = set()
    n1 = int(np.diff(a.first)[1])
    n0 = int(np.diff(a.first)[0])
    while a.front[1] < n1:  # thread 1 runs out of its own chunks ...
        claim = a._claim(1)
        r, k, stop = claim
        assert r == 1 and stop - k == min(max(1, (n1 - k) // 4), threads_mod.CLAIM)
        taken.update((r, j) for j in range(k, stop))
        a.done[r] += int(a.before[r][stop] - a.before[r][k])
    for t in [1, 1, 1, 0]:  # ... takes three chunks from the back of range 0, one at a time
        r, k, stop = a._claim(t)
        assert r == 0 and (stop - k == 1 or t == 0)
        assert not any((r, j) in taken for j in range(k, stop))
        taken.update((r, j) for j in range(k, stop))
        a.done[r] += int(a.before[r][stop] - a.before[r][k])
    assert (a.front, a.back) == ([min(max(1, (n0 - 3) // 4), threads_mod.CLAIM), n1], [n0 - 3, n1])
    state = a.state()
    b = trainer()
    b.restore(state)
    assert (b.front, b.back, b.done) == (a.front, a.back, a.done)
    # the claims left are exactly the chunks not taken yet
    rest = set()
    while (claim := b._claim(0) or b._claim(1)) is not None:
        r, k, stop = claim
        assert not any((r, j) in rest for j in range(k, stop))
        rest.update((r, j) for j in range(k, stop))
    every = {(r, k) for r in range(2) for k in range(int(np.diff(a.first)[r]))}
    assert rest | taken == every and not rest & taken
    with pytest.raises(CheckpointError, match="do not fit"):
        trainer().restore(dataclasses.replace(state, done=state.done + 1))


@pytest.mark.parametrize("shuffle", [True, False])
def test_each_epoch_trains_every_chunk_once_in_its_order(monkeypatch, small_corpus, shuffle):
    # With shuffle each epoch draws a new order of the chunks (reproducibly); without, corpus
    # order. Either way the stream reads of an epoch tile the stream exactly once.

    from hsw2v.encoding import IdStream

    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    reads = []
    real = IdStream.read

    def spy(self, start, count):
        if count < (1 << 20):  # not the chunk table's block reads
            reads.append((start, len(real(self, start, count)), self.n))
        return real(self, start, count)

    monkeypatch.setattr(IdStream, "read", spy)

    def epochs():
        reads.clear()
        run(small_corpus, make_config(threads=1, epochs=2, dim=8, min_count=1, quiet=True,
                                      shuffle=shuffle, seed=3))
        n = reads[0][2]
        out, cur, covered = [], [], 0
        for start, count, _ in reads:
            cur.append((start, count))
            covered += count
            if covered == n:
                out.append(cur)
                cur, covered = [], 0
        assert not cur and len(out) == 2
        for ep in out:  # the reads of an epoch tile [0, n) exactly
            pos = 0
            for start, count in sorted(ep):
                assert start == pos
                pos += count
            assert pos == n
        return [[start for start, _ in ep] for ep in out]

    first = epochs()
    assert epochs() == first  # reproducible
    if shuffle:
        assert first[0] != sorted(first[0]) and first[0] != first[1]
    else:
        assert first[0] == sorted(first[0]) == first[1]


# ------------------------------------------------------------ the Python API shows the run (12)
def test_train_returns_vectors_that_carry_the_run_summary(small_corpus):
    from hsw2v.vectors import Vectors
    v = hsw2v.train(small_corpus, threads=1, **FAST)
    assert isinstance(v, Vectors)
    s = v.summary
    assert s["vocab_size"] == len(v) and s["config"]["dim"] == 16
    assert [e["epoch"] for e in s["epochs"]] == [1, 2]
    assert all(e["loss"] > 0 and e["words"] > 0 for e in s["epochs"])
    assert s["seconds_training"] >= 0 and s["tokens"] > 0
    assert Vectors(["a", "b"], np.eye(2)).summary is None


def test_epoch_lines_are_logged_at_info_without_a_bar(small_corpus, caplog, capsys):
    import logging
    caplog.set_level(logging.INFO, logger="hsw2v")
    hsw2v.train(small_corpus, threads=1, **{**FAST, "epochs": 3})
    lines = [r.getMessage() for r in caplog.records if r.name == "hsw2v.train"
             and r.levelno == logging.INFO and r.getMessage().startswith("epoch ")]
    assert [x.split(":")[0] for x in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert all("loss " in x and "words/s" in x for x in lines)
    assert capsys.readouterr().err == ""  # quiet by default: no progress bar


def test_output_writes_the_vectors_and_summary_as_the_cli_does(tmp_path, small_corpus, caplog):
    import logging

    from hsw2v.vectors import Vectors
    caplog.set_level(logging.INFO, logger="hsw2v")
    out = tmp_path / "v.bin"
    v = hsw2v.train(small_corpus, threads=1, output=out, **FAST)
    saved = Vectors.load(out)
    assert saved.words == v.words and np.array_equal(saved.vectors, v.vectors)
    on_disk = json.loads((tmp_path / "v.bin.json").read_text())
    assert on_disk["output"] == str(out) and on_disk["epochs"] == v.summary["epochs"]
    assert on_disk["vocab_size"] == v.summary["vocab_size"] == len(v)
    assert any(r.getMessage().startswith("epoch 2/2: loss") for r in caplog.records)


@pytest.mark.parametrize("option", ["output", "save_vocab", "checkpoint"])
def test_python_outputs_that_are_the_corpus_are_refused(tmp_path, small_corpus, option):
    before = small_corpus.read_bytes()
    link = tmp_path / "link.txt"
    link.symlink_to(small_corpus)
    with pytest.raises(ConfigError, match="is the same file as the corpus file"):
        hsw2v.train(small_corpus, threads=1, **{option: str(link)}, **FAST)
    assert small_corpus.read_bytes() == before


def test_inline_one_thread_trainer_starts_no_thread_and_trains_the_same(monkeypatch,
                                                                        small_corpus):
    """The cluster's rounds train in the task's thread (``Trainer(inline=True)``): the same
    weights, limits and states as the threaded path, and no thread started."""
    import importlib
    import threading

    train_mod = importlib.import_module("hsw2v.train")
    monkeypatch.setattr(threads_mod, "CHUNK", 64)  # several chunks: a limit stops mid-epoch
    cfg = make_config(threads=1, epochs=2, dim=8, min_count=1, quiet=True, seed=3).resolved()

    def trainer(inline):
        vocab, stream, remap = threads_mod.prepare([str(small_corpus)], cfg, train_mod.CorpusStats())
        syn0, syn1 = init_weights(len(vocab), cfg.dim, 0)
        model = train_mod.Model(vocab, train_mod.build_huffman(vocab.counts),
                            train_mod.Weights(syn0, syn1))
        return threads_mod.Trainer(cfg, model, stream, remap, inline=inline, claim_max=1)

    a, b = trainer(False), trainer(True)
    half = a.words[0] // 2
    first = a.run_epoch(0, limit=half)
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    assert first is None and b.run_epoch(0, limit=half) is None  # stopped at the limit
    assert (a.front, a.back, a.done) == (b.front, b.back, b.done)
    monkeypatch.undo()
    ta = a.run_epoch(0)
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    tb = b.run_epoch(0)
    assert not started
    assert np.array_equal(ta, tb)
    assert np.array_equal(a.model.weights.syn0, b.model.weights.syn0) and np.array_equal(a.model.weights.syn1,
                                                                         b.model.weights.syn1)


def test_inline_two_thread_trainer_starts_its_helper_once(monkeypatch, small_corpus):
    """With more threads, an inline trainer runs thread 0 in the caller and the others in
    threads started on the first call and kept until close(): none starts or ends per round."""
    import importlib
    import threading

    train_mod = importlib.import_module("hsw2v.train")
    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    cfg = make_config(threads=2, epochs=2, dim=8, min_count=1, quiet=True, seed=3).resolved()
    vocab, stream, remap = threads_mod.prepare([str(small_corpus)], cfg, train_mod.CorpusStats())
    syn0, syn1 = init_weights(len(vocab), cfg.dim, 0)
    initial = syn0.copy()
    model = train_mod.Model(vocab, train_mod.build_huffman(vocab.counts),
                            train_mod.Weights(syn0, syn1))
    tr = threads_mod.Trainer(cfg, model, stream, remap, inline=True, claim_max=1)
    started = []
    real_start = threading.Thread.start

    def start(self):
        started.append(self)
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    total, rounds, results = sum(tr.words), 0, []
    for epoch in range(2):
        for k in range(1, 5):  # an epoch in 4 rounds, as the cluster trainer does
            results.append(tr.run_epoch(epoch, limit=-(-k * total // 4)))
            rounds += 1
    assert rounds == 8 and len(started) == 1  # one helper, started by the first round
    helper = started[0]
    assert helper.is_alive()
    # each epoch ended in its last round, with every word of the epoch read by the 2 threads
    assert [r is None for r in results] == [True, True, True, False] * 2
    assert results[-1][2] == total and tr.epoch == 2
    assert np.isfinite(model.weights.syn0).all() and not np.array_equal(model.weights.syn0, initial)
    tr.close()
    helper.join(5)
    assert not helper.is_alive()


@pytest.mark.parametrize("loss, width", [("hs", 0.5), ("ns", 1.0), ("hs+ns", 0.5),
                                         ("softmax", 0.5)])
def test_input_vectors_start_at_the_objectives_width(small_corpus, monkeypatch, loss, width):
    """word2vec's ±0.5/dim, except negative sampling alone: gensim's ±1/dim (measured better,
    scripts/README.md "Negative sampling"); the same random numbers, scaled."""
    import importlib

    from hsw2v.weights import init_width

    train_mod = importlib.import_module("hsw2v.train")
    assert init_width(tuple(loss.split("+"))) == width
    half, _ = init_weights(40, 16, 7)
    assert 0.45 / 16 < np.abs(half).max() <= 0.5 / 16
    scaled, _ = init_weights(40, 16, 7, width=width)
    assert np.array_equal(scaled, half * np.float32(2 * width))
    seen = []
    real = train_mod.init_weights

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        seen.append(np.abs(out[0]).max() * args[1])  # max |x| * dim
        return out

    monkeypatch.setattr(train_mod, "init_weights", spy)
    run([small_corpus], make_config(loss=loss, threads=1, seed=3, dim=16, epochs=1,
                                    min_count=2, quiet=True))
    assert len(seen) == 1 and 0.9 * width < seen[0] <= width


# ------------------------------------------------------------------------------------------
# The exact softmax: chunks cut by time, private rows per thread (issue 24)
# ------------------------------------------------------------------------------------------

def test_softmax_chunks_are_cut_by_time():
    import importlib  # noqa: PLC0415

    from hsw2v.config import make_config  # noqa: PLC0415
    tm = importlib.import_module("hsw2v.threads")
    big = np.sort(np.random.default_rng(0).zipf(1.3, 20000).astype(np.float64))[::-1] + 5
    cfg = make_config(loss="softmax", dim=100).resolved()
    small = tm.softmax_chunk(cfg, big)
    # ~0.25 s of one thread's work by the estimate: far below a sentence piece of text8
    seconds = small * tm._softmax_seconds_per_word(cfg, big)
    assert 16 <= small < 2000 and 0.1 < seconds <= tm.SOFTMAX_CHUNK_SECONDS + 1e-9
    assert tm.softmax_chunk(cfg, big[:50]) == tm.CHUNK  # a tiny vocabulary: the usual chunks
    # bigger dimension or vocabulary: smaller chunks
    assert tm.softmax_chunk(make_config(loss="softmax", dim=300).resolved(), big) < small


def test_chunk_table_hard_cut_splits_a_long_piece(tmp_path):
    from hsw2v.encoding import IdStream  # noqa: PLC0415

    with IdStream(str(tmp_path)) as s:
        s.append(np.array(list(range(10)) * 10 + [-1] + [1, 2, -1], np.int32))
        remap = np.arange(10, dtype=np.int32)
        soft, _ = s.chunk_table(remap, 30)
        hard, before = s.chunk_table(remap, 30, hard=True)
    assert soft.tolist() == [0, 101, 104]  # whole pieces only
    assert hard.tolist() == [0, 30, 60, 90, 104]  # inside the piece, every 30 entries
    assert before[1] == 30 and before[-1] == 102


def test_two_thread_softmax_trains_on_private_rows_and_merges_them(small_corpus):
    # Each thread trains its own copy of the output rows and adds its change to the shared
    # ones after every chunk: the run learns as one thread's does (loss within a few %), and
    # the shared rows (the model's) hold the training.
    one = hsw2v.train(small_corpus, loss="softmax", threads=1, dim=16, epochs=3, min_count=2,
                      quiet=True)
    two = hsw2v.train(small_corpus, loss="softmax", threads=2, dim=16, epochs=3, min_count=2,
                      quiet=True)
    l1 = [e["loss"] for e in one.summary["epochs"]]
    l2 = [e["loss"] for e in two.summary["epochs"]]
    assert l2[-1] < l2[0] and abs(l2[-1] - l1[-1]) < 0.05 * l1[-1]
    assert np.all(np.isfinite(two.vectors))


def test_a_softmax_run_cuts_its_chunks_by_time(small_corpus, monkeypatch):
    import importlib  # noqa: PLC0415

    tm = importlib.import_module("hsw2v.threads")
    asked, calls = [], []
    monkeypatch.setattr(tm, "softmax_chunk", lambda cfg, counts: asked.append(len(counts)) or 16)
    real = kernels.train_chunk

    def counting(ids, *args, **kwargs):
        calls.append(len(ids))
        return real(ids, *args, **kwargs)

    monkeypatch.setattr(kernels, "train_chunk", counting)
    hsw2v.train(small_corpus, loss="softmax", threads=1, dim=8, epochs=1, min_count=2,
                quiet=True)
    assert asked and max(calls) <= 16 * tm.RUN_CHUNKS  # chunks of 16 entries, cut in pieces


def test_warm_up_default_compiles_the_default_training_loop():
    import importlib  # noqa: PLC0415

    from hsw2v.kernels import loop  # noqa: PLC0415
    importlib.import_module("hsw2v.train").warm_up_default()
    width = len(kernels.blocks_of(np.zeros((1, kernels.row_stride(100)), np.float32), 100))
    assert width in {sig[0][15].count for sig in loop.train_rows_hs_sg.signatures}  # blocks


def test_demo_warms_what_a_default_train_runs(monkeypatch):
    import importlib  # noqa: PLC0415

    called = []
    monkeypatch.setattr(importlib.import_module("hsw2v.train"), "warm_up_default",
                        lambda: called.append(1))
    r = CliRunner().invoke(main, ["demo", "-q", "--epochs", "1"])
    assert r.exit_code in (0, 1), r.output  # (1 epoch may not recover the structure)
    assert called == [1]
