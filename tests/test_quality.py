"""Opt-in quality check on the shared benchmark data (``pytest -m slow``).

Trains the benchmark job (skip-gram, text8 prefix, 2 threads) and checks issue 2's bars. Single
runs vary by about +-0.005 in analogy (Hogwild threads), so the median of three seeds is used,
as in ``scripts/bench.py``. The median sits only ~0.002 above the analogy bar (see the README's
performance section), so under heavy machine load an occasional run can fall below it; the
failure message shows the three scores.
"""
from __future__ import annotations

import os
import statistics

import pytest

import hsw2v

pytestmark = pytest.mark.slow


def test_skipgram_meets_the_quality_bars(shared_data):
    scores = []
    for seed in (1, 2, 3):
        v = hsw2v.train(os.path.join(shared_data, "text8-prefix.gz"), model="sg", threads=2,
                        seed=seed)
        analogy = v.evaluate_analogies(os.path.join(shared_data, "questions-words.txt"))
        pairs = v.evaluate_pairs(os.path.join(shared_data, "wordsim353.tsv"))
        scores.append((analogy.accuracy, pairs.spearman))
    assert statistics.median(a for a, _ in scores) >= 0.115, scores
    assert statistics.median(p for _, p in scores) >= 0.58, scores
