"""Interruption, checkpoints and resume: a stopped and resumed run equals an uninterrupted one."""
from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v
from hsw2v import kernels
from hsw2v.checkpoint import load_checkpoint
from hsw2v.cli import main
from hsw2v.errors import CheckpointError, ConfigError, TrainingInterrupted
from hsw2v.interrupt import StopSignals
from hsw2v.vectors import Vectors

from conftest import make_corpus_text

train_mod = importlib.import_module("hsw2v.train")
threads_mod = importlib.import_module("hsw2v.threads")  # hsw2v.train is also the API function

OPTS = dict(dim=12, epochs=3, min_count=2, quiet=True, seed=5)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 64 entries, so a tiny corpus has dozens of checkpoint positions per epoch."""
    monkeypatch.setattr(threads_mod, "CHUNK", 64)


def interrupt_after(monkeypatch, n_chunks: int, sig=signal.SIGINT, delay: float = 0.0):
    """Make the process signal itself after ``n_chunks`` kernel calls."""
    real = kernels.train_chunk
    real_handle = StopSignals._handle
    calls = [0]
    handled = threading.Event()

    def handle(self, signum, frame):
        real_handle(self, signum, frame)
        handled.set()

    def counting(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n_chunks:
            # Signal the main thread (which runs Python's handlers) and wait until the handler
            # has run: a fixed sleep let a busy machine finish the epoch first (a CI failure).
            signal.pthread_kill(threading.main_thread().ident, sig)
            assert handled.wait(30), "the signal handler did not run"
        if delay:
            time.sleep(delay)
        return real(*args, **kwargs)

    monkeypatch.setattr(StopSignals, "_handle", handle)
    monkeypatch.setattr(kernels, "train_chunk", counting)
    return calls


@pytest.mark.parametrize("model,sig,loss,shuffle", [("sg", signal.SIGINT, "hs", True),
                                                    ("cbow", signal.SIGTERM, "hs", True),
                                                    ("sg", signal.SIGINT, "softmax", True),
                                                    ("sg", signal.SIGINT, "hs", False)])
def test_interrupted_and_resumed_equals_uninterrupted(tmp_path, small_corpus, small_chunks,
                                                      monkeypatch, model, sig, loss, shuffle):
    # (softmax: its chunks are cut by time, inside sentence pieces: the same on resume;
    # no shuffle: a claim's chunks are adjacent, and a stop gives back what a claim left)
    opts = dict(OPTS, loss=loss, shuffle=shuffle)
    whole = hsw2v.train(small_corpus, threads=1, model=model, **opts)
    ckpt = str(tmp_path / "run.ckpt")
    # Interrupt twice (in the first and in a later epoch), resuming each time.
    interrupt_after(monkeypatch, 7, sig)
    with pytest.raises(TrainingInterrupted, match="resume with: hsw2v train --resume"):
        hsw2v.train(small_corpus, threads=1, model=model, checkpoint=ckpt, **opts)
    state = load_checkpoint(ckpt).state
    assert state.epoch == 0 and 0 < state.done[0]
    # ~40 kernel calls per epoch here shuffled (one per chunk), ~18 in corpus order
    interrupt_after(monkeypatch, 60 if shuffle else 25, sig)
    with pytest.raises(TrainingInterrupted, match=sig.name):
        hsw2v.train(None, resume=ckpt, quiet=True)
    assert load_checkpoint(ckpt).state.epoch > 0
    monkeypatch.undo()
    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    resumed = hsw2v.train(small_corpus, resume=ckpt, quiet=True)
    assert resumed.words == whole.words
    assert np.array_equal(resumed.vectors, whole.vectors)  # bit-identical


def test_periodic_checkpoints_do_not_change_the_run(tmp_path, small_corpus, small_chunks,
                                                    monkeypatch):
    whole = hsw2v.train(small_corpus, threads=1, **OPTS)
    ckpt = str(tmp_path / "p.ckpt")
    interrupt_after(monkeypatch, 10 ** 9, delay=0.03)  # slow chunks: several ticks per epoch
    result = train_mod.run(small_corpus, hsw2v.config.make_config(
        threads=1, checkpoint=ckpt, checkpoint_every=0.25 / 60, **OPTS))
    assert result.summary["checkpoints_written"] >= 2
    assert np.array_equal(result.model.weights.syn0, whole.vectors)
    # The last periodic checkpoint resumes to the same end point.
    monkeypatch.undo()
    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    resumed = hsw2v.train(small_corpus, resume=ckpt, quiet=True)
    assert np.array_equal(resumed.vectors, whole.vectors)


def test_periodic_checkpoints_with_two_threads_resume_and_finish(tmp_path, small_corpus,
                                                                 small_chunks, monkeypatch):
    # Two threads are not deterministic (which thread trains a stolen chunk varies), so the
    # resumed run is checked for what must hold anyway: the finished epochs kept as they were,
    # every word read exactly once in every epoch (the interrupted one included, whose
    # counts are part saved, part new) and training going on from the saved weights.
    ckpt = str(tmp_path / "t2.ckpt")
    interrupt_after(monkeypatch, 10 ** 9, delay=0.01)
    opts = dict(OPTS, sample=0.0)  # no subsampling: the loss falls visibly in 3 epochs
    result = train_mod.run(small_corpus, hsw2v.config.make_config(
        threads=2, checkpoint=ckpt, checkpoint_every=0.2 / 60, **opts))
    assert result.summary["checkpoints_written"] >= 1
    ck = load_checkpoint(ckpt)
    assert len(ck.state.rng) == 2 and ck.meta["config"]["threads"] == 2
    monkeypatch.undo()
    resume, cfg = train_mod.resume_config(ckpt, quiet=True)
    resumed = train_mod.run(small_corpus, cfg, resume=resume)
    epochs = resumed.summary["epochs"]
    total = resumed.model.vocab.total
    assert [e["words"] for e in epochs] == [total] * 3
    assert [e["trained_words"] for e in epochs] == [total] * 3
    assert epochs[:len(ck.state.history)] == ck.state.history
    assert np.isfinite(resumed.model.weights.syn0).all()
    assert epochs[-1]["loss"] < epochs[0]["loss"]
    # Work was left unless the last checkpoint came after the last epoch (state.epoch 3, whose
    # fresh front/back say nothing: a loaded machine's timing once made it so).
    if ck.state.epoch < 2 or (ck.state.epoch == 2
                              and ck.state.front.sum() < ck.state.back.sum()):
        assert not np.array_equal(resumed.model.weights.syn0, ck.weights.syn0)
    else:
        assert ck.state.epoch == 3 or ck.state.front.sum() == ck.state.back.sum()
    with pytest.raises(ConfigError, match="^threads=1 differs"):
        hsw2v.train(small_corpus, resume=ckpt, quiet=True, threads=1)


def test_resume_refuses_a_different_corpus(tmp_path, small_corpus, small_chunks, monkeypatch):
    ckpt = str(tmp_path / "c.ckpt")
    interrupt_after(monkeypatch, 5)
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(small_corpus, threads=1, checkpoint=ckpt, **OPTS)
    monkeypatch.undo()
    other = tmp_path / "other.txt"
    other.write_text(make_corpus_text(seed=1))
    with pytest.raises(CheckpointError, match="corpus differs"):
        hsw2v.train(other, resume=ckpt, quiet=True)
    # Same size and words, different order: caught by the stream digest.
    lines = small_corpus.read_text().splitlines()
    shuffled = tmp_path / "shuffled.txt"
    shuffled.write_text("\n".join(lines[::-1]) + "\n")
    with pytest.raises(CheckpointError, match="corpus differs"):
        hsw2v.train(shuffled, resume=ckpt, quiet=True)
    with pytest.raises(ConfigError, match="^dim=13 differs"):
        hsw2v.train(small_corpus, resume=ckpt, quiet=True, dim=13)


@pytest.mark.parametrize("content", [b"", b"garbage, not a zip", b"PK\x03\x04 broken zip"])
def test_corrupt_checkpoint_is_one_line_error(tmp_path, small_corpus, content):
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(content)
    r = CliRunner().invoke(main, ["train", "--resume", str(bad)])
    assert r.exit_code == 2, r.output
    assert "not a readable hsw2v checkpoint" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "missing.ckpt")])
    assert r.exit_code == 2 and "does not exist" in r.output


def test_truncated_checkpoint_is_refused(tmp_path, small_corpus, small_chunks, monkeypatch):
    ckpt = tmp_path / "t.ckpt"
    interrupt_after(monkeypatch, 5)
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(small_corpus, threads=1, checkpoint=str(ckpt), **OPTS)
    data = ckpt.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        ckpt.write_bytes(data[:cut])
        with pytest.raises(CheckpointError):
            load_checkpoint(str(ckpt))


def _cli(*args, **kw):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "hsw2v", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kw)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_signal_stops_fast_writes_checkpoint_and_resumes(tmp_path, sig):
    """The real thing: a CLI process gets a signal mid-training, exits 130, resumes."""
    corpus = tmp_path / "c.txt"
    corpus.write_text(make_corpus_text(3000, seed=3))
    out = tmp_path / "v.txt"
    args = ["train", str(corpus), "-o", str(out), "--threads", "1", "--dim", "16",
            "--epochs", "400", "--min-count", "1", "--seed", "3"]
    p = _cli(*args)
    # Wait until training runs (an epoch line on stderr), then signal.
    line = ""
    deadline = time.monotonic() + 60
    while "epoch 1/" not in line and time.monotonic() < deadline:
        line = p.stderr.readline()
        assert line or p.poll() is None, "process ended before training"
    t = time.monotonic()
    p.send_signal(sig)
    _, err = p.communicate(timeout=30)
    assert time.monotonic() - t < 3, "did not stop within a few seconds"
    assert p.returncode == 130, err
    last = [x for x in err.replace("\r", "\n").splitlines() if x.strip()][-1]
    assert last.startswith(f"hsw2v: interrupted by {sig.name}") and "--resume" in last
    ckpt = str(out) + ".ckpt"
    assert os.path.exists(ckpt)
    assert not out.exists() and not os.path.exists(str(out) + ".json")
    assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]
    ck = load_checkpoint(ckpt)
    assert ck.meta["output"] == str(out)
    # Resume with fewer remaining epochs would change the schedule: refused.
    r = CliRunner().invoke(main, ["train", "--resume", ckpt, "--epochs", "2"])
    assert r.exit_code == 2 and "--epochs 2 differs" in r.output


def test_cli_resume_finishes_and_matches(tmp_path, small_corpus, small_chunks, monkeypatch):
    out = tmp_path / "v.bin"
    whole = tmp_path / "w.bin"
    args = ["--threads", "1", "--dim", "12", "--epochs", "3", "--min-count", "2", "-q"]
    r = CliRunner().invoke(main, ["train", str(small_corpus), "-o", str(whole), *args])
    assert r.exit_code == 0, r.output
    interrupt_after(monkeypatch, 9)
    r = CliRunner().invoke(main, ["train", str(small_corpus), "-o", str(out), *args])
    assert r.exit_code == 130, r.output
    assert "checkpoint written to" in r.output and not out.exists()
    monkeypatch.undo()
    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    r = CliRunner().invoke(main, ["train", "--resume", str(out) + ".ckpt"])
    assert r.exit_code == 0, r.output
    assert not os.path.exists(str(out) + ".ckpt")  # spent once the vectors are written
    assert np.array_equal(Vectors.load(str(out)).vectors, Vectors.load(str(whole)).vectors)
    summary = json.loads(open(str(out) + ".json").read())
    assert summary["resumed_from"].endswith(".ckpt") and len(summary["epochs"]) == 3
    # the per-epoch figures, the interrupted epoch's included, are those of the whole run
    whole_summary = json.loads(open(str(whole) + ".json").read())
    for got, want in zip(summary["epochs"], whole_summary["epochs"]):
        assert (got["words"], got["trained_words"]) == (want["words"], want["trained_words"])
        assert got["loss"] == pytest.approx(want["loss"], rel=1e-12)


def test_resumed_epoch_reports_the_speed_of_the_words_read_after_resuming(
        tmp_path, small_corpus, small_chunks, monkeypatch, caplog):
    # Interrupted late in epoch 1: the resumed epoch line must not count the words read before
    # the interruption as read in the seconds after it (it reported millions of words/s).
    import logging
    import re
    ckpt = str(tmp_path / "run.ckpt")
    interrupt_after(monkeypatch, 30)
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(small_corpus, threads=1, checkpoint=ckpt, **OPTS)
    assert load_checkpoint(ckpt).state.epoch == 0
    monkeypatch.undo()  # the resumed run cuts chunks as its checkpoint says
    real = kernels.train_chunk
    monkeypatch.setattr(kernels, "train_chunk", lambda *a, **k: (time.sleep(0.01), real(*a, **k))[1])
    caplog.set_level(logging.INFO, logger="hsw2v")
    v = hsw2v.train(None, resume=ckpt, quiet=True)
    first = v.summary["epochs"][0]
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("epoch 1/3"))
    rate = float(re.search(r"([\d,]+) words/s", line).group(1).replace(",", ""))
    read_after = rate * first["seconds"]
    assert 0 < read_after < 0.5 * first["words"], (line, first)


def test_a_stop_waits_for_one_kernel_call_not_a_whole_claim(small_corpus, small_chunks,
                                                            monkeypatch):
    # In corpus order a claim is up to CLAIM adjacent chunks; a stop set during the first
    # call ends the claim there and gives its rest back to the schedule.
    calls = interrupt_after(monkeypatch, 2)  # (call 1 is the warm-up of the kernel)
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(small_corpus, threads=1, shuffle=False, **OPTS)
    assert calls[0] == 2


SECTIONS = ("meta", "words", "counts", "syn0", "syn1", "front", "back", "done", "rng", "stats")


@pytest.mark.parametrize("damage", ["missing", "wrong shape"])
def test_a_checkpoint_damaged_in_any_section_is_refused_in_one_line(tmp_path, small_corpus,
                                                                    small_chunks, monkeypatch,
                                                                    damage):
    """Every array of a checkpoint, missing or of the wrong shape: a one-line CheckpointError
    from the loader and exit 2 from ``hsw2v train --resume``, never a traceback."""
    ckpt = tmp_path / "t.ckpt"
    interrupt_after(monkeypatch, 5)
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(small_corpus, threads=1, checkpoint=str(ckpt), **OPTS)
    with np.load(ckpt) as z:
        arrays = {k: z[k] for k in z.files}
    assert set(SECTIONS) <= set(arrays)
    for name in SECTIONS:
        bad = dict(arrays)
        if damage == "missing":
            del bad[name]
        else:
            bad[name] = np.zeros((3, 1, 2), arrays[name].dtype)
        path = tmp_path / f"bad-{name}.ckpt"
        with open(path, "wb") as f:
            np.savez(f, **bad)
        with pytest.raises(CheckpointError) as err:
            load_checkpoint(str(path))
        assert "\n" not in str(err.value), name
        r = CliRunner().invoke(main, ["train", "--resume", str(path)])
        assert r.exit_code == 2 and "Traceback" not in r.output, (name, r.output)


def test_a_failed_checkpoint_write_keeps_the_previous_one(tmp_path, small_corpus, small_chunks,
                                                          monkeypatch):
    """A disk that fills while a newer checkpoint is written: the older one is still there,
    whole, and resumes."""
    import errno

    import hsw2v.checkpoint as ck

    ckpt = tmp_path / "t.ckpt"
    interrupt_after(monkeypatch, 5)
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(small_corpus, threads=1, checkpoint=str(ckpt), **OPTS)
    before = ckpt.read_bytes()

    def full(f, **arrays):
        f.write(b"PK partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(ck.np, "savez", full)
    interrupt_after(monkeypatch, 3)
    with pytest.raises(OSError, match="No space left"):
        hsw2v.train(None, resume=str(ckpt), quiet=True)
    assert ckpt.read_bytes() == before  # (and no partial file beside it)
    assert sorted(os.listdir(tmp_path)) == ["corpus.txt", "t.ckpt"]
    monkeypatch.undo()
    load_checkpoint(str(ckpt))


@pytest.mark.parametrize("phase", ["reading", "counting", "encoding"])
def test_sigint_while_the_corpus_is_read_stops_before_training_and_resumes(
        tmp_path, small_corpus, small_chunks, monkeypatch, caplog, phase):
    """Ctrl-C while the corpus is read, counted (scan_corpus) or encoded (a given vocabulary):
    a warning says at once that the run stops once the reading is done; the reading ends,
    nothing is trained, a checkpoint at 0% is written, the error names the phase, and the
    checkpoint resumes to the vectors of a run never interrupted."""
    encoding_mod = importlib.import_module("hsw2v.encoding")
    opts = dict(OPTS, threads=1)
    if phase == "encoding":
        vocab = tmp_path / "v.txt"
        hsw2v.train(small_corpus, save_vocab=str(vocab), **opts)
        opts["read_vocab"] = str(vocab)
    whole = hsw2v.train(small_corpus, **opts)
    # The signal arrives before stdin would be copied, or at the first block counted/encoded
    if phase == "reading":
        module, name = threads_mod, "spool_stdin"  # (the engine's reader calls it from there)
    else:
        module, name = encoding_mod, "iter_id_blocks"  # (scan_corpus's and encode_corpus's)
    real = getattr(module, name)

    def signal_here():
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        time.sleep(0.05)  # (the handler runs in the main thread: this one)

    def signalled(*args, **kwargs):
        signal_here()
        return real(*args, **kwargs)

    def signalled_blocks(*args, **kwargs):
        for i, ids in enumerate(real(*args, **kwargs)):
            if i == 0:
                signal_here()
            yield ids

    monkeypatch.setattr(module, name, signalled if phase == "reading" else signalled_blocks)
    trained = []
    real_chunk = kernels.train_chunk
    monkeypatch.setattr(kernels, "train_chunk",
                        lambda *a, **k: trained.append(1) or real_chunk(*a, **k))
    ckpt = str(tmp_path / "r.ckpt")
    doing = {"reading": "reading the corpus",
             "counting": "reading the corpus (counting the vocabulary)",
             "encoding": "reading the corpus (encoding it with the vocabulary)"}[phase]
    with caplog.at_level("WARNING", logger="hsw2v"):
        with pytest.raises(TrainingInterrupted) as info:
            hsw2v.train(small_corpus, checkpoint=ckpt, **opts)
    assert str(info.value).startswith(
        f"interrupted by SIGINT while {doing}, before training began; checkpoint written to "
        f"{ckpt}; resume with: hsw2v train --resume {ckpt}"), str(info.value)
    assert f"SIGINT: the run stops once {doing} is done and writes a checkpoint; press " \
           "Ctrl-C again to stop at once" in caplog.text
    assert len(trained) <= 1  # (the kernels' warm-up call trains nothing)
    monkeypatch.undo()
    resumed = hsw2v.train(None, resume=ckpt, quiet=True)
    assert np.array_equal(whole.vectors, resumed.vectors)


@pytest.mark.parametrize("phase", ["counting", "encoding"])
def test_a_second_sigint_while_the_corpus_is_read_stops_at_once_and_writes_nothing(
        tmp_path, small_corpus, phase):
    """Ctrl-C twice while the corpus is counted or encoded (the command line): the reading
    stops at the second, nothing is written, and the one line says so and names the phase."""
    import subprocess
    import sys

    out = tmp_path / "out" / "v.txt"
    out.parent.mkdir()
    extra = []
    if phase == "encoding":
        vocab = tmp_path / "vocab.txt"
        vocab.write_text("cat 100\ndog 100\nthe 100\n")
        extra = ["--read-vocab", str(vocab)]
    # blocks of 256 bytes; two signals at the second block: the second stops the reading there
    code = ("import os, signal, sys, time\n"
            "import hsw2v.encoding as e\n"
            "import hsw2v.vocab as v\n"
            "v.BLOCK_BYTES = 256\n"
            "real = e.iter_id_blocks\n"
            "def blocks(*a, **k):\n"
            "    for i, ids in enumerate(real(*a, **k)):\n"
            "        if i == 1:\n"
            "            for _ in range(2):\n"
            "                os.kill(os.getpid(), signal.SIGINT)\n"
            "                time.sleep(0.1)  # (its handler runs)\n"
            "        yield ids\n"
            "    raise AssertionError('the reading went on to the end')\n"
            "e.iter_id_blocks = blocks\n"
            "from hsw2v.cli import main\n"
            "sys.argv = ['hsw2v', 'train', *sys.argv[1:]]\n"
            "main()\n")
    r = subprocess.run([sys.executable, "-c", code, str(small_corpus), "-o", str(out),
                        "--min-count", "1", "--dim", "8", "--epochs", "1", "--threads", "1",
                        *extra, "-q"],
                       capture_output=True, text=True, timeout=300)
    doing = {"counting": "counting the vocabulary",
             "encoding": "encoding it with the vocabulary"}[phase]
    assert r.returncode == 130, r.stderr
    assert r.stderr.strip().splitlines()[-1] == (
        f"hsw2v: interrupted while reading the corpus ({doing}); nothing was written"), r.stderr
    assert "Traceback" not in r.stderr
    assert os.listdir(out.parent) == []


def _train_interrupted(patch: str, corpus, tmp_path):
    """``hsw2v train`` (a process) with ``patch`` run first, which raises KeyboardInterrupt
    where a Ctrl-C is to arrive (a real signal's arrival point varies, and a test must not):
    the output path, and the last stderr line once the exit status (130) and the absence of a
    traceback are checked."""
    import subprocess
    import sys

    out = tmp_path / "out" / "v.txt"
    out.parent.mkdir()
    code = (patch + "from hsw2v.cli import main\n"
            "sys.argv = ['hsw2v', 'train', sys.argv[1], '-o', sys.argv[2], '-q',\n"
            "            '--min-count', '2', '--dim', '8', '--epochs', '1']\n"
            "main()\n")
    r = subprocess.run([sys.executable, "-c", code, str(corpus), str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 130, r.stderr
    assert "Traceback" not in r.stderr
    return out, r.stderr.strip().splitlines()[-1]


def test_sigint_while_the_summary_is_written_keeps_the_vectors_and_says_so(tmp_path,
                                                                           small_corpus):
    """Ctrl-C while OUT.json is written (the vectors are in place): the abort says the vectors
    were written and the summary was not, and no partial OUT.json is left."""
    out, last = _train_interrupted(
        "import json, sys\n"
        "real = json.dump\n"
        "def interrupted(data, f, **k):\n"
        "    if isinstance(data, dict) and 'seconds_writing' in data:\n"
        "        f.write('{\"partial')\n"
        "        raise KeyboardInterrupt\n"
        "    return real(data, f, **k)\n"
        "json.dump = interrupted\n", small_corpus, tmp_path)
    assert last == (f"hsw2v: interrupted while writing the summary to {out}.json; {out} was "
                    f"written; {out}.json was not (no partial file)")
    assert os.listdir(out.parent) == ["v.txt"]


def test_sigint_while_the_vectors_are_written_leaves_nothing_at_the_output(tmp_path,
                                                                          small_corpus):
    """Ctrl-C during the writing of OUT (after training): exit 130-like abort, no partial file
    at OUT or OUT.json (both are written to a temporary name and renamed)."""
    out, last = _train_interrupted(  # Ctrl-C part way into the rows
        "import sys\n"
        "import hsw2v.formats as f\n"
        "def interrupted(out, *a, **k):\n"
        "    out.write(b'2 8\\npartial ')\n"
        "    raise KeyboardInterrupt\n"
        "f._write_rows = interrupted\n", small_corpus, tmp_path)
    assert last == (
        f"hsw2v: interrupted while writing the vectors to {out}; {out} was not written (no "
        "partial file); training's result is lost: run the command again")
    assert os.listdir(out.parent) == []
