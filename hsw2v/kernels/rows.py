"""Rows as tuples of SIMD registers: the weight layout and the row intrinsics.

Vectors are float32, shape (V, S), C-contiguous, with a row stride ``S`` that is a whole number
of SIMD blocks (:func:`row_stride`); the columns past the model's dimension are zero and stay
exactly zero under every update (each update adds multiples of rows whose padding is zero).
:func:`padded_rows` makes such arrays.

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

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model


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

