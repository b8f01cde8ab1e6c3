"""Numba kernels: every jitted function of hsw2v lives here.

This module imports nothing else from the package and takes arrays and numbers only, so the
math can be read (and tested against NumPy references) on its own. Names follow the word2vec C
tool where that helps: ``syn0`` input vectors, ``syn1`` inner-node vectors, ``codes`` and
``points`` the Huffman code bits and inner-node indices of each word's path.

Conventions
-----------
* Vectors are float32, shape (V, S) for ``syn0`` and (V - 1, S) for ``syn1``, C-contiguous, with
  a row stride ``S`` that is a whole number of SIMD blocks (:func:`row_stride`); the columns past
  the model's dimension are zero and stay exactly zero under every update (each update adds
  multiples of rows whose padding is zero). :func:`padded_rows` makes such arrays.
* A word's Huffman path is ``codes[offsets[w]:offsets[w + 1]]`` (uint8 bits, root first) and
  ``points[offsets[w]:offsets[w + 1]]`` (int32 inner-node rows of ``syn1``).
* For a node with code bit ``c`` and score ``f = sigmoid(h . syn1[p])`` the gradient step is
  ``g = (1 - c - f) * alpha``; the loss of that decision is ``softplus(-(1 - 2c) * s)``,
  computed stably.
* Random numbers come from a per-thread xorshift64* state (uint64 array of length 1) passed in
  and updated in place; no global NumPy RNG is used here.

Rows as registers
-----------------
The hot loops work on whole rows held in SIMD registers: a row of ``S`` floats is a tuple of
``S / 16`` values of the LLVM type ``<16 x float>`` (one AVX-512 register, or two AVX2 ones on
machines without AVX-512). The tuple length is a compile-time constant, taken from the type of
the ``blocks`` argument (a tuple of ``S / 16`` zeros), so each row width is compiled once and
every loop over a row is fully unrolled. A handful of intrinsics (:func:`rzero`, :func:`rload`,
:func:`rstore`, :func:`rfma`, :func:`radd`, :func:`rscale`, :func:`rdot`, :func:`rprefetch`)
are the only operations on such rows; they emit ``fmul``/``fadd``/``llvm.fma`` in a fixed
order (their flags allow contraction into FMAs, not reassociation), so a dot product is summed
the same way whatever the optimiser does around it.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

#: The one fastmath policy of the package: reassociation and contraction let dot products and
#: axpy loops vectorise (and fuse into FMAs); 'nsz' and 'arcp' are harmless for this math. The
#: flags 'nnan' and 'ninf' are deliberately absent so NaN/Inf keep their IEEE meaning and a
#: diverging run stays detectable.
FASTMATH = frozenset({"reassoc", "contract", "nsz", "arcp"})
#: (The one exception is inside the row intrinsics further down: their float instructions carry
#: ``contract`` only, see ``_EXACT``, so dot products keep their two FMA chains.)

#: Options shared by every kernel: release the GIL (Hogwild threads), cache the compiled code.
JIT_OPTIONS = {"nogil": True, "cache": True, "fastmath": set(FASTMATH)}

jit = numba.njit(**JIT_OPTIONS)


# ---------------------------------------------------------------------------------------------
# Rows as tuples of SIMD registers
# ---------------------------------------------------------------------------------------------

#: Floats per SIMD block (one 512-bit register).
LANES = 16
#: Byte alignment of the padded weight arrays (one cache line).
ALIGN = 64


def row_stride(dim: int) -> int:
    """Row stride (floats) of the kernels' weight arrays for vectors of ``dim`` floats."""
    return -(-int(dim) // LANES) * LANES


def blocks_of(rows: np.ndarray) -> tuple:
    """The ``blocks`` argument of the row kernels for ``rows``: a tuple of ``S / 16`` zeros."""
    return (0,) * (rows.shape[1] // LANES)


def padded_rows(a: np.ndarray, extra: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(view, rows)``: kernel rows holding ``a`` and the (n, dim) view of them.

    ``rows`` is C-contiguous float32 of shape ``(n + extra, row_stride(dim))``, 64-byte aligned,
    zero past column ``dim`` (and in the ``extra`` rows); ``view = rows[:n, :dim]``. If ``a``
    already is such a view (as made by :func:`aligned_rows`, with at least ``extra`` zero rows
    after it), it is reused (no copy), so training through ``rows`` updates ``a`` in place;
    otherwise ``a`` is copied.

    Parameters
    ----------
    a : float32 (n, dim)
    extra : int
        Rows to add after the ``n`` rows (room for :func:`private_hot_rows`).

    Returns
    -------
    view : float32 (n, dim)       strided view of ``rows``.
    rows : float32 (n + extra, S)  S = ``row_stride(dim)``.
    """
    n, dim = a.shape
    rows = _rows_under(a, row_stride(dim), extra)
    if rows is not None:
        return a, rows
    view, rows = aligned_rows(n, dim, extra)
    view[:] = a
    return view, rows


def aligned_rows(n: int, dim: int, extra: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Zeroed kernel rows: ``(view, rows)`` as :func:`padded_rows` returns them.

    Filling ``view`` in place (rather than padding a finished (n, dim) array) spares a copy
    and its fresh pages, which cost ~2 ms per MB here.

    Returns
    -------
    view : float32 (n, dim)       ``rows[:n, :dim]``.
    rows : float32 (n + extra, S)
    """
    # Blocks of their own are also ALIGN-aligned (PRIVATE_BLOCK is a multiple of ALIGN).
    rows = private_zeros((n + extra, row_stride(dim)), np.float32)
    return rows[:n, :dim], rows


#: Bytes that keep one thread's scratch apart from another's: two cache lines, since the
#: adjacent-line prefetcher moves lines in pairs (a multiple of :data:`ALIGN`).
PRIVATE_BLOCK = 128


def private_zeros(shape, dtype) -> np.ndarray:
    """Zeros that share no :data:`PRIVATE_BLOCK`-byte block of memory with any other array.

    For what one thread writes all the time (its RNG state, on every draw; its scratch): small
    arrays made one after another usually sit on one cache line, and two threads writing one
    line pass it between their cores on every write. Measured: two CBOW threads on separate
    weights used 3.5% more CPU time with their RNG states, scratch and accumulators side by side
    than with each on lines of its own (paired, 30 rounds).

    Returns
    -------
    ndarray of ``shape`` and ``dtype``, C-contiguous, aligned to :data:`PRIVATE_BLOCK`.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    blocks = -(-max(nbytes, 1) // PRIVATE_BLOCK)
    raw = np.zeros((blocks + 1) * PRIVATE_BLOCK, dtype=np.uint8)
    skip = -raw.__array_interface__["data"][0] % PRIVATE_BLOCK
    return raw[skip:skip + nbytes].view(dtype).reshape(shape)


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


def _rows_under(a: np.ndarray, stride: int, extra: int = 0) -> np.ndarray | None:
    """The aligned (n + extra, stride) rows that ``a`` is the left part of, or None unless
    their padding and the ``extra`` rows are zero."""
    owner = a.base
    if (a.dtype != np.float32 or a.ndim != 2 or a.strides != (4 * stride, 4)
            or not isinstance(owner, np.ndarray) or not a.flags.writeable):
        return None
    n = a.shape[0] + extra
    start = a.__array_interface__["data"][0]
    lo = owner.__array_interface__["data"][0]
    if start % ALIGN or start < lo or start + n * stride * 4 > lo + owner.nbytes:
        return None
    rows = np.lib.stride_tricks.as_strided(a, (n, stride), (4 * stride, 4))
    if np.any(rows[:, a.shape[1]:]) or np.any(rows[a.shape[0]:]):
        return None
    return rows


class _F32x16Type(types.Type):
    """Numba type of one SIMD block: 16 float32 lanes."""

    def __init__(self):
        super().__init__(name="f32x16")


f32x16 = _F32x16Type()
_VEC = ir.VectorType(ir.FloatType(), LANES)
_I32 = ir.IntType(32)
#: Flags of the row intrinsics' float instructions: contraction into FMAs only, no
#: reassociation (numba's fastmath pass only flags instructions that have no flags yet).
_EXACT = ("contract",)


@register_model(_F32x16Type)
class _F32x16Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _VEC)


def _is_row(t) -> bool:
    return isinstance(t, types.UniTuple) and isinstance(t.dtype, _F32x16Type)


def _block_ptrs(context, builder, aryty, ary, idxty, idx, count):
    """Pointers to the ``count`` SIMD blocks of row ``idx`` of 2-D array ``ary``."""
    row = context.cast(builder, idx, idxty, types.intp)
    arr = context.make_array(aryty)(context, builder, ary)
    zero = context.get_constant(types.intp, 0)
    ptr = cgutils.get_item_pointer(context, builder, aryty, arr, [row, zero], wraparound=False)
    vp = builder.bitcast(ptr, _VEC.as_pointer())
    return [builder.gep(vp, [ir.Constant(_I32, i)]) for i in range(count)]


def _fma(builder, a, b, c):
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VEC, [_VEC] * 3),
                                        "llvm.fma.v16f32")
    return builder.call(fn, [a, b, c])


def _splat(context, builder, fromty, x):
    x = context.cast(builder, x, fromty, types.float32)
    v = builder.insert_element(ir.Constant(_VEC, ir.Undefined), x, ir.Constant(_I32, 0))
    mask = ir.Constant(ir.VectorType(_I32, LANES), [0] * LANES)
    return builder.shuffle_vector(v, ir.Constant(_VEC, ir.Undefined), mask)


def _row_type(blocks):
    if isinstance(blocks, (types.UniTuple, types.Tuple)) and not _is_row(blocks):
        return types.UniTuple(f32x16, len(blocks)) if len(blocks) > 0 else None
    return blocks if _is_row(blocks) else None


@intrinsic
def rzero(typingctx, blocks):
    """A row of zeros, as wide as ``blocks`` (a tuple of zeros or a row)."""
    rt = _row_type(blocks)
    if rt is None:
        return None

    def codegen(context, builder, sig, args):
        z = ir.Constant(_VEC, [0.0] * LANES)
        return context.make_tuple(builder, rt, [z] * rt.count)
    return rt(blocks), codegen


@intrinsic
def rload(typingctx, a, i, like):
    """Row ``a[i]`` (float32 2-D array, stride a multiple of 16) as a row as wide as ``like``."""
    if not (_is_row(like) and isinstance(a, types.Array) and a.ndim == 2):
        return None

    def codegen(context, builder, sig, args):
        ptrs = _block_ptrs(context, builder, sig.args[0], args[0], sig.args[1], args[1], like.count)
        return context.make_tuple(builder, like, [builder.load(p, align=4) for p in ptrs])
    return like(a, i, like), codegen


@intrinsic
def rstore(typingctx, a, i, v):
    """Store row ``v`` into ``a[i]``."""
    if not (_is_row(v) and isinstance(a, types.Array) and a.ndim == 2):
        return None

    def codegen(context, builder, sig, args):
        ptrs = _block_ptrs(context, builder, sig.args[0], args[0], sig.args[1], args[1], v.count)
        for p, x in zip(ptrs, cgutils.unpack_tuple(builder, args[2], v.count)):
            builder.store(x, p, align=4)
        return context.get_dummy_value()
    return types.void(a, i, v), codegen


@intrinsic
def rfma(typingctx, g, x, acc):
    """``acc + g * x`` for a scalar ``g`` and rows ``x``, ``acc`` (one fused multiply-add)."""
    if not (_is_row(x) and acc == x and isinstance(g, (types.Float, types.Integer))):
        return None

    def codegen(context, builder, sig, args):
        gv = _splat(context, builder, sig.args[0], args[0])
        xs = cgutils.unpack_tuple(builder, args[1], x.count)
        cs = cgutils.unpack_tuple(builder, args[2], x.count)
        return context.make_tuple(builder, x, [_fma(builder, gv, a, c) for a, c in zip(xs, cs)])
    return x(g, x, acc), codegen


@intrinsic
def radd(typingctx, x, y):
    """``x + y`` for rows."""
    if not (_is_row(x) and x == y):
        return None

    def codegen(context, builder, sig, args):
        xs = cgutils.unpack_tuple(builder, args[0], x.count)
        ys = cgutils.unpack_tuple(builder, args[1], x.count)
        return context.make_tuple(builder, x, [builder.fadd(a, b, flags=_EXACT)
                                               for a, b in zip(xs, ys)])
    return x(x, y), codegen


@intrinsic
def rscale(typingctx, g, x):
    """``g * x`` for a scalar ``g`` and a row ``x``."""
    if not (_is_row(x) and isinstance(g, (types.Float, types.Integer))):
        return None

    def codegen(context, builder, sig, args):
        gv = _splat(context, builder, sig.args[0], args[0])
        xs = cgutils.unpack_tuple(builder, args[1], x.count)
        return context.make_tuple(builder, x, [builder.fmul(gv, a, flags=_EXACT) for a in xs])
    return x(g, x), codegen


@intrinsic
def rdot(typingctx, x, y):
    """Dot product of rows ``x`` and ``y`` (float32).

    Two FMA chains over the blocks (even and odd), then a pairwise sum of the 16 lanes, in that
    order: the instructions carry their own flags (``contract`` only), so the module's fastmath
    pass leaves them alone and LLVM cannot fold the two chains into one (which it did, and which
    measured ~6% slower: one chain of FMAs is a long latency chain).
    """
    if not (_is_row(x) and x == y):
        return None

    def codegen(context, builder, sig, args):
        xs = cgutils.unpack_tuple(builder, args[0], x.count)
        ys = cgutils.unpack_tuple(builder, args[1], x.count)
        accs = [builder.fmul(a, b, flags=_EXACT) for a, b in zip(xs[:2], ys[:2])]
        for i in range(2, x.count):
            accs[i % 2] = _fma(builder, xs[i], ys[i], accs[i % 2])
        v = accs[0] if len(accs) == 1 else builder.fadd(accs[0], accs[1], flags=_EXACT)
        n = LANES
        while n > 1:
            h = n // 2
            lo = ir.Constant(ir.VectorType(_I32, h), list(range(h)))
            hi = ir.Constant(ir.VectorType(_I32, h), list(range(h, n)))
            v = builder.fadd(builder.shuffle_vector(v, v, lo), builder.shuffle_vector(v, v, hi),
                             flags=_EXACT)
            n = h
        return builder.extract_element(v, ir.Constant(_I32, 0))
    return types.float32(x, y), codegen


@intrinsic
def rprefetch(typingctx, a, i, like):
    """Ask the CPU to fetch row ``a[i]`` into its caches (a hint; it never faults)."""
    if not (_is_row(like) and isinstance(a, types.Array) and a.ndim == 2):
        return None

    def codegen(context, builder, sig, args):
        ptrs = _block_ptrs(context, builder, sig.args[0], args[0], sig.args[1], args[1], like.count)
        i8p = ir.IntType(8).as_pointer()
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, _I32, _I32, _I32]), "llvm.prefetch.p0")
        for p in ptrs:  # one per 64-byte block: every cache line of the row
            builder.call(fn, [builder.bitcast(p, i8p), ir.Constant(_I32, 0),
                              ir.Constant(_I32, 3), ir.Constant(_I32, 1)])
        return context.get_dummy_value()
    return types.void(a, i, like), codegen


# ---------------------------------------------------------------------------------------------
# Random numbers and the hierarchical-softmax step
# ---------------------------------------------------------------------------------------------

_XS_MULT = np.uint64(0x2545F4914F6CDD1D)
_SM_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_SM_M1 = np.uint64(0xBF58476D1CE4E5B9)
_SM_M2 = np.uint64(0x94D049BB133111EB)


@jit
def splitmix64(x):
    """Return the splitmix64 hash of uint64 ``x`` (used to derive per-thread seeds)."""
    z = np.uint64(x) + _SM_GAMMA
    z = (z ^ (z >> np.uint64(30))) * _SM_M1
    z = (z ^ (z >> np.uint64(27))) * _SM_M2
    return z ^ (z >> np.uint64(31))


@jit
def next_u64(state):
    """Advance the xorshift64* generator in ``state`` (uint64, shape (1,)); return 64 random bits."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * _XS_MULT


@jit
def next_uniform(state):
    """Return a float64 uniform on [0, 1) from ``state`` (53 random bits)."""
    return np.float64(next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@jit
def sigmoid_and_nll(s, code):
    """Return ``(sigmoid(s), -log P(code | s))`` for score ``s``, computed without overflow.

    ``P(code=0) = sigmoid(s)``, ``P(code=1) = sigmoid(-s)``. One ``exp`` of a non-positive
    number serves both results, so neither can overflow or take ``log(0)``.
    """
    e = math.exp(-abs(s))
    if s >= 0.0:
        f = 1.0 / (1.0 + e)
    else:
        f = e / (1.0 + e)
    x = s if code == 0 else -s  # log-odds of the observed branch
    nll = math.log1p(e) + (-x if x < 0.0 else 0.0)
    return f, nll


#: Sigmoid table over [-MAX_EXP, MAX_EXP] at resolution 2 * MAX_EXP / TABLE_SIZE (~0.012; with
#: rounding to the nearest entry the sigmoid is off by at most ~0.0015, half of word2vec's and
#: gensim's 1000 truncated entries). 1024 entries (4 KB) stay in L1 next to the rows. Measured
#: per trained pair: 8192 entries ~8% slower, linear interpolation ~7% slower, an exact sigmoid
#: via libm 2.7x slower. CBOW analogy over 4 seeds was 0.066 (1024), 0.071 (8192) and 0.067
#: (1024 interpolated, closer to exact than either): the spread of 2-thread runs (~0.004 per
#: run), not the table.
#: As in word2vec and gensim, a node whose score lies outside that range gets no update (its
#: prediction is saturated); its loss is still counted, computed exactly.
MAX_EXP = 6.0
TABLE_SIZE = 1024
_GRID = (np.arange(TABLE_SIZE + 1, dtype=np.float64) / TABLE_SIZE * 2.0 - 1.0) * MAX_EXP
#: sigmoid(s) on the grid, float32 (TABLE_SIZE + 1,).
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_GRID))).astype(np.float32)
#: -log sigmoid(s) = softplus(-s) on the grid, computed stably, float32 (TABLE_SIZE + 1,).
NLL_TABLE = (np.logaddexp(0.0, -_GRID)).astype(np.float32)
#: The loss is read off by linear interpolation (error < 5e-6, so small changes of the scores
#: show in the reported loss): rows [softplus(-s), softplus(s)] on the grid, float32
#: (2, TABLE_SIZE + 1), flattened so the code bit picks the row without a branch.
NLL_PAIR = np.concatenate([np.logaddexp(0.0, -_GRID), np.logaddexp(0.0, _GRID)]).astype(np.float32)
_ROW = TABLE_SIZE + 1
_SCALE = TABLE_SIZE / (2.0 * MAX_EXP)
# float32 copies for the inner loop (float64 arithmetic there costs conversions per pair)
_MAX_EXP32 = np.float32(MAX_EXP)
_SCALE32 = np.float32(_SCALE)
_HALF32 = np.float32(0.5)
_ONE32 = np.float32(1.0)


@jit
def table_nll(u, code):
    """``-log P(code | s)`` for ``u = (s + MAX_EXP) * TABLE_SIZE / (2 MAX_EXP)`` in ``[0, TABLE_SIZE)``.

    softplus(-s) for code 0 and softplus(s) for code 1, linearly interpolated in
    :data:`NLL_PAIR` (the code picks the row: no branch, codes are close to random).
    """
    j = int(u)
    k = j + code * _ROW
    lo = NLL_PAIR[k]
    return lo + (u - j) * (NLL_PAIR[k + 1] - lo)


@jit
def hs_step(s, code, alpha):
    """Gradient step and loss of one hierarchical-softmax decision.

    Parameters
    ----------
    s : float      score ``h . syn1[p]``.
    code : int     the word's code bit at this node (0 or 1).
    alpha : float  learning rate.

    Returns
    -------
    (g, nll) : (float, float)
        ``g = (1 - code - sigmoid(s)) * alpha`` (0 when ``|s| >= MAX_EXP``) and
        ``-log P(code | s)``, never ``log(0)``.
    """
    if abs(s) < MAX_EXP:  # also false for NaN, which then updates nothing
        u = (s + MAX_EXP) * _SCALE
        g = (1.0 - code - SIGMOID_TABLE[int(u + 0.5)]) * alpha
        return g, table_nll(u, code)
    _, nll = sigmoid_and_nll(s, code)
    return 0.0, nll


@jit
def sg_update(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e, blocks):
    """One skip-gram hierarchical-softmax step for one center word and its context words.

    Every context word predicts the center word along the center word's Huffman path, in
    word2vec's order: for each context word ``c`` (row ``x``, held in registers), for each node
    ``p`` of the path, ``s = x . syn1[p]``, ``g = (1 - code - sigmoid(s)) * alpha``, the error
    row ``e += g * syn1[p]`` and ``syn1[p] += g * x``; then ``syn0[c] += e``. A node whose score
    is saturated (``|s| >= MAX_EXP``) is skipped as in word2vec; its loss is still counted,
    exactly, after the loop (so no libm call sits between the row registers).

    Parameters
    ----------
    syn0 : float32 (V, S)      input vectors, updated in place for the context rows.
    syn1 : float32 (V - 1, S)  inner-node vectors, updated in place for the path rows.
    ctx : int32 (>= n_ctx,)    context word ids; ``ctx[:n_ctx]`` are used (repeats allowed).
    n_ctx : int                number of context words.
    codes : uint8 (total,)     flat Huffman code bits; the path is ``codes[start:stop]``.
    points : int32 (total,)    flat inner-node ids; the path is ``points[start:stop]``.
    start, stop : int          the center word's path slice.
    alpha : float              learning rate.
    scores : float32 (>= n_ctx * L,)  scratch (the log-odds of saturated decisions).
    neu1e : float32 (>= 1, S)  scratch (unused; kept for a uniform call).
    blocks : tuple of S / 16 ints     row width (see :func:`blocks_of`); a compile-time constant.

    Returns
    -------
    float
        Summed negative log-likelihood of the ``n_ctx`` predictions, each node's term taken
        before that node's update.
    """
    plen = stop - start
    z = rzero(blocks)
    a32 = np.float32(alpha)
    loss = 0.0
    n_sat = 0
    for k in range(n_ctx):
        c = ctx[k]
        x = rload(syn0, c, z)
        e = z
        for j in range(plen):
            p = points[start + j]
            y = rload(syn1, p, z)
            s = rdot(x, y)
            code = codes[start + j]
            if abs(s) < _MAX_EXP32:  # also false for NaN, which then updates nothing
                u = (s + _MAX_EXP32) * _SCALE32
                g = (_ONE32 - code - SIGMOID_TABLE[int(u + _HALF32)]) * a32
                loss += table_nll(u, code)
                e = rfma(g, y, e)
                rstore(syn1, p, rfma(g, x, y))
            else:
                scores[n_sat] = s if code == 0 else -s  # log-odds of the observed branch
                n_sat += 1
        rstore(syn0, c, radd(rload(syn0, c, z), e))
    for i in range(n_sat):
        _, nll = sigmoid_and_nll(scores[i], 0)
        loss += nll
    return loss


@jit
def cbow_update(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e, blocks):
    """One CBOW hierarchical-softmax step: the mean of the context vectors predicts the center.

    As in word2vec (and gensim with ``cbow_mean=1``) the full error vector is added to every
    context word's input vector. The path rows are distinct, so computing every score from
    the weights before the step equals word2vec's node-by-node loop.

    Parameters
    ----------
    syn0 : float32 (V, S)      input vectors, updated in place for the context rows.
    syn1 : float32 (V - 1, S)  inner-node vectors, updated in place for the path rows.
    ctx : int32 (>= n_ctx,)    context word ids, ``n_ctx >= 1``.
    n_ctx : int                number of context words.
    codes, points, start, stop : the center word's Huffman path (see :func:`sg_update`).
    alpha : float              learning rate.
    scores : float32 (>= L,)   scratch, receives the gradients.
    neu1e : float32 (>= 1, S)  scratch (unused; kept for a uniform call).
    blocks : tuple of S / 16 ints     row width (see :func:`blocks_of`).

    Returns
    -------
    float
        Negative log-likelihood of the center word given the context (before the update).
    """
    plen = stop - start
    z = rzero(blocks)
    h = z
    for k in range(n_ctx):
        h = radd(h, rload(syn0, ctx[k], z))
    h = rscale(np.float32(1.0 / n_ctx), h)
    for j in range(plen):
        scores[j] = rdot(h, rload(syn1, points[start + j], z))
    loss = 0.0
    for j in range(plen):
        g, nll = hs_step(scores[j], codes[start + j], alpha)
        loss += nll
        scores[j] = g
    e = z
    for j in range(plen):
        p = points[start + j]
        y = rload(syn1, p, z)
        e = rfma(scores[j], y, e)
        rstore(syn1, p, rfma(scores[j], h, y))
    for k in range(n_ctx):
        c = ctx[k]
        rstore(syn0, c, radd(rload(syn0, c, z), e))
    return loss


def train_chunk(ids, remap, keep, syn0, syn1, codes, points, offsets, sg, window,
                alpha, alpha_step, min_alpha, rng, sent, ctx, scores, neu1e, stats, hot=None):
    """Train on every sentence piece of a chunk of the encoded corpus.

    Each piece is first subsampled (word2vec's formula, precomputed in ``keep``), then each
    kept word is trained with a reduced window ``window - b``, ``b`` uniform in
    ``[0, window)``, over the kept words of its piece. This checks the row layout and calls the
    jitted :func:`train_rows` (which is compiled once per row width).

    Parameters
    ----------
    ids : int32 (n,)        stream entries; ``-1`` ends a piece, the chunk ends with ``-1``.
    remap : int32 (P,)      stream id -> vocabulary id, or ``-1`` for a word not in the vocabulary.
    keep : float64 (V,)     probability of keeping each word under subsampling.
    syn0, syn1 : float32 (V, S), (V - 1, S)  weights as made by :func:`padded_rows` (S a
                            multiple of 16), updated in place (Hogwild: other threads may write).
    codes, points : uint8, int32 (total,)  flat Huffman paths; offsets : int64 (V + 1,).
    sg : bool               skip-gram if true, else CBOW.
    window : int            maximum window (>= 1).
    alpha : float           learning rate at the first word of the chunk.
    alpha_step : float      decrease of the learning rate per in-vocabulary word read.
    min_alpha : float       floor of the learning rate.
    rng : uint64 (1,)       this thread's generator state, advanced in place.
    sent : int32 (>= longest piece,)   scratch for the kept words of a piece.
    ctx : int32 (>= 2 * window,)       scratch for context ids.
    scores : float32 (>= 2 * window * longest path,)  scratch.
    neu1e : float32 (2 * window, S)  scratch.
    stats : float64 (4,)    accumulates [loss, predictions, words read, words trained].
    hot : tuple, optional   this thread's private top rows, from :func:`private_hot_rows`
                            (then ``points`` must be that thread's ``points_t``).

    Returns
    -------
    int
        In-vocabulary words read.
    """
    for name, a in (("syn0", syn0), ("syn1", syn1), ("neu1e", neu1e)):
        if a.ndim != 2 or a.shape[1] % LANES or not a.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous rows of a multiple of {LANES} floats "
                             f"(see kernels.padded_rows), got shape {a.shape}")
    if syn1.shape[1] != syn0.shape[1] or neu1e.shape[1] != syn0.shape[1]:
        raise ValueError("syn0, syn1 and neu1e must have the same row stride")
    if hot is None:
        top, own, base, first = 0, 0, _NO_ROWS.get(syn0.shape[1]), 0
        if base is None:
            base = _NO_ROWS[syn0.shape[1]] = np.zeros((0, syn0.shape[1]), np.float32)
    else:
        top, own, base, first = hot
    return train_rows(ids, remap, keep, syn0, syn1, codes, points, offsets, sg, window, alpha,
                      alpha_step, min_alpha, rng, sent, ctx, scores, neu1e, stats,
                      blocks_of(syn0), top, own, base, first,
                      HOT_SYNC_UPDATES["sg" if sg else "cbow"])


_NO_ROWS: dict[int, np.ndarray] = {}


@jit
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


@jit
def train_rows(ids, remap, keep, syn0, syn1, codes, points, offsets, sg, window, alpha,
               alpha_step, min_alpha, rng, sent, ctx, scores, neu1e, stats, blocks,
               top, own, base, first, sync_every):
    """The jitted body of :func:`train_chunk`; ``blocks`` is :func:`blocks_of` ``(syn0)``.

    While a word trains, the rows the next word needs (its path in ``syn1`` and the context
    word entering the window) are prefetched. If ``base`` has rows, this thread's private top
    rows are merged (:func:`merge_hot_rows`) once ``sync_every`` path-row updates have been
    made since the last merge, and at the end.

    Returns
    -------
    int
        In-vocabulary words read.
    """
    z = rzero(blocks)
    n = ids.shape[0]
    since = 0
    seen = 0
    trained = 0
    loss = 0.0
    pairs = 0
    i = 0
    while i < n:
        # The learning rate is held for one piece (at most max_sentence_length words), like
        # word2vec, which refreshes it every 10,000 words.
        a = alpha - alpha_step * seen
        if a < min_alpha:
            a = min_alpha
        length = 0
        while i < n:
            t = ids[i]
            i += 1
            if t < 0:
                break
            w = remap[t]
            if w < 0:
                continue
            seen += 1
            p = keep[w]
            if p < 1.0 and next_uniform(rng) >= p:
                continue
            sent[length] = w
            length += 1
        for pos in range(length):
            b = np.int64(next_u64(rng) % np.uint64(window))
            lo = pos - window + b
            if lo < 0:
                lo = 0
            hi = pos + window + 1 - b
            if hi > length:
                hi = length
            k = 0
            for j in range(lo, hi):
                if j != pos:
                    ctx[k] = sent[j]
                    k += 1
            if pos + 1 < length:
                nxt = sent[pos + 1]
                for q in range(offsets[nxt], offsets[nxt + 1]):
                    rprefetch(syn1, points[q], z)
                if pos + window + 1 < length:
                    rprefetch(syn0, sent[pos + window + 1], z)
            if k == 0:
                continue
            w = sent[pos]
            if since >= sync_every and base.shape[0] > 0:
                merge_hot_rows(syn1, top, own, base, first, blocks)
                since = 0
            if sg:
                loss += sg_update(syn0, syn1, ctx, k, codes, points, offsets[w],
                                  offsets[w + 1], a, scores, neu1e, blocks)
                pairs += k
                since += k * (offsets[w + 1] - offsets[w])
            else:
                loss += cbow_update(syn0, syn1, ctx, k, codes, points, offsets[w],
                                    offsets[w + 1], a, scores, neu1e, blocks)
                pairs += 1
                since += offsets[w + 1] - offsets[w]
        trained += length
    if base.shape[0] > 0:
        merge_hot_rows(syn1, top, own, base, first, blocks)
    stats[0] += loss
    stats[1] += pairs
    stats[2] += seen
    stats[3] += trained
    return seen


# ---------------------------------------------------------------------------------------------
# Huffman tree and chunk table (set-up of a run: O(V) and O(stream) loops kept out of Python)
# ---------------------------------------------------------------------------------------------

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


@jit
def chunk_cuts(ids, remap, pos, last, total, target, starts, before):
    """Cut a block of the id stream into chunks of whole sentence pieces.

    A chunk ends just after the first piece end (a negative entry) at least ``target``
    entries after the chunk's start.

    Parameters
    ----------
    ids : int32 (n,)         stream entries ``[pos, pos + n)``.
    remap : int32 (P,)       stream id -> vocabulary id, or ``-1`` (not a word to count).
    pos : int                stream position of ``ids[0]``.
    last : int               stream position where the current chunk starts.
    total : int              in-vocabulary words before ``pos``.
    target : int             wanted entries per chunk (>= 1).
    starts, before : int64 (>= n // target + 1,)  receive each new chunk start and the
                             in-vocabulary words before it.

    Returns
    -------
    (int, int, int)
        New chunk starts written, then ``last`` and ``total`` after the block.
    """
    k = 0
    for i in range(ids.shape[0]):
        t = ids[i]
        if t >= 0:
            if remap[t] >= 0:
                total += 1
        elif pos + i + 1 - last >= target:
            last = pos + i + 1
            starts[k] = last
            before[k] = total
            k += 1
    return k, last, total


# ---------------------------------------------------------------------------------------------
# Corpus tokenizing and token counting (UTF-8 bytes, open-addressing hash table)
# ---------------------------------------------------------------------------------------------
# The fast path of corpus reading (see hsw2v.vocab.TokenTable): one pass over a block of UTF-8
# bytes splits it into tokens, finds or adds each in a hash table and writes its id, so no
# Python object is made per token. Blocks arrive as valid UTF-8 (invalid bytes are already
# U+FFFD), so bytes can be classified one at a time: lead bytes and continuation bytes have
# disjoint values and a continuation byte is never taken for whitespace. Inside a token, bytes
# are skipped 8 at a time (SWAR: bit tricks on a uint64 holding 8 bytes) up to the next byte
# that may start whitespace, which is then classified exactly.
#
# Token table: distinct tokens get ids 0, 1, ... in order of first appearance. ``slots`` (int32,
# a power of two long, -1 empty) is a linear-probing index into the per-id arrays ``hashes``
# (uint64), ``heads`` (uint64: the first 8 bytes, little-endian, zero-padded), ``offsets``
# (int64, into ``arena``), ``lengths`` (int32) and ``counts`` (int64); ``arena`` (uint8) holds
# the token bytes back to back in id order; ``used`` (int64, (2,)) holds the number of ids and
# of arena bytes. Comparing ``heads`` settles most lookups without touching the arena.

#: Byte classes: 0 inside a token, 1 ASCII whitespace, 2 newline, 3 lead byte of a multi-byte
#: character that may be whitespace (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
#: U+202F, U+205F, U+3000: exactly the non-ASCII characters for which ``str.isspace()`` holds).
_BYTE_CLASS = np.zeros(256, dtype=np.uint8)
_BYTE_CLASS[[0x09, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20]] = 1
_BYTE_CLASS[0x0A] = 2
_BYTE_CLASS[[0xC2, 0xE1, 0xE2, 0xE3]] = 3

_HASH_M1 = np.uint64(0x9E3779B97F4A7C15)
_HASH_M2 = np.uint64(0xBF58476D1CE4E5B9)


@jit
def wide_space_width(b0, b1, b2):
    """Bytes of the multi-byte whitespace character encoded as ``b0 b1 b2 ...``, 0 if none.

    Scalars only (no array argument), so a call costs no reference counting even where it is
    not inlined.

    Parameters
    ----------
    b0, b1, b2 : int
        The first three bytes of a character in valid UTF-8 (0 past the end of the text).

    Returns
    -------
    int
        2 for U+0085 and U+00A0, 3 for U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F
        and U+3000, 0 otherwise (ASCII whitespace included: see ``_BYTE_CLASS``).
    """
    if b0 == 0xC2:
        return 2 if b1 == 0x85 or b1 == 0xA0 else 0
    if b0 == 0xE1:
        return 3 if b1 == 0x9A and b2 == 0x80 else 0
    if b0 == 0xE3:
        return 3 if b1 == 0x80 and b2 == 0x80 else 0
    if b0 == 0xE2:
        if b1 == 0x80:
            # U+2000-U+200A, U+2028, U+2029, U+202F (b2 >= 0x80 in valid UTF-8)
            return 3 if b2 <= 0x8A or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF else 0
        return 3 if b1 == 0x81 and b2 == 0x9F else 0  # U+205F
    return 0


_SWAR_01 = np.uint64(0x0101010101010101)
_SWAR_21 = np.uint64(0x2121212121212121)
_SWAR_80 = np.uint64(0x8080808080808080)
_SWAR_LEADS = (np.uint64(0xC2C2C2C2C2C2C2C2), np.uint64(0xE1E1E1E1E1E1E1E1),
               np.uint64(0xE2E2E2E2E2E2E2E2), np.uint64(0xE3E3E3E3E3E3E3E3))
_BYTE_INDEX = np.uint64(0x0001020304050607)


@jit
def _load_word(buf, i):
    """The 8 bytes ``buf[i:i + 8]`` as a little-endian uint64 (``i + 8 <= len(buf)``).

    The index is unsigned so that numba adds no negative-index wrap-around to each byte load,
    which lets LLVM merge the eight loads into one.
    """
    u = np.uint64(i)
    return (np.uint64(buf[u]) | (np.uint64(buf[u + np.uint64(1)]) << np.uint64(8))
            | (np.uint64(buf[u + np.uint64(2)]) << np.uint64(16))
            | (np.uint64(buf[u + np.uint64(3)]) << np.uint64(24))
            | (np.uint64(buf[u + np.uint64(4)]) << np.uint64(32))
            | (np.uint64(buf[u + np.uint64(5)]) << np.uint64(40))
            | (np.uint64(buf[u + np.uint64(6)]) << np.uint64(48))
            | (np.uint64(buf[u + np.uint64(7)]) << np.uint64(56)))


@jit
def _swar_may_be_space(x):
    """Flag (high bit set) the bytes of ``x`` that may start whitespace: bytes below 0x21
    and the lead bytes 0xC2, 0xE1, 0xE2, 0xE3 of class 3.

    ``(x - 0x21..) & ~x`` flags bytes below 0x21, ``(y - 0x01..) & ~y`` the zero bytes of
    ``y = x ^ lead``. A borrow can also flag bytes above a flagged one, never below, so the
    lowest flag is exact, and only it is used.
    """
    may = (x - _SWAR_21) & ~x
    for lead in _SWAR_LEADS:
        y = x ^ lead
        may |= (y - _SWAR_01) & ~y
    return may & _SWAR_80


@jit
def _lowest_byte(may):
    """Index (0-7) of the lowest byte of ``may`` (nonzero, high bits only) that is flagged."""
    low = may & (~may + np.uint64(1))
    return np.int64(((low >> np.uint64(7)) * _BYTE_INDEX) >> np.uint64(56))


@jit
def scan_tokens(buf, start, file_end, max_len, run, insert, slots, hashes, heads, offsets,
                lengths, counts, arena, used, out, m):
    """Tokenize a block of UTF-8 and write the id of each token, and -1 after each piece.

    Tokens are separated by ``str.isspace()`` characters. A newline ends the current sentence
    piece, a piece that reaches ``max_len`` tokens ends there, and ``file_end`` ends the last
    one; each piece end writes -1.

    With ``insert`` each token is counted and a new one gets the next id; the call stops early,
    before a new token that does not fit (a full ``hashes``, ``slots`` half full, or a full
    ``arena``), so the caller can grow the table and call again from the returned position.
    Without ``insert`` the table is only read and tokens not in it are left out.

    Parameters
    ----------
    buf : uint8 (n,)
        Valid UTF-8; its end ends a token.
    start : int
        Position to start at: 0, or the position an earlier call stopped at.
    file_end : bool
        The block is the last of its file.
    max_len : int
        Longest sentence piece, in tokens.
    run : int
        Tokens of the unfinished piece carried from before ``start``.
    insert : bool
        Count and add tokens (True) or only look them up (False).
    slots, hashes, heads, offsets, lengths, counts, arena, used
        The token table (see the section's header), updated in place.
    out : int32 (n + 3,)
        Out: ids and -1 piece ends, from ``out[m]`` on (a block never makes more than
        ``n + 3`` entries: at most one piece end per token, plus one).
    m : int
        Entries of ``out`` already written.

    Returns
    -------
    (m, tokens, pieces, run, stop) : (int, int, int, int, int)
        Entries of ``out`` written in all, tokens and piece ends read by this call, the tokens
        of the unfinished piece, and the position reached: ``n`` when the block is done,
        otherwise the start of the token that did not fit.
    """
    n = buf.shape[0]
    mask = np.uint64(slots.shape[0] - 1)
    n_ids = used[0]
    top = used[1]
    tokens = 0
    pieces = 0
    s = -1  # start of the token being read, -1 between tokens
    i = start
    while i <= n:
        width = 1
        c = 1  # the end of the block acts as a space
        if i < n:
            b = buf[i]
            c = _BYTE_CLASS[b]
            if c == 3:
                width = wide_space_width(b, buf[i + 1] if i + 1 < n else 0,
                                         buf[i + 2] if i + 2 < n else 0)
                if width == 0:
                    c = 0
            if c == 0:
                if s < 0:
                    s = i
                i += 1
                # Skip to the next byte that may be whitespace: 8 bytes at a time while they
                # fit, then byte by byte. (The loop exit, mispredicted once per token, is the
                # main cost of tokenizing; fewer, wider steps make it cheaper.)
                while i + 8 <= n:
                    may = _swar_may_be_space(_load_word(buf, i))
                    if may != np.uint64(0):
                        i += _lowest_byte(may)
                        break
                    i += 8
                while i < n and _BYTE_CLASS[buf[np.uint64(i)]] == 0:
                    i += 1
                continue
        if s >= 0:
            length = i - s
            # Hash 8 bytes at a time (little-endian words, the last one zero-padded); the first
            # word is the token's head.
            h = np.uint64(length)
            head = np.uint64(0)
            for q in range(s, i, 8):
                if q + 8 <= n:
                    w = _load_word(buf, q)
                    if i - q < 8:
                        w &= (np.uint64(1) << np.uint64(8 * (i - q))) - np.uint64(1)
                else:
                    w = np.uint64(0)
                    for r in range(i - q):
                        w |= np.uint64(buf[q + r]) << np.uint64(8 * r)
                if q == s:
                    head = w
                h = (h ^ w) * _HASH_M1
                h ^= h >> np.uint64(29)
            h = (h ^ (h >> np.uint64(32))) * _HASH_M2
            h ^= h >> np.uint64(29)
            j = h & mask
            t = -1
            while True:
                t = slots[j]
                if t < 0:
                    break
                if hashes[t] == h and heads[t] == head and lengths[t] == length:
                    if length <= 8:
                        break
                    o = offsets[t]
                    same = True
                    for q in range(8, length):
                        if arena[o + q] != buf[s + q]:
                            same = False
                            break
                    if same:
                        break
                j = (j + np.uint64(1)) & mask
            if t >= 0:
                if insert:
                    counts[t] += 1
                out[m] = t
                m += 1
            elif insert:
                if (n_ids >= hashes.shape[0] or 2 * (n_ids + 1) > slots.shape[0]
                        or top + length > arena.shape[0]):
                    used[0] = n_ids
                    used[1] = top
                    return m, tokens, pieces, run, s
                slots[j] = n_ids
                hashes[n_ids] = h
                heads[n_ids] = head
                offsets[n_ids] = top
                lengths[n_ids] = length
                counts[n_ids] = 1
                for q in range(length):
                    arena[top + q] = buf[s + q]
                top += length
                out[m] = n_ids
                m += 1
                n_ids += 1
            tokens += 1
            run += 1
            s = -1
            if run >= max_len:
                out[m] = -1
                m += 1
                pieces += 1
                run = 0
        if c == 2 and run > 0:
            out[m] = -1
            m += 1
            pieces += 1
            run = 0
        i += width
    if file_end and run > 0:
        out[m] = -1
        m += 1
        pieces += 1
        run = 0
    used[0] = n_ids
    used[1] = top
    return m, tokens, pieces, run, n


@jit
def table_rehash(slots, hashes, n_ids):
    """Fill ``slots`` (int32, power-of-two length, all -1) with ids ``0 .. n_ids - 1`` by hash."""
    mask = np.uint64(slots.shape[0] - 1)
    for t in range(n_ids):
        j = hashes[t] & mask
        while slots[j] >= 0:
            j = (j + np.uint64(1)) & mask
        slots[j] = t


@jit
def table_compact(keep, hashes, heads, offsets, lengths, counts, arena):
    """Keep only the ids ``keep`` of a token table, renumbered ``0 .. len(keep) - 1`` in order.

    The per-id arrays and the arena are compacted in place (``keep`` is increasing, so nothing
    is overwritten before it is moved); ``slots`` must be rebuilt with :func:`table_rehash`.

    Parameters
    ----------
    keep : int64 (k,)
        Increasing ids to keep.
    hashes, heads, offsets, lengths, counts, arena
        The token table (see the section's header).

    Returns
    -------
    int
        Arena bytes in use afterwards.
    """
    top = 0
    for new in range(keep.shape[0]):
        t = keep[new]
        o = offsets[t]
        length = lengths[t]
        for q in range(length):
            arena[top + q] = arena[o + q]
        hashes[new] = hashes[t]
        heads[new] = heads[t]
        offsets[new] = top
        lengths[new] = length
        counts[new] = counts[t]
        top += length
    return top
