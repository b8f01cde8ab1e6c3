"""Fuzzing the loaders: random bytes and mutated valid files either load or raise the
documented error type (a :class:`hsw2v.errors.Hsw2vError`), never another exception, never a
hang (hypothesis ``deadline`` bounds the time of every case)."""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsw2v.corpus import iter_token_blocks
from hsw2v.errors import Hsw2vError
from hsw2v.vectors import Vectors, read_word2vec, write_word2vec

FUZZ = settings(max_examples=150, deadline=2000, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_rng = np.random.default_rng(0)
_WORDS = ["cat", "dog", "the", "naïve", "日本", "x"]
_MATRIX = _rng.standard_normal((len(_WORDS), 4)).astype(np.float32)


def _valid_file(name: str) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, name)
        write_word2vec(p, _WORDS, _MATRIX)
        with open(p, "rb") as f:
            return f.read()


VALID = {name: _valid_file(name) for name in ("v.txt", "v.bin", "v.txt.gz", "v.bin.gz")}


@st.composite
def mutated(draw, base: bytes) -> bytes:
    """Apply a few random edits (flip, delete, insert, truncate, duplicate) to ``base``."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "dup", "digit"]))
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "delete" and data:
            del data[i:i + draw(st.integers(1, 8))]
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "truncate":
            del data[i:]
        elif kind == "dup":
            j = draw(st.integers(i, min(len(data), i + 40)))
            data[j:j] = data[i:j]
        elif kind == "digit":
            data[i:i] = draw(st.sampled_from([b"9", b"0", b"-", b"e9", b"\n", b" ", b"nan",
                                              b"inf", b"99999999999999999999"]))
    return bytes(data)


def _check_load(tmp_path_factory, name: str, data: bytes, binary, limit) -> None:
    p = str(tmp_path_factory.mktemp("fz") / name)
    with open(p, "wb") as f:
        f.write(data)
    try:
        v = Vectors.load(p, binary=binary, limit=limit)
    except Hsw2vError:
        return
    # Loaded: must be a coherent, finite result.
    assert v.vectors.dtype == np.float32 and v.vectors.ndim == 2
    assert len(v.words) == v.vectors.shape[0] >= 1 and v.vectors.shape[1] >= 1
    assert np.isfinite(v.vectors).all()
    assert len(set(v.words)) == len(v.words) and all(v.words)
    if limit is not None:
        assert len(v) <= limit
    words, matrix = read_word2vec(p, binary=binary, limit=limit)
    assert words == v.words and np.array_equal(matrix, v.vectors)


@FUZZ
@given(name=st.sampled_from(sorted(VALID)), data=st.data(),
       binary=st.sampled_from([None, True, False]), limit=st.sampled_from([None, 1, 3]))
def test_mutated_vectors_files_load_or_raise_the_documented_error(tmp_path_factory, name, data,
                                                                  binary, limit):
    raw = VALID[name]
    if name.endswith(".gz") and data.draw(st.booleans()):
        # Mutate the decompressed content too, then recompress (valid gzip, broken payload).
        raw = gzip.compress(data.draw(mutated(gzip.decompress(raw))))
    else:
        raw = data.draw(mutated(raw))
    _check_load(tmp_path_factory, name, raw, binary, limit)


@FUZZ
@given(raw=st.binary(max_size=300), name=st.sampled_from(["r.txt", "r.bin", "r.gz"]),
       binary=st.sampled_from([None, True, False]))
def test_random_bytes_load_or_raise_the_documented_error(tmp_path_factory, raw, name, binary):
    _check_load(tmp_path_factory, name, raw, binary, None)


@FUZZ
@given(header=st.sampled_from([b"", b"2 4\n", b"1 1\n", b"0 3\n", b"3\n", b"-1 4\n",
                               b"100000000000 4\n", b"2 100000000000\n", b"2 4 extra\n",
                               b"\xef\xbb\xbf2 4\n"]),
       body=st.binary(max_size=120))
def test_headers_with_random_bodies(tmp_path_factory, header, body):
    _check_load(tmp_path_factory, "h.txt", header + body, None, None)


# ------------------------------------------------------------------------------- corpus reader
_TEXT = ("the cat sat on the mat\nnaïve café 日本語 text\n" * 30).encode()
_COMPRESS = {".txt": lambda b: b, ".gz": gzip.compress, ".bz2": bz2.compress,
             ".xz": lzma.compress}


def _read_corpus(tmp_path_factory, suffix: str, data: bytes, block: int, maxlen: int):
    p = str(tmp_path_factory.mktemp("cz") / ("c" + suffix))
    with open(p, "wb") as f:
        f.write(data)
    try:
        blocks = list(iter_token_blocks([p], maxlen, block_bytes=block))
    except Hsw2vError:
        return None
    for tokens, ends in blocks:
        assert all(t and not any(c.isspace() for c in t) for t in tokens)
        # 0 is a valid end: a piece begun in an earlier block ends right at this block's start
        assert ends == sorted(set(ends)) and all(0 <= e <= len(tokens) for e in ends)
    return blocks


@FUZZ
@given(suffix=st.sampled_from(sorted(_COMPRESS)), data=st.data(),
       block=st.sampled_from([61, 4096]), maxlen=st.sampled_from([1, 3, 10000]))
def test_mutated_corpus_files_read_or_raise_corpus_error(tmp_path_factory, suffix, data, block,
                                                         maxlen):
    # (A damaged bzip2 block can expand to megabytes before its CRC fails: bounded, but slow
    # with tiny read blocks, hence no block below 61 bytes here.)
    raw = data.draw(mutated(_COMPRESS[suffix](_TEXT)))
    _read_corpus(tmp_path_factory, suffix, raw, block, maxlen)


@FUZZ
@given(raw=st.binary(max_size=400), suffix=st.sampled_from(sorted(_COMPRESS)),
       block=st.sampled_from([5, 64, 1 << 20]))
def test_random_bytes_as_corpus_read_or_raise_corpus_error(tmp_path_factory, raw, suffix, block):
    blocks = _read_corpus(tmp_path_factory, suffix, raw, block, 10000)
    if blocks is not None and suffix == ".txt" and b"\x00" not in raw:
        # Plain text: the same characters as str.split finds, each invalid byte -> U+FFFD.
        text = re.sub("[\udc80-\udcff]", "\ufffd", raw.decode("utf-8", "surrogateescape"))
        got = [t for tokens, _ in blocks for t in tokens]
        assert "".join(got) == "".join(text.split())


def test_lying_headers_are_refused_without_allocating(tmp_path):
    """Regressions found by the fuzzer: huge header counts used to raise MemoryError/ValueError."""
    import pytest

    from hsw2v.errors import VectorsFormatError

    cases = [b"100000000000 4\ncat ", b"2 100000000000\ncat ", b"99999999999999999999 3\nx ",
             b"3 99999999999999999999\nx "]
    for i, data in enumerate(cases):
        for name, raw in ((f"h{i}.txt", data), (f"h{i}.bin.gz", gzip.compress(data))):
            p = tmp_path / name
            p.write_bytes(raw)
            with pytest.raises(VectorsFormatError, match="line 1"):
                Vectors.load(p)
    # A big binary file without a newline: the header line is read in bounded bytes.
    p = tmp_path / "nonl.bin"
    p.write_bytes(b"7" * (8 << 20))
    with pytest.raises(VectorsFormatError, match="line 1"):
        Vectors.load(p)
