"""Streaming corpus reader: paths, compression, sentence pieces, invalid UTF-8, bounded blocks."""
from __future__ import annotations

import bz2
import gzip
import lzma

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsw2v.corpus import CorpusStats, expand_paths, iter_sentences, iter_token_blocks
from hsw2v.errors import CorpusError


def sentences(path, **kw):
    return list(iter_sentences([path], **kw))


def test_lines_are_sentences(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b c\n\n  d\te  \nf")
    assert sentences(p) == [["a", "b", "c"], ["d", "e"], ["f"]]


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"),
                                           (lzma.open, ".xz")])
def test_compressed_files_are_read_transparently(tmp_path, opener, suffix):
    p = tmp_path / f"c.txt{suffix}"
    with opener(p, "wb") as f:
        f.write(b"one two\nthree\n")
    assert sentences(p) == [["one", "two"], ["three"]]


def test_folder_means_every_file_below_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("z\n")
    (tmp_path / "a.txt").write_text("x\n")
    (tmp_path / "b" / "1.txt").write_text("y")  # no final newline: file end ends the sentence
    paths = expand_paths([tmp_path])
    assert [p.split("/")[-1] for p in paths] == ["a.txt", "1.txt", "2.txt"]
    assert list(iter_sentences([tmp_path])) == [["x"], ["y"], ["z"]]


def test_missing_path_and_empty_folder_are_clear_errors(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        expand_paths([tmp_path / "nope.txt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="holds no files"):
        expand_paths([tmp_path / "empty"])


def test_long_line_is_cut_into_exact_pieces_without_dropping_words(tmp_path):
    words = [f"w{i}" for i in range(25)]
    p = tmp_path / "c.txt"
    p.write_text(" ".join(words) + "\nx y\n")
    got = sentences(p, max_sentence_length=10)
    assert got == [words[:10], words[10:20], words[20:], ["x", "y"]]


def test_single_huge_line_is_read_in_bounded_blocks(tmp_path):
    # 200k tokens on one line, read with 4 KiB blocks: pieces are exact and no block is
    # larger than the block size plus one token.
    words = [f"t{i % 997}" for i in range(200_000)]
    p = tmp_path / "c.txt"
    p.write_text(" ".join(words))
    stats = CorpusStats()
    blocks = list(iter_token_blocks([str(p)], 10_000, stats, block_bytes=4096))
    assert len(blocks) > 100
    assert max(len(t) for t, _ in blocks) < 4096
    flat = [w for t, _ in blocks for w in t]
    assert flat == words
    assert stats.tokens == 200_000 and stats.pieces == 20


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.lists(st.sampled_from(["a", "bb", "ccc", "dé", "e"]), max_size=30),
                      max_size=12),
       maxlen=st.integers(1, 7), block=st.integers(4, 40))
def test_pieces_match_a_simple_reference(tmp_path_factory, lines, maxlen, block):
    # block >= 4 bytes: no token is longer than a block (longer runs are broken on purpose)
    p = tmp_path_factory.mktemp("c") / "c.txt"
    p.write_text("\n".join(" ".join(ws) for ws in lines), encoding="utf-8")
    expected = []
    for ws in lines:
        expected.extend(ws[i:i + maxlen] for i in range(0, len(ws), maxlen))
    got = []
    piece = []
    for tokens, ends in iter_token_blocks([str(p)], maxlen, block_bytes=block):
        start = 0
        for end in ends:
            piece.extend(tokens[start:end])
            got.append(piece)
            piece, start = [], end
        piece.extend(tokens[start:])
    assert piece == []
    assert got == expected


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"caf\xc3\xa9 ok bad\xff\xfeword end\n")
    stats = CorpusStats()
    assert list(iter_sentences([p], stats=stats)) == [["café", "ok", "bad\ufffd\ufffdword", "end"]]
    assert stats.invalid_bytes == 2


def test_multibyte_character_split_across_blocks_is_kept(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("aaé bbbé ü\n", encoding="utf-8")  # 4-byte blocks split both é's
    stats = CorpusStats()
    blocks = list(iter_token_blocks([str(p)], 100, stats, block_bytes=4))
    assert [w for t, _ in blocks for w in t] == ["aaé", "bbbé", "ü"]
    assert stats.invalid_bytes == 0


def test_binary_file_is_refused(tmp_path):
    p = tmp_path / "c.bin"
    p.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(CorpusError, match="binary"):
        sentences(p)


def test_corrupt_gzip_is_a_clear_error(tmp_path):
    p = tmp_path / "c.txt.gz"
    data = gzip.compress(b"hello world\n" * 1000)
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusError, match="corrupt or truncated"):
        sentences(p)


def test_stdin_dash(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x y\nz\n")))
    assert list(iter_sentences(["-"])) == [["x", "y"], ["z"]]


def test_newline_alone_in_a_block_still_ends_the_sentence(tmp_path):
    # With 2-byte blocks the run 'ccc' fills a block by itself, so the next block is just
    # '\n' + 'a': the newline must still end the piece (found by hypothesis).
    p = tmp_path / "c.txt"
    p.write_text("bb ccc\na")
    pieces = []
    piece = []
    for tokens, ends in iter_token_blocks([str(p)], 3, block_bytes=2):
        start = 0
        for end in ends:
            pieces.append(piece + tokens[start:end])
            piece, start = [], end
        piece += tokens[start:]
    assert pieces == [["bb", "ccc"], ["a"]]


# ------------------------------------------------------------ the jitted tokenizer (fast path)
def fast_blocks(path, maxlen=10000, block=1 << 20, capacity=1024):
    """Pieces (token lists), words and counts by first appearance, stats: the jitted path."""
    from hsw2v.vocab import TokenTable, iter_id_blocks

    table = TokenTable(capacity)

    def scan(buf, file_end, max_len, run):
        return table.scan(buf, True, file_end, max_len, run)

    stats = CorpusStats()
    ids = [i for block_ids in iter_id_blocks([str(path)], scan, maxlen, stats, block)
           for i in block_ids.tolist()]
    words = table.words
    pieces, piece = [], []
    for i in ids:
        if i < 0:
            pieces.append(piece)
            piece = []
        else:
            piece.append(words[i])
    assert piece == []  # every piece ends with a sentinel
    return pieces, words, table.counts.tolist(), stats


def python_blocks(path, maxlen=10000, block=1 << 20):
    """The same from the Python reference tokenizer (iter_token_blocks)."""
    stats = CorpusStats()
    pieces, piece, counts = [], [], {}
    for tokens, ends in iter_token_blocks([str(path)], maxlen, stats, block_bytes=block):
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        start = 0
        for end in ends:
            pieces.append(piece + tokens[start:end])
            piece, start = [], end
        piece = piece + tokens[start:]
    assert piece == []
    return pieces, list(counts), list(counts.values()), stats


_SPACES = ["\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f", " ", "\x85", "\xa0",
           "\u1680", *[chr(c) for c in range(0x2000, 0x200B)], "\u2028", "\u2029", "\u202f",
           "\u205f", "\u3000"]
# Letters (ASCII and multi-byte, tokens longer than 8 bytes sharing their first 8), characters
# next to whitespace in UTF-8 that are not whitespace, and invalid UTF-8.
_PIECES = ([s.encode() for s in ["a", "b", "the", "abcdefgh", "abcdefghij", "abcdefghik", "é",
                                 "中", "😀", "\u200b", "\u2030", "\u3001", "\xa1", "\x84",
                                 "\u1681", "\u205e", "\x1b", "\x7f", "\ufffd"]]
           + [s.encode() for s in _SPACES]
           + [b"\xff", b"\xc3", b"\xe2\x80", b"\xf0\x9f\x98", b"\x80", b"\xed\xa0\x80"])


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from(_PIECES), max_size=80), maxlen=st.integers(1, 6),
       block=st.integers(1, 24), capacity=st.sampled_from([1, 2, 1024]))
def test_jitted_tokenizer_matches_the_python_reference(tmp_path_factory, parts, maxlen, block,
                                                       capacity):
    p = tmp_path_factory.mktemp("c") / "c.txt"
    p.write_bytes(b"".join(parts))
    try:
        expected = python_blocks(p, maxlen, block)
    except CorpusError as exc:  # mostly invalid bytes: refused as binary, by both paths
        with pytest.raises(CorpusError, match="binary") as info:
            fast_blocks(p, maxlen, block, capacity)
        assert str(info.value) == str(exc)
        return
    got = fast_blocks(p, maxlen, block, capacity)
    assert got[0] == expected[0]  # pieces
    assert got[1] == expected[1] and got[2] == expected[2]  # ids by first appearance, counts
    assert got[3] == expected[3]  # files, bytes, invalid bytes, tokens, pieces


def test_jitted_whitespace_agrees_with_str_isspace_for_every_code_point():
    # Every code point between two letters, UTF-8 encoded and tokenized in one call: a
    # character taken for whitespace (or missed) would split (or join) the runs of letters and
    # change the token list. (Surrogates cannot be encoded; the corpus reader never makes them.)
    import numpy as np

    from hsw2v.vocab import TokenTable

    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = "x" + "x".join(chars) + "x"
    table = TokenTable()
    ids, tokens, pieces, _ = table.scan(np.frombuffer(text.encode(), dtype=np.uint8), True)
    words = table.words
    assert [words[i] for i in ids.tolist() if i >= 0] == text.split()
    assert tokens == len(text.split()) == 1 + sum(c.isspace() for c in chars) == 30
    assert pieces == 1  # "\n" is the one character that ends a piece


@pytest.mark.parametrize("block", range(1, 9))
def test_jitted_path_keeps_multibyte_characters_split_across_blocks(tmp_path, block):
    p = tmp_path / "c.txt"
    p.write_text("aaé bbbé\u3000ü 中文\u2029x😀y\xa0z\n", encoding="utf-8")
    got = fast_blocks(p, block=block)
    assert got == python_blocks(p, block=block)
    if block >= 5:  # (smaller blocks also break runs longer than a block, on purpose)
        assert got[0] == [["aaé", "bbbé", "ü", "中文", "x😀y", "z"]]
    assert got[3].invalid_bytes == 0


def test_jitted_path_replaces_and_counts_invalid_bytes(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"caf\xc3\xa9 ok bad\xff\xfeword end\xe2\x80\n")
    assert fast_blocks(p, block=3) == python_blocks(p, block=3)
    pieces, _, _, stats = fast_blocks(p, block=16)
    assert pieces == [["café", "ok", "bad\ufffd\ufffdword", "end\ufffd\ufffd"]]
    assert stats.invalid_bytes == 4
