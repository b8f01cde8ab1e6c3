"""What every command writes besides its result: progress (a bar on a terminal, plain lines in
a file, nothing with --quiet), nothing at all with --quiet, and no error line when the reader of
its output goes away (``| head -1``)."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v.progress as progress
from hsw2v.cli import main
from hsw2v.progress import Meter
from hsw2v.vectors import Vectors

from conftest import make_corpus_text

ROOT = os.path.join(os.path.dirname(__file__), "..")


class Clock:
    def __init__(self):
        self.t = 50.0

    def __call__(self):
        return self.t


class Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("output") / "corpus.txt"
    p.write_text(make_corpus_text(1500, seed=3))
    return str(p)


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    """A text vectors file of 10,000 words (several progress updates while it is read)."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("vectors") / "v.txt"
    Vectors([f"w{i}" for i in range(10_000)],
            rng.standard_normal((10_000, 4)).astype(np.float32)).save(path)
    return str(path)


# ------------------------------------------------------------------------------ the meter
def test_meter_writes_a_line_every_log_every_seconds_and_a_last_one():
    clock, out = Clock(), io.StringIO()
    with Meter("counting", 1000, quiet=False, log_every=10, stream=out, clock=clock) as m:
        for _ in range(25):  # 25 s, 40 words a second
            clock.t += 1
            m.update(40)
    lines = out.getvalue().splitlines()
    assert lines == [
        "counting: 400/1.00k words (40.0%), 40 words/s, elapsed 0:10, ETA 0:15",
        "counting: 800/1.00k words (80.0%), 40 words/s, elapsed 0:20, ETA 0:05",
        "counting: done, 1.00k words in 0:25 (40 words/s)",
    ]
    assert "\r" not in out.getvalue()


def test_meter_without_a_total_and_a_quick_task_writes_no_line():
    clock, out = Clock(), io.StringIO()
    with Meter("reading", quiet=False, log_every=10, stream=out, clock=clock) as m:
        clock.t += 3
        m.update(5)
    assert out.getvalue() == ""  # under log_every: nothing, not even the last line
    with Meter("reading", quiet=False, log_every=2, stream=out, clock=clock) as m:
        clock.t += 3
        m.update(5000)
    assert out.getvalue().splitlines() == ["reading: 5.00k words, 1,667 words/s, elapsed 0:03",
                                           "reading: done, 5.00k words in 0:03 (1,667 words/s)"]


def test_meter_of_a_failed_task_writes_no_done_line():
    clock, out = Clock(), io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        with Meter("joining", quiet=False, log_every=1, stream=out, clock=clock) as m:
            clock.t += 2
            m.update(7)
            raise KeyboardInterrupt
    assert out.getvalue() == "joining: 7 words, 4 words/s, elapsed 0:02\n"


def test_meter_on_a_terminal_draws_a_bar_and_quiet_draws_nothing():
    clock, tty = Clock(), Tty()
    with Meter("counting", 100, quiet=False, log_every=0.001, stream=tty, clock=clock) as m:
        for _ in range(10):
            clock.t += 1
            m.update(10)
    assert "\r" in tty.getvalue() and "counting" in tty.getvalue()
    assert "done" not in tty.getvalue()  # no plain lines on a terminal
    for stream in (Tty(), io.StringIO()):
        with Meter("counting", 100, quiet=True, log_every=0.001, stream=stream,
                   clock=clock) as m:
            clock.t += 1
            m.update(50)
        assert stream.getvalue() == ""


# ------------------------------------------------------------------------ every command
def _commands(corpus: str, vectors: str, tmp: str) -> dict[str, tuple[list[str], list[str]]]:
    """Each command that shows progress: its arguments, and the line starts it must show."""
    return {
        "train": (["train", corpus, "-o", f"{tmp}/t.txt", "--dim", "8", "--epochs", "2",
                   "--min-count", "2", "--threads", "1", "--log-every", "0.000001"],
                  ["reading the corpus: ", "progress "]),
        "phrases": (["phrases", corpus, "-o", f"{tmp}/p.txt", "--min-count", "2"],
                    ["phrases: counting: ", "phrases: joining: "]),
        "vocab": (["vocab", corpus, "--min-count", "2"], ["counting the corpus: "]),
        "convert": (["convert", vectors, f"{tmp}/c.bin"], [f"reading {vectors}: "]),
        "info": (["info", vectors], [f"reading {vectors}: "]),
        "similar": (["similar", vectors, "w1", "-k", "2"], [f"reading {vectors}: "]),
        "plot": (["plot", "words", vectors, "--top", "20", "-o", f"{tmp}/m.png"],
                 [f"reading {vectors}: "]),
    }


COMMANDS = ["train", "phrases", "vocab", "convert", "info", "similar", "plot"]


@pytest.mark.parametrize("command", COMMANDS)
def test_progress_off_a_terminal_is_plain_lines(tmp_path, corpus, vectors, monkeypatch,
                                                command):
    """stderr not a terminal (click's runner: as ``2> file``): plain progress lines, no
    carriage return."""
    if command == "plot":
        pytest.importorskip("matplotlib")
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)  # a line at every update
    args, starts = _commands(corpus, vectors, str(tmp_path))[command]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "\r" not in r.stderr
    lines = r.stderr.splitlines()
    for start in starts:
        assert any(ln.startswith(start) for ln in lines), (start, r.stderr)
    if command != "train":  # (training's lines end with its epoch lines)
        assert any(re.match(r"^.*: done, [\d.]+k? words in \d+:\d\d \([\d,]+ words/s\)$", ln)
                   for ln in lines), r.stderr


@pytest.mark.parametrize("command", ["train", "phrases", "vocab", "convert"])
def test_progress_on_a_terminal_is_a_bar(tmp_path, corpus, vectors, monkeypatch, command):
    tty = Tty()
    monkeypatch.setattr(progress, "sys", types.SimpleNamespace(stderr=tty))
    args, starts = _commands(corpus, vectors, str(tmp_path))[command]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    shown = tty.getvalue()
    assert "\r" in shown, shown
    assert starts[0].rstrip(": ") in shown  # the bar names what it counts
    assert "elapsed" not in shown and "done" not in shown  # and no plain line is written
    assert "\r" not in r.stderr


def test_phrases_with_stderr_to_a_file_has_no_carriage_return(tmp_path, corpus):
    """The issue's case, as run: ``hsw2v phrases ... 2> ph.err``."""
    code = ("import sys, hsw2v.progress as p\n"
            "p.LOG_EVERY = 0.0\n"
            "from hsw2v.cli import main\n"
            "sys.argv = ['hsw2v', 'phrases', *sys.argv[1:]]\n"
            "main()\n")
    err = tmp_path / "ph.err"
    with open(err, "w") as f:
        proc = subprocess.run([sys.executable, "-c", code, corpus, "-o", str(tmp_path / "p.txt"),
                               "--min-count", "2"], stderr=f, cwd=ROOT, timeout=300)
    assert proc.returncode == 0
    text = err.read_text()
    assert "\r" not in text
    assert re.search(r"^phrases: counting: [\d.]+k words, ", text, re.M), text
    assert re.search(r"^phrases: joining: [\d.]+k/[\d.]+k words \(100\.0%\)", text, re.M), text


def test_a_cluster_run_off_a_terminal_writes_plain_lines(tmp_path, corpus, capsys):
    """``--dask``: the same display as a local run (lines, no bar) on a non-terminal stderr."""
    pytest.importorskip("distributed")
    import hsw2v
    from conftest import cluster_client

    with cluster_client(1) as client:
        hsw2v.train(corpus, dask=client, dim=8, epochs=2, min_count=2, quiet=False,
                    log_every=0.000001)
    err = capsys.readouterr().err
    assert "\r" not in err
    assert re.search(r"^progress +100\.0% ", err, re.M), err
    assert re.search(r"^epoch 2/2: loss ", err, re.M), err


# ------------------------------------------------------------------------------- Ctrl-C
def _interrupted_run(tmp_path, patch: str, args: list[str]) -> subprocess.CompletedProcess:
    """``hsw2v ARGS`` with ``patch`` (Python) run first: it makes a KeyboardInterrupt arrive
    where Ctrl-C would (a real signal's arrival point varies; a test's must not)."""
    code = ("import sys\n" + patch + "\n"
            "from hsw2v.cli import main\n"
            "sys.argv = ['hsw2v', *sys.argv[1:]]\n"
            "main()\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)


def _raise_in(module: str, name: str) -> str:
    """Code that makes ``module.name`` (``name`` may be ``Class.method``) raise
    KeyboardInterrupt."""
    owner, _, attr = name.rpartition(".")
    return ("import importlib\n"
            f"m = importlib.import_module({module!r})\n"
            f"owner = m{'.' + owner if owner else ''}\n"
            "def interrupted(*a, **k):\n"
            "    raise KeyboardInterrupt\n"
            f"setattr(owner, {attr!r}, interrupted)\n")


@pytest.mark.parametrize("case", ["vocab", "phrases-count", "phrases-join", "convert-read",
                                  "convert-write", "train-start"])
def test_ctrl_c_says_what_it_stopped_and_what_was_not_written(tmp_path, corpus, vectors, case):
    out = str(tmp_path / "out.txt")
    patch, args, line = {
        "vocab": (_raise_in("hsw2v.vocab", "iter_id_blocks"), ["vocab", corpus, "-o", out],
                  "reading the corpus (counting the vocabulary); nothing was written"),
        "phrases-count": (_raise_in("hsw2v.phrases", "_PairCounter.add"),
                          ["phrases", corpus, "-o", out],
                          "reading the corpus (counting words and pairs); nothing was written"),
        "phrases-join": (_raise_in("hsw2v.phrases", "_Joiner.block"),
                         ["phrases", corpus, "-o", out, "--min-count", "2"],
                         f"writing the corpus with phrases joined to {out}; {out} was not "
                         "written (no partial file)"),
        "convert-read": (_raise_in("hsw2v.formats", "_read_text_rows"),
                         ["convert", vectors, out],
                         f"reading {vectors}; nothing was written"),
        "convert-write": (_raise_in("hsw2v.formats", "_write_rows"),
                          ["convert", vectors, out],
                          f"writing {out}; {out} was not written (no partial file)"),
        "train-start": (_raise_in("hsw2v.train", "check_output_path"),
                        ["train", corpus, "-o", out],
                        "running hsw2v train; no file was left half-written"),
    }[case]
    r = _interrupted_run(tmp_path, patch, args)
    assert r.returncode == 130, r.stderr
    assert r.stderr.strip().splitlines()[-1] == f"hsw2v: interrupted while {line}", r.stderr
    assert "Traceback" not in r.stderr and "aborted" not in r.stderr
    assert r.stdout == ""
    assert sorted(os.listdir(tmp_path)) == []  # no output, no temporary file


# ------------------------------------------------------------------- --quiet, closed pipes
def _run(args: list[str], cwd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hsw2v", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, **kwargs)


@pytest.mark.parametrize("command", ["train", "vocab", "phrases", "convert"])
def test_quiet_means_no_output_at_all_on_success(tmp_path, corpus, vectors, command):
    """-q: nothing on stdout or stderr (no progress, no log line, no 'wrote' line); the file is
    written. (A real process: the CLI's log lines go to its stderr.)"""
    out = tmp_path / "out.txt"
    args = {"train": ["train", corpus, "-o", str(out), "--dim", "8", "--epochs", "1",
                      "--min-count", "2", "--threads", "1", "--log-every", "0.000001"],
            "vocab": ["vocab", corpus, "-o", str(out), "--min-count", "2"],
            "phrases": ["phrases", corpus, "-o", str(out), "--min-count", "2"],
            "convert": ["convert", vectors, str(out)]}[command]
    loud = _run(args, ROOT)
    assert loud.returncode == 0, loud.stderr
    assert loud.stdout + loud.stderr != ""  # (without -q there is something to silence)
    out.unlink()
    quiet = _run(args + ["-q"], ROOT)
    assert quiet.returncode == 0, quiet.stderr
    assert (quiet.stdout, quiet.stderr) == ("", "")
    assert out.stat().st_size > 0


def test_quiet_demo_prints_only_its_verdict(tmp_path):
    """demo's -q keeps what it exists to show (the two figures and PASS/FAIL), nothing else."""
    r = _run(["demo", "-q", "--threads", "1", "--epochs", "2", "-o", str(tmp_path / "d.bin")],
             ROOT)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines[:2]] == ["neighbours", "analogies"]
    assert lines[2].startswith("PASS") and len(lines) == 3 and r.stderr == ""


def _closed_stdout_run(args: list[str], cwd) -> subprocess.CompletedProcess:
    """``hsw2v ARGS`` writing to a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "hsw2v", *args], stdout=write,
                              stderr=subprocess.PIPE, text=True, cwd=cwd, timeout=300)
    finally:
        os.close(write)


@pytest.mark.parametrize("args", [
    ["info", "{v}"], ["similar", "{v}", "w1", "-k", "3"], ["analogy", "{v}", "w1", "w2", "w3"],
    ["evaluate", "{v}", "--analogies", "{q}"], ["vocab", "{c}"], ["phrases", "{c}", "-o", "-", "-q"],
    ["convert", "{v}", "{t}/c.bin"], ["demo", "-q", "--threads", "1", "--epochs", "1"],
    ["--help"], ["--version"], ["plot", "--help"], ["similar", "--help"],
], ids=lambda a: " ".join(a[:2]))
def test_a_reader_that_has_gone_ends_every_command_quietly(tmp_path, corpus, vectors, args):
    """``hsw2v ... | head -1``: no error line, the status of a tool that SIGPIPE ended."""
    questions = tmp_path / "q.txt"
    questions.write_text(": section\nw1 w2 w3 w4\n")
    args = [a.format(v=vectors, c=corpus, q=questions, t=tmp_path) for a in args]
    r = _closed_stdout_run(args, tmp_path)
    assert r.stderr == "", r.stderr
    assert r.returncode == 141


def test_a_reader_that_stops_after_one_line_mid_output(tmp_path, vectors):
    """A reader that takes the first line and goes (``| head -1``) while the command still has
    hundreds of kilobytes to write: the command ends quietly as soon as it notices."""
    words = [f"w{i}" for i in range(400)]
    proc = subprocess.Popen([sys.executable, "-m", "hsw2v", "similar", vectors, *words,
                             "-k", "40"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=tmp_path)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert first == b"nearest to w0:\n" and err == ""
