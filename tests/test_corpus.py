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
