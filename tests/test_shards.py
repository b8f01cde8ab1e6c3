"""Byte-range shards: cut anywhere, aligned on reading; together they hold exactly the tokens."""
from __future__ import annotations

import gzip
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsw2v.corpus import CorpusStats, iter_token_blocks
from hsw2v.shards import Shard, plan_shards

# Pieces that make hard cases: multi-byte letters, non-ASCII spaces (U+00A0, U+3000, which
# the tokenizer splits on but shards do not cut at), CR LF, tabs, invalid UTF-8.
PIECES = [b"a", b"bc", b"\xc3\xa9", b"\xe2\x82\xac", b" ", b"  ", b"\n", b"\r\n", b"\t",
          b"\xc2\xa0", b"\xe3\x80\x80", b"\xff", b"\xc3", b"x" * 40]


def tokens_of(paths) -> list[str]:
    # Blocks larger than any token here: a run of more bytes than a block without whitespace is
    # broken at the block's end (1 MB by default), which shard boundaries may move.
    out: list[str] = []
    for toks, _ in iter_token_blocks(list(paths), 10_000, CorpusStats(), block_bytes=4096):
        out.extend(toks)
    return out


def sharded_tokens(groups) -> list[str]:
    return [t for g in groups for t in tokens_of(g)]


def write(tmp_path, name, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=60), min_size=1, max_size=3),
       st.integers(1, 9))
def test_shards_hold_exactly_the_tokens(tmp_path_factory, files, parts):
    folder = tmp_path_factory.mktemp("c")
    paths = [write(folder, f"f{i}.txt", b"".join(f)) for i, f in enumerate(files)]
    groups = plan_shards([(p, os.path.getsize(p)) for p in paths], parts)
    assert 1 <= len(groups) <= parts
    assert sharded_tokens(groups) == tokens_of(paths)


def test_single_long_line_is_cut_into_even_shards_without_splitting_a_token(tmp_path):
    words = [f"w{i % 97}" + "é" * (i % 3) for i in range(5000)]
    p = write(tmp_path, "line.txt", " ".join(words).encode())  # one line, no newline
    size = os.path.getsize(p)
    groups = plan_shards([(p, size)], 4)
    assert len(groups) == 4 and all(len(g) == 1 for g in groups)
    assert [g[0].start for g in groups] == [-(-k * size // 4) for k in range(4)]
    assert sharded_tokens(groups) == words
    # Every byte is read exactly once: the aligned ranges partition the file.
    stats = [CorpusStats() for _ in groups]
    for g, s in zip(groups, stats):
        for _ in iter_token_blocks(g, 10_000, s):
            pass
    assert sum(s.bytes for s in stats) == size
    assert all(abs(s.bytes - size / 4) < 20 for s in stats)


def test_many_files_and_compressed_ones(tmp_path):
    a = write(tmp_path, "a.txt", b"one two three\nfour five\n" * 50)
    b = str(tmp_path / "b.txt.gz")
    with gzip.open(b, "wb") as f:
        f.write(b"six seven eight\n" * 80)
    c = write(tmp_path, "c.txt", b"nine ten " * 100)
    files = [(p, os.path.getsize(p)) for p in (a, b, c)]
    for parts in (1, 2, 3, 5):
        groups = plan_shards(files, parts)
        assert sharded_tokens(groups) == tokens_of([a, b, c])
        gz = [s for g in groups for s in g if s.path == b]
        assert len(gz) == 1 and gz[0].whole  # compressed files are never cut
    # One part: every file is one whole shard (a one-worker run reads what a local run reads).
    assert [[s.whole for s in g] for g in plan_shards(files, 1)] == [[True, True, True]]


def test_shards_pickle_as_paths_with_ranges():
    import pickle

    s = Shard("/x/y.txt", 10, 20)
    t = pickle.loads(pickle.dumps(s))
    assert isinstance(t, Shard) and t == "/x/y.txt" and (t.start, t.stop) == (10, 20)
    assert t.describe() == "/x/y.txt[10:20]" and Shard("/x").describe() == "/x"


@pytest.mark.parametrize("text", [b"", b"   \n  ", b"abc", b"abcdefghij" * 30])
def test_degenerate_files(tmp_path, text):
    p = write(tmp_path, "d.txt", text)
    groups = plan_shards([(p, len(text))], 4)
    assert sharded_tokens(groups) == tokens_of([p])
