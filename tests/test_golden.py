"""Golden numbers: a tiny fixed run's per-epoch losses and some vector values, pinned.

Every other end-to-end test compares the code with itself (same seed twice, interrupted against
uninterrupted), so a change that moves every number the same way each time passes them all.
These values were written by this file's ``--regen`` and are compared with a relative tolerance
of 1e-5: room for float rounding that differs between machines (FMA contraction, SIMD width,
libm), not for a change of the math, the random draws or the schedule.

When a golden test fails, first find out which change moved the numbers and why. Regenerating
is legitimate only when the change is meant to change the trained numbers (a new random-number
order, a different initialisation, a corrected formula) and says so in its commit message;
never to make a failing test pass. To regenerate, from the project root::

    .venv/bin/python tests/test_golden.py --regen

and commit tests/golden_train.json with the change that moved them.
"""
from __future__ import annotations

import importlib
import json
import os
import sys

import numpy as np
import pytest

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_train.json")
#: The runs pinned: one per model, one thread (the only deterministic setting), subsampling on.
RUNS = {
    "sg": dict(model="sg", dim=8, window=3, epochs=3, min_count=2, sample=1e-2, alpha=0.05,
               seed=11, threads=1, quiet=True),
    "cbow": dict(model="cbow", dim=8, window=3, epochs=3, min_count=2, sample=1e-2, alpha=0.05,
                 seed=11, threads=1, quiet=True),
    # Negative sampling (its own kernels, its noise draws from the same generator).
    "sg-ns": dict(model="sg", loss="ns", negative=3, dim=8, window=3, epochs=3, min_count=2,
                  sample=1e-2, alpha=0.05, seed=11, threads=1, quiet=True),
    "cbow-ns": dict(model="cbow", loss="ns", negative=3, dim=8, window=3, epochs=3, min_count=2,
                    sample=1e-2, alpha=0.05, seed=11, threads=1, quiet=True),
}
#: Rows of syn0 pinned (most frequent word, a middle one, the rarest), first four values each.
ROWS = (0, 10, -1)
RTOL, ATOL = 1e-5, 1e-7


def golden_corpus() -> str:
    """~3,000 tokens in 300 lines from a fixed linear congruential generator (so no library's
    random-number stream can change the corpus): two topic groups and shared fillers."""
    groups = [["cat", "dog", "mouse", "horse", "cow", "sheep", "goat", "pig"],
              ["hammer", "saw", "drill", "wrench", "screw", "nail", "bolt", "file"]]
    fillers = ["the", "a", "and", "of", "with", "near", "rare"]
    x = 20240601

    def draw(n: int) -> int:
        nonlocal x
        x = (x * 1103515245 + 12345) % (1 << 31)
        return (x >> 8) % n

    lines = []
    for _ in range(300):
        group = groups[draw(2)]
        words = [group[draw(len(group))] if draw(10) < 6 else fillers[draw(len(fillers))]
                 for _ in range(4 + draw(9))]
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


def measure(corpus_path: str, name: str) -> dict:
    """The figures pinned for run ``name`` on the corpus at ``corpus_path``."""
    from hsw2v.config import make_config

    train_mod = importlib.import_module("hsw2v.train")
    res = train_mod.run(corpus_path, make_config(**RUNS[name]))
    syn0 = res.model.weights.syn0
    return {
        "words": res.model.vocab.words,
        "losses": [e["loss"] for e in res.summary["epochs"]],
        "trained_words": [e["trained_words"] for e in res.summary["epochs"]],
        "rows": {str(r): syn0[r, :4].astype(float).tolist() for r in ROWS},
    } | ({"syn1_root": res.model.weights.syn1[-1, :4].astype(float).tolist()}
         if res.model.weights.syn1.shape[0] else
         {"syn1neg_first": res.model.weights.syn1neg[0, :4].astype(float).tolist()})


@pytest.fixture(scope="module")
def golden():
    with open(GOLDEN, encoding="utf-8") as f:
        return json.load(f)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_trained_numbers_match_the_golden_values(tmp_path, golden, name):
    corpus = tmp_path / "golden.txt"
    corpus.write_text(golden_corpus())
    got, want = measure(str(corpus), name), golden[name]
    assert got["words"] == want["words"]
    assert got["trained_words"] == want["trained_words"]
    np.testing.assert_allclose(got["losses"], want["losses"], rtol=RTOL, atol=ATOL)
    for r in ROWS:
        np.testing.assert_allclose(got["rows"][str(r)], want["rows"][str(r)], rtol=RTOL,
                                   atol=ATOL, err_msg=f"syn0 row {r}")
    out = "syn1_root" if "syn1_root" in want else "syn1neg_first"
    np.testing.assert_allclose(got[out], want[out], rtol=RTOL, atol=ATOL)


def test_golden_values_are_from_a_run_that_learned(golden):
    # A sanity check of what was pinned: losses fall and the runs differ between models.
    for name in RUNS:
        losses = golden[name]["losses"]
        assert losses[-1] < losses[0], (name, losses)
    assert golden["sg"]["rows"] != golden["cbow"]["rows"]
    assert golden["sg-ns"]["rows"] != golden["sg"]["rows"]


def regenerate() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "golden.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(golden_corpus())
        data = {name: measure(path, name) for name in sorted(RUNS)}
    with open(GOLDEN, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regen"]:
        sys.exit(f"usage: python {sys.argv[0]} --regen   (rewrites {GOLDEN}; read the "
                 "module docstring first)")
    regenerate()
