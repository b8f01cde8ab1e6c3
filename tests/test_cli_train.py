"""`hsw2v train` options and routes end to end: stdin, --format, --min-alpha, re-reading after
--prune-at; and the group's -v/--verbose and --version."""
from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import subprocess
import sys
import tempfile

import numpy as np
from click.testing import CliRunner

from conftest import make_corpus_text
from hsw2v.cli import main
from hsw2v.vectors import Vectors, detect_binary

from test_bad_input import assert_user_error

ARGS = ["--threads", "1", "--seed", "3", "--dim", "8", "--min-count", "2", "--epochs", "2",
        "-q"]


def train(*args, input=None):
    r = CliRunner().invoke(main, ["train", *[str(a) for a in args]], input=input)
    assert r.exit_code == 0, (r.output, r.exception)
    return r


def test_training_from_stdin_equals_training_the_file(tmp_path, small_corpus, monkeypatch):
    # stdin is spooled to a temporary file (the corpus is read twice); it must be removed.
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    train(small_corpus, "-o", tmp_path / "file.bin", *ARGS)
    train("-", "-o", tmp_path / "stdin.bin", *ARGS, input=small_corpus.read_bytes())
    a, b = Vectors.load(tmp_path / "file.bin"), Vectors.load(tmp_path / "stdin.bin")
    assert a.words == b.words and np.array_equal(a.vectors, b.vectors)
    summary = json.loads((tmp_path / "stdin.bin.json").read_text())
    assert summary["corpus"] == ["-"] and summary["tokens"] > 0
    assert os.listdir(spool) == []


def test_format_overrides_the_extension(tmp_path, small_corpus):
    train(small_corpus, "-o", tmp_path / "ref.bin", *ARGS)
    train(small_corpus, "-o", tmp_path / "v.txt", "--format", "binary", *ARGS)
    train(small_corpus, "-o", tmp_path / "v.bin", "--format", "text", *ARGS)
    assert detect_binary(tmp_path / "v.txt") and not detect_binary(tmp_path / "v.bin")
    assert b"\0" not in (tmp_path / "v.bin").read_bytes()
    ref = Vectors.load(tmp_path / "ref.bin")
    for name, binary in (("v.txt", True), ("v.bin", False)):
        v = Vectors.load(tmp_path / name, binary=binary)
        assert v.words == ref.words and np.array_equal(v.vectors, ref.vectors)


def test_min_alpha_above_alpha_is_refused(tmp_path, small_corpus):
    out = tmp_path / "v.txt"
    r = CliRunner().invoke(main, ["train", str(small_corpus), "-o", str(out), "--alpha", "0.01",
                                  "--min-alpha", "0.02", "-q"])
    assert_user_error(r, "--min-alpha 0.02 is larger than --alpha 0.01",
                      "decays from alpha down to min-alpha", out=str(out))


def test_pruned_counting_rereads_the_corpus_and_trains_the_same(tmp_path, caplog):
    # 60 tokens seen once each, among 18 words seen often: with --prune-at 40 counting drops
    # the once-seen tokens (which --min-count 2 drops anyway), so the corpus is encoded again
    # with the final vocabulary, and training must give exactly what the unpruned run gives.
    corpus = tmp_path / "c.txt"
    lines = make_corpus_text(300).splitlines()
    for i in range(60):
        lines[5 * i] += f" once{i}"
    corpus.write_text("\n".join(lines) + "\n")
    train(corpus, "-o", tmp_path / "plain.bin", *ARGS)
    with caplog.at_level(logging.INFO, logger="hsw2v"):
        train(corpus, "-o", tmp_path / "pruned.bin", "--prune-at", "40", *ARGS[:-1])
    messages = [r.getMessage() for r in caplog.records]
    assert any("vocabulary pruned: more than 40 distinct tokens held, dropped 60" in m
               for m in messages), messages
    assert any("re-reading the corpus" in m for m in messages), messages
    plain, pruned = Vectors.load(tmp_path / "plain.bin"), Vectors.load(tmp_path / "pruned.bin")
    assert len(pruned) == 18 and pruned.words == plain.words
    assert np.array_equal(pruned.vectors, plain.vectors)
    summary = json.loads((tmp_path / "pruned.bin.json").read_text())
    assert summary["tokens"] == sum(len(x.split()) for x in lines)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "hsw2v", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def test_verbose_turns_on_debug_logging(tmp_path):
    # A real process: under pytest the root logger already has handlers, so the CLI's
    # logging set-up would be a no-op in-process.
    path = tmp_path / "v.txt"
    Vectors(["a", "b"], np.eye(2, dtype=np.float32)).save(path)
    quiet, loud = _cli("info", path), _cli("-v", "info", path)
    assert quiet.returncode == loud.returncode == 0, (quiet.stderr, loud.stderr)
    assert quiet.stdout == loud.stdout and "words       2" in loud.stdout
    assert f"{path}: detected text format" in loud.stderr  # a debug message
    assert "detected" not in quiet.stderr


def test_version(tmp_path):
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0
    version = importlib.metadata.version("hsw2v")
    assert r.output.strip().endswith(f"version {version}")
    import hsw2v
    assert hsw2v.__version__ == version


def _fake_scipy(tmp_path):
    """A stand-in SciPy package whose ``linalg`` records that it was imported (numba imports
    the top package for its version check, and probes ``scipy.linalg.cython_blas``)."""
    pkg = tmp_path / "fake" / "scipy"
    (pkg / "linalg").mkdir(parents=True)
    (pkg / "__init__.py").write_text("__version__ = '1.14.0'\n")
    marker = tmp_path / "linalg-imported"
    (pkg / "linalg" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(pkg.parent), *filter(None, [os.environ.get("PYTHONPATH")])]))
    return env, marker


def test_train_command_does_not_import_scipy_linalg(tmp_path, small_corpus):
    # numba's first compiled call probes SciPy's BLAS (~0.15 s where SciPy is installed);
    # the command line loads numba's target with scipy.linalg hidden (no kernel uses BLAS).
    env, marker = _fake_scipy(tmp_path)
    r = subprocess.run([sys.executable, "-m", "hsw2v", "train", str(small_corpus), "-o",
                        str(tmp_path / "v.bin"), "--epochs", "1", "--threads", "1", "--quiet"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert not marker.exists()


def test_hiding_scipy_linalg_is_undone_and_the_api_keeps_numbas_default(tmp_path):
    env, marker = _fake_scipy(tmp_path)
    code = ("import sys; from hsw2v.kernels.policy import load_numba_without_scipy; "
            "load_numba_without_scipy(); hidden = 'scipy.linalg' not in sys.modules; "
            "import scipy.linalg; print(hidden, scipy.linalg.__name__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "scipy.linalg"]  # importable again afterwards
    # The Python API does not hide it: numba's own probe imports it there.
    code = "import hsw2v; hsw2v.train([['a', 'b', 'c', 'a', 'b']], min_count=1, epochs=1)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert marker.exists()


def test_command_line_exempts_its_objects_from_the_exit_collection(tmp_path):
    # Interpreter shutdown garbage-collects what numba and the kernels left (0.25-0.4 s of a
    # training run); the command line freezes them at exit instead. A handler registered
    # before main() runs after main's own (atexit is last in, first out).
    path = tmp_path / "v.txt"
    Vectors(["a", "b"], np.eye(2, dtype=np.float32)).save(path)
    code = ("import atexit, gc, sys; from hsw2v.cli import main; "
            "atexit.register(lambda: print('frozen', gc.get_freeze_count())); "
            f"sys.argv = ['hsw2v', 'info', {str(path)!r}]; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "words       2" in r.stdout
    assert int(r.stdout.split("frozen")[1]) > 10_000


def test_quiet_training_prints_nothing_on_success(tmp_path):
    """-q: not even the final 'wrote ...' line (issue 27); the files are there."""
    import subprocess
    import sys

    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat and the dog sat on the log\n" * 30)
    out = tmp_path / "v.txt"
    r = subprocess.run([sys.executable, "-m", "hsw2v", "train", str(corpus), "-o", str(out),
                        "-q", "--min-count", "1", "--dim", "8", "--epochs", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    assert out.exists() and (tmp_path / "v.txt.json").exists()


def test_evaluate_with_a_positional_data_file_names_the_flags(tmp_path):
    from click.testing import CliRunner

    from hsw2v.cli import main

    vec = tmp_path / "v.txt"
    vec.write_text("2 3\ncat 0.1 0.2 0.3\ndog 0.4 0.5 0.6\n")
    data = tmp_path / "questions-words.txt"
    data.write_text(": x\ncat dog cat dog\n")
    r = CliRunner().invoke(main, ["evaluate", str(vec), str(data)])
    assert r.exit_code == 2
    assert "--analogies FILE" in r.output and "--pairs FILE" in r.output
