"""Training on a Dask cluster: the same vocabulary and (with one worker) the same vectors as a
local run, a killed worker loses nothing, bad clusters are refused in one line.

One LocalCluster of 2 worker processes x 1 thread serves the module (starting one costs
seconds); the one-worker exactness test starts its own through ``--dask local:1``. Worker
processes are forked from a warm server (see ``conftest.local_cluster``); one test trains
through a command line of its own, whose workers are spawned as a user's are.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import signal

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v
from conftest import cluster_client, make_corpus_text
from hsw2v import distributed as dist
from hsw2v.cli import main
from hsw2v.config import make_config
from hsw2v.errors import ConfigError, DistributedError
from hsw2v.train import run
from hsw2v.vectors import Vectors
from hsw2v.weights import init_weights

distributed = pytest.importorskip("distributed")  # in the test extra: CI always has it

OPTS = dict(dim=12, epochs=3, min_count=2, seed=5, quiet=True, threads=1)


@pytest.fixture(scope="module")
def client():
    with cluster_client() as c:
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four files (one a single long line): ~48,000 tokens, a few chunks per worker, and
    3,000 rare words (each twice, side by side: all in one chunk) that most rounds leave alone."""
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "a.txt").write_text(make_corpus_text(2000, seed=1))
    (folder / "b.txt").write_text(make_corpus_text(1500, seed=2))
    (folder / "c.txt").write_text(make_corpus_text(1000, seed=3).replace("\n", " "))
    (folder / "d.txt").write_text("".join(f"the r{k} r{k} of\n" for k in range(3000)))
    return [str(folder / n) for n in ("a.txt", "b.txt", "c.txt", "d.txt")]


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("loss, model, extra", [
    ("hs", "sg", ["--epochs", 3]), ("ns", "cbow", []), ("hs+ns", "sg", []),
    ("softmax", "sg", ["--max-vocab", 200]),  # (the exact softmax: O(V) a prediction)
    # held-out chunks, scored each epoch; with this seed an epoch's order ends in held-out
    # chunks (no words), which the last round of the epoch must still take
    ("hs", "cbow", ["--holdout", 0.2, "--epochs", 4, "--seed", 3])])
def test_one_worker_gives_the_local_run_bit_for_bit(tmp_path, corpus, loss, model, extra):
    local = tmp_path / "local.bin"
    remote = tmp_path / "remote.bin"
    common = ["--dim", 12, "--epochs", 2, "--min-count", 2, "--seed", 5, "--threads", 1, "-q",
              "--loss", loss, "--model", model, *extra]
    r = cli("train", *corpus, "-o", local, *common, "--save-vocab", tmp_path / "local.vocab")
    assert r.exit_code == 0, r.output
    r = cli("train", *corpus, "-o", remote, *common, "--dask", "local:1", "--sync-words", 4000,
            "--save-vocab", tmp_path / "remote.vocab")
    assert r.exit_code == 0, r.output
    a, b = Vectors.load(str(local)), Vectors.load(str(remote))
    assert a.words == b.words
    assert np.array_equal(a.vectors, b.vectors)
    assert (tmp_path / "local.vocab").read_bytes() == (tmp_path / "remote.vocab").read_bytes()
    import json

    summaries = [json.loads((tmp_path / f"{n}.bin.json").read_text()) for n in ("local",
                                                                                  "remote")]
    summary = summaries[1]["distributed"]
    assert summary["workers"] == 1 and summary["rounds"] >= 4  # several rounds per epoch
    # the same loss per epoch (each objective's own with hs+ns), and the objective recorded
    assert [{k: v for k, v in e.items() if k != "seconds"} for e in summaries[0]["epochs"]] == [
        {k: v for k, v in e.items() if k != "seconds"} for e in summaries[1]["epochs"]]
    assert summaries[1]["config"]["loss"] == loss
    if "--holdout" in extra:
        assert all(e["holdout_loss"] > 0 for e in summaries[1]["epochs"])
    # one run, two engines: the same summary keys (the cluster adds its own part only)
    assert set(summaries[1]) - {"distributed"} == set(summaries[0])
    assert summaries[1]["cpu_seconds_training"] > 0
    # points within epochs (after rounds), not only at epochs' ends
    assert len(summaries[1]["loss_curve"]) > 2 * len(summaries[1]["epochs"])


def test_both_engines_log_and_record_the_same(tmp_path, client, corpus, caplog):
    """-q on either engine: the epoch lines logged at INFO, a loss curve that ``hsw2v plot
    loss`` draws without the warning for summaries of older versions."""
    caplog.set_level(logging.INFO, logger="hsw2v")
    lines = {}
    for name, extra in (("local", {}), ("cluster", {"dask": client})):
        caplog.clear()
        out = tmp_path / f"{name}.bin"
        hsw2v.train(corpus, output=str(out), **extra, **OPTS)
        lines[name] = [r.getMessage().split(":")[0] for r in caplog.records
                       if r.levelno == logging.INFO and r.getMessage().startswith("epoch ")]
        caplog.clear()
        r = cli("plot", "loss", str(out) + ".json", "-o", tmp_path / f"{name}.png")
        assert r.exit_code == 0, r.output
        assert not [rec for rec in caplog.records if "loss_curve" in rec.getMessage()]
    assert lines["local"] == lines["cluster"] == [f"epoch {e}/3" for e in (1, 2, 3)]


def test_given_slots_train_the_same_schedule_on_any_number_of_workers(tmp_path, client, corpus):
    """--dask-slots 2: one worker trains both slots (in turn) to the vectors two workers give
    (without it the slots would be the workers alive at the start: another schedule)."""
    two = run(corpus, make_config(dask_slots=2, sync_words=4000, **OPTS), client=client)
    out = tmp_path / "one.bin"
    r = cli("train", *corpus, "-o", out, "--dim", 12, "--epochs", 3, "--min-count", 2,
            "--seed", 5, "--threads", 1, "-q", "--dask", "local:1", "--dask-slots", 2,
            "--sync-words", 4000)
    assert r.exit_code == 0, r.output
    one = Vectors.load(str(out))
    assert one.words == two.model.vocab.words
    assert np.array_equal(one.vectors, two.model.weights.syn0[:, :12])
    import json

    d = json.loads((tmp_path / "one.bin.json").read_text())["distributed"]
    assert (d["slots"], d["workers"]) == (2, 1)
    assert (two.summary["distributed"]["slots"], two.summary["distributed"]["workers"]) == (2, 2)
    r = cli("train", *corpus, "-o", tmp_path / "bad.bin", "--dask", "local:1", "--dask-slots", 0)
    assert r.exit_code == 2 and "--dask-slots 0 is out of range" in r.output
    assert not (tmp_path / "bad.bin").exists()


def test_two_workers_count_exactly_the_local_vocabulary(tmp_path, client, corpus):
    hsw2v.train(corpus, save_vocab=str(tmp_path / "local.vocab"), **OPTS)
    result = run(corpus, make_config(save_vocab=str(tmp_path / "dask.vocab"), **OPTS),
                          client=client)
    assert (tmp_path / "local.vocab").read_bytes() == (tmp_path / "dask.vocab").read_bytes()
    s = result.summary
    assert s["distributed"]["workers"] == 2
    # Each worker read about half of the bytes, cut inside a file (not at file ends).
    shards = s["distributed"]["shards"]
    assert len(shards) == 2 and any("[" in x for g in shards for x in g)
    local = run(corpus, make_config(**OPTS))
    for key in ("tokens", "bytes", "vocab_size", "training_words_per_epoch"):
        assert s[key] == local.summary[key], key


def test_two_workers_train_a_model_sending_only_changed_rows(client, corpus):
    cfg = make_config(sync_words=2000, **OPTS)
    result = run(corpus, cfg, client=client)
    d = result.summary["distributed"]
    epochs = result.summary["epochs"]
    assert len(epochs) == 3 and epochs[-1]["loss"] < epochs[0]["loss"]
    assert sum(e["words"] for e in epochs) == 3 * result.summary["training_words_per_epoch"]
    assert d["rounds"] == len(d["bytes_sent_per_round"]) == len(d["bytes_received_per_round"])
    # Rounds of fewer words than the local trainer's chunks: chunks of --sync-words entries.
    assert d["chunk"] == 2000 and d["rounds_per_epoch"] == -(-max(d["slot_words_per_epoch"])
                                                              // 2000)
    full = d["bytes_initial_model"]  # the whole model, once to each worker
    sent = [b for b in d["bytes_sent_per_round"] if b]
    assert len(sent) >= 6 and np.median(sent) < full / 2
    assert 0 < np.median([b for b in d["bytes_received_per_round"] if b]) < full / 2
    syn0 = result.model.weights.syn0
    assert np.isfinite(syn0).all()
    # Related words are nearer than unrelated ones (the corpus has two topics).
    v = Vectors(result.model.vocab.words, syn0)
    assert v.similarity("cat", "dog") > v.similarity("cat", "hammer")


@pytest.mark.parametrize("loss, model, sync", [("ns", "sg", 2000), ("hs+ns", "cbow", None)])
def test_two_workers_train_negative_sampling(client, corpus, loss, model, sync):
    cfg = make_config(sync_words=sync, loss=loss, model=model, **OPTS)
    result = run(corpus, cfg, client=client)
    epochs, m = result.summary["epochs"], result.model
    # (negative sampling's default rounds: 32,768 words at 2 workers, not 262,144)
    assert result.summary["distributed"]["sync_words"] == (sync or 32768)
    assert len(epochs) == 3 and epochs[-1]["loss"] < epochs[0]["loss"]
    assert ("loss_ns" in epochs[0]) == (loss == "hs+ns")
    assert m.weights.syn1neg is not None and m.weights.syn1neg.shape == m.weights.syn0.shape
    assert np.isfinite(m.weights.syn1neg).all() and np.abs(m.weights.syn1neg).max() > 0
    assert (m.weights.syn1.shape[0] > 0) == ("hs" in loss)
    # the noise rows of rare words change too (any word may be drawn), but not all are sent
    d = result.summary["distributed"]
    assert 0 < np.median([b for b in d["bytes_received_per_round"] if b]) < d[
        "bytes_initial_model"]
    v = Vectors(m.vocab.words, m.weights.syn0)
    assert v.similarity("cat", "dog") > v.similarity("cat", "hammer")


def test_overlapping_rounds_train_and_say_so(client, corpus):
    cfg = make_config(sync_words=2000, **OPTS)
    runs = {o: run(corpus, dataclasses.replace(cfg, overlap=o), client=client)
            for o in (False, True)}
    for o, r in runs.items():
        d = r.summary["distributed"]
        assert d["overlap"] is o and d["rounds"] == len(d["bytes_sent_per_round"])
        epochs = r.summary["epochs"]
        assert epochs[-1]["loss"] < epochs[0]["loss"]
        v = Vectors(r.model.vocab.words, r.model.weights.syn0)
        assert v.similarity("cat", "dog") > v.similarity("cat", "hammer")
    # the same rounds, but each worker sees the other's changes one round later
    assert runs[False].summary["distributed"]["rounds"] == runs[True].summary["distributed"][
        "rounds"]
    assert not np.array_equal(runs[False].model.weights.syn0, runs[True].model.weights.syn0)


def test_an_overlapping_round_starts_from_the_model_plus_its_own_changes(corpus):
    """A worker's round with its own last changes not yet in its model (``overlap``) trains
    exactly as a round from a model that holds them, and returns the difference."""
    cfg = make_config(**OPTS).resolved()
    files, groups = dist._plan(corpus, 1)
    out = {}
    rows0, rows1 = np.array([0, 3, 9], np.int32), np.array([0, 1, 5], np.int32)
    changes = (np.random.default_rng(0).standard_normal((3, cfg.dim)) * 1e-2).astype(np.float32)
    own = {"rows0": rows0, "vals0": changes, "rows1": rows1,
           "vals1": np.full((3, cfg.dim), 1e-3, np.float32)}
    for overlap in (True, False):
        spec = dist._Spec(f"test-own-{overlap}", cfg, groups, 2000)
        r = dist._count_words(spec, 0)
        words, counts = dist._merge_counts([r], cfg.prune_at)
        vocab = dist.build_vocab(words, counts, cfg.min_count, cfg.max_vocab)
        syn0, syn1 = init_weights(len(vocab), cfg.dim, cfg.seed)
        syn1 = syn1 + np.float32(0.01)  # (zero at first: a difference would not show)
        start0, start1 = syn0.copy(), syn1.copy()
        start0[rows0] = syn0[rows0] + own["vals0"]
        start1[rows1] = syn1[rows1] + own["vals1"]
        base = (syn0, syn1) if overlap else (start0, start1)
        state = dist._setup(spec, 0, vocab, dist._Rows(0, dict(zip("01", base))))["state"]
        prev = dict(own, state=state) if overlap else {"state": state}
        try:
            got = dist._round(spec, 0, vocab, 0, None, prev, 0, 3000, overlap=overlap)
            job = dist._job(spec.job)
            work = job.slots[0].trainer.model
            # the working copy is the model again (without the own changes)
            assert np.array_equal(work.weights.syn0, job.mats["0"])
            assert np.array_equal(work.weights.syn1, job.mats["1"])
        finally:
            dist._forget(spec.job)
        out[overlap] = got, (start0, start1)
    (a, (s0, s1)), (b, _) = out[True], out[False]
    for name, start in (("0", s0), ("1", s1)):
        assert len(a["rows" + name]) > 3
        assert np.array_equal(a["rows" + name], b["rows" + name])
        # the changes, exactly as float32 differences of the new values and the start
        assert np.array_equal(a["vals" + name], b["vals" + name] - start[b["rows" + name]])
    assert a["state"].rng.tolist() == b["state"].rng.tolist()


class _KillRound(distributed.WorkerPlugin):
    """Kill the worker process that starts a given round task (once: a marker file)."""

    def __init__(self, needle: str, marker: str):
        self.needle, self.marker = needle, marker

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and self.needle in str(key) and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("overlap, loss, kill", [
    (False, "hs", 4), (True, "hs", 4), (True, "hs+ns", 4),
    # the first round (it starts from the initial model, sent before any round: a run once
    # died here with an IndexError instead of recovering)
    (False, "hs", 0), (True, "hs", 0)])
def test_a_killed_worker_loses_nothing(tmp_path, client, corpus, overlap, loss, kill):
    cfg = make_config(sync_words=3000, overlap=overlap, loss=loss, **OPTS)
    clean = run(corpus, cfg, client=client)
    marker = str(tmp_path / "killed")
    # a cluster of its own: the module's keeps its 2 workers (a nanny's replacement can take
    # minutes on a busy machine)
    with cluster_client() as c:
        c.register_plugin(_KillRound(f"-round-{kill}-1-", marker), name="kill-round")
        hurt = run(corpus, cfg, client=c)
    assert os.path.exists(marker)  # a worker died mid-run ...
    d = hurt.summary["distributed"]
    assert d["slot_moves"] + d["full_model_resends"] + d["round_tasks_resubmitted"] >= 1
    # ... and its round was recomputed from the same model version, state and seed.
    assert np.array_equal(clean.model.weights.syn0, hurt.model.weights.syn0)


def test_combine_rules_against_a_reference(monkeypatch):
    monkeypatch.setattr(dist, "HOT", 3.0)  # rows 2 (weights 2 + 4) and 5 (3 + 1) are hot
    rng = np.random.default_rng(0)
    syn = rng.random((6, 3), dtype=np.float32)
    parts = [(np.array([0, 2, 5], np.int32), rng.random((3, 3), dtype=np.float32),
              np.array([1, 2, 3], np.float32)),
             (np.array([2, 3, 5], np.int32), rng.random((3, 3), dtype=np.float32),
              np.array([4, 1, 1], np.float32))]
    base = syn.astype(np.float64)
    for rule in ("sum", "average", "weighted", "mixed"):
        want = base.copy()
        change = np.zeros_like(base)
        weight = np.zeros(6)
        count = np.zeros(6)
        for rows, vals, w in parts:
            d = vals - base[rows]
            change[rows] += d * (w[:, None] if rule == "weighted" else 1)
            weight[rows] += w
            count[rows] += 1
        touched = weight > 0
        if rule == "sum":
            want += change
        elif rule == "average":
            want += change / 2
        elif rule == "weighted":
            want[touched] += change[touched] / weight[touched, None]
        else:
            div = np.clip(weight / 3.0, 1, np.maximum(count, 1))
            assert div.tolist() == [1, 1, 2, 1, 1, 4 / 3]
            want += change / div[:, None]
        got = syn.copy()
        rows, vals = dist.combine(got, parts, rule, 2)
        assert rows.tolist() == [0, 2, 3, 5]
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
        assert np.array_equal(got[rows], vals)
        if rule != "average":  # a row one worker changed takes its value exactly
            assert np.array_equal(got[0], parts[0][1][0]) and np.array_equal(got[3],
                                                                            parts[1][1][1])


def test_hot_threshold_rises_as_the_learning_rate_falls():
    assert dist.hot_threshold(0.0, 1e-4) == dist.HOT
    assert dist.hot_threshold(0.5, 1e-4) == pytest.approx(2 * dist.HOT)
    assert dist.hot_threshold(0.9, 1e-4) == pytest.approx(10 * dist.HOT)
    assert dist.hot_threshold(1.0, 1e-4) == pytest.approx(1e4 * dist.HOT)  # the last rate's
    assert dist.hot_threshold(1.0, 0.0) > 1e12  # no floor: every row is summed at the end


@pytest.mark.parametrize("loss", ["hs", "hs+ns"])
def test_each_round_is_combined_with_its_learning_rates_threshold(client, corpus, monkeypatch,
                                                                   loss):
    seen = []
    combine = dist.combine

    def spy(syn, parts, rule, n_slots, deltas=False, hot=None):
        seen.append(hot)
        return combine(syn, parts, rule, n_slots, deltas, hot)

    monkeypatch.setattr(dist, "combine", spy)
    cfg = make_config(sync_words=3000, loss=loss, **dict(OPTS, min_alpha=0.0))
    d = run(corpus, cfg, client=client).summary["distributed"]
    rounds, epochs = d["rounds_per_epoch"], cfg.epochs
    m = 3 if loss == "hs+ns" else 2  # matrices combined each round: syn0, syn1 (, syn1neg)
    assert seen[:m] == [None] * m  # round 0's combining: nothing
    hots = seen[m::m]
    assert len(hots) == rounds * epochs == d["rounds"]
    if m == 3:  # with negative sampling every matrix keeps the fixed threshold
        assert seen[m:] == [None] * (m * len(hots))
        return
    assert seen[m + 1::m] == hots  # syn1: the same threshold as syn0
    want = [dist.HOT / (1 - (e + (k - 0.5) / rounds) / epochs)
            for e in range(epochs) for k in range(1, rounds + 1)]
    assert hots == pytest.approx(want)


def test_our_local_cluster_runs_without_the_dask_profiler():
    import dask

    with dist._Cluster("local:1", None, 1) as c:
        got = c.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
        hooks = c.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
    assert list(got.values()) == [False]
    assert not [h for h in list(hooks.values())[0] if "profile" in h]


def test_chunk_size():
    from hsw2v.threads import CHUNK

    assert dist.chunk_size(1, 1, 100) == CHUNK  # one worker of one thread: a local run's
    assert dist.chunk_size(8, 1, 4096) == 4096
    assert dist.chunk_size(2, 2, 4096) == 2048  # per thread
    assert dist.chunk_size(2, 1, 10 ** 6) == CHUNK
    assert dist.chunk_size(8, 1, 10) == dist.MIN_CHUNK


def test_default_sync_words():
    for workers in (1, 2, 3, 4, 8, 16, 64):
        for threads in (1, 2, 8):
            s = dist.default_sync_words(workers, threads)
            # at least one chunk per thread, and fewer words per worker as workers grow
            assert s >= dist.THREAD_WORDS * threads
            if workers > 1:
                assert s <= dist.default_sync_words(workers - 1, threads)
    # the measured points (README): 2 workers 262,144; 4 workers 16,384; 8 workers 4,096
    assert [dist.default_sync_words(w, 1) for w in (2, 4, 8, 16)] == [262144, 16384, 4096, 4096]
    assert dist.default_sync_words(8, 2) == 8192  # per thread
    # negative sampling: 8 times smaller rounds (2 workers: 32,768), the same floor
    assert [dist.default_sync_words(w, 1, True) for w in (1, 2, 4, 8)] == [
        dist.default_sync_words(1, 1), 32768, 4096, 4096]


def test_node_counts_against_a_loop():
    from hsw2v.huffman import build_huffman

    tree = build_huffman(np.array([9, 7, 4, 3, 1, 1], np.int64))
    n0 = np.array([2, 0, 1, 0, 3, 0])
    want = np.zeros(5, np.int64)
    for w, n in enumerate(n0):
        for q in range(tree.offsets[w], tree.offsets[w + 1]):
            want[tree.points[q]] += n
    assert dist._node_counts(tree, n0).tolist() == want.tolist()


# ----------------------------------------------------------------------------------- bad input
def assert_one_line_error(r, out, *needles):
    assert r.exit_code == 2, (r.exit_code, r.output, r.exception)
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("hsw2v: error: "), r.output
    for n in needles:
        assert n in lines[0], lines[0]
    assert not [f for f in os.listdir(os.path.dirname(out)) if f.startswith("v.bin")]


def test_unreachable_scheduler(tmp_path, corpus):
    import dask

    out = str(tmp_path / "v.bin")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        r = cli("train", corpus[0], "-o", out, "-q", "--dask", "tcp://127.0.0.1:9")
    assert_one_line_error(r, out, "cannot reach the Dask scheduler at tcp://127.0.0.1:9",
                          "dask scheduler")


def test_a_worker_that_cannot_open_the_corpus_is_named(tmp_path, client):
    out = str(tmp_path / "v.bin")
    missing = str(tmp_path / "nowhere.txt")
    r = cli("train", missing, "-o", out, "-q", "--dask", client.scheduler.address)
    assert_one_line_error(r, out, "on Dask worker tcp://", missing, "does not exist")


def test_a_worker_with_another_hsw2v_is_refused(tmp_path, client, corpus):
    out = str(tmp_path / "v.bin")
    victim = sorted(client.scheduler_info()["workers"])[0]

    def set_version(v):
        import hsw2v

        old, hsw2v.__version__ = hsw2v.__version__, v
        return old

    old = client.run(set_version, "0.0.1", workers=[victim])[victim]
    try:
        r = cli("train", corpus[0], "-o", out, "-q", "--dask", client.scheduler.address)
    finally:
        client.run(set_version, old, workers=[victim])
    assert_one_line_error(r, out, f"Dask worker {victim} runs hsw2v 0.0.1", "install the same")


def test_a_command_line_local_cluster_spawns_workers_that_train_bit_for_bit(tmp_path, corpus):
    # The tests' clusters fork their workers from a server that has imported hsw2v
    # (conftest); a user's `--dask local:N` starts them as Dask does by default, each a fresh
    # interpreter that imports hsw2v itself (spawn). That way, in a process of its own.
    import subprocess
    import sys

    common = ["--dim", "12", "--epochs", "1", "--min-count", "2", "--seed", "5", "--threads",
              "1", "-q"]
    assert cli("train", *corpus, "-o", tmp_path / "local.bin", *common).exit_code == 0
    proc = subprocess.run([sys.executable, "-m", "hsw2v", "train", *corpus, "-o",
                           str(tmp_path / "remote.bin"), *common, "--dask", "local:1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    a, b = Vectors.load(str(tmp_path / "local.bin")), Vectors.load(str(tmp_path / "remote.bin"))
    assert a.words == b.words and np.array_equal(a.vectors, b.vectors)


def test_without_dask_installed_the_error_names_the_extra(tmp_path, corpus, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    out = str(tmp_path / "v.bin")
    r = cli("train", corpus[0], "-o", out, "-q", "--dask", "local:2")
    assert_one_line_error(r, out, "pip install 'hsw2v[dask]'")


@pytest.mark.parametrize("key,value,msg", [
    ("dask", "local:0", "--dask 'local:0' is not a Dask scheduler address"),
    ("dask", "nonsense", "tcp://HOST:PORT"),
    ("sync_words", 0, "--sync-words 0 is out of range"),
    ("combine", "median", "unknown --combine 'median'"),
])
def test_bad_cluster_options_name_the_value(key, value, msg):
    with pytest.raises(ConfigError, match=msg.replace("(", r"\(")):
        make_config(**{key: value})


def test_stdin_cannot_be_shared(client):
    with pytest.raises(ConfigError, match="standard input"):
        run(["-"], make_config(**OPTS), client=client)


def test_distributed_error_is_a_user_error():
    from hsw2v.errors import Hsw2vError

    assert issubclass(DistributedError, Hsw2vError)


@pytest.mark.parametrize("overlap, combine, loss", [
    (False, "mixed", "hs"), (True, "mixed", "hs"), (True, "sum", "hs"), (True, "mixed", "ns")])
def test_interrupted_and_resumed_equals_uninterrupted(tmp_path, client, corpus, monkeypatch,
                                                      overlap, combine, loss):
    import threading

    from hsw2v.errors import TrainingInterrupted

    # (sum: no occurrence counts among an overlapping checkpoint's pending changes)
    opts = dict(OPTS, sync_words=3000, overlap=overlap, combine=combine, loss=loss)
    whole = hsw2v.train(corpus, dask=client, **opts)
    ckpt = str(tmp_path / "run.ckpt")

    def interrupt_at(epoch, k):
        def hook(self, e, r):
            if (e, r) == (epoch, k):
                signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        monkeypatch.setattr(dist.ClusterEngine, "on_round", hook)

    interrupt_at(0, 2)  # mid-epoch
    with pytest.raises(TrainingInterrupted, match="resume with: hsw2v train --resume"):
        hsw2v.train(corpus, dask=client, checkpoint=ckpt, **opts)
    # at an epoch's last round (overlapping: that round's changes are pending in the
    # checkpoint, to be combined with that round's hot-row threshold)
    interrupt_at(1, whole.summary["distributed"]["rounds_per_epoch"])
    with pytest.raises(TrainingInterrupted, match="SIGINT in epoch 3/3"):
        hsw2v.train(None, resume=ckpt, dask=client, quiet=True)
    interrupt_at(2, 1)  # a later epoch, after resuming twice
    with pytest.raises(TrainingInterrupted, match="SIGINT in epoch 3/3"):
        hsw2v.train(None, resume=ckpt, dask=client, quiet=True)
    monkeypatch.setattr(dist.ClusterEngine, "on_round", None)
    resumed = hsw2v.train(None, resume=ckpt, dask=client, quiet=True)
    assert np.array_equal(whole.vectors, resumed.vectors)


def test_pruned_counting_encodes_again_with_the_final_vocabulary(tmp_path, client, corpus):
    # 3,000 rare words: each worker prunes its counts (and drops its one-pass stream), the
    # driver prunes the sum; the workers then encode their shards with the final vocabulary.
    exact = hsw2v.train(corpus, save_vocab=str(tmp_path / "exact.vocab"), **OPTS)
    result = run(corpus, make_config(prune_at=500,
                                              save_vocab=str(tmp_path / "pruned.vocab"), **OPTS),
                          client=client)
    true = dict(line.split() for line in open(tmp_path / "exact.vocab"))
    got = dict(line.split() for line in open(tmp_path / "pruned.vocab"))
    assert len(got) < len(true) and set(got) <= set(true)
    assert all(got[w] == true[w] for w in got if int(true[w]) > 50)  # frequent: exact counts
    assert len(exact.words) == len(true)
    assert np.isfinite(result.model.weights.syn0).all()
    assert result.summary["epochs"][-1]["words"] == result.summary["training_words_per_epoch"]


def test_cluster_options_in_a_config_file(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('dask = "tcp://10.1.2.3:8786"\nsync-words = 4096\ncombine = "average"\n')
    cfg = make_config(p).resolved()
    assert (cfg.dask, cfg.sync_words, cfg.combine) == ("tcp://10.1.2.3:8786", 4096, "average")
    assert cfg.threads is None  # per worker: the workers' cores, known once connected
    assert dist.default_sync_words(2, 1) == 262144 and dist.default_sync_words(8, 2) == 8192


@pytest.mark.parametrize("grow", [False, True])
def test_a_model_trained_further_on_one_worker_is_the_local_one_bit_for_bit(tmp_path, corpus,
                                                                              grow):
    """--save-model and --from-model work with --dask: one worker of one thread trains a saved
    model further exactly as a local run does, and its own saved model holds the vectors."""
    base = tmp_path / "base.model"
    common = ["--dim", 12, "--min-count", 2, "--seed", 5, "--threads", 1, "-q"]
    r = cli("train", corpus[0], corpus[1], "-o", tmp_path / "base.bin", "--epochs", 1, *common,
            "--dask", "local:1", "--sync-words", 4000, "--save-model", base)
    assert r.exit_code == 0, r.output
    model = hsw2v.load_model(str(base))
    assert np.array_equal(model.wv.vectors, Vectors.load(str(tmp_path / "base.bin")).vectors)
    from hsw2v.modelfile import read_model
    from hsw2v.train import further_config

    # The file records the cluster, but training it further does not go back to it unasked.
    assert read_model(str(base)).config["dask"] == "local:1"
    assert further_config(read_model(str(base))).dask is None
    runs = {}
    for name, extra in (("local", []), ("dask", ["--dask", "local:1", "--sync-words", 4000])):
        out = tmp_path / f"{name}.bin"
        r = cli("train", *corpus, "-o", out, "--from-model", base, "--epochs", 2, "--seed", 6,
                "-q", *extra, "--save-model", tmp_path / f"{name}.model",
                *(["--grow-vocab"] if grow else []))
        assert r.exit_code == 0, r.output
        runs[name] = Vectors.load(str(out))
        import json

        further = json.loads((tmp_path / f"{name}.bin.json").read_text())["further"]
        assert further["model_words"] == len(model.words)
        # corpus c/d words the model lacks: left out, or added with --grow-vocab
        assert (further["new_words"] > 0) == grow
        assert (further["tokens_out_of_vocabulary"] > 0) != grow
    assert runs["local"].words == runs["dask"].words
    assert (runs["dask"].words == list(model.words)) != grow
    assert np.array_equal(runs["local"].vectors, runs["dask"].vectors)
    assert not np.array_equal(runs["dask"].vectors, model.wv.vectors)  # it did train further


def test_init_vectors_frozen_on_a_cluster_stay_bit_for_bit(tmp_path, client, corpus):
    pre = tmp_path / "pre.txt"
    rng = np.random.default_rng(3)
    words = ["cat", "dog", "the", "hammer", "notinthecorpus"]
    Vectors(words, rng.standard_normal((len(words), 12)).astype(np.float32)).save(str(pre))
    res = {}
    for freeze in (True, False):
        res[freeze] = run(corpus, make_config(init_vectors=str(pre), freeze_init=freeze,
                                                       sync_words=3000, **OPTS), client=client)
    v, p = Vectors(res[True].model.vocab.words, res[True].model.weights.syn0), Vectors.load(str(pre))
    assert res[True].summary["init_vectors"]["words"] == 4
    for w in words[:4]:
        assert np.array_equal(v[w], p[w]), w
    u = Vectors(res[False].model.vocab.words, res[False].model.weights.syn0)
    assert all(not np.array_equal(u[w], p[w]) for w in words[:4])  # unfrozen: they train
    assert not np.array_equal(v["of"], u["of"])  # the rest trains in both


def test_a_model_trained_further_resumes_with_its_own_vocabulary(tmp_path, client, corpus,
                                                                   monkeypatch):
    import threading

    from hsw2v.errors import TrainingInterrupted

    base = hsw2v.train(corpus[:2], dask=client, save_model=str(tmp_path / "m.model"),
                       **dict(OPTS, epochs=1))
    opts = dict(OPTS, sync_words=3000, from_model=str(tmp_path / "m.model"))
    whole = hsw2v.train(corpus, dask=client, **opts)
    assert whole.words == base.words  # the model's vocabulary, not the new corpus's

    def hook(self, e, r):
        if (e, r) == (1, 1):
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    monkeypatch.setattr(dist.ClusterEngine, "on_round", hook)
    ckpt = str(tmp_path / "run.ckpt")
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(corpus, dask=client, checkpoint=ckpt, **opts)
    monkeypatch.setattr(dist.ClusterEngine, "on_round", None)
    resumed = hsw2v.train(None, resume=ckpt, dask=client, quiet=True)
    assert np.array_equal(whole.vectors, resumed.vectors)


def test_sentences_from_python_train_on_the_cluster_as_the_same_file(tmp_path, client,
                                                                      monkeypatch):
    import tempfile

    text = make_corpus_text(1200, seed=4)
    sentences = [line.split() for line in text.splitlines() if line.split()]
    path = tmp_path / "same.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in sentences))
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # where the sentences are spooled
    cfg = make_config(sync_words=3000, **OPTS)
    from_file = run([str(path)], cfg, client=client)
    from_python = run(iter(sentences), cfg, client=client)
    assert from_python.summary["corpus"] == ["<sentences from Python>"]
    assert "<sentences from Python>[" in str(from_python.summary["distributed"]["shards"])
    assert np.array_equal(from_file.model.weights.syn0, from_python.model.weights.syn0)
    assert os.listdir(spool) == []  # the spooled file is gone


def test_sentences_the_workers_cannot_read_say_where_they_went(tmp_path, client, monkeypatch):
    def elsewhere(sentences, tmp_dir=None):  # as if the workers did not share this /tmp
        return str(tmp_path / "not-on-the-workers.txt")

    import importlib

    monkeypatch.setattr(importlib.import_module("hsw2v.train"), "spool_sentences", elsewhere)
    out = str(tmp_path / "v.bin")
    from hsw2v.errors import Hsw2vError

    with pytest.raises(Hsw2vError) as err:  # a user error: one line from the CLI, exit 2
        hsw2v.train([["a", "b"]] * 50, output=out, dask=client, **OPTS)
    assert "not-on-the-workers.txt" in str(err.value) and "set TMPDIR" in str(err.value)
    assert "\n" not in str(err.value) and not os.path.exists(out)


def test_private_rows_of_a_worker_with_threads_take_the_new_model(corpus):
    """Between rounds the model changes under a trainer whose threads keep private copies of
    the top tree rows and of the most frequent words' noise rows: both are refreshed."""
    cfg = make_config(**dict(OPTS, threads=2, loss="hs+ns")).resolved()
    files, groups = dist._plan(corpus, 1)
    spec = dist._Spec("test-private", cfg, groups, 2000)
    r = dist._count_words(spec, 0)
    vocab = dist.build_vocab(*dist._merge_counts([r], cfg.prune_at), cfg.min_count,
                             cfg.max_vocab)
    mats = {"0": np.zeros((len(vocab), cfg.dim), np.float32),
            "1": np.zeros((len(vocab) - 1, cfg.dim), np.float32),
            "2": np.zeros((len(vocab), cfg.dim), np.float32)}
    try:
        dist._setup(spec, 0, vocab, dist._Rows(0, mats))
        tr = dist._job(spec.job).slots[0].trainer
        tr.rows1[:] = 1.0  # as if a round's update had arrived in the shared rows
        tr.rows_neg[:] = 2.0
        for rows, private in ((tr.rows1, tr.hot), (tr.rows_neg, tr.neg)):
            hot = [h for _, h in private if h is not None]
            assert len(hot) == 2  # one per thread
            for _, own, base, _ in hot:
                rows[own:own + len(base)] = -1.0  # stale private copies
                base[:] = -1.0
        tr.refresh_private_rows()
        for rows, private, v in ((tr.rows1, tr.hot, 1.0), (tr.rows_neg, tr.neg, 2.0)):
            for _, (top, own, base, _) in private:
                assert np.all(rows[own:own + len(base)] == v) and np.all(base == v)
    finally:
        dist._forget(spec.job)


def test_a_rounds_row_weights_count_every_use(corpus):
    """--combine mixed/weighted weigh each changed row by its uses in the round: an input row
    by its word's occurrences, a noise row also by its expected draws as a negative."""
    cfg = make_config(**dict(OPTS, loss="hs+ns", negative=3)).resolved()
    files, groups = dist._plan(corpus, 1)
    spec = dist._Spec("test-weights", cfg, groups, 2000)
    r = dist._count_words(spec, 0)
    vocab = dist.build_vocab(*dist._merge_counts([r], cfg.prune_at), cfg.min_count,
                             cfg.max_vocab)
    v = len(vocab)
    mats = {"0": init_weights(v, cfg.dim, 1)[0],
            "1": np.zeros((v - 1, cfg.dim), np.float32), "2": np.zeros((v, cfg.dim), np.float32)}
    try:
        state = dist._setup(spec, 0, vocab, dist._Rows(0, mats))["state"]
        got = dist._round(spec, 0, vocab, 0, None, {"state": state}, 0, 3000)
    finally:
        dist._forget(spec.job)
    n0 = np.zeros(v)
    n0[got["rows0"]] = got["n0"]
    read = n0.sum()
    assert read >= 3000  # the round's words (whole claims of chunks)
    p = np.asarray(vocab.counts, np.float64) ** cfg.ns_exponent
    p /= p.sum()
    n2 = np.zeros(v)
    n2[got["rows2"]] = got["n2"]
    changed = got["rows2"]
    assert len(changed) > len(got["rows0"])  # noise rows of words the round did not read
    np.testing.assert_allclose(n2[changed], (n0 + 3 * read * p)[changed], rtol=1e-6)


def test_held_out_text_is_scored_on_every_worker_each_epoch(tmp_path, client, corpus):
    cfg = make_config(sync_words=3000, holdout=0.1, **OPTS)
    result = run(corpus, cfg, client=client)
    epochs = result.summary["epochs"]
    assert len(epochs) == 3 and all(e["holdout_loss"] > 0 for e in epochs)
    assert epochs[-1]["holdout_loss"] < epochs[0]["holdout_loss"]  # it learns
    whole = run(corpus, make_config(sync_words=3000, **OPTS), client=client)
    # the held-out chunks are not trained on
    assert epochs[0]["words"] < whole.summary["epochs"][0]["words"]
    out = str(tmp_path / "v.bin")
    r = cli("train", *corpus, "-o", out, "-q", "--holdout", 0.1, "--overlap", "--dask",
            client.scheduler.address)
    assert_one_line_error(r, out, "--holdout with --overlap", "drop one")


def test_a_worker_without_the_model_scores_once_it_is_sent(corpus):
    cfg = make_config(**dict(OPTS, holdout=0.2)).resolved()
    files, groups = dist._plan(corpus, 1)
    spec = dist._Spec("test-score", cfg, groups, 2000)
    vocab = dist.build_vocab(*dist._merge_counts([dist._count_words(spec, 0)], cfg.prune_at),
                             cfg.min_count, cfg.max_vocab)
    mats = {"0": init_weights(len(vocab), cfg.dim, 1)[0],
            "1": np.zeros((len(vocab) - 1, cfg.dim), np.float32)}
    try:
        dist._setup(spec, 0, vocab, dist._Rows(0, mats))
        assert dist._score(spec, 0, vocab, 7, None)["stale"]  # it has version 0, not 7
        got = dist._score(spec, 0, vocab, 7, None, dist._Rows(7, mats))
        assert got["sums"][1] > 0 and got["sums"][0] > 0
    finally:
        dist._forget(spec.job)
