"""Tokenised sentences from Python (any iterable of sequences of str) as corpus text.

The trainer and the phrase finder read text: sentences become one line each, tokens joined by a
space, after checking every token (a str, non-empty, without whitespace), so the text splits
back into exactly the tokens given. A one-shot generator is consumed once: the text is spooled
to a temporary file, which every epoch then reads.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from hsw2v.corpus import CorpusStats
from hsw2v.errors import CorpusError, Hsw2vError

#: Text made from Python sentences at a time.
BATCH_BYTES = 1 << 20


class SentenceError(CorpusError):
    """A Python sentence cannot be turned into corpus text (the message names it)."""


#: How a summary and a checkpoint name a corpus of sentences given from Python (spooled
#: to a temporary file whose name changes from run to run).
SENTENCES = "<sentences from Python>"

def is_paths(corpus: Any) -> bool:
    """A path, or a list/tuple of paths (rather than an iterable of tokenised sentences)."""
    if isinstance(corpus, (str, os.PathLike)):
        return True
    return (isinstance(corpus, (list, tuple)) and len(corpus) > 0
            and all(isinstance(p, (str, os.PathLike)) for p in corpus))


def sentence_blocks(sentences: Iterable[Sequence[str]], batch_bytes: int = BATCH_BYTES,
                    error: type[Hsw2vError] = SentenceError
                    ) -> Iterator[tuple[np.ndarray, list[int], int]]:
    """Python sentences as UTF-8 text, one line per non-empty sentence, in batches.

    Every token is checked: a str, non-empty, without whitespace (else ``error``, :class:`SentenceError` by default,
    naming the sentence), so the text splits back into exactly the tokens given.

    Yields
    ------
    (buf, empties, n) : (uint8 (m,), list of int, int)
        The batch's text, the positions of its empty sentences (no line), its sentences.
    """
    if isinstance(sentences, (str, bytes)):
        raise error("sentences must be an iterable of token lists, not a single string: "
                           "split it into tokens first")
    lines: list[str] = []
    given: list[tuple[int, Sequence[str]]] = []  # number and tokens of each line, for errors
    empties: list[int] = []
    size = n = seps = 0
    for number, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)) or not hasattr(sentence, "__iter__"):
            raise error(f"sentence {number} (0-based) is a {type(sentence).__name__}, "
                               "not a list of str tokens: split it into tokens first")
        tokens = sentence if isinstance(sentence, (list, tuple)) else list(sentence)
        try:
            line = " ".join(tokens)
        except TypeError:
            bad = next(t for t in tokens if not isinstance(t, str))
            raise error(f"sentence {number} (0-based) holds {bad!r} of type "
                               f"{type(bad).__name__}: tokens must be str") from None
        if not all(tokens):
            _encode_lines(lines, given, seps, error)  # report an earlier bad sentence first
            _bad_token(number, "", error)
        if tokens:
            lines.append(line)
            given.append((number, tokens))
            size += len(line) + 1
            seps += len(tokens)  # the spaces between the tokens and the newline
        else:
            empties.append(n)
        n += 1
        if size >= batch_bytes:
            yield _encode_lines(lines, given, seps, error), empties, n
            lines, given, empties, size, n, seps = [], [], [], 0, 0, 0
    if n:
        yield _encode_lines(lines, given, seps, error), empties, n


#: Bytes for which str.isspace() is true (the ASCII ones; the tokenizer splits on all of them).
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _encode_lines(lines: list[str], given: list[tuple[int, Sequence[str]]], seps: int,
                  error: type[Hsw2vError]) -> np.ndarray:
    """The lines as UTF-8, after checking that no token held whitespace."""
    text = "\n".join(lines) + "\n" if lines else ""
    data = text.encode("utf-8", "surrogatepass")
    # Fast check for ASCII text: whitespace is exactly the separators put in. Otherwise (or
    # when it is not) check sentence by sentence, which also finds the culprit.
    if len(data) != len(text) or len(data) - len(data.translate(None, _ASCII_SPACE)) != seps:
        for (number, tokens), line in zip(given, lines):
            if line.split() != list(tokens):
                _bad_token(number, next(t for t in tokens if t.split() != [t]), error)
    return np.frombuffer(data, dtype=np.uint8)


def _bad_token(number: int, token: str, error: type[Hsw2vError]) -> None:
    raise error(f"sentence {number} (0-based) holds the token {token!r}, which is empty "
                "or holds whitespace: tokens must be non-empty str without whitespace")


def spool_blocks(path: str, stats: CorpusStats | None = None,
                 block_bytes: int = BATCH_BYTES) -> Iterator[tuple[np.ndarray, bool]]:
    """Blocks of whole lines of a spool written from :func:`sentence_blocks`."""
    carry = b""
    with open(path, "rb") as f:
        while True:
            raw = f.read(block_bytes)
            if stats is not None:
                stats.bytes += len(raw)
            if not raw:
                yield np.frombuffer(carry, dtype=np.uint8), True
                return
            data = carry + raw
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            if cut:
                yield np.frombuffer(data[:cut], dtype=np.uint8), False


def spool_sentences(sentences: Iterable[Sequence[str]], tmp_dir: str | None = None,
                    error: type[Hsw2vError] = SentenceError) -> str:
    """Write ``sentences`` to a temporary text file, one per line; return its path.

    Empty sentences write no line. The caller removes the file.
    """
    fd, path = tempfile.mkstemp(prefix="hsw2v-sentences-", suffix=".txt", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            for buf, _, _ in sentence_blocks(sentences, error=error):
                f.write(buf.tobytes())
    except BaseException:
        os.unlink(path)
        raise
    return path
