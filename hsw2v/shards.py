"""Shards: a corpus cut into byte ranges that never split a token, for reading on many machines.

A shard is a byte range ``[start, stop)`` of one corpus file. Cuts are planned at even byte
offsets of the whole corpus (so a single 100 GB line is sharded as well as many files) and moved,
when the shard is read, to a token boundary by one rule that both neighbours apply alike: a cut
at byte ``p`` really falls at the smallest ``q >= p`` such that byte ``q - 1`` is ASCII whitespace
(or at the end of the file). The token that straddles ``p`` therefore belongs to the shard before
the cut, and the shards of a file together hold exactly its tokens, each once. Only ASCII
whitespace is used to align: an ASCII byte is never part of a multi-byte UTF-8 character, so the
cut never splits a character either (a file whose tokens are separated only by non-ASCII spaces,
such as U+3000, is then cut at its next ASCII whitespace or not at all).

Compressed files (``.gz``, ``.bz2``, ``.xz``) cannot be read from a byte offset: each is one
shard, read whole (and decompressed) by the worker it is given to.

A :class:`Shard` is a ``str`` (the file's path) with the range attached, and
:func:`hsw2v.corpus.open_binary` opens just its range, so every corpus reader (counting,
encoding, statistics) reads shards as it reads files. The end of a shard ends a sentence piece,
as the end of a file does.
"""
from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import BinaryIO

from hsw2v.corpus import open_binary

#: The ASCII bytes that the tokenizer takes for whitespace (those for which ``str.isspace``
#: holds): tab, newline, vertical tab, form feed, carriage return, the four separators 0x1C-0x1F
#: and space.
ASCII_WHITESPACE = frozenset(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ")
COMPRESSED = (".gz", ".bz2", ".xz")
_PROBE = 1 << 16  # bytes read at a time while looking for whitespace after a cut


class Shard(str):
    """The byte range ``[start, stop)`` of the file at ``self`` (a path), aligned when read.

    ``stop`` None means the end of the file; a compressed file is always one whole shard.
    """

    start: int
    stop: int | None

    def __new__(cls, path: str, start: int = 0, stop: int | None = None):
        obj = super().__new__(cls, path)
        obj.start = int(start)
        obj.stop = None if stop is None else int(stop)
        return obj

    def __getnewargs__(self):
        return str(self), self.start, self.stop

    @property
    def path(self) -> str:
        return str(self)

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.stop is None

    def describe(self) -> str:
        """``path`` or ``path[start:stop]`` for messages."""
        return self.path if self.whole else f"{self.path}[{self.start}:{self.stop}]"

    def open_range(self) -> BinaryIO:
        """Open the file and return a binary reader of the aligned range only."""
        f = open_binary(self.path)
        if self.whole:
            return f
        try:
            size = os.fstat(f.fileno()).st_size
            stop = size if self.stop is None else min(self.stop, size)
            a = align(f, self.start, size)
            b = align(f, stop, size)
            f.seek(a)
            return _Range(f, max(0, b - a))
        except BaseException:
            f.close()
            raise


class _Range(io.RawIOBase):
    """A reader of the next ``length`` bytes of an open binary file (closing it when closed)."""

    def __init__(self, f: BinaryIO, length: int):
        super().__init__()
        self._f = f
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self._left)
        if n <= 0:
            return 0
        got = self._f.readinto(memoryview(b)[:n]) or 0
        self._left -= got
        return got

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()


def align(f: BinaryIO, pos: int, size: int) -> int:
    """The token boundary a cut at byte ``pos`` falls on: the smallest ``q >= pos`` such that
    ``q == 0``, ``q == size`` or byte ``q - 1`` is ASCII whitespace."""
    if pos <= 0:
        return 0
    if pos >= size:
        return size
    at = pos - 1
    f.seek(at)
    while at < size:
        block = f.read(_PROBE)
        if not block:
            break
        for i, byte in enumerate(block):
            if byte in ASCII_WHITESPACE:
                return at + i + 1
        at += len(block)
    return size


def is_compressed(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in COMPRESSED


def plan_shards(files: Sequence[tuple[str, int]], parts: int) -> list[list[Shard]]:
    """Cut files into at most ``parts`` groups of shards of about equal bytes, in corpus order.

    Group ``g`` holds the bytes ``[g * total / parts, (g + 1) * total / parts)`` of the corpus
    taken as one byte string (files in order); a file that crosses a group boundary is cut
    there (compressed files are not cut: each goes whole to the group its first byte falls in).
    With ``parts == 1`` every file is one whole shard. Groups left without a shard (more parts
    than compressed files, say) are dropped.

    Parameters
    ----------
    files : sequence of (path, size)
        Expanded corpus files and their sizes in bytes.
    parts : int
        Wanted number of groups (>= 1).

    Returns
    -------
    list of list of Shard
        Each group's shards in corpus order; concatenated, the groups are the whole corpus.
    """
    total = sum(size for _, size in files)
    groups: list[list[Shard]] = [[] for _ in range(parts)]

    def group_of(offset: int) -> int:
        return min(parts - 1, offset * parts // total) if total else 0

    offset = 0
    for path, size in files:
        if parts == 1 or size == 0 or is_compressed(path):
            groups[group_of(offset)].append(Shard(path))
            offset += size
            continue
        pos = 0
        while pos < size:
            g = group_of(offset + pos)
            end = -(-(g + 1) * total // parts) - offset  # the next group boundary, in this file
            stop = size if g == parts - 1 or end >= size else end
            groups[g].append(Shard(path) if pos == 0 and stop == size
                             else Shard(path, pos, None if stop == size else stop))
            pos = stop
        offset += size
    return [g for g in groups if g]


__all__ = ["Shard", "align", "plan_shards", "is_compressed", "ASCII_WHITESPACE"]
