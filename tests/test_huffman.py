"""Huffman tree properties: prefix-free, Kraft sum 1, optimal weighted length, valid indices."""
from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsw2v.errors import VocabError
from hsw2v.huffman import build_huffman

counts_strategy = st.lists(st.integers(1, 10**6), min_size=2, max_size=300).map(
    lambda xs: np.array(sorted(xs, reverse=True), dtype=np.int64))


def reference_cost(counts: np.ndarray) -> int:
    """Optimal weighted code length by the textbook heap algorithm (sum of merge weights)."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        cost += a + b
        heapq.heappush(heap, a + b)
    return cost


def reference_paths(counts: np.ndarray) -> tuple[list[list[int]], list[list[int]]]:
    """Each word's code bits and inner-node rows (root first), by the two-queue merge in plain
    Python: the slow reference of ``kernels.huffman_merge`` and ``kernels.huffman_paths``."""
    n = len(counts)
    weight = [int(c) for c in counts] + [0] * (n - 1)
    parent, bit = [0] * (2 * n - 1), [0] * (2 * n - 1)
    leaf, inner = n - 1, n
    for a in range(n - 1):
        for side in range(2):
            if leaf >= 0 and (inner >= n + a or weight[leaf] <= weight[inner]):
                pick, leaf = leaf, leaf - 1
            else:
                pick, inner = inner, inner + 1
            weight[n + a] += weight[pick]
            parent[pick], bit[pick] = n + a, side
    codes, points = [], []
    for w in range(n):
        c, p, node = [], [], w
        while node != 2 * n - 2:
            c.append(bit[node])
            node = parent[node]
            p.append(node - n)
        codes.append(c[::-1])
        points.append(p[::-1])
    return codes, points


@settings(max_examples=60, deadline=None)
@given(counts_strategy)
def test_huffman_kernels_match_the_python_reference(counts):
    tree = build_huffman(counts)
    codes, points = reference_paths(counts)
    for w in range(len(counts)):
        assert tree.code(w).tolist() == codes[w]
        assert tree.path(w).tolist() == points[w]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=60).map(
    lambda xs: np.array(sorted(xs, reverse=True), dtype=np.int64)))
def test_huffman_kernels_match_the_python_reference_with_many_ties(counts):
    # Small counts tie often, leaf against merged node: the tie rule is part of the tree.
    tree = build_huffman(counts)
    codes, points = reference_paths(counts)
    for w in range(len(counts)):
        assert tree.code(w).tolist() == codes[w]
        assert tree.path(w).tolist() == points[w]


def test_ties_take_the_leaf_first():
    # [2, 2, 1, 1]: the two 1s merge into a node of weight 2, which ties with both leaves of
    # weight 2. Taking leaves first pairs them (every code 2 bits long); taking the merged
    # node first would give lengths 1, 2, 3, 3 (as optimal, but deeper).
    tree = build_huffman(np.array([2, 2, 1, 1], dtype=np.int64))
    assert tree.lengths.tolist() == [2, 2, 2, 2]
    assert [tree.code(w).tolist() for w in range(4)] == [[1, 1], [1, 0], [0, 1], [0, 0]]


@settings(max_examples=60, deadline=None)
@given(counts_strategy)
def test_huffman_properties(counts):
    tree = build_huffman(counts)
    n = len(counts)
    codes = [tuple(tree.code(w).tolist()) for w in range(n)]
    lengths = tree.lengths
    # prefix-free: no code is a prefix of another
    ordered = sorted(codes)
    for a, b in zip(ordered, ordered[1:]):
        assert b[:len(a)] != a
    # Kraft sum exactly 1 for a full binary tree
    assert sum(2.0 ** -int(l) for l in lengths) == pytest.approx(1.0, abs=1e-12)
    # optimal: same weighted length as the reference algorithm
    assert int(np.dot(lengths, counts)) == reference_cost(counts)
    # inner-node indices in range; every path starts at the root
    assert tree.points.min() >= 0 and tree.points.max() <= n - 2
    for w in range(n):
        assert tree.path(w)[0] == n - 2
        assert len(set(tree.path(w).tolist())) == len(tree.path(w))  # no node twice on a path
    assert set(np.unique(tree.codes).tolist()) <= {0, 1}


@settings(max_examples=30, deadline=None)
@given(counts_strategy)
def test_paths_are_consistent_with_codes(counts):
    """Two words share inner node k at depth d iff their codes agree before depth d."""
    tree = build_huffman(counts)
    n = len(counts)
    seen: dict[tuple, int] = {}
    for w in range(n):
        code, path = tree.code(w).tolist(), tree.path(w).tolist()
        for d, node in enumerate(path):
            prefix = tuple(code[:d])
            assert seen.setdefault(prefix, node) == node
    # n - 1 inner nodes, each reached by exactly one prefix
    assert len(seen) == n - 1
    assert sorted(seen.values()) == list(range(n - 1))


def test_frequent_words_get_short_codes():
    counts = np.array([1000, 500, 100, 50, 10, 5, 1, 1], dtype=np.int64)
    lengths = build_huffman(counts).lengths
    assert list(lengths) == sorted(lengths)
    assert lengths[0] == 1


def test_no_fixed_maximum_code_length():
    # Fibonacci counts give the deepest possible tree: code length n - 1 (> 40 for n = 60).
    fib = [1, 1]
    while len(fib) < 60:
        fib.append(fib[-1] + fib[-2])
    counts = np.array(sorted(fib, reverse=True), dtype=np.int64)
    tree = build_huffman(counts)
    assert tree.lengths.max() == 59
    assert int(np.dot(tree.lengths, counts)) == reference_cost(counts)


@pytest.mark.parametrize("counts", [[], [7]])
def test_fewer_than_two_words_is_a_clear_error(counts):
    with pytest.raises(VocabError, match="at least 2"):
        build_huffman(np.array(counts, dtype=np.int64))
