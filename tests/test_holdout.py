"""--holdout: chunks never trained on, scored after every epoch with the weights of the moment."""
from __future__ import annotations

import importlib
import json

import numpy as np
import pytest
from click.testing import CliRunner

from hsw2v.cli import main
from hsw2v.config import make_config
from hsw2v.threads import held_out_chunks
from hsw2v.train import run
threads_mod = importlib.import_module("hsw2v.threads")


def test_held_out_chunks_are_spread_and_counted():
    held = held_out_chunks(200, 0.05)
    assert held.sum() == 10
    idx = np.flatnonzero(held)
    assert idx[0] < 20 and idx[-1] > 180 and np.all(np.diff(idx) >= 15)
    assert held_out_chunks(200, 0.0).sum() == 0
    assert held_out_chunks(3, 0.001).sum() == 1  # at least one
    assert held_out_chunks(2, 0.5).sum() == 1  # never all
    assert held_out_chunks(1, 0.5).sum() == 0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from conftest import make_corpus_text

    p = tmp_path_factory.mktemp("holdout") / "c.txt"
    p.write_text(make_corpus_text(3000, seed=9))
    return str(p)


def test_held_out_words_are_not_trained_and_their_loss_is_reported(corpus, monkeypatch):

    monkeypatch.setattr(threads_mod, "CHUNK", 512)
    opts = dict(threads=1, seed=3, dim=16, min_count=1, epochs=3, quiet=True)
    plain = run(corpus, make_config(**opts))
    held = run(corpus, make_config(holdout=0.1, **opts))
    words = [h["words"] for h in held.summary["epochs"]]
    full = [h["words"] for h in plain.summary["epochs"]]
    assert all(0.8 * f < w < 0.95 * f for w, f in zip(words, full)), (words, full)
    losses = [h["holdout_loss"] for h in held.summary["epochs"]]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert "holdout_loss" not in plain.summary["epochs"][0]


def test_scoring_changes_no_weight_and_repeats_exactly(corpus, monkeypatch):
    monkeypatch.setattr(threads_mod, "CHUNK", 512)
    checks = []
    real = threads_mod.Trainer

    class Spy(real):
        def score_held_out(self):
            arrays = [a for a in (self.rows0, self.rows1, self.rows_neg, self.rows_sm)
                      if a is not None]
            before = [a.copy() for a in arrays]
            first, again = super().score_held_out(), super().score_held_out()
            checks.append((first, again, all(np.array_equal(b, a)
                                             for b, a in zip(before, arrays))))
            return first

    monkeypatch.setattr(threads_mod, "Trainer", Spy)
    for loss in ("hs", "ns", "softmax"):
        checks.clear()
        run(corpus, make_config(holdout=0.2, loss=loss, threads=1, dim=16, min_count=1,
                                epochs=2, quiet=True))
        assert len(checks) == 2
        for first, again, unchanged in checks:
            assert first == again and first > 0 and unchanged, (loss, checks)


def test_cli_takes_a_percentage_and_refuses_a_bad_share(tmp_path, corpus):
    out = tmp_path / "v.txt"
    r = CliRunner().invoke(main, ["train", corpus, "-o", str(out), "--holdout", "5%",
                                  "--min-count", "1", "--dim", "8", "--threads", "1"])
    assert r.exit_code == 0, r.output
    assert "held-out" in r.output
    summary = json.loads(open(str(out) + ".json").read())
    assert summary["config"]["holdout"] == 0.05
    assert summary["epochs"][0]["holdout_loss"] > 0
    for bad in ("0.9", "-1%", "lots"):
        r = CliRunner().invoke(main, ["train", corpus, "-o", str(tmp_path / "w.txt"),
                                      "--holdout", bad])
        assert r.exit_code == 2
        assert "--holdout" in r.output and ("0..0.5" in r.output or "not a share" in r.output)
