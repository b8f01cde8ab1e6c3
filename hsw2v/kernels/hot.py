"""Private copies of shared rows that every thread updates (the top of the Huffman tree).

A thread trains on its own copy of the most visited rows and adds its change to the shared rows
every so often (:func:`merge_hot_rows`), so the cores do not pass those cache lines back and
forth on every update.
"""
from __future__ import annotations

import numpy as np

from hsw2v.kernels.policy import jit_step
from hsw2v.kernels.rows import private_zeros, radd, rfma, rload, rstore, rzero

#: Inner-node rows each training thread keeps a private copy of (the top of the Huffman tree:
#: the last-merged, most visited nodes), per model. Every center word updates the root and its
#: first children, so with shared rows the threads' cores pass those cache lines back and forth
#: on nearly every (context, node) pair; measured on 2 cores, the 2-thread run used ~1.5x the
#: CPU time of the same work done by one thread. Skip-gram needs few private rows: it updates a
#: path row once per context word in a row, so a line stays put for a while. CBOW updates each
#: path row once per prediction, and with 64 private rows its rows below them still changed
#: cores often enough to cost ~10-15% against two threads sharing no weights; with 256 rows it
#: was within noise of that. (Skip-gram with 256 rows merged as often was ~3% slower.)
HOT_ROWS = {"sg": 64, "cbow": 256}
#: Path-row updates (one per (prediction, node)) between two merges of a thread's private rows
#: into the shared ones, per model: about 256 skip-gram center words on text8 (~6 predictions
#: of ~12 nodes each) or 680 CBOW ones (one prediction each). Longer intervals merge less but
#: let a thread train on an older copy of the other threads' top rows: 512 CBOW rows merged
#: every 32768 updates was as fast, but its analogy score over 40 seeds (0.0710) sat ~0.0015
#: below the earlier setting's.
HOT_SYNC_UPDATES = {"sg": 18432, "cbow": 8192}


def private_hot_rows(rows1: np.ndarray, n_nodes: int, points: np.ndarray, threads: int,
                     count: int) -> list[tuple[np.ndarray, tuple | None]]:
    """Give each of ``threads`` threads private copies of the ``count`` top inner-node rows.

    The private rows of thread ``t`` live in ``rows1`` after the ``n_nodes`` shared ones (see
    ``padded_rows(..., extra=threads * count)``); the thread trains with a copy of ``points``
    in which the top nodes point at its private rows, and ``train_chunk(..., hot=...)`` adds
    the thread's accumulated change to the shared rows (and refreshes its copies) every
    :data:`HOT_SYNC_UPDATES` path-row updates (of its model) and at the end of each chunk, so
    the shared rows hold every update at chunk boundaries. One thread needs none of this: it
    gets ``points`` itself and ``None``.

    Parameters
    ----------
    rows1 : float32 (>= n_nodes + threads * count, S)   kernel rows of ``syn1``, updated.
    n_nodes : int              number of shared inner-node rows (V - 1).
    points : int32 (total,)    flat Huffman paths.
    threads : int
    count : int                rows to privatise (see :data:`HOT_ROWS`; capped at ``n_nodes``).

    Returns
    -------
    list of (points_t, hot_t), one per thread
        ``points_t`` int32 (total,); ``hot_t`` the ``hot`` argument of :func:`train_chunk`.
    """
    count = min(count, n_nodes)
    if threads <= 1 or count == 0:
        return [(points, None)] * threads
    if rows1.shape[0] < n_nodes + threads * count:
        raise ValueError(f"rows1 has {rows1.shape[0]} rows, needs {n_nodes + threads * count}")
    top = n_nodes - count
    out = []
    for t in range(threads):
        own = n_nodes + t * count
        rows1[own:own + count] = rows1[top:n_nodes]
        base = private_zeros((count, rows1.shape[1]), np.float32)
        base[:] = rows1[top:n_nodes]
        pts = np.array(points, dtype=np.int32, copy=True)
        pts[pts >= top] += own - top
        # Threads walk the rows from different starting points when merging, so two merges
        # running at once rarely touch the same row at the same time.
        out.append((pts, (top, own, base, t * count // threads)))
    return out



#: Output rows of negative sampling that each thread keeps a private copy of: those of the most
#: frequent words (rows 0..63). Every prediction draws its negatives from unigram^0.75, so on
#: text8 these 64 words are ~21% of the draws, and the positives of the most frequent words hit
#: them too.
HOT_NEG_ROWS = 64


def private_neg_rows(syn1neg: np.ndarray, n_words: int, threads: int, count: int
                     ) -> list[tuple[np.ndarray | None, tuple | None]]:
    """Give each of ``threads`` threads private copies of the first ``count`` rows of
    ``syn1neg`` (the most frequent words), as :func:`private_hot_rows` does for the tree.

    Parameters
    ----------
    syn1neg : float32 (>= n_words + threads * count, S)   kernel rows, updated.
    n_words : int       V, the shared rows.
    threads : int
    count : int         rows to privatise (capped at V).

    Returns
    -------
    list of (neg_map_t, neg_hot_t), one per thread
        ``neg_map_t`` int32 (V,) word -> row (None with one thread: the identity);
        ``neg_hot_t`` the ``neg_hot`` argument of :func:`~hsw2v.kernels.loop.train_chunk`.
    """
    count = min(count, n_words)
    if threads <= 1 or count == 0:
        return [(None, None)] * threads
    if syn1neg.shape[0] < n_words + threads * count:
        raise ValueError(f"syn1neg has {syn1neg.shape[0]} rows, needs {n_words + threads * count}")
    out = []
    for t in range(threads):
        own = n_words + t * count
        syn1neg[own:own + count] = syn1neg[:count]
        base = private_zeros((count, syn1neg.shape[1]), np.float32)
        base[:] = syn1neg[:count]
        neg_map = np.arange(n_words, dtype=np.int32)
        neg_map[:count] += own
        out.append((neg_map, (0, own, base, t * count // threads)))
    return out


@jit_step
def merge_hot_rows(syn1, top, own, base, first, blocks):
    """Add a thread's change to its private rows into the shared rows, then refresh its copy.

    For each of the ``n = len(base)`` rows ``r`` (starting at ``first``, wrapping):
    ``syn1[top + r] += syn1[own + r] - base[r]``, then ``syn1[own + r] = base[r] =`` the new
    shared row. Another thread may merge at the same time (Hogwild: a rare lost update).

    Parameters
    ----------
    syn1 : float32 (>= own + n, S)   shared rows at ``top``, this thread's private ones at ``own``.
    top, own : int                   first shared and first private row.
    base : float32 (n, S)            the private rows as of the last merge, updated.
    first : int                      row to start with.
    blocks : tuple                   row width (see :func:`blocks_of`).
    """
    z = rzero(blocks)
    n = base.shape[0]
    for q in range(n):
        r = (first + q) % n
        change = rfma(np.float32(-1.0), rload(base, r, z), rload(syn1, own + r, z))
        row = radd(rload(syn1, top + r, z), change)
        rstore(syn1, top + r, row)
        rstore(syn1, own + r, row)
        rstore(base, r, row)

