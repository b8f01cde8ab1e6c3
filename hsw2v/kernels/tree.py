"""The Huffman tree's set-up loops (O(V), kept out of Python)."""
import numpy as np

from hsw2v.kernels.policy import jit

@jit
def huffman_merge(counts, parent, bit, depth):
    """word2vec's two-queue Huffman merge over counts sorted in descending order.

    Leaves are nodes ``0..V-1``; merge ``a`` creates node ``V + a``, so the root is ``2V - 2``.
    Of the two nodes merged, the second gets bit 1; on equal weights a leaf is taken before a
    merged node (a shallower tree, and deterministic).

    Parameters
    ----------
    counts : int64 (V,)        positive, descending, ``V >= 2``.
    parent : int64 (2V - 1,)   receives each node's parent (the root's is left unset).
    bit : uint8 (2V - 1,)      receives each node's code bit (0 for the root).
    depth : int64 (2V - 1,)    receives each node's depth (root 0): a leaf's code length.
    """
    n = counts.shape[0]
    # Explicit loops, no slice assignment: its shape-mismatch error path would cost ~2.5 s
    # of compiling (string formatting), for nothing that can happen here.
    weight = np.empty(2 * n - 1, np.int64)
    for i in range(2 * n - 1):
        weight[i] = counts[i] if i < n else 0
        bit[i] = 0
    leaf = n - 1  # next smallest leaf
    inner = n  # next smallest merged node (merged nodes are made in nondecreasing order)
    for a in range(n - 1):
        node = n + a
        for side in range(2):
            if leaf >= 0 and (inner >= node or weight[leaf] <= weight[inner]):
                pick = leaf
                leaf -= 1
            else:
                pick = inner
                inner += 1
            weight[node] += weight[pick]
            parent[pick] = node
            bit[pick] = side
    # Parents have larger indices than their children: one pass from the root down.
    depth[2 * n - 2] = 0
    for node in range(2 * n - 3, -1, -1):
        depth[node] = depth[parent[node]] + 1


@jit
def huffman_paths(parent, bit, offsets, codes, points):
    """Write every leaf's path, root first, from :func:`huffman_merge`'s ``parent`` and ``bit``.

    Parameters
    ----------
    parent : int64 (2V - 1,);  bit : uint8 (2V - 1,)
    offsets : int64 (V + 1,)   leaf ``w``'s path is ``[offsets[w], offsets[w + 1])``.
    codes : uint8 (total,)     receives the code bits.
    points : int32 (total,)    receives the inner-node rows (node ``V + a`` is row ``a``).
    """
    n = offsets.shape[0] - 1
    for w in range(n):
        node = w
        for q in range(offsets[w + 1] - 1, offsets[w] - 1, -1):  # leaf side first
            codes[q] = bit[node]
            node = parent[node]
            points[q] = node - n

