"""Subword vectors: each word's character n-grams (fastText's, hashed to buckets) and the rows
that hold them.

fastText keeps a row for every one of its ``buckets`` (2,000,000 by default: 800 MB at dim 100)
whether or not any word's n-gram lands in it. Here only the buckets that the vocabulary's
n-grams reach get a row (:class:`Subwords`' ``buckets``, in the order they were first met), so
memory follows the vocabulary. A word never seen in training is given the mean of its
n-grams' rows; an n-gram whose bucket has no row adds a zero row (it still counts in the mean,
as a never-trained row counts in fastText's), where fastText adds the small random row it was
initialised with. A fastText ``.bin`` written from a model holds every bucket, the ones without
a row as zeros, so fastText computes the same vectors.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import numpy as np

from hsw2v import kernels

#: fastText's bucket count (``-bucket``).
DEFAULT_BUCKETS = 2_000_000


def ngrams_of(words: Sequence[str], minn: int, maxn: int, nbuckets: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """The n-gram buckets of each word of ``words`` (without the word itself), fastText's.

    Returns
    -------
    offsets : int64 (W + 1,)   where each word's buckets start in ``buckets``.
    buckets : int64 (total,)   in fastText's order for each word (duplicates kept).
    """
    wrapped = [("<" + w + ">").encode("utf-8", "surrogateescape") for w in words]
    starts = np.zeros(len(wrapped) + 1, np.int64)
    np.cumsum([len(b) for b in wrapped], out=starts[1:])
    data = np.frombuffer(b"".join(wrapped), np.uint8) if wrapped else np.zeros(0, np.uint8)
    if len(data) == 0:
        data = np.zeros(1, np.uint8)  # (numba types an empty buffer's view apart)
    offsets = np.zeros(len(wrapped) + 1, np.int64)
    total = kernels.ngram_buckets(data, starts, minn, maxn, nbuckets, offsets,
                                  np.zeros(0, np.int64))
    out = np.zeros(max(total, 1), np.int64)
    kernels.ngram_buckets(data, starts, minn, maxn, nbuckets, offsets, out)
    return offsets, out[:total]


@dataclasses.dataclass
class Subwords:
    """The n-gram settings of a model and which bucket each n-gram row holds.

    Attributes
    ----------
    minn, maxn : int        n-gram lengths in characters.
    nbuckets : int          hash buckets (fastText's ``-bucket``).
    buckets : int64 (U,)    the bucket of each n-gram row, distinct.
    """

    minn: int
    maxn: int
    nbuckets: int
    buckets: np.ndarray

    @classmethod
    def build(cls, words: Sequence[str], minn: int, maxn: int,
              nbuckets: int = DEFAULT_BUCKETS) -> Subwords:
        """Rows for the buckets the n-grams of ``words`` reach, in the order first met."""
        _, buckets = ngrams_of(words, minn, maxn, nbuckets)
        return cls(minn, maxn, nbuckets, _first_seen(buckets))

    def extended(self, words: Sequence[str]) -> Subwords:
        """These rows, then rows for the buckets of ``words`` that have none yet (a vocabulary
        grown while training further)."""
        _, buckets = ngrams_of(words, self.minn, self.maxn, self.nbuckets)
        new = _first_seen(buckets[~np.isin(buckets, self.buckets)])
        return Subwords(self.minn, self.maxn, self.nbuckets,
                        np.concatenate((self.buckets, new)).astype(np.int64))

    def settings(self) -> dict:
        """What a file records besides ``buckets``."""
        return {"minn": self.minn, "maxn": self.maxn, "nbuckets": self.nbuckets}

    def _positions(self, buckets: np.ndarray) -> np.ndarray:
        """Row of each bucket among the n-gram rows, -1 where it has none."""
        if len(self.buckets) == 0:
            return np.full(len(buckets), -1, np.int64)
        order, ranked = self._ranked
        at = np.minimum(np.searchsorted(ranked, buckets), len(ranked) - 1)
        return np.where(ranked[at] == buckets, order[at], -1).astype(np.int64)

    @functools.cached_property
    def _ranked(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows in bucket order and their buckets, sorted once (every unseen word's
        lookup searches them; ``buckets`` is never changed in place: :meth:`extended` makes
        a new one)."""
        order = np.argsort(self.buckets, kind="stable")
        return order, self.buckets[order]

    def word_rows(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The kernels' rows of each vocabulary word: its own (its index), then its n-grams'
        (``len(words)`` + the n-gram row), CSR. The last vocabulary's answer is kept (a run
        asks twice: to train, then to write its vectors); treat the arrays as read-only.

        Returns
        -------
        offsets : int64 (V + 1,)
        rows : int32 (total,)
        """
        key = tuple(words)
        last = self.__dict__.get("_last_word_rows")
        if last is not None and last[0] == key:
            return last[1]
        found = self._word_rows(words)
        self.__dict__["_last_word_rows"] = (key, found)
        return found

    def _word_rows(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        offsets, buckets = ngrams_of(words, self.minn, self.maxn, self.nbuckets)
        pos = self._positions(buckets)
        if (pos < 0).any():
            raise ValueError("a vocabulary word has an n-gram bucket without a row: "
                             "use Subwords.extended")
        v = len(words)
        counts = np.diff(offsets) + 1
        out_off = np.zeros(v + 1, np.int64)
        np.cumsum(counts, out=out_off[1:])
        rows = np.empty(int(out_off[-1]), np.int32)
        rows[out_off[:-1]] = np.arange(v, dtype=np.int32)
        mask = np.ones(len(rows), bool)
        mask[out_off[:-1]] = False
        rows[mask] = (pos + v).astype(np.int32)
        return out_off, rows

    def oov_rows(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each word's n-grams as n-gram rows (-1: a bucket without a row), CSR: a word not in
        the vocabulary gets the mean over all its n-grams (:func:`compose`)."""
        offsets, buckets = ngrams_of(words, self.minn, self.maxn, self.nbuckets)
        return offsets, self._positions(buckets)


def _first_seen(values: np.ndarray) -> np.ndarray:
    """Distinct values in the order first met."""
    _, first = np.unique(values, return_index=True)
    return values[np.sort(first)].astype(np.int64)


def compose(ngram_rows: np.ndarray, positions: np.ndarray, own: np.ndarray | None = None
            ) -> np.ndarray | None:
    """The mean of a word's rows: its own (``own``, if in the vocabulary) and its n-grams' at
    ``positions`` (-1: a zero row). None if there is nothing to average (a word too short for
    any n-gram, not in the vocabulary).

    Parameters
    ----------
    ngram_rows : float32 (U, D)
    positions : int64 (n,)
    own : float32 (D,), optional

    Returns
    -------
    float32 (D,) or None
    """
    n = len(positions) + (own is not None)
    if n == 0:
        return None
    acc = np.zeros(ngram_rows.shape[1], np.float64)
    hit = positions[positions >= 0]
    if len(hit):
        acc += ngram_rows[hit].sum(axis=0, dtype=np.float64)
    if own is not None:
        acc += own
    return (acc / n).astype(np.float32)


def composed_vectors(syn0: np.ndarray, ngram_rows: np.ndarray, offsets: np.ndarray,
                     rows: np.ndarray) -> np.ndarray:
    """Every vocabulary word's vector: the mean of its rows (:meth:`Subwords.word_rows`).

    Parameters
    ----------
    syn0 : float32 (V, D)        the words' own rows.
    ngram_rows : float32 (U, D)
    offsets, rows : as :meth:`Subwords.word_rows` returns them.

    Returns
    -------
    float32 (V, D)
    """
    out = np.empty(syn0.shape, np.float32)
    if len(out):
        kernels.mean_rows(syn0, ngram_rows, offsets, rows, out)
    return out
