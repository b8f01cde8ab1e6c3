"""Progress display (bar on a terminal, plain lines in a file) and the recorded loss curve."""
from __future__ import annotations

import importlib
import io
import json
import math
import os
import re
import subprocess
import sys

import pytest

from hsw2v.checkpoint import load_checkpoint
from hsw2v.config import make_config
from hsw2v.errors import ConfigError, TrainingInterrupted
from hsw2v.progress import Progress

from conftest import make_corpus_text

train_mod = importlib.import_module("hsw2v.train")
threads_mod = importlib.import_module("hsw2v.threads")
ROOT = os.path.join(os.path.dirname(__file__), "..")
LINE = re.compile(r"^progress +(\d+\.\d)% \S+/\S+ words, [\d,]+ words/s, alpha (\d\.\d{6}), "
                  r"loss (\d+\.\d{4}|n/a), elapsed \d+:\d\d, ETA (\d+:\d\d|\?)$")


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


class Tty(io.StringIO):
    def isatty(self):
        return True


def feed(progress, clock, steps, total, seconds=1.0):
    """Feed ``steps`` evenly spaced updates of one epoch: loss 2 per prediction, 3 predictions
    per word."""
    for k in range(1, steps + 1):
        clock.t += seconds
        w = total * k // steps
        progress.update(w, 2.0 * 3 * w, 3.0 * w)


# ------------------------------------------------------------------------------ unit tests
def test_curve_points_every_step_with_the_loss_since_the_last():
    clock = Clock()
    p = Progress(1000, lambda w: 0.025 * (1 - w / 1000), quiet=True, clock=clock, points=10)
    p.update(0, 0.0, 0.0)  # the start
    p.update(50, 100.0, 50.0)  # not yet 100 words: no point
    assert p.curve == []
    p.update(120, 100.0 + 70 * 4.0, 120.0)  # 120 words since the start
    assert p.curve == [{"words": 120, "alpha": pytest.approx(0.025 * 0.88),
                        "loss": pytest.approx((100 + 280) / 120)}]
    p.update(210, 380.0 + 90 * 3.0, 210.0)  # only 90 since the last point
    assert len(p.curve) == 1
    p.update(350, 380.0 + 230 * 1.0, 350.0)  # 230 since: one point for them all
    assert p.curve[-1]["words"] == 350 and p.curve[-1]["loss"] == pytest.approx(1.0)
    p.epoch_done(700.0, 400.0)  # the epoch's sums move to the base; the running ones restart
    p.update(400, 0.0, 0.0)
    assert len(p.curve) == 2
    p.update(460, 120.0, 60.0)
    assert p.curve[-1] == {"words": 460, "alpha": pytest.approx(0.0135),
                           "loss": pytest.approx((700 + 120 - 610) / (460 - 350))}
    p.update(600, 120.0, 60.0)  # no prediction since: the loss is None, never NaN
    assert p.curve[-1]["words"] == 600 and p.curve[-1]["loss"] is None
    p.update(960, 120.0 + 360, 60.0 + 360)
    assert p.curve[-1]["words"] == 960 and p.curve[-1]["loss"] == pytest.approx(1.0)
    p.update(1000, 480.0 + 40 * 9.0, 420.0 + 40)  # the end, 40 words on: merged into the last
    assert [q["words"] for q in p.curve] == [120, 350, 460, 600, 1000]
    assert p.curve[-1]["loss"] == pytest.approx((360 + 40 * 9.0) / (360 + 40))
    words = [q["words"] for q in p.curve]
    assert all(b - a >= 100 for a, b in zip(words, words[1:]))


def test_a_short_run_still_gets_its_end_point():
    p = Progress(1000, lambda w: 0.0, quiet=True, clock=Clock(), points=10)
    p.update(0, 0.0, 0.0)
    p.update(60, 60.0, 30.0)  # a sliver, but no point before it to merge into
    assert p.curve == []
    p.update(1000, 1000.0, 500.0)
    assert p.curve == [{"words": 1000, "alpha": 0.0, "loss": 2.0}]


def test_a_resumed_run_continues_its_curve():
    old = [{"words": 100, "alpha": 0.02, "loss": 3.0}]
    clock = Clock()
    p = Progress(1000, lambda w: 0.0, quiet=True, clock=clock, points=10, curve=old)
    p.update(150, 40.0, 20.0)  # resumed part way into an epoch: the reference
    p.update(260, 40.0 + 110 * 5.0, 130.0)
    assert p.curve is old and old[-1] == {"words": 260, "alpha": 0.0, "loss": 5.0}


def test_lines_when_not_a_terminal():
    clock = Clock()
    out = io.StringIO()
    p = Progress(10_000, lambda w: 0.025 * (1 - w / 10_000), log_every=10, stream=out,
                 clock=clock)
    p.update(0, 0.0, 0.0)
    feed(p, clock, 40, 10_000, seconds=1.0)  # 40 s of training
    p.write("epoch 1/1: loss 2.0000")
    p.close()
    lines = out.getvalue().splitlines()
    progress = [ln for ln in lines if ln.startswith("progress")]
    assert len(progress) == 4  # every 10 s
    for ln in progress:
        m = LINE.match(ln)
        assert m, ln
        assert m.group(3) == "2.0000"  # the loss
    assert [LINE.match(ln).group(1) for ln in progress] == ["25.0", "50.0", "75.0", "100.0"]
    assert "250 words/s" in progress[0] and "ETA 0:30" in progress[0]
    assert "elapsed 0:10" in progress[0] and "ETA 0:00" in progress[-1]
    assert lines[-1] == "epoch 1/1: loss 2.0000"
    assert "\r" not in out.getvalue()


def test_bar_on_a_terminal():
    clock = Clock()
    out = Tty()
    p = Progress(10_000, lambda w: 0.0123, stream=out, clock=clock)
    p.update(0, 0.0, 0.0)
    feed(p, clock, 20, 10_000)
    p.write("epoch 1/1: done")
    p.close()
    text = out.getvalue()
    assert "\r" in text and "alpha=0.01230" in text and "loss=2.0000" in text
    assert "progress " not in text  # no plain lines
    assert "epoch 1/1: done" in text


def test_quiet_shows_nothing_but_records():
    clock = Clock()
    for stream in (io.StringIO(), Tty()):
        p = Progress(1000, lambda w: 0.0, quiet=True, stream=stream, clock=clock, log_every=0.1)
        p.update(0, 0.0, 0.0)
        feed(p, clock, 10, 1000)
        p.write("epoch 1/1")
        p.close()
        assert stream.getvalue() == ""
        assert len(p.curve) == 10


def test_log_every_is_validated():
    with pytest.raises(ConfigError, match="--log-every 0 is out of range"):
        make_config(log_every=0).resolved()
    assert make_config(log_every=2.5).resolved().log_every == 2.5


# ------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("progress") / "corpus.txt"
    p.write_text(make_corpus_text(2000))
    return p


def test_cli_writes_plain_lines_to_a_pipe(tmp_path, corpus):
    """stderr to a pipe: plain progress lines with every field, no carriage returns."""
    out = tmp_path / "v.txt"
    args = [sys.executable, "-m", "hsw2v", "train", str(corpus), "-o", str(out), "--dim", "8",
            "--epochs", "3", "--min-count", "2", "--threads", "1", "--log-every", "0.000001"]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("progress")]
    assert len(lines) >= 3, proc.stderr  # at least after each epoch
    for ln in lines:
        assert LINE.match(ln), ln
    assert LINE.match(lines[-1]).group(1) == "100.0"
    assert len([ln for ln in proc.stderr.splitlines() if ln.startswith("epoch ")]) == 3
    # --quiet silences the lines and the epoch summaries
    quiet = subprocess.run(args + ["--quiet"], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert not re.search(r"^(progress|epoch) ", quiet.stderr, re.M), quiet.stderr


def test_loss_curve_in_the_run_summary(tmp_path, corpus):
    out = tmp_path / "v.txt"
    train_mod.train_to_file([str(corpus)], str(out), dim=8, epochs=4, min_count=2, threads=2,
                            quiet=True)
    summary = json.loads((tmp_path / "v.txt.json").read_text())
    curve = summary["loss_curve"]
    total = sum(e["words"] for e in summary["epochs"])
    assert summary["config"]["epochs"] <= len(curve) <= 100  # at least one per epoch end
    words = [p["words"] for p in curve]
    assert all(b > a for a, b in zip(words, words[1:])) and words[-1] == total
    assert all(p["loss"] is not None and math.isfinite(p["loss"]) and p["loss"] > 0
               for p in curve)
    alphas = [p["alpha"] for p in curve]
    assert all(b <= a for a, b in zip(alphas, alphas[1:]))
    assert alphas[-1] == pytest.approx(summary["config"]["min_alpha"])
    steps = [b - a for a, b in zip(words, words[1:-1])]  # all but the end: at least 1%
    assert all(s * 100 >= total for s in steps)


def test_loss_curve_survives_an_interruption(tmp_path, corpus, monkeypatch):
    """The curve goes into checkpoints; the resumed run's summary continues it."""
    from test_resume import interrupt_after

    monkeypatch.setattr(threads_mod, "CHUNK", 64)  # many chunks, so points before the stop
    out = tmp_path / "v.txt"
    ckpt = str(tmp_path / "v.ckpt")
    opts = dict(dim=8, epochs=2, min_count=2, threads=1, quiet=True)
    interrupt_after(monkeypatch, 300, delay=0.002)
    with pytest.raises(TrainingInterrupted):
        train_mod.train_to_file([str(corpus)], str(out), checkpoint=ckpt, **opts)
    before = load_checkpoint(ckpt).meta["loss_curve"]
    assert len(before) >= 2
    monkeypatch.undo()
    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    train_mod.train_to_file(None, None, resume=ckpt, quiet=True, log_every=5.0)  # may change
    curve = json.loads((tmp_path / "v.txt.json").read_text())["loss_curve"]
    assert curve[:len(before)] == before and len(curve) > len(before)
    words = [p["words"] for p in curve]
    assert all(b > a for a, b in zip(words, words[1:]))
