"""Vocabulary counting, pruning, selection, subsampling and vocab files."""
from __future__ import annotations

import numpy as np
import pytest

from hsw2v.errors import VocabError
from hsw2v.vocab import (WordCounter, build_vocab, check_vocab_size, keep_probabilities,
                         read_vocab, save_vocab)


def test_counter_counts_and_ids_are_consistent():
    c = WordCounter()
    ids1 = c.add("a b a c".split())
    ids2 = c.add("c c d".split())
    words = c.words
    assert [words[i] for i in ids1] == ["a", "b", "a", "c"]
    assert [words[i] for i in ids2] == ["c", "c", "d"]
    assert dict(zip(words, c.counts.tolist())) == {"a": 2, "b": 1, "c": 3, "d": 1}
    assert c.counts.dtype == np.int64


def test_pruning_bounds_distinct_tokens_and_keeps_frequent_words(caplog):
    c = WordCounter(prune_at=50)
    for i in range(20):
        c.add(["the", "of"] * 5 + [f"rare{i}_{j}" for j in range(10)])
    assert len(c.index) <= 50
    assert c.prunings > 0
    counts = dict(zip(c.words, c.counts.tolist()))
    assert counts["the"] == 100 and counts["of"] == 100  # frequent words are exact
    assert "pruned" in caplog.text


def test_build_vocab_sorts_by_count_then_word_and_applies_limits():
    words = ["d", "b", "a", "c", "e"]
    counts = np.array([3, 5, 5, 1, 3], dtype=np.int64)
    v = build_vocab(words, counts, min_count=2)
    assert v.words == ["a", "b", "d", "e"]
    assert v.counts.tolist() == [5, 5, 3, 3]
    v = build_vocab(words, counts, min_count=1, max_vocab=3)
    assert v.words == ["a", "b", "d"]
    assert v.remap(["c", "a", "e", "d"]).tolist() == [-1, 0, -1, 2]


def test_too_small_vocab_says_what_the_corpus_had():
    words, counts = ["x", "y"], np.array([3, 1], dtype=np.int64)
    v = build_vocab(words, counts, min_count=3)
    with pytest.raises(VocabError, match=r"2 distinct words, the most frequent seen 3 times"):
        check_vocab_size(v, counts, 3)


def test_keep_probabilities_follow_word2vec_formula():
    counts = np.array([1000, 100, 10, 1], dtype=np.int64)
    p = keep_probabilities(counts, 1e-2)
    t = 1e-2 * counts.sum()
    expected = np.minimum((np.sqrt(counts / t) + 1) * t / counts, 1.0)
    np.testing.assert_allclose(p, expected)
    assert p[0] < p[1] < 1.0 and p[-1] == 1.0
    assert np.all(keep_probabilities(counts, 0.0) == 1.0)


def test_vocab_file_round_trip(tmp_path):
    v = build_vocab(["b", "a", "c"], np.array([2, 9, 4], dtype=np.int64), min_count=1)
    save_vocab(tmp_path / "v.txt", v)
    assert (tmp_path / "v.txt").read_text() == "a 9\nc 4\nb 2\n"
    words, counts = read_vocab(tmp_path / "v.txt")
    assert words == ["a", "c", "b"] and counts.tolist() == [9, 4, 2]


@pytest.mark.parametrize("text,msg", [("a 1 2\n", "expected 'word count'"),
                                      ("a x\n", "not an integer"),
                                      ("a 1\na 2\n", "appears twice"),
                                      ("", "empty")])
def test_bad_vocab_files(tmp_path, text, msg):
    p = tmp_path / "v.txt"
    p.write_text(text)
    with pytest.raises(VocabError, match=msg):
        read_vocab(p)
