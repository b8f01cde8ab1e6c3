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
    counts = np.asarray(counts, dtype=np.int64)
    n = len(counts)
    if n < 2:
        raise VocabError(
            f"the vocabulary has {n} word{'s' if n != 1 else ''}; a Huffman tree needs at least 2 "
            "(use a larger corpus or lower --min-count)")
    if np.any(counts[:-1] < counts[1:]):
        raise ValueError("counts must be sorted in descending order")
    if counts[-1] <= 0:
        raise ValueError("counts must be positive")
    parent, bit = _merge(counts.tolist())
    # Depth of every node, from the root down: parents always have larger indices.
    depth = np.zeros(2 * n - 1, dtype=np.int64)
    for node in range(2 * n - 3, -1, -1):
        depth[node] = depth[parent[node]] + 1
    lengths = depth[:n]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.empty(offsets[-1], dtype=np.uint8)
    points = np.empty(offsets[-1], dtype=np.int32)
    parent = np.asarray(parent, dtype=np.int64)
    bit = np.asarray(bit, dtype=np.uint8)
    # Walk all leaves up at once, writing each path from its end (leaf side) to its start.
    node = np.arange(n, dtype=np.int64)
    pos = offsets[1:] - 1
    active = np.ones(n, dtype=bool)
    while True:
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        cur = node[idx]
        codes[pos[idx]] = bit[cur]
        points[pos[idx]] = parent[cur] - n
        node[idx] = parent[cur]
        pos[idx] -= 1
        active[idx] = pos[idx] >= offsets[idx]
    return HuffmanTree(codes=codes, points=points, offsets=offsets)


def _merge(counts: list[int]) -> tuple[list[int], list[int]]:
    """Two-queue Huffman merge; return ``parent`` and ``bit`` of each of the ``2V - 1`` nodes."""
    n = len(counts)
    weight = counts + [0] * (n - 1)
    parent = [0] * (2 * n - 1)
    bit = [0] * (2 * n - 1)
    leaf = n - 1  # next smallest leaf (leaves are sorted descending)
    inner = n  # next smallest merged node (merged nodes are created nondecreasing)
    for a in range(n - 1):
        pair = []
        for _ in range(2):
            # Prefer the leaf on ties: keeps the tree shallow and deterministic.
            if leaf >= 0 and (inner >= n + a or weight[leaf] <= weight[inner]):
                pair.append(leaf)
                leaf -= 1
            else:
                pair.append(inner)
                inner += 1
        weight[n + a] = weight[pair[0]] + weight[pair[1]]
        parent[pair[0]] = n + a
        parent[pair[1]] = n + a
        bit[pair[1]] = 1
    return parent, bit
