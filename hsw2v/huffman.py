"""Huffman tree over word counts: per-word code bits and inner-node paths.

The tree is built with word2vec's two-queue method (leaves sorted by count descending, merged
nodes appended in nondecreasing order), which is O(V) and deterministic. Inner node ``V + a``
(created by merge ``a``) becomes row ``a`` of ``syn1``; the root is row ``V - 2``. Of the two
nodes merged, the second-smallest gets bit 1, as in word2vec, so ``code`` bit ``c`` means the
word lies on the branch with label ``1 - c``.

Code lengths are not capped (word2vec's fixed 40 is never checked there and overflows on
skewed counts); paths are stored flat with offsets.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from hsw2v import kernels
from hsw2v.errors import VocabError


@dataclasses.dataclass(frozen=True)
class HuffmanTree:
    """Huffman paths of a vocabulary, stored flat.

    Attributes
    ----------
    codes : uint8 (total,)    code bits, root first, concatenated over words.
    points : int32 (total,)   inner-node ids (rows of ``syn1``, in ``[0, V - 2]``), root first.
    offsets : int64 (V + 1,)  word ``w``'s path is ``[offsets[w], offsets[w + 1])``.
    """

    codes: np.ndarray
    points: np.ndarray
    offsets: np.ndarray

    @property
    def n_words(self) -> int:
        """Number of leaves (vocabulary size)."""
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Code length of each word, int64 (V,)."""
        return np.diff(self.offsets)

    def code(self, w: int) -> np.ndarray:
        """Code bits of word ``w``, uint8 (L,)."""
        return self.codes[self.offsets[w]:self.offsets[w + 1]]

    def path(self, w: int) -> np.ndarray:
        """Inner-node ids of word ``w``'s path, int32 (L,)."""
        return self.points[self.offsets[w]:self.offsets[w + 1]]


def build_huffman(counts: np.ndarray) -> HuffmanTree:
    """Build the Huffman tree of ``counts``.

    Parameters
    ----------
    counts : int64 (V,)
        Word counts sorted in descending order, all positive, ``V >= 2``.

    Returns
    -------
    HuffmanTree
    """
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    n = len(counts)
    if n < 2:
        raise VocabError(
            f"the vocabulary has {n} word{'s' if n != 1 else ''}; a Huffman tree needs at least 2 "
            "(use a larger corpus or lower --min-count)")
    if np.any(counts[:-1] < counts[1:]):
        raise ValueError("counts must be sorted in descending order")
    if counts[-1] <= 0:
        raise ValueError("counts must be positive")
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    bit = np.zeros(2 * n - 1, dtype=np.uint8)
    depth = np.zeros(2 * n - 1, dtype=np.int64)
    kernels.huffman_merge(counts, parent, bit, depth)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(depth[:n], out=offsets[1:])
    codes = np.empty(offsets[-1], dtype=np.uint8)
    points = np.empty(offsets[-1], dtype=np.int32)
    kernels.huffman_paths(parent, bit, offsets, codes, points)
    return HuffmanTree(codes=codes, points=points, offsets=offsets)

