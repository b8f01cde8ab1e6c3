"""Opt-in quality check on the shared benchmark data (``pytest -m slow``).

Trains the benchmark job (skip-gram, text8 prefix, 2 threads) and checks issue 2's bars. Single
runs vary by about +-0.004 in analogy (sd over 10 seeds 0.0041, mean 0.1189: see the README's
performance section), and the bar 0.115 is only ~1 sd below the mean, so a median of three
seeds fell under it in one of two runs on 2026-11-21; the median of seven seeds is used (about
a minute on 2 cores). The failure message shows every score.
"""
from __future__ import annotations

import os
import statistics

import pytest

import hsw2v

pytestmark = pytest.mark.slow


def test_skipgram_meets_the_quality_bars(shared_data):
    scores = []
    for seed in range(1, 8):
        v = hsw2v.train(os.path.join(shared_data, "text8-prefix.gz"), model="sg", threads=2,
                        seed=seed)
        analogy = v.evaluate_analogies(os.path.join(shared_data, "questions-words.txt"))
        pairs = v.evaluate_pairs(os.path.join(shared_data, "wordsim353.tsv"))
        scores.append((analogy.accuracy, pairs.spearman))
    assert statistics.median(a for a, _ in scores) >= 0.115, scores
    assert statistics.median(p for _, p in scores) >= 0.58, scores
