"""The Numba kernels (hsw2v.kernels) against slow NumPy/Python references on tiny inputs."""
from __future__ import annotations

import glob
import importlib
import inspect
import math
import os
import pkgutil
import re

import numba
import numpy as np
import pytest

import hsw2v
from hsw2v import kernels as K

M64 = (1 << 64) - 1


# ------------------------------------------------------------------------------------------
# Slow references
# ------------------------------------------------------------------------------------------

class RefRng:
    """xorshift64* in plain Python integers (the kernels' generator)."""

    def __init__(self, state: int):
        self.x = state

    def u64(self) -> int:
        x = self.x
        x ^= x >> 12
        x ^= (x << 25) & M64
        x ^= x >> 27
        self.x = x
        return (x * 0x2545F4914F6CDD1D) & M64

    def uniform(self) -> float:
        return (self.u64() >> 11) * (1.0 / 9007199254740992.0)


_REF_GRID = np.arange(K.TABLE_SIZE + 1) / (K.TABLE_SIZE / (2 * K.MAX_EXP)) - K.MAX_EXP
#: -log P(code | s) on the grid, float64 lists per code (made once: long references call
#: ref_hs tens of thousands of times)
_REF_NLL = {code: np.logaddexp(0.0, _REF_GRID if code else -_REF_GRID).tolist()
            for code in (0, 1)}


def ref_hs(s: float, code: int, alpha: float) -> tuple[float, float]:
    """(g, nll) of one decision: table sigmoid inside (-MAX_EXP, MAX_EXP), exact loss outside."""
    x = s if code == 0 else -s
    if abs(s) < K.MAX_EXP:
        u = (s + K.MAX_EXP) * (K.TABLE_SIZE / (2 * K.MAX_EXP))
        g = (1.0 - code - float(K.SIGMOID_TABLE[int(u + 0.5)])) * alpha
        j, table = int(u), _REF_NLL[code]  # linear interpolation between grid points
        return g, table[j] + (u - j) * (table[j + 1] - table[j])
    return 0.0, math.log1p(math.exp(-abs(x))) + max(-x, 0.0)


def ref_sg(syn0, syn1, ctx, codes, path, alpha):
    """word2vec's skip-gram step (C order), on (V, D) float64 copies; returns the loss."""
    loss = 0.0
    for c in ctx:
        x = syn0[c].copy()
        e = np.zeros_like(x)
        for code, p in zip(codes, path):
            g, nll = ref_hs(float(x @ syn1[p]), int(code), alpha)
            loss += nll
            e += g * syn1[p]
            syn1[p] += g * x
        syn0[c] += e
    return loss


def ref_cbow(syn0, syn1, ctx, codes, path, alpha):
    """word2vec's CBOW step (mean of the context rows), on float64 copies; returns the loss."""
    h = syn0[list(ctx)].mean(axis=0)
    e = np.zeros_like(h)
    loss = 0.0
    for code, p in zip(codes, path):
        g, nll = ref_hs(float(h @ syn1[p]), int(code), alpha)
        loss += nll
        e += g * syn1[p]
        syn1[p] += g * h
    for c in ctx:
        syn0[c] += e
    return loss


def ref_train_chunk(ids, remap, keep, syn0, syn1, codes, points, offsets, sg, window, alpha,
                    alpha_step, min_alpha, rng: RefRng):
    """The whole of train_chunk in Python; returns [loss, predictions, words read, trained]."""
    stats = [0.0, 0, 0, 0]
    i, n, seen = 0, len(ids), 0
    while i < n:
        a = max(alpha - alpha_step * seen, min_alpha)
        sent = []
        while i < n:
            t = int(ids[i])
            i += 1
            if t < 0:
                break
            w = int(remap[t])
            if w < 0:
                continue
            seen += 1
            if keep[w] < 1.0 and rng.uniform() >= keep[w]:
                continue
            sent.append(w)
        for pos, w in enumerate(sent):
            b = rng.u64() % window
            lo, hi = max(pos - window + b, 0), min(pos + window + 1 - b, len(sent))
            ctx = [sent[j] for j in range(lo, hi) if j != pos]
            if not ctx:
                continue
            path = slice(offsets[w], offsets[w + 1])
            if sg:
                stats[0] += ref_sg(syn0, syn1, ctx, codes[path], points[path], a)
                stats[1] += len(ctx)
            else:
                stats[0] += ref_cbow(syn0, syn1, ctx, codes[path], points[path], a)
                stats[1] += 1
        stats[3] += len(sent)
    stats[2] = seen
    return stats


# ------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------

def tree_of(n_words: int, seed: int):
    """A random (not Huffman, any prefix-free shape will do for the kernels) set of paths."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, min(7, n_words), n_words)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    codes = rng.integers(0, 2, offsets[-1]).astype(np.uint8)
    points = rng.integers(0, n_words - 1, offsets[-1]).astype(np.int32)
    for w in range(n_words):  # a path visits distinct nodes
        points[offsets[w]:offsets[w + 1]] = rng.choice(n_words - 1, lengths[w], replace=False)
    return codes, points, offsets


def weights(n_words: int, dim: int, seed: int, scale: float = 0.5):
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((n_words, dim)) - 0.5) * scale).astype(np.float32)
    syn1 = ((rng.random((n_words - 1, dim)) - 0.5) * scale).astype(np.float32)
    return syn0, syn1


def scratch(window: int, longest: int, stride: int, max_len: int = 64):
    w2 = 2 * window
    return (np.zeros(max_len, np.int32), np.zeros(w2, np.int32),
            np.zeros((w2 + 1) * longest, np.float32),
            np.zeros((w2, stride), np.float32))


# ------------------------------------------------------------------------------------------
# Row layout
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dim,stride", [(1, 16), (16, 16), (17, 32), (100, 112), (300, 304)])
def test_row_stride(dim, stride):
    assert K.row_stride(dim) == stride


def test_padded_rows_layout_and_reuse():
    a = np.arange(3 * 20, dtype=np.float32).reshape(3, 20)
    view, rows = K.padded_rows(a)
    assert rows.shape == (3, 32) and rows.dtype == np.float32 and rows.flags.c_contiguous
    assert rows.__array_interface__["data"][0] % K.ALIGN == 0
    assert np.array_equal(view, a) and not np.any(rows[:, 20:])
    assert np.shares_memory(view, rows)
    view2, rows2 = K.padded_rows(view)  # already padded: reused, not copied
    assert view2 is view and rows2.shape == rows.shape
    assert rows2.__array_interface__["data"][0] == rows.__array_interface__["data"][0]
    rows2[1, 3] = -1.0
    assert view[1, 3] == -1.0 and rows[1, 3] == -1.0


def test_padded_rows_reuses_aligned_rows_with_room_for_extra_rows():
    view, rows = K.aligned_rows(3, 20, extra=4)
    assert rows.shape == (7, 32) and not np.any(rows)
    view[:] = 1.0
    view2, rows2 = K.padded_rows(view, 4)  # the 4 spare zero rows are there: no copy
    assert view2 is view and np.shares_memory(rows2, rows) and rows2.shape == (7, 32)
    # The buffer under the rows can hold more zero rows than were asked for (it is whole
    # blocks, and its slack depends on where the allocator put it: one run in six it fits an
    # eighth row here), so count what it holds: reused up to that, copied one row past it.
    owner = view.base
    start = view.__array_interface__["data"][0]
    room = (owner.__array_interface__["data"][0] + owner.nbytes - start) // rows.strides[0]
    assert room >= 7
    _, fits = K.padded_rows(view, room - 3)
    assert np.shares_memory(fits, rows) and fits.shape == (room, 32)
    _, rows3 = K.padded_rows(view, room - 3 + 1)  # not room enough: copied
    assert not np.shares_memory(rows3, rows) and rows3.shape == (room + 1, 32)
    assert np.array_equal(rows3[:3, :20], view) and not np.any(rows3[3:])
    rows[5, 0] = 2.0  # a spare row is not zero: copied
    _, rows4 = K.padded_rows(view, 4)
    assert not np.shares_memory(rows4, rows) and not np.any(rows4[3:])


def test_padded_rows_copies_a_view_with_dirty_padding():
    _, rows = K.padded_rows(np.zeros((2, 5), np.float32))
    rows[:, 5:] = 1.0
    view, fresh = K.padded_rows(rows[:, :5])
    assert not np.shares_memory(fresh, rows) and not np.any(fresh[:, 5:])
    assert np.array_equal(view, rows[:, :5])


def test_train_chunk_rejects_unpadded_rows():
    codes, points, offsets = tree_of(4, 0)
    syn0, syn1 = weights(4, 5, 0)
    with pytest.raises(ValueError, match="padded_rows"):
        K.train_chunk(np.array([0, 1, -1], np.int32), syn0,
                      K.Reading(np.arange(4, dtype=np.int32), np.ones(4), True, 2),
                      K.Rate(0.1, 0.0, 0.0),
                      K.Scratch(np.array([7], np.uint64), *scratch(2, 6, 5), np.zeros(4)),
                      path=K.Path(syn1, codes, points, offsets))


# ------------------------------------------------------------------------------------------
# Single steps vs references
# ------------------------------------------------------------------------------------------

def run_step(kernel, dim, ctx, w, seed, alpha=0.3, scale=0.5):
    n_words = 9
    codes, points, offsets = tree_of(n_words, seed)
    syn0, syn1 = weights(n_words, dim, seed, scale)
    r0, r1 = syn0.astype(np.float64), syn1.astype(np.float64)
    _, k0 = K.padded_rows(syn0)
    _, k1 = K.padded_rows(syn1)
    ctx = np.asarray(ctx, np.int32)
    stride = k0.shape[1]
    got = kernel(k0, k1, ctx, len(ctx), codes, points, offsets[w], offsets[w + 1], alpha,
                 np.zeros(10 * 6, np.float32), np.zeros((10, stride), np.float32),
                 K.blocks_of(k0))
    path = slice(offsets[w], offsets[w + 1])
    ref = (ref_sg if kernel is K.sg_update else ref_cbow)(r0, r1, list(ctx), codes[path],
                                                          points[path], alpha)
    return got, ref, k0, k1, r0, r1, dim


@pytest.mark.parametrize("kernel", [K.sg_update, K.cbow_update])
@pytest.mark.parametrize("dim", [1, 5, 16, 40])
@pytest.mark.parametrize("ctx,w", [([1], 0), ([2, 5, 2, 7], 3), ([0, 1, 2, 3, 4, 5, 6, 8], 8)])
def test_step_matches_reference(kernel, dim, ctx, w):
    got, ref, k0, k1, r0, r1, dim = run_step(kernel, dim, ctx, w, seed=dim + w)
    assert got == pytest.approx(ref, rel=1e-5)
    np.testing.assert_allclose(k0[:, :dim], r0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(k1[:, :dim], r1, rtol=1e-5, atol=1e-6)
    assert not np.any(k0[:, dim:]) and not np.any(k1[:, dim:])  # padding stays exactly zero


@pytest.mark.parametrize("kernel", [K.sg_update, K.cbow_update])
def test_saturated_nodes_are_skipped_but_counted(kernel):
    # Large weights: most scores are beyond MAX_EXP, so most nodes do not move.
    got, ref, k0, k1, r0, r1, dim = run_step(kernel, 24, [1, 2, 3], 4, seed=3, scale=12.0)
    assert got == pytest.approx(ref, rel=1e-5) and got > 10.0
    np.testing.assert_allclose(k1[:, :dim], r1, rtol=1e-5, atol=1e-5)


def ref_sg_minibatch(syn0, syn1, ctx, codes, path, alpha):
    """The window as one mini-batch (every score from the weights before the step)."""
    x, y = syn0[list(ctx)].copy(), syn1[list(path)].copy()
    g = np.array([[ref_hs(float(xi @ yj), int(c), alpha)[0] for yj, c in zip(y, codes)]
                  for xi in x])
    syn1[list(path)] += g.T @ x
    for c, e in zip(ctx, g @ y):
        syn0[c] += e


def test_sg_step_is_word2vec_order_not_a_minibatch():
    # Repeated context words see each other's updates (word2vec's order); a mini-batch over
    # the window would not, and lands measurably elsewhere.
    got, ref, k0, k1, r0, r1, dim = run_step(K.sg_update, 8, [3, 3, 5], 2, seed=11, alpha=1.0)
    np.testing.assert_allclose(k0[:, :dim], r0, rtol=1e-5, atol=1e-6)
    syn0, syn1 = weights(9, 8, 11)
    codes, points, offsets = tree_of(9, 11)
    m0, m1 = syn0.astype(np.float64), syn1.astype(np.float64)
    ref_sg_minibatch(m0, m1, [3, 3, 5], codes[offsets[2]:offsets[3]],
                     points[offsets[2]:offsets[3]], 1.0)
    assert np.max(np.abs(k0[3, :dim] - m0[3])) > 1e-3


def test_table_loss_is_close_to_exact_and_moves_with_tiny_score_changes():
    for code in (0, 1):
        for s in np.linspace(-5.99, 5.99, 1001):
            x = s if code == 0 else -s
            exact = math.log1p(math.exp(-abs(x))) + max(-x, 0.0)
            assert K.hs_step(s, code, 0.1)[1] == pytest.approx(exact, abs=1e-5)
    assert K.hs_step(1e-4, 0, 0.1)[1] < K.hs_step(0.0, 0, 0.1)[1] < K.hs_step(-1e-4, 0, 0.1)[1]


def test_hs_step_table_is_close_to_exact_sigmoid():
    s = np.linspace(-5.99, 5.99, 2001)
    for code in (0, 1):
        g = np.array([K.hs_step(x, code, 1.0)[0] for x in s])
        exact = 1.0 - code - 1.0 / (1.0 + np.exp(-s))
        assert np.max(np.abs(g - exact)) < 2e-3
    assert K.hs_step(6.0, 0, 1.0)[0] == 0.0 and K.hs_step(-7.0, 1, 1.0)[0] == 0.0


# ------------------------------------------------------------------------------------------
# Whole chunks vs the Python reference (same random numbers)
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("dim,alpha_step", [(3, 1e-3), (20, 1e-3), (5, 1e-2)])
def test_train_chunk_matches_reference(sg, dim, alpha_step):
    # alpha_step 1e-2 takes the rate from 0.2 to its floor of 0.05 after 15 words
    n_words, window = 7, 3
    codes, points, offsets = tree_of(n_words, 5)
    syn0, syn1 = weights(n_words, dim, 5, 0.2)
    rng = np.random.default_rng(9)
    # Stream ids 0..8; id 8 and id 2 are out of the vocabulary (remap -1); pieces end with -1.
    remap = np.array([0, 1, -1, 2, 3, 4, 5, 6, -1], np.int32)
    ids = rng.integers(0, 9, 60).astype(np.int32)
    ids[[11, 25, 26, 59]] = -1
    keep = np.array([0.4, 0.9, 1.0, 1.0, 0.7, 1.0, 1.0])
    r0, r1 = syn0.astype(np.float64), syn1.astype(np.float64)
    _, k0 = K.padded_rows(syn0)
    _, k1 = K.padded_rows(syn1)
    state = np.array([0x1234_5678_9ABC_DEF1], np.uint64)
    stats = np.zeros(4)
    seen = K.train_chunk(ids, k0, K.Reading(remap, keep, sg, window),
                         K.Rate(0.2, alpha_step, 0.05),
                         K.Scratch(state, *scratch(window, 6, k0.shape[1]), stats),
                         path=K.Path(k1, codes, points, offsets))
    ref_rng = RefRng(0x1234_5678_9ABC_DEF1)
    ref = ref_train_chunk(ids, remap, keep, r0, r1, codes, points, offsets, sg, window, 0.2,
                          alpha_step, 0.05, ref_rng)
    assert seen == ref[2] == int(np.sum(remap[ids[ids >= 0]] >= 0))
    assert stats[1:].tolist() == [ref[1], ref[2], ref[3]]
    assert 0 < ref[3] < ref[2]  # subsampling dropped some words
    assert int(state[0]) == ref_rng.x  # same random numbers drawn
    assert stats[0] == pytest.approx(ref[0], rel=1e-5)
    np.testing.assert_allclose(k0[:, :dim], r0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(k1[:, :dim], r1, rtol=1e-4, atol=1e-6)
    assert not np.any(k0[:, dim:]) and not np.any(k1[:, dim:])


def test_rng_matches_reference_and_splitmix_is_fixed():
    state = np.array([42], np.uint64)
    ref = RefRng(42)
    assert [int(K.next_u64(state)) for _ in range(5)] == [ref.u64() for _ in range(5)]
    u = K.next_uniform(state)
    assert u == ref.uniform() and 0.0 <= u < 1.0
    assert int(K.splitmix64(np.uint64(0))) == 0xE220A8397B1DCDAF


# ------------------------------------------------------------------------------------------
# The one fastmath policy
# ------------------------------------------------------------------------------------------

def kernel_modules():
    """Every module of the kernels package (and the package itself)."""
    mods = [K]
    for info in pkgutil.iter_modules(K.__path__):
        mods.append(importlib.import_module(f"{K.__name__}.{info.name}"))
    return mods


def dispatchers():
    found = {}
    for mod in kernel_modules():
        for name, f in vars(mod).items():
            if isinstance(f, numba.core.dispatcher.Dispatcher):
                found[f"{mod.__name__}.{name}"] = f
    return found


def test_every_kernel_uses_the_package_policy():
    found = dispatchers()
    short = {name.rsplit(".", 1)[1] for name in found}
    assert {"sg_update", "cbow_update", "train_rows", "hs_step", "next_u64", "scan_tokens",
            "huffman_merge", "chunk_cuts", "merge_hot_rows"} <= short
    for name, f in found.items():
        assert f.targetoptions["fastmath"] == set(K.FASTMATH), name
        assert f.targetoptions["nogil"] is True, name
        assert type(f._cache).__name__ == "FunctionCache", f"{name} is not cached on disk"


def test_fastmath_is_set_in_one_place_and_keeps_nan_inf():
    # One policy module names fastmath; no other module of the package sets flags or calls
    # numba.njit/jit itself (a kernel with flags of its own would escape the policy).
    named = {}
    for path in glob.glob(os.path.join(os.path.dirname(hsw2v.__file__), "**", "*.py"),
                          recursive=True):
        src = open(path, encoding="utf-8").read()
        hits = len(re.findall(r"fastmath['\"]?\s*[=:]", src))
        if hits:
            named[os.path.relpath(path, os.path.dirname(hsw2v.__file__))] = hits
        if not path.endswith(os.path.join("kernels", "policy.py")):
            assert not re.search(r"numba\.(njit|jit)\(|@(numba\.)?n?jit\(", src), path
        # an overload's implementation is compiled with the options it is given: the policy's
        for call in re.findall(r"@overload\([^)]*\)", src):
            assert re.search(r"jit_options=(STEP_)?OVERLOAD_OPTIONS\)", call), (path, call)
    assert named == {os.path.join("kernels", "policy.py"): 1}
    assert not {"nnan", "ninf", "fast"} & set(K.FASTMATH)


def test_the_per_word_steps_are_compiled_without_reference_counting():
    # Each reference-counted call locks the weights' shared counts twice per array argument:
    # ~20 locked instructions per word, on cache lines every thread writes (see policy.py).
    found = {name.rsplit(".", 1)[1]: f for name, f in dispatchers().items()}
    steps = ["sg_update", "cbow_update", "sg_ns_update", "cbow_ns_update", "mixed_update",
             "subword_sg_update", "subword_cbow_update", "merge_hot_rows", "next_u64",
             "alias_draw"]
    for name in steps:
        assert found[name].targetoptions.get("_nrt") is False, name
    assert found["train_rows"].targetoptions.get("_nrt", True) is True  # it allocates


def test_kernels_import_nothing_else_from_the_package():
    for mod in kernel_modules():
        src = inspect.getsource(mod)
        for line in re.findall(r"^\s*(?:from|import)\s+(hsw2v[\w.]*)", src, re.M):
            assert line == "hsw2v.kernels" or line.startswith("hsw2v.kernels."), (mod, line)


def test_nan_scores_update_nothing_and_show_in_the_loss():
    # A NaN score (a diverged run) must not spread through the table lookup; the loss shows it.
    syn0, syn1 = weights(9, 4, 2)
    _, k0 = K.padded_rows(syn0)
    _, k1 = K.padded_rows(syn1)
    codes, points, offsets = tree_of(9, 2)
    k1[points[offsets[0]:offsets[1]], 0] = np.nan
    before0, before1 = k0.copy(), k1.copy()
    loss = K.sg_update(k0, k1, np.array([1], np.int32), 1, codes, points, offsets[0],
                       offsets[1], 0.3, np.zeros(60, np.float32), np.zeros((10, 16), np.float32),
                       K.blocks_of(k0))
    assert math.isnan(loss)
    assert np.array_equal(k0, before0) and np.array_equal(k1, before1, equal_nan=True)


# ------------------------------------------------------------------------------------------
# Private top rows per thread
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, dtype", [(1, np.uint64), (4, np.float64), (10, np.int32),
                                          ((10, 112), np.float32)])
def test_private_zeros_own_their_blocks(shape, dtype):
    arrays = [K.private_zeros(shape, dtype) for _ in range(8)]
    blocks = []
    for a in arrays:
        assert a.shape == np.zeros(shape).shape and a.dtype == dtype
        assert a.flags.c_contiguous and a.flags.writeable and not a.any()
        addr = a.__array_interface__["data"][0]
        assert addr % K.PRIVATE_BLOCK == 0
        # the block(s) the array lies in belong to its own buffer, which nothing else uses
        owner = a.base
        while isinstance(owner.base, np.ndarray):
            owner = owner.base
        lo = owner.__array_interface__["data"][0]
        assert lo <= addr and addr + max(a.nbytes, 1) <= lo + owner.nbytes
        last = (addr + max(a.nbytes, 1) - 1) // K.PRIVATE_BLOCK
        assert (last + 1) * K.PRIVATE_BLOCK <= lo + owner.nbytes
        blocks.append(set(range(addr // K.PRIVATE_BLOCK, last + 1)))
    for i in range(len(blocks)):
        for j in range(i):
            assert not blocks[i] & blocks[j]


def test_private_hot_rows_layout():
    n_nodes, count = 6, 3
    codes, points, offsets = tree_of(n_nodes + 1, 4)
    _, syn1 = weights(n_nodes + 1, 5, 4)
    view, rows1 = K.padded_rows(syn1, 2 * count)
    assert rows1.shape == (n_nodes + 2 * count, 16) and np.array_equal(view, syn1)
    hot = K.private_hot_rows(rows1, n_nodes, points, 2, count)
    for t, (pts, (top, own, base, first)) in enumerate(hot):
        assert (top, own) == (n_nodes - count, n_nodes + t * count)
        moved = points >= top
        assert np.array_equal(pts[moved], points[moved] + own - top)
        assert np.array_equal(pts[~moved], points[~moved])
        assert np.array_equal(rows1[own:own + count], rows1[top:n_nodes])
        assert np.array_equal(base, rows1[top:n_nodes])
    assert K.private_hot_rows(rows1, n_nodes, points, 1, count) == [(points, None)]


def test_merging_adds_every_threads_change():
    n_nodes, count = 6, 3
    _, points, _ = tree_of(n_nodes + 1, 4)
    _, rows1 = K.padded_rows(weights(n_nodes + 1, 5, 4)[1], 2 * count)
    before = rows1[:n_nodes].copy()
    hot = K.private_hot_rows(rows1, n_nodes, points, 2, count)
    rng = np.random.default_rng(0)
    changes = []
    for _, (top, own, base, first) in hot:
        d = np.zeros((count, 16), np.float32)
        d[:, :5] = rng.normal(size=(count, 5))
        rows1[own:own + count] += d
        changes.append(d)
    for _, (top, own, base, first) in hot:
        K.merge_hot_rows(rows1, top, own, base, first, K.blocks_of(rows1))
    top = n_nodes - count
    np.testing.assert_allclose(rows1[top:n_nodes], before[top:] + changes[0] + changes[1],
                               rtol=1e-6, atol=1e-6)
    assert np.array_equal(rows1[:top], before[:top])
    own1, base1 = hot[1][1][1], hot[1][1][2]  # the last to merge sees both changes
    assert np.array_equal(rows1[own1:own1 + count], rows1[top:n_nodes])
    assert np.array_equal(base1, rows1[top:n_nodes])
    assert not np.any(rows1[:, 5:])


@pytest.mark.parametrize("sg", [True, False])
def test_one_thread_with_private_rows_trains_like_shared_rows(sg):
    n_words, window, dim = 7, 3, 20
    codes, points, offsets = tree_of(n_words, 5)
    syn0, syn1 = weights(n_words, dim, 5, 0.2)
    ids = np.random.default_rng(9).integers(0, 7, 300).astype(np.int32)
    ids[[50, 120, 299]] = -1
    args = (np.arange(7, dtype=np.int32), np.ones(7))
    _, a0 = K.padded_rows(syn0)
    _, a1 = K.padded_rows(syn1, 2 * 3)
    _, b0 = K.padded_rows(syn0)
    _, b1 = K.padded_rows(syn1)
    pts, hot = K.private_hot_rows(a1, n_words - 1, points, 2, count=3)[0]
    sa, sb = np.zeros(4), np.zeros(4)
    reading, rate = K.Reading(*args, sg, window), K.Rate(0.2, 0, 0.05)
    K.train_chunk(ids, a0, reading, rate,
                  K.Scratch(np.array([7], np.uint64), *scratch(window, 6, 32, 400), sa),
                  path=K.Path(a1, codes, pts, offsets, hot))
    K.train_chunk(ids, b0, reading, rate,
                  K.Scratch(np.array([7], np.uint64), *scratch(window, 6, 32, 400), sb),
                  path=K.Path(b1, codes, points, offsets))
    assert sa.tolist() == pytest.approx(sb.tolist(), rel=1e-6)
    np.testing.assert_allclose(a1[:n_words - 1], b1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a0, b0, rtol=1e-5, atol=1e-6)
    assert not np.allclose(b1, K.padded_rows(syn1)[1])  # it did train


def test_editing_a_kernel_module_drops_the_stale_cache(tmp_path):
    # numba would keep running a cached kernel that inlines an edited module's function.
    import shutil
    import subprocess
    import sys

    pkg = tmp_path / "hsw2v" / "kernels"
    shutil.copytree(os.path.dirname(K.__file__), pkg,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "hsw2v" / "__init__.py").write_text("")
    cache = pkg / "__pycache__"
    cache.mkdir()
    code = "import hsw2v.kernels"
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    env.pop("NUMBA_CACHE_DIR", None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path)
    (cache / "loop.train_rows-1.py311.nbi").write_bytes(b"stale")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path)
    assert (cache / "loop.train_rows-1.py311.nbi").exists()  # nothing changed: kept
    with open(pkg / "ns.py", "a") as f:
        f.write("\n# edited\n")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path)
    assert not (cache / "loop.train_rows-1.py311.nbi").exists()  # an edit: dropped


@pytest.mark.parametrize("loss", ["hs", "ns", "hs+ns"])
def test_the_loss_does_not_depend_on_where_kernel_calls_end(loss):
    """One kernel call over a chunk, or one call per sentence piece of it: the same vectors and
    the same float64 sums bit for bit. (The loss is one running sum across calls; a sum per
    call added at its end made the epoch's loss depend on how a run cut its calls: a cluster's
    rounds or a thread's claims.)"""
    n_words, window, dim, k = 7, 3, 8, 3
    codes, points, offsets = tree_of(n_words, 5)
    syn0, syn1 = weights(n_words, dim, 5, 0.2)
    ids = np.random.default_rng(4).integers(0, n_words, 400).astype(np.int32)
    ids[[40, 95, 170, 230, 305, 399]] = -1
    prob, alias = np.zeros(n_words), np.zeros(n_words, np.int32)
    K.alias_build(np.arange(1.0, n_words + 1), prob, alias, np.empty(n_words, np.int64),
                  np.empty(n_words, np.int64))
    out = []
    for cuts in ([399], [40, 95, 170, 230, 305, 399]):
        _, k0 = K.padded_rows(syn0)
        _, k1 = K.padded_rows(syn1)
        _, kn = K.padded_rows(syn0 * 0.5)
        state = K.Scratch(np.array([11], np.uint64), *scratch(window, 6 + k, k0.shape[1], 400),
                          np.zeros(5))
        reading = K.Reading(np.arange(n_words, dtype=np.int32), np.ones(n_words), True, window)
        start = 0
        for cut in cuts:
            K.train_chunk(ids[start:cut + 1], k0, reading, K.Rate(0.1, 0.0, 0.0), state,
                          path=K.Path(k1, codes, points, offsets) if "hs" in loss else None,
                          noise=K.Noise(k, kn, prob, alias) if "ns" in loss else None)
            start = cut + 1
        out.append((k0, k1, kn, state.stats))
    (a0, a1, an, sa), (b0, b1, bn, sb) = out
    assert np.array_equal(a0, b0) and np.array_equal(a1, b1) and np.array_equal(an, bn)
    assert sa[1] > 100 and sa[0] > 0
    assert sa.tolist() == sb.tolist()
