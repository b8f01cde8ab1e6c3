"""Corpus reading: paths → decoded text blocks → tokens and sentence pieces, streamed.

* Paths: files, folders (every file below, in sorted order) and ``-`` for stdin. Files ending in
  ``.gz``, ``.bz2`` or ``.xz`` are decompressed on the fly.
* Memory is bounded by the block size: files are read in blocks of ``BLOCK_BYTES`` bytes, never a
  whole line at once (text8 is one 100 MB line).
* Tokens are split on whitespace (``str.split``); a newline (and the end of each file) ends a
  sentence; sentences longer than ``max_sentence_length`` tokens are cut into consecutive
  pieces, so no token is ever dropped. :func:`iter_token_blocks` does this in Python (the API
  and the reference); counting and encoding run a jitted tokenizer over the same blocks as
  UTF-8 bytes (:func:`iter_utf8_blocks`, :class:`hsw2v.vocab.TokenTable`).
* Encoding: UTF-8 unless told otherwise (``--encoding latin-1``, ``encoding="cp1252"``): any
  codec Python knows that reads ASCII as ASCII (spaces and newlines stay single bytes). Its text
  is handed on as UTF-8 (:func:`iter_utf8_blocks`), so the rest of hsw2v sees UTF-8 whatever
  the file's encoding.
* Invalid bytes: every byte that is not part of a valid sequence of the encoding becomes U+FFFD
  (the replacement character) and is counted in :attr:`CorpusStats.invalid_bytes`; training
  goes on, and :func:`warn_invalid` says how many words of the vocabulary carry it and how to
  read the corpus right.
* A run of more than ``BLOCK_BYTES`` bytes without whitespace is broken at the block boundary,
  so a single huge "token" cannot exhaust memory.
* A file whose first block holds NUL bytes, or mostly invalid UTF-8, is refused as binary.
"""
from __future__ import annotations

import bz2
import codecs
import dataclasses
import gzip
import logging
import lzma
import os
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from typing import BinaryIO

import numpy as np

from hsw2v.config import check_encoding
from hsw2v.errors import CorpusError

log = logging.getLogger(__name__)

#: Bytes read from a file at a time.
BLOCK_BYTES = 1 << 20

_SURROGATES = re.compile("[\udc80-\udcff]")
_DECOMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_STREAM_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError)


@dataclasses.dataclass
class CorpusStats:
    """Counters filled while a corpus is read."""

    files: int = 0
    bytes: int = 0
    invalid_bytes: int = 0
    tokens: int = 0
    pieces: int = 0


def expand_paths(paths: Sequence[str | os.PathLike]) -> list[str]:
    """Expand folders into the files below them (sorted); check that every path exists.

    Parameters
    ----------
    paths : sequence of str or path-like
        Files, folders, or ``-`` for standard input.

    Returns
    -------
    list of str
    """
    if not paths:
        raise CorpusError("no corpus given: pass one or more files, folders, or - for stdin")
    out: list[str] = []
    for p in map(os.fspath, paths):
        if p == "-":
            out.append(p)
        elif os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found.extend(os.path.join(root, f) for f in sorted(files))
            if not found:
                raise CorpusError(f"folder {p!r} holds no files: point at a folder with text files")
            out.extend(found)
        elif os.path.exists(p):
            out.append(p)
        else:
            raise CorpusError(f"corpus path {p!r} does not exist: check the path")
    return out


def open_binary(path: str) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing ``.gz``/``.bz2``/``.xz``; ``-`` is stdin."""
    if path == "-":
        return sys.stdin.buffer
    ranged = getattr(path, "open_range", None)
    if ranged is not None:  # a byte range of a file (hsw2v.shards.Shard): read only that
        return ranged()
    opener = _DECOMPRESSORS.get(os.path.splitext(path)[1].lower(), open)
    try:
        return opener(path, "rb")
    except OSError as exc:
        raise CorpusError(f"cannot open corpus file {path!r}: {exc.strerror or exc}") from exc


def iter_text_blocks(paths: Sequence[str], stats: CorpusStats | None = None,
                     block_bytes: int = BLOCK_BYTES, encoding: str = "utf-8"
                     ) -> Iterator[tuple[str, bool]]:
    """Yield decoded text blocks that end at a token boundary.

    Parameters
    ----------
    paths : sequence of str
        Expanded paths (see :func:`expand_paths`).
    stats : CorpusStats, optional
        Receives file, byte and invalid-byte counts.
    block_bytes : int
        Bytes read at a time.
    encoding : str
        The files' codec (see :func:`hsw2v.config.check_encoding`); bytes it cannot decode
        become U+FFFD.

    Yields
    ------
    (text, file_end) : (str, bool)
        ``file_end`` is true for the last block of each file (the end of a file ends a sentence).
    """
    stats = stats if stats is not None else CorpusStats()
    encoding = check_encoding(encoding)
    for path in paths:
        stats.files += 1
        decoder = codecs.getincrementaldecoder(encoding)("surrogateescape")
        carry = ""
        first = True
        f = open_binary(path)
        try:
            while True:
                try:
                    raw = f.read(block_bytes)
                except _STREAM_ERRORS as exc:
                    raise CorpusError(
                        f"corpus file {path!r} is corrupt or truncated ({exc}): "
                        "re-download or recompress it") from exc
                final = not raw
                stats.bytes += len(raw)
                if first and raw:
                    _refuse_binary(path, raw, encoding)
                    first = False
                text = decoder.decode(raw, final)
                if not text.isascii():
                    text, n_bad = _SURROGATES.subn("\ufffd", text)
                    stats.invalid_bytes += n_bad
                text = carry + text
                if final:
                    yield text, True
                    break
                cut = _last_space(text)
                if cut < 0 and len(text) > block_bytes:
                    cut = len(text)  # no whitespace in a whole block: break the run here
                carry = text[cut:] if cut >= 0 else text
                if cut > 0:
                    yield text[:cut], False
        finally:
            if f is not sys.stdin.buffer:
                f.close()


def iter_token_blocks(paths: Sequence[str], max_sentence_length: int = 10000,
                      stats: CorpusStats | None = None, block_bytes: int = BLOCK_BYTES,
                      encoding: str = "utf-8") -> Iterator[tuple[list[str], list[int]]]:
    """Yield the corpus as blocks of tokens with the positions where sentence pieces end.

    Parameters
    ----------
    paths : sequence of str
        Expanded paths.
    max_sentence_length : int
        Longest piece; longer sentences are cut into consecutive pieces of this length.
    stats : CorpusStats, optional
        Receives token and piece counts (and those of :func:`iter_text_blocks`).
    block_bytes : int
        Bytes read at a time.
    encoding : str
        The files' codec.

    Yields
    ------
    (tokens, ends) : (list of str, list of int)
        ``ends`` are increasing positions in ``tokens``: a piece ends before each of them. A
        piece may start in an earlier block (a sentence can span blocks).
    """
    stats = stats if stats is not None else CorpusStats()
    run = 0  # tokens in the current, unfinished piece
    for text, file_end in iter_text_blocks(paths, stats, block_bytes, encoding):
        tokens: list[str] = []
        ends: list[int] = []
        lines = text.split("\n")
        last = len(lines) - 1
        for li, line in enumerate(lines):
            toks = line.split()
            if toks:
                base = len(tokens)
                tokens.extend(toks)
                total = run + len(toks)
                cuts = total // max_sentence_length
                if cuts:
                    first = base + max_sentence_length - run
                    ends.extend(range(first, first + cuts * max_sentence_length,
                                      max_sentence_length))
                run = total - cuts * max_sentence_length
            if (li < last or file_end) and run:
                ends.append(len(tokens))
                run = 0
        stats.tokens += len(tokens)
        stats.pieces += len(ends)
        if tokens or ends:  # a block of only a newline still ends the piece before it
            yield tokens, ends


def iter_utf8_blocks(paths: Sequence[str], stats: CorpusStats | None = None,
                     block_bytes: int = BLOCK_BYTES, encoding: str = "utf-8"
                     ) -> Iterator[tuple[np.ndarray, bool]]:
    """Yield the blocks of :func:`iter_text_blocks` as valid UTF-8 bytes.

    The input of the jitted tokenizer (:meth:`hsw2v.vocab.TokenTable.scan`): the same blocks,
    so the same tokens, pieces and statistics as :func:`iter_token_blocks`, with every invalid
    byte already replaced by U+FFFD. Files in another ``encoding`` are transcoded to UTF-8
    here, block by block.

    Yields
    ------
    (buf, file_end) : (uint8 (n,), bool)
        ``buf`` is read-only; a block may be empty (the last one of a file often is).
    """
    for text, file_end in iter_text_blocks(paths, stats, block_bytes, encoding):
        yield np.frombuffer(text.encode("utf-8"), dtype=np.uint8), file_end


def iter_sentences(paths: Sequence[str | os.PathLike], max_sentence_length: int = 10000,
                   stats: CorpusStats | None = None, encoding: str = "utf-8"
                   ) -> Iterator[list[str]]:
    """Yield the corpus as sentence pieces (lists of tokens), streamed.

    A convenience over :func:`iter_token_blocks` for the Python API and for tests.
    """
    piece: list[str] = []
    for tokens, ends in iter_token_blocks(expand_paths(paths), max_sentence_length, stats,
                                          encoding=encoding):
        start = 0
        for end in ends:
            piece.extend(tokens[start:end])
            yield piece
            piece = []
            start = end
        piece.extend(tokens[start:])
    if piece:  # only reachable if the stream ended mid-piece, which file ends prevent
        yield piece


def _last_space(text: str) -> int:
    """Index just past the last whitespace character of ``text``, or -1 if it has none."""
    for i in range(len(text) - 1, -1, -1):
        if text[i].isspace():
            return i + 1
    return -1


def _refuse_binary(path: str, raw: bytes, encoding: str = "utf-8") -> None:
    """Raise :class:`CorpusError` if the first block of a file looks like binary data."""
    head = raw[:65536]
    if b"\x00" in head:
        raise CorpusError(f"corpus file {path!r} looks binary (it contains NUL bytes): "
                          "pass text files (.gz/.bz2/.xz are decompressed for you)")
    text = codecs.getincrementaldecoder(encoding)("surrogateescape").decode(head)
    bad = len(_SURROGATES.findall(text))
    if len(head) >= 64 and bad > 0.3 * len(head):
        codec = "UTF-8" if encoding == "utf-8" else encoding
        raise CorpusError(f"corpus file {path!r} looks binary ({bad} of its first {len(head)} bytes "
                          f"are not {codec}): pass text files")


def warn_invalid(stats: CorpusStats, words: Sequence[str], encoding: str = "utf-8",
                 what: str = "vocabulary words") -> None:
    """Log the warning of a corpus read with invalid bytes (none: nothing): how many bytes
    were replaced by U+FFFD, how many of ``words`` carry it (a few shown), and how to read the
    corpus right."""
    if not stats.invalid_bytes:
        return
    bad = [w for w in words if "\ufffd" in w]
    shown = ", ".join(bad[:3]) + (", ..." if len(bad) > 3 else "")
    if check_encoding(encoding) == "utf-8":
        log.warning("%d bytes of invalid UTF-8 were replaced by U+FFFD; %d %s carry it%s: if the "
                    "corpus is not UTF-8, give its encoding, e.g. --encoding latin-1 (or cp1252 "
                    "for Windows files; encoding='latin-1' in Python)", stats.invalid_bytes,
                    len(bad), what, f" ({shown})" if bad else "")
    else:
        log.warning("%d bytes were not valid %s and were replaced by U+FFFD; %d %s carry it%s: "
                    "check the corpus's encoding (--encoding)", stats.invalid_bytes, encoding,
                    len(bad), what, f" ({shown})" if bad else "")


__all__ = ["BLOCK_BYTES", "CorpusStats", "expand_paths", "open_binary", "iter_text_blocks",
           "iter_utf8_blocks", "iter_token_blocks", "iter_sentences", "warn_invalid"]
