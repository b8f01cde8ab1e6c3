"""The id stream: one-pass encoding, sentinels, exact thread splits."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from hsw2v.corpus import CorpusStats, iter_sentences, iter_token_blocks
from hsw2v.encoding import SENTENCE_END, encode_corpus, scan_corpus
from hsw2v.vocab import Vocab, build_vocab


def decode(stream, words, remap=None):
    ids = stream.read(0, stream.n)
    out, piece = [], []
    for t in ids.tolist():
        if t == SENTENCE_END:
            out.append(piece)
            piece = []
        elif remap is None or remap[t] >= 0:
            piece.append(words[t] if remap is None else words[remap[t]])
    return out


def test_scan_encodes_in_one_pass(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b c d e\nb a\n")
    stats = CorpusStats()
    counter, stream = scan_corpus([str(p)], 3, 1000, stats)
    with stream:
        assert decode(stream, counter.words) == [["a", "b", "c"], ["d", "e"], ["b", "a"]]
        assert stats.tokens == 7


def test_pruning_falls_back_to_encoding_with_the_final_vocab(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text(" ".join(["x"] * 50 + [f"r{i}" for i in range(40)]) + "\n")
    counter, stream = scan_corpus([str(p)], 1000, 10, CorpusStats())
    assert stream is None and counter.prunings > 0
    vocab = build_vocab(counter.words, counter.counts, min_count=2)
    with encode_corpus([str(p)], vocab, 1000) as s2:
        assert decode(s2, vocab.words) == [["x"] * 50]


@pytest.mark.parametrize("target, block", [(1, 1 << 20), (10, 1 << 20), (32, 7), (64, 50),
                                           (10 ** 6, 1 << 20)])
def test_chunks_cover_the_stream_exactly_at_piece_boundaries(tmp_path, target, block):
    p = tmp_path / "c.txt"
    rng = np.random.default_rng(0)
    p.write_text("\n".join(" ".join(f"w{x}" for x in rng.integers(0, 30, rng.integers(1, 20)))
                           for _ in range(200)))
    counter, stream = scan_corpus([str(p)], 8, 1000, CorpusStats())
    with stream:
        # words outside the vocabulary do not count: leave out every third provisional id
        remap = np.arange(len(counter.words), dtype=np.int32)
        remap[::3] = -1
        starts, before = stream.chunk_table(remap, target, block=block)
        ids = stream.read(0, stream.n)
        assert starts[0] == 0 and starts[-1] == stream.n and np.all(np.diff(starts) > 0)
        assert all(ids[e - 1] == SENTENCE_END for e in starts[1:])
        # a chunk stops at the first piece end at or past the target
        for a, b in zip(starts[:-1], starts[1:]):
            assert b - a >= min(target, stream.n - a)
            assert not np.any(ids[a + target - 1:b - 1] == SENTENCE_END)
        known = np.concatenate(([0], np.cumsum((ids >= 0) & (remap[ids] >= 0))))
        assert np.array_equal(before, known[starts])


@pytest.mark.parametrize("prune_at", [3, 8, 40, 1000])
def test_scan_matches_the_reference_counter_and_falls_back_after_pruning(tmp_path, prune_at):
    from test_vocab import _ReferenceCounter

    # Two files, the first without a final newline (the end of a file ends a piece).
    rng = np.random.default_rng(1)
    paths = [str(tmp_path / "c1.txt"), str(tmp_path / "c2.txt")]
    for path, end in zip(paths, ["", "\n"]):
        with open(path, "w") as f:
            f.write("\n".join(" ".join(f"w{x}" for x in rng.zipf(1.5, rng.integers(0, 15)) % 60)
                              for _ in range(150)) + end)
    ref = _ReferenceCounter(prune_at)
    for tokens, _ in iter_token_blocks(paths, 4):
        ref.add(tokens)
    stats = CorpusStats()
    counter, stream = scan_corpus(paths, 4, prune_at, stats)
    assert counter.words == list(ref.index) and counter.counts.tolist() == ref.counts
    assert (counter.prunings, counter.pruned_words, counter.min_reduce) == (
        ref.prunings, ref.pruned_words, ref.min_reduce)
    assert (stream is None) == (ref.prunings > 0)
    expected = list(iter_sentences(paths, 4))
    if stream is not None:
        with stream:
            assert decode(stream, counter.words) == expected
    assert stats.tokens == sum(map(len, expected)) and stats.pieces == len(expected)


def test_encode_drops_words_outside_the_vocab_and_keeps_piece_ends(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b zz c\nzz zz\n\u3000b\xa0a é\n")
    # Words that no token can equal (whitespace inside, empty) are simply never found.
    vocab = Vocab(["b", "a", "é", "x y", ""], np.array([5, 4, 3, 2, 1], dtype=np.int64))
    stats = CorpusStats()
    with encode_corpus([str(p)], vocab, 2, stats) as s:
        ids = s.read(0, s.n).tolist()
    assert ids == [1, 0, -1, -1, -1, 0, 1, -1, 2, -1]  # pieces of 2: [a b] [zz c] [zz zz] ...
    assert stats.tokens == 9 and stats.pieces == 5


def test_encode_with_repeated_vocab_words_uses_the_last_id_like_a_dict(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b a\n")
    vocab = Vocab(["a", "b", "a"], np.array([3, 2, 1], dtype=np.int64))
    with encode_corpus([str(p)], vocab, 100) as s:
        assert s.read(0, s.n).tolist() == [vocab.index["a"], 1, vocab.index["a"], -1]


@pytest.mark.skipif(os.name != "posix", reason="a name can only go while open on POSIX")
def test_a_killed_process_leaves_no_id_file(tmp_path):
    """The stream's file has no name once made, so SIGKILL (a lost worker) leaves nothing."""
    code = ("import sys, time, numpy as np\n"
            "from hsw2v.encoding import IdStream\n"
            "s = IdStream(sys.argv[1])\n"
            "s.append(np.arange(10, dtype=np.int32))\n"
            "assert list(s.read(3, 2)) == [3, 4]\n"
            "print('ready', flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert os.listdir(tmp_path) == []
