"""Vocabulary counting, pruning, selection, subsampling and vocab files."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert len(c) <= 50
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


class _ReferenceCounter:
    """The dict-based WordCounter this package had before the jitted table (the reference)."""

    def __init__(self, prune_at):
        self.prune_at, self.index, self.counts = prune_at, {}, []
        self.min_reduce, self.prunings, self.pruned_words = 1, 0, 0

    def add(self, tokens):
        ids = []
        for t in tokens:
            i = self.index.setdefault(t, len(self.index))
            if i == len(self.counts):
                self.counts.append(0)
            self.counts[i] += 1
            ids.append(i)
        if len(self.index) > self.prune_at:
            before = len(self.index)
            while len(self.index) > self.prune_at:
                kept = [(w, c) for w, c in zip(self.index, self.counts) if c > self.min_reduce]
                self.index = {w: i for i, (w, _) in enumerate(kept)}
                self.counts = [c for _, c in kept]
                self.min_reduce += 1
            self.prunings += 1
            self.pruned_words += before - len(self.index)
        return ids


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(st.lists(st.sampled_from([f"w{i}" for i in range(12)] + ["é", "x" * 9]),
                                max_size=15), max_size=8),
       prune_at=st.integers(1, 8))
def test_pruning_matches_the_reference_counter(blocks, prune_at):
    c, ref = WordCounter(prune_at), _ReferenceCounter(prune_at)
    for tokens in blocks:
        ids = c.add(tokens)
        ref_ids = ref.add(tokens)
        assert ids.tolist() == ref_ids  # (for encoding, valid only while nothing was pruned)
        assert c.words == list(ref.index) and c.counts.tolist() == ref.counts
        assert (c.prunings, c.pruned_words, c.min_reduce) == (ref.prunings, ref.pruned_words,
                                                              ref.min_reduce)
        assert len(c) == len(c.words) == len(ref.index) <= prune_at


def test_pruning_warns_once_then_logs_at_debug_level(caplog):
    import logging

    c = WordCounter(prune_at=3)
    with caplog.at_level(logging.DEBUG, logger="hsw2v.vocab"):
        for i in range(3):
            c.add([f"r{i}_{j}" for j in range(5)])
    levels = [r.levelno for r in caplog.records if "pruned" in r.getMessage()]
    assert levels == [logging.WARNING, logging.DEBUG, logging.DEBUG] and c.prunings == 3


def test_counter_grows_past_its_first_arrays_and_keeps_ids():
    # Many distinct tokens, longer than 8 bytes and sharing their first 8: the table grows and
    # rehashes several times; ids stay in order of first appearance.
    tokens = [f"prefix__{i}" for i in range(5000)] + ["é" * 5, "中" * 3]
    c = WordCounter()
    ids = c.add(tokens * 2)
    assert ids.tolist() == list(range(len(tokens))) * 2
    assert c.words == tokens and c.counts.tolist() == [2] * len(tokens)


def test_counter_refuses_tokens_the_reader_cannot_make():
    c = WordCounter()
    for bad in (["a b"], [""], ["x", "\u3000y"]):
        with pytest.raises(ValueError, match="not a token"):
            c.add(bad)
