"""Merges of a thread's private top rows in the middle of a chunk, against a NumPy reference.

A thread trains the top inner nodes on private copies and merges them into the shared rows
every ``sync_every`` path-row updates (``kernels.HOT_SYNC_UPDATES`` in training) and at the end
of the chunk. A merge also brings the other threads' merged changes into the private copies,
so the rest of the chunk trains on them. That is what is checked here, through
``kernels.train_chunk`` as the trainer calls it: the shared top rows are changed before the
call, as another thread's merge would change them, and the kernel must give what the
reference gives with merges at the same points, which differs clearly from training the whole
chunk on the stale copies.
"""
from __future__ import annotations

import numpy as np
import pytest

from hsw2v import kernels as K

from test_kernels import RefRng, ref_cbow, ref_sg, scratch, tree_of, weights

N_WORDS, WINDOW, DIM, COUNT = 7, 3, 3, 3
TOL = 1e-3


def ref_train_private(ids, remap, syn0, syn1, codes, points_t, offsets, sg, alpha, step,
                      min_alpha, rng, hot, sync_every):
    """train_chunk in Python (no subsampling): ``syn1`` holds the shared and this thread's
    private rows (float64), ``points_t`` point the top nodes at the private ones, and
    ``hot = (top, own, base)`` is merged as merge_hot_rows does. Returns the merges made."""
    top, own, base = hot
    n = len(base)

    def merge():
        row = syn1[top:top + n] + (syn1[own:own + n] - base)
        syn1[top:top + n] = row
        syn1[own:own + n] = row
        base[:] = row

    i, seen, since, merges = 0, 0, 0, 0
    while i < len(ids):
        a = max(alpha - step * seen, min_alpha)
        sent = []
        while i < len(ids):
            t = int(ids[i])
            i += 1
            if t < 0:
                break
            if remap[t] >= 0:
                seen += 1
                sent.append(int(remap[t]))
        for pos, w in enumerate(sent):
            b = rng.u64() % WINDOW
            lo, hi = max(pos - WINDOW + b, 0), min(pos + WINDOW + 1 - b, len(sent))
            ctx = [sent[j] for j in range(lo, hi) if j != pos]
            if not ctx:
                continue
            if since >= sync_every:
                merge()
                merges += 1
                since = 0
            path = slice(offsets[w], offsets[w + 1])
            plen = offsets[w + 1] - offsets[w]
            if sg:
                ref_sg(syn0, syn1, ctx, codes[path], points_t[path], a)
                since += len(ctx) * plen
            else:
                ref_cbow(syn0, syn1, ctx, codes[path], points_t[path], a)
                since += plen
    merge()
    return merges


def setup(n_ids: int, seed: int):
    """Weights, paths, a stream of ``n_ids`` entries and thread 0's private rows (of 2), with
    the shared top rows then moved as another thread's merge would move them."""
    codes, points, offsets = tree_of(N_WORDS, seed)
    syn0, syn1 = weights(N_WORDS, DIM, seed, 0.2)
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, N_WORDS, n_ids).astype(np.int32)
    ids[rng.integers(0, n_ids, n_ids // 40)] = -1
    ids[-1] = -1
    _, k0 = K.padded_rows(syn0)
    _, k1 = K.padded_rows(syn1, 2 * COUNT)
    pts, (top, own, base, first) = K.private_hot_rows(k1, N_WORDS - 1, points, 2, COUNT)[0]
    k1[top:N_WORDS - 1, :DIM] += rng.normal(0, 0.5, (COUNT, DIM)).astype(np.float32)
    return codes, pts, offsets, ids, k0, k1, (top, own, base, first)


def compare(sg, n_ids, seed, sync_every, run_kernel):
    codes, pts, offsets, ids, k0, k1, (top, own, base, first) = setup(n_ids, seed)
    remap = np.arange(N_WORDS, dtype=np.int32)
    r0, r1 = k0[:, :DIM].astype(np.float64), k1[:, :DIM].astype(np.float64)
    stale0, stale1 = r0.copy(), r1.copy()
    rb, sb = base[:, :DIM].astype(np.float64), base[:, :DIM].astype(np.float64)
    alpha, step, min_alpha = 0.05, 0.01 / n_ids, 0.001
    state = 0x0DDB_A11C_AFE0_1234
    run_kernel(ids, remap, k0, k1, codes, pts, offsets, sg, alpha, step, min_alpha,
               np.array([state], np.uint64), (top, own, base, first))
    merges = ref_train_private(ids, remap, r0, r1, codes, pts, offsets, sg, alpha, step,
                               min_alpha, RefRng(state), (top, own, rb), sync_every)
    assert merges >= 2  # merged in the middle of the chunk, more than once
    # float32 against float64 over thousands of updates: measured up to 2.3e-4 apart
    np.testing.assert_allclose(k0[:, :DIM], r0, rtol=0, atol=TOL)
    np.testing.assert_allclose(k1[:N_WORDS - 1, :DIM], r1[:N_WORDS - 1], rtol=0, atol=TOL)
    # the private rows and their base are the merged shared rows again
    np.testing.assert_array_equal(k1[own:own + COUNT], k1[top:top + COUNT])
    np.testing.assert_array_equal(base, k1[top:top + COUNT])
    # Training the whole chunk on the stale private copies lands clearly elsewhere (measured
    # 0.16 to 1.7 apart), so the tolerance above cannot hide missing merges.
    ref_train_private(ids, remap, stale0, stale1, codes, pts, offsets, sg, alpha, step,
                      min_alpha, RefRng(state), (top, own, sb), float("inf"))
    assert np.max(np.abs(stale0 - r0)) > 50 * TOL


def kernel(ids, remap, k0, k1, codes, pts, offsets, sg, alpha, step, min_alpha, rng, hot):
    K.train_chunk(ids, k0, K.Reading(remap, np.ones(N_WORDS), sg, WINDOW),
                  K.Rate(alpha, step, min_alpha),
                  K.Scratch(rng, *scratch(WINDOW, 6, k0.shape[1], len(ids)), np.zeros(4)),
                  path=K.Path(k1, codes, pts, offsets, hot))


@pytest.mark.parametrize("sg", [True, False])
def test_mid_chunk_merges_bring_in_other_threads_changes(monkeypatch, sg):
    # A small interval (train_chunk reads it from HOT_SYNC_UPDATES at each call): many merges
    # in 600 entries.
    monkeypatch.setitem(K.HOT_SYNC_UPDATES, "sg" if sg else "cbow", 40)
    compare(sg, 600, 3, 40, kernel)


@pytest.mark.parametrize("sg", [True, False])
def test_training_merges_every_hot_sync_updates(sg):
    # The interval training uses: a chunk long enough to merge twice.
    sync_every = K.HOT_SYNC_UPDATES["sg" if sg else "cbow"]
    n_ids = 3 * sync_every // (12 if sg else 3)  # ~12 (sg) or ~3 (cbow) updates per word
    compare(sg, n_ids, 5, sync_every, kernel)
