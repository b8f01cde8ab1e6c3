"""Encoding: the corpus as a stream of word ids in a temporary file, read back in chunks.

The corpus is tokenised once. Each token becomes an int32 id and each sentence piece is ended by
``SENTENCE_END`` (-1); epochs then read the file in bounded chunks with ``os.pread`` (page cache,
not process memory), so neither memory nor per-token Python work grows with the number of epochs.

Ids in a stream are either provisional ids of a :class:`~hsw2v.vocab.WordCounter` (one pass
counts and encodes) or vocabulary ids (a second pass after pruning, or with a vocabulary read
from a file); a ``remap`` array (int32) maps them to vocabulary ids, -1 for words left out.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Sequence

import numpy as np

from hsw2v import kernels
from hsw2v.corpus import CorpusStats
from hsw2v.interrupt import phase
from hsw2v.progress import Meter
from hsw2v.vocab import TokenTable, Vocab, WordCounter, iter_id_blocks

SENTENCE_END = -1
_ITEM = 4  # bytes per int32 entry


def _unlink_open_file(path: str) -> bool:
    """Remove the name of a file this process keeps open; False where that is not allowed
    (Windows), and the file is then removed on close."""
    if os.name != "posix":
        return False
    os.unlink(path)
    return True


class IdStream:
    """An append-then-read file of int32 ids with ``SENTENCE_END`` after each sentence piece.

    Parameters
    ----------
    tmp_dir : str, optional
        Folder for the temporary file (default: the system's).
    """

    def __init__(self, tmp_dir: str | None = None):
        fd, self.path = tempfile.mkstemp(prefix="hsw2v-ids-", suffix=".i32", dir=tmp_dir)
        self._fd = fd
        self.n = 0
        # Only the descriptor is used from here on: where the system allows it, the name goes
        # at once, so a process killed outright (SIGKILL, a lost Dask worker) leaves no file.
        self.unlinked = _unlink_open_file(self.path)

    def append(self, ids: np.ndarray) -> None:
        """Append int32 ids (sentinels included) to the stream."""
        data = np.ascontiguousarray(ids, dtype=np.int32).tobytes()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.n += len(ids)

    def read(self, start: int, count: int) -> np.ndarray:
        """Return entries ``[start, start + count)`` as int32 (thread-safe: uses ``pread``)."""
        count = max(0, min(count, self.n - start))
        data = os.pread(self._fd, count * _ITEM, start * _ITEM)
        return np.frombuffer(data, dtype=np.int32)

    def chunk_table(self, remap: np.ndarray, target: int, block: int = 1 << 20,
                    hard: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Cut the stream into chunks of whole sentence pieces, about ``target`` entries each.

        A chunk ends just after the first sentinel at or past ``target`` entries from its
        start (so a chunk is longer than ``target`` only by the rest of a piece); with
        ``hard``, after exactly ``target`` entries, inside a piece if need be (each part then
        trains as a piece of its own). The stream is read once, ``block`` entries at a time.

        Parameters
        ----------
        remap : int32 (P,)   stream id -> vocabulary id, -1 for a word outside the vocabulary.
        target : int         wanted entries per chunk (>= 1).

        Returns
        -------
        starts : int64 (K + 1,)   chunk ``k`` is ``[starts[k], starts[k + 1])``, ``starts[0] == 0``
                                  and ``starts[K] == n``: every entry is in exactly one chunk.
        before : int64 (K + 1,)   in-vocabulary words before ``starts[k]``.
        """
        target = max(1, int(target))
        remap = np.ascontiguousarray(remap, dtype=np.int32)
        starts, before = [np.zeros(1, np.int64)], [np.zeros(1, np.int64)]
        pos = last = total = 0
        while pos < self.n:
            buf = self.read(pos, max(block, target))
            cuts = np.empty((2, len(buf) // target + 1), np.int64)
            k, last, total = kernels.chunk_cuts(buf, remap, pos, last, total, target, cuts[0],
                                                cuts[1], hard)
            starts.append(cuts[0, :k])
            before.append(cuts[1, :k])
            pos += len(buf)
        starts, before = np.concatenate(starts), np.concatenate(before)
        if starts[-1] < self.n:  # a stream that does not end with a sentinel (not made here)
            starts, before = np.append(starts, self.n), np.append(before, total)
        return starts, before

    def close(self) -> None:
        """Close and delete the file."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            if self.unlinked:
                return
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def scan_corpus(paths: Sequence[str], max_sentence_length: int, prune_at: int,
                stats: CorpusStats, tmp_dir: str | None = None, *, quiet: bool = True,
                log_every: float | None = None, encoding: str = "utf-8"
                ) -> tuple[WordCounter, IdStream | None]:
    """Count the corpus (files in ``encoding``) and encode it with provisional ids, in one
    pass (unless ``quiet``, the tokens read show on stderr, :class:`hsw2v.progress.Meter`).

    Returns
    -------
    counter : WordCounter
    stream : IdStream or None
        None if pruning happened (provisional ids are then invalid; use :func:`encode_corpus`).
    """
    counter = WordCounter(prune_at)
    stream: IdStream | None = IdStream(tmp_dir)
    try:
        with phase("reading the corpus (counting the vocabulary)", abortable=True), \
                Meter("reading the corpus", quiet=quiet, log_every=log_every) as meter:
            for ids in iter_id_blocks(paths, counter.scan, max_sentence_length, stats,
                                      encoding=encoding):
                meter.moveto(stats.tokens)
                if stream is not None:
                    if counter.prunings:
                        stream.close()
                        stream = None
                    else:
                        stream.append(ids)
    except BaseException:
        if stream is not None:
            stream.close()
        raise
    return counter, stream


def encode_corpus(paths: Sequence[str], vocab: Vocab, max_sentence_length: int,
                  stats: CorpusStats | None = None, tmp_dir: str | None = None, *,
                  quiet: bool = True, log_every: float | None = None,
                  encoding: str = "utf-8") -> IdStream:
    """Encode the corpus (files in ``encoding``) with vocabulary ids (words outside ``vocab``
    are dropped; unless ``quiet``, the tokens read show on stderr)."""
    # Table id i is the i-th word of the vocabulary that a corpus token can equal (non-empty,
    # no whitespace); to_vocab maps it to the word's vocabulary id, with [-1] -> -1 for the
    # piece ends.
    words = [(w, i) for w, i in vocab.index.items() if w.split() == [w]]
    table = TokenTable(max(1024, len(words)))
    table.add([w for w, _ in words])
    to_vocab = np.fromiter((i for _, i in words), dtype=np.int32, count=len(words))
    identity = np.array_equal(to_vocab, np.arange(len(words)))
    to_vocab = np.append(to_vocab, np.int32(SENTENCE_END))

    def lookup(buf, file_end, max_len, run):
        return table.scan(buf, False, file_end, max_len, run)

    stream = IdStream(tmp_dir)
    stats = stats if stats is not None else CorpusStats()
    try:
        with phase("reading the corpus (encoding it with the vocabulary)", abortable=True), \
                Meter("encoding the corpus", quiet=quiet, log_every=log_every) as meter:
            for ids in iter_id_blocks(paths, lookup, max_sentence_length, stats,
                                      encoding=encoding):
                meter.moveto(stats.tokens)
                stream.append(ids if identity else to_vocab[ids])
    except BaseException:
        stream.close()
        raise
    return stream


def spool_stdin(paths: list[str], tmp_dir: str | None = None) -> tuple[list[str], list[str]]:
    """Copy standard input (``-``) to a temporary file so the corpus can be read twice.

    Returns
    -------
    paths : list of str   with ``-`` replaced by the spool file
    spools : list of str  temporary files to delete afterwards
    """
    if "-" not in paths:
        return paths, []
    fd, spool = tempfile.mkstemp(prefix="hsw2v-stdin-", dir=tmp_dir)
    try:
        with phase("copying standard input to a temporary file", abortable=True), \
                os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f, 1 << 20)
    except BaseException:
        os.unlink(spool)
        raise
    return [spool if p == "-" else p for p in paths], [spool]
