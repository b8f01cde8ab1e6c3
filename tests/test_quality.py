"""Opt-in quality check on the shared benchmark data (``pytest -m slow``).

Trains the benchmark job (skip-gram and CBOW, text8 prefix, 2 threads) and checks issue 2's bars on
the median of seven seeds (about a minute each model on 2 cores). Single runs vary a lot: over
10-20 seeds skip-gram analogy averaged 0.1177-0.1189 (sd 0.004-0.0055) against the 0.115 bar, and a
median of three seeds fell under it in one of two runs on 2026-11-21; CBOW WS353 averaged
0.486-0.493 over 20 seeds with sd 0.015-0.023 against the 0.48 bar, so that check can fail on an
unlucky draw (its median of seven was 0.471 once, 2026-11-21, with the same seeds averaging 0.493
in another run; 48 runs on 2026-11-22 averaged 0.489). Seeds do not average out the Huffman tree,
which is the same for all of them: four tie orders spread the CBOW means over 0.009 analogy and
0.024 WS353 (README, "Why gensim's WS353 is higher"). The failure message shows every score.
"""
from __future__ import annotations

import os
import statistics

import pytest

import hsw2v

pytestmark = pytest.mark.slow


def scores_over_seeds(shared_data, model: str, seeds=range(1, 8)) -> list[tuple[float, float]]:
    """(analogy accuracy, WS353 Spearman) of the benchmark job for each seed, 2 threads."""
    scores = []
    for seed in seeds:
        v = hsw2v.train(os.path.join(shared_data, "text8-prefix.gz"), model=model, threads=2,
                        seed=seed)
        analogy = v.evaluate_analogies(os.path.join(shared_data, "questions-words.txt"))
        pairs = v.evaluate_pairs(os.path.join(shared_data, "wordsim353.tsv"))
        scores.append((analogy.accuracy, pairs.spearman))
    return scores


def test_skipgram_meets_the_quality_bars(shared_data):
    scores = scores_over_seeds(shared_data, "sg")
    assert statistics.median(a for a, _ in scores) >= 0.115, scores
    assert statistics.median(p for _, p in scores) >= 0.58, scores


def test_cbow_meets_the_quality_bars(shared_data):
    # alpha 0.05 (the CBOW default); over 20 seeds analogy averaged 0.0719 (sd 0.0037), WS353
    # 0.493 (sd 0.020), so either bar can be missed on an unlucky draw.
    scores = scores_over_seeds(shared_data, "cbow")
    assert statistics.median(a for a, _ in scores) >= 0.070, scores
    assert statistics.median(p for _, p in scores) >= 0.48, scores
