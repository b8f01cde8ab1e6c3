"""Rows as tuples of SIMD registers, or streamed block by block: the weight layout and the row
intrinsics, sized for the CPU that numba compiles for.

Vectors are float32, shape (V, S), C-contiguous, with a row stride ``S`` that is a whole number
of cache lines (:func:`row_stride`, 16 floats); the columns past the model's dimension are zero
and stay exactly zero under every update (each update adds multiples of rows whose padding is
zero). :func:`padded_rows` makes such arrays.

The hot loops work on rows cut into SIMD blocks of :data:`VLANES` floats, the vector width of
the target (:func:`simd_target`: 16 with AVX-512, 8 with AVX/AVX2, 4 with SSE or NEON). A row
held in registers is a tuple of ``S / VLANES`` values of the LLVM type ``<VLANES x float>``.
The tuple length is a compile-time constant, taken from the type of the ``blocks`` argument (a
tuple of ``S / VLANES`` zeros), so each row width is compiled once and every loop over a row is
fully unrolled. A handful of intrinsics (:func:`rzero`, :func:`rload`, :func:`rstore`,
:func:`rfma`, :func:`radd`, :func:`rscale`, :func:`rdot`, :func:`rprefetch`) are the only
operations on such rows; they emit ``fmul``/``fadd``/``llvm.fma`` in a fixed order (their flags
allow contraction into FMAs, not reassociation), so a dot product is summed the same way
whatever the optimiser does around it. On a target without FMA the fused multiply-adds are a
multiply and an add (an ``llvm.fma`` there would be a call to libm's ``fmaf``).

Rows held in registers only pay while the rows a step keeps live fit in the target's vector
registers: a skip-gram step keeps the input row and its error row and loads one output row at
a time, three rows. Where they do not fit (:func:`streams`: AVX2's 16 registers hold a
dim-40 row three times, not a dim-100 one), the kernels stream instead: the input row stays
in the weights, the error row in scratch memory, and each step walks the blocks with the block
intrinsics (:func:`bload`, :func:`bstore`, :func:`bfma`, :func:`sdot`...), in the same order of
operations as the register kernels, so both give the same floats. AVX-512 keeps the register
kernels at every width (they were tuned there, 32 registers).
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

from hsw2v.kernels.policy import jit_inline


#: Floats per unit of the row stride (one 64-byte cache line).
LANES = 16
#: Byte alignment of the padded weight arrays (one cache line).
ALIGN = 64

#: CPU names that imply AVX-512 where numba is told a CPU name without features.
_AVX512_CPUS = ("avx512", "knl", "knm", "cannonlake", "icelake", "tigerlake", "cascadelake",
                "cooperlake", "sapphirerapids", "graniterapids", "emeraldrapids", "rocketlake",
                "znver4", "znver5", "x86-64-v4")
#: CPU names that imply AVX2 and FMA.
_AVX2_CPUS = ("haswell", "broadwell", "skylake", "kabylake", "coffeelake", "cometlake",
              "alderlake", "raptorlake", "meteorlake", "arrowlake", "lunarlake", "gracemont",
              "znver1", "znver2", "znver3", "x86-64-v3", "bdver4")


def simd_target(cpu_name: str | None = None, features: str | None = None) -> tuple[int, int, bool]:
    """The SIMD shape of the CPU numba compiles for: ``(lanes, registers, fma)``.

    ``lanes`` float32 lanes per vector register, ``registers`` how many vector registers, and
    whether the target has fused multiply-adds. By default the target is numba's: the host, or
    ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` (``generic``: SSE2 on x86-64, no FMA).
    """
    import platform

    from numba.core import config
    from numba.core.codegen import get_host_cpu_features
    from llvmlite import binding as ll

    if cpu_name is None:
        cpu_name = config.CPU_NAME or ll.get_host_cpu_name()
    if features is None:
        features = (config.CPU_FEATURES if config.CPU_FEATURES is not None
                    else get_host_cpu_features())
    name = cpu_name.lower()
    on = {f[1:] for f in features.split(",") if f.startswith("+")}
    machine = platform.machine().lower()
    if machine in ("aarch64", "arm64"):
        return 4, 32, True  # NEON: 32 x 128-bit, FMA
    if machine not in ("x86_64", "amd64"):
        return 4, 16, False
    if not on:  # a CPU name alone: its known features
        if any(k in name for k in _AVX512_CPUS):
            on = {"avx512f", "avx2", "fma"}
        elif any(k in name for k in _AVX2_CPUS):
            on = {"avx2", "fma"}
    if "avx512f" in on:
        return 16, 32, True
    if "avx" in on or "avx2" in on:
        return 8, 16, "fma" in on
    return 4, 16, "fma" in on


#: The target's float32 lanes per vector register, its vector registers, and its FMA.
VLANES, VREGS, HAS_FMA = simd_target()


def row_stride(dim: int) -> int:
    """Row stride (floats) of the kernels' weight arrays for vectors of ``dim`` floats."""
    return -(-int(dim) // LANES) * LANES


def blocks_of(rows: np.ndarray, dim: int = 0) -> tuple:
    """The ``blocks`` argument of the row kernels for ``rows``: a tuple of zeros, one per SIMD
    block the kernels work on.

    With ``dim`` (the vectors' dimension), the blocks that hold any of the first ``dim``
    columns, ``ceil(dim / VLANES)``: a block of padding only is zero in every row and stays
    zero, so skipping it changes no float (dim 100 on AVX2: 13 blocks of the stride's 14, ~10%
    less time per trained word). Without, the whole stride, ``S / VLANES``.
    """
    stride = rows.shape[1]
    if not dim:
        return (0,) * (stride // VLANES)
    if not stride - LANES < dim <= stride:
        raise ValueError(f"dim {dim} does not match the row stride {stride} (see row_stride)")
    return (0,) * -(-int(dim) // VLANES)


def streams(nblocks: int, live_rows: int = 3) -> bool:
    """Whether a kernel that keeps ``live_rows`` rows of ``nblocks`` SIMD blocks live streams
    them from memory rather than holding them in registers (see the module docstring)."""
    return VLANES < 16 and nblocks * live_rows > VREGS


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
    """Numba type of one SIMD block: :data:`VLANES` float32 lanes."""

    def __init__(self):
        super().__init__(name=f"f32x{VLANES}")


f32x16 = _F32x16Type()
_VEC = ir.VectorType(ir.FloatType(), VLANES)
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
    if not HAS_FMA:  # llvm.fma would be a libm call per lane there
        return builder.fadd(builder.fmul(a, b, flags=_EXACT), c, flags=_EXACT)
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VEC, [_VEC] * 3),
                                        f"llvm.fma.v{VLANES}f32")
    return builder.call(fn, [a, b, c])


def _splat(context, builder, fromty, x):
    x = context.cast(builder, x, fromty, types.float32)
    v = builder.insert_element(ir.Constant(_VEC, ir.Undefined), x, ir.Constant(_I32, 0))
    mask = ir.Constant(ir.VectorType(_I32, VLANES), [0] * VLANES)
    return builder.shuffle_vector(v, ir.Constant(_VEC, ir.Undefined), mask)


def _row_type(blocks):
    if isinstance(blocks, (types.UniTuple, types.Tuple)) and not _is_row(blocks):
        return types.UniTuple(f32x16, len(blocks)) if len(blocks) > 0 else None
    return blocks if _is_row(blocks) else None


def _hsum(builder, v):
    """The lanes of ``v`` summed pairwise (halves, then quarters...)."""
    n = VLANES
    while n > 1:
        h = n // 2
        lo = ir.Constant(ir.VectorType(_I32, h), list(range(h)))
        hi = ir.Constant(ir.VectorType(_I32, h), list(range(h, n)))
        v = builder.fadd(builder.shuffle_vector(v, v, lo), builder.shuffle_vector(v, v, hi),
                         flags=_EXACT)
        n = h
    return builder.extract_element(v, ir.Constant(_I32, 0))


@intrinsic
def rzero(typingctx, blocks):
    """A row of zeros, as wide as ``blocks`` (a tuple of zeros or a row)."""
    rt = _row_type(blocks)
    if rt is None:
        return None

    def codegen(context, builder, sig, args):
        z = ir.Constant(_VEC, [0.0] * VLANES)
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
        return _hsum(builder, v)
    return types.float32(x, y), codegen


def _prefetch(builder, ptr):
    """A read prefetch of the cache line at ``ptr`` into every level (``llvm.prefetch``)."""
    i8p = ir.IntType(8).as_pointer()
    fn = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [i8p, _I32, _I32, _I32]),
        "llvm.prefetch.p0")
    builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(_I32, 0), ir.Constant(_I32, 3),
                      ir.Constant(_I32, 1)])


@intrinsic
def rprefetch(typingctx, a, i, like):
    """Ask the CPU to fetch row ``a[i]`` into its caches (a hint; it never faults)."""
    if not (_is_row(like) and isinstance(a, types.Array) and a.ndim == 2):
        return None

    def codegen(context, builder, sig, args):
        ptrs = _block_ptrs(context, builder, sig.args[0], args[0], sig.args[1], args[1], like.count)
        for p in ptrs[::max(1, LANES // VLANES)]:  # one per cache line of the row
            _prefetch(builder, p)
        return context.get_dummy_value()
    return types.void(a, i, like), codegen



@intrinsic
def eprefetch(typingctx, a, i):
    """Ask the CPU to fetch the cache line holding ``a[i]`` (1-D ``a``; a hint, it never
    faults): an index array's entries, ahead of the rows they name."""
    if not (isinstance(a, types.Array) and a.ndim == 1 and isinstance(i, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        arr = context.make_array(sig.args[0])(context, builder, args[0])
        idx = context.cast(builder, args[1], sig.args[1], types.intp)
        _prefetch(builder, cgutils.get_item_pointer(context, builder, sig.args[0], arr, [idx],
                                                    wraparound=False))
        return context.get_dummy_value()
    return types.void(a, i), codegen


# --- Block intrinsics: one SIMD block of a row in memory, for the streaming kernels ---------

def _block_ptr(context, builder, aryty, ary, idxty, idx, bty, b):
    """Pointer to SIMD block ``b`` of row ``idx`` of 2-D array ``ary``."""
    row = context.cast(builder, idx, idxty, types.intp)
    col = builder.mul(context.cast(builder, b, bty, types.intp),
                      context.get_constant(types.intp, VLANES))
    arr = context.make_array(aryty)(context, builder, ary)
    ptr = cgutils.get_item_pointer(context, builder, aryty, arr, [row, col], wraparound=False)
    return builder.bitcast(ptr, _VEC.as_pointer())


@intrinsic
def bload(typingctx, a, i, b):
    """Block ``b`` (floats ``b * VLANES`` onwards) of row ``a[i]``."""
    if not (isinstance(a, types.Array) and a.ndim == 2):
        return None

    def codegen(context, builder, sig, args):
        p = _block_ptr(context, builder, sig.args[0], args[0], sig.args[1], args[1],
                       sig.args[2], args[2])
        return builder.load(p, align=4)
    return f32x16(a, i, b), codegen


@intrinsic
def bstore(typingctx, a, i, b, v):
    """Store block ``v`` as block ``b`` of row ``a[i]``."""
    if not (isinstance(a, types.Array) and a.ndim == 2 and isinstance(v, _F32x16Type)):
        return None

    def codegen(context, builder, sig, args):
        p = _block_ptr(context, builder, sig.args[0], args[0], sig.args[1], args[1],
                       sig.args[2], args[2])
        builder.store(args[3], p, align=4)
        return context.get_dummy_value()
    return types.void(a, i, b, v), codegen


@intrinsic
def bsplat(typingctx, g):
    """A block with every lane ``g``."""
    if not isinstance(g, (types.Float, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        return _splat(context, builder, sig.args[0], args[0])
    return f32x16(g), codegen


@intrinsic
def bzero(typingctx):
    """A block of zeros."""
    def codegen(context, builder, sig, args):
        return ir.Constant(_VEC, [0.0] * VLANES)
    return f32x16(), codegen


@intrinsic
def bfma(typingctx, a, b, c):
    """``a * b + c`` for blocks (one fused multiply-add where the target has FMA)."""
    if not all(isinstance(t, _F32x16Type) for t in (a, b, c)):
        return None

    def codegen(context, builder, sig, args):
        return _fma(builder, *args)
    return f32x16(a, b, c), codegen


@intrinsic
def bmul(typingctx, a, b):
    """``a * b`` for blocks."""
    if not (isinstance(a, _F32x16Type) and isinstance(b, _F32x16Type)):
        return None

    def codegen(context, builder, sig, args):
        return builder.fmul(args[0], args[1], flags=_EXACT)
    return f32x16(a, b), codegen


@intrinsic
def badd(typingctx, a, b):
    """``a + b`` for blocks."""
    if not (isinstance(a, _F32x16Type) and isinstance(b, _F32x16Type)):
        return None

    def codegen(context, builder, sig, args):
        return builder.fadd(args[0], args[1], flags=_EXACT)
    return f32x16(a, b), codegen


@intrinsic
def bsum(typingctx, a):
    """The lanes of block ``a`` summed as :func:`rdot` sums them (float32)."""
    if not isinstance(a, _F32x16Type):
        return None

    def codegen(context, builder, sig, args):
        return _hsum(builder, args[0])
    return types.float32(a), codegen


# --- Streaming row helpers (the same order of operations as the register intrinsics) -------


@jit_inline
def sdot(a, i, c, j, blocks):
    """``a[i] . c[j]`` streamed block by block, summed exactly as :func:`rdot` sums them."""
    nb = len(blocks)
    a0 = bmul(bload(a, i, 0), bload(c, j, 0))
    if nb == 1:
        return bsum(a0)
    a1 = bmul(bload(a, i, 1), bload(c, j, 1))
    # Two blocks per step, no branch: a loop that picked the chain by parity stayed a loop
    # of one block and a branch where LLVM did not unroll it (25 blocks of SSE at dim 100).
    for b in range(2, nb - 1, 2):
        a0 = bfma(bload(a, i, b), bload(c, j, b), a0)
        a1 = bfma(bload(a, i, b + 1), bload(c, j, b + 1), a1)
    if nb % 2 == 1:
        a0 = bfma(bload(a, i, nb - 1), bload(c, j, nb - 1), a0)
    return bsum(badd(a0, a1))


@jit_inline
def szero(a, i, blocks):
    """``a[i] = 0`` over the row's blocks."""
    for b in range(len(blocks)):
        bstore(a, i, b, bzero())


@jit_inline
def _spath4(x, i, e, y, rows, start, n, gs, b):
    """:func:`spath` for blocks ``b .. b + 3``: four independent chains of ``e`` at once (one
    chain waits an FMA's latency per node)."""
    x0 = bload(x, i, b)
    x1 = bload(x, i, b + 1)
    x2 = bload(x, i, b + 2)
    x3 = bload(x, i, b + 3)
    e0 = bload(e, 0, b)
    e1 = bload(e, 0, b + 1)
    e2 = bload(e, 0, b + 2)
    e3 = bload(e, 0, b + 3)
    for t in range(n):
        g = gs[t]
        if g != 0.0:
            r = rows[start + t]
            gv = bsplat(g)
            y0 = bload(y, r, b)
            y1 = bload(y, r, b + 1)
            y2 = bload(y, r, b + 2)
            y3 = bload(y, r, b + 3)
            e0 = bfma(gv, y0, e0)
            e1 = bfma(gv, y1, e1)
            e2 = bfma(gv, y2, e2)
            e3 = bfma(gv, y3, e3)
            bstore(y, r, b, bfma(gv, x0, y0))
            bstore(y, r, b + 1, bfma(gv, x1, y1))
            bstore(y, r, b + 2, bfma(gv, x2, y2))
            bstore(y, r, b + 3, bfma(gv, x3, y3))
    bstore(e, 0, b, e0)
    bstore(e, 0, b + 1, e1)
    bstore(e, 0, b + 2, e2)
    bstore(e, 0, b + 3, e3)


@jit_inline
def _spath2(x, i, e, y, rows, start, n, gs, b):
    """:func:`spath` for blocks ``b`` and ``b + 1``."""
    x0 = bload(x, i, b)
    x1 = bload(x, i, b + 1)
    e0 = bload(e, 0, b)
    e1 = bload(e, 0, b + 1)
    for t in range(n):
        g = gs[t]
        if g != 0.0:
            r = rows[start + t]
            gv = bsplat(g)
            y0 = bload(y, r, b)
            y1 = bload(y, r, b + 1)
            e0 = bfma(gv, y0, e0)
            e1 = bfma(gv, y1, e1)
            bstore(y, r, b, bfma(gv, x0, y0))
            bstore(y, r, b + 1, bfma(gv, x1, y1))
    bstore(e, 0, b, e0)
    bstore(e, 0, b + 1, e1)


@jit_inline
def _spath5(x, i, e, y, rows, start, n, gs, b):
    """:func:`spath` for blocks ``b .. b + 4``."""
    x0 = bload(x, i, b)
    x1 = bload(x, i, b + 1)
    x2 = bload(x, i, b + 2)
    x3 = bload(x, i, b + 3)
    x4 = bload(x, i, b + 4)
    e0 = bload(e, 0, b)
    e1 = bload(e, 0, b + 1)
    e2 = bload(e, 0, b + 2)
    e3 = bload(e, 0, b + 3)
    e4 = bload(e, 0, b + 4)
    for t in range(n):
        g = gs[t]
        if g != 0.0:
            r = rows[start + t]
            gv = bsplat(g)
            y0 = bload(y, r, b)
            y1 = bload(y, r, b + 1)
            y2 = bload(y, r, b + 2)
            y3 = bload(y, r, b + 3)
            y4 = bload(y, r, b + 4)
            e0 = bfma(gv, y0, e0)
            e1 = bfma(gv, y1, e1)
            e2 = bfma(gv, y2, e2)
            e3 = bfma(gv, y3, e3)
            e4 = bfma(gv, y4, e4)
            bstore(y, r, b, bfma(gv, x0, y0))
            bstore(y, r, b + 1, bfma(gv, x1, y1))
            bstore(y, r, b + 2, bfma(gv, x2, y2))
            bstore(y, r, b + 3, bfma(gv, x3, y3))
            bstore(y, r, b + 4, bfma(gv, x4, y4))
    bstore(e, 0, b, e0)
    bstore(e, 0, b + 1, e1)
    bstore(e, 0, b + 2, e2)
    bstore(e, 0, b + 3, e3)
    bstore(e, 0, b + 4, e4)


@jit_inline
def _spath1(x, i, e, y, rows, start, n, gs, b):
    """:func:`spath` for block ``b`` alone."""
    x0 = bload(x, i, b)
    e0 = bload(e, 0, b)
    for t in range(n):
        g = gs[t]
        if g != 0.0:
            r = rows[start + t]
            gv = bsplat(g)
            y0 = bload(y, r, b)
            e0 = bfma(gv, y0, e0)
            bstore(y, r, b, bfma(gv, x0, y0))
    bstore(e, 0, b, e0)


@jit_inline
def spath(x, i, e, y, rows, start, n, gs, blocks):
    """A path's updates, streamed: for each ``t < n`` with ``gs[t] != 0``, ``e[0] += gs[t] *
    y[r]`` then ``y[r] += gs[t] * x[i]``, ``r = rows[start + t]`` (the register kernels'
    ``e = rfma(g, y, e)`` and ``y = rfma(g, x, y)``, node after node; the rows ``r`` are
    distinct). Four blocks at a time: their blocks of ``e`` and ``x`` stay in registers while
    the rows pass; the last one to three blocks two and one at a time, or the last five
    together where four and one would be left (a row's blocks past its dimension are left
    out, :func:`blocks_of`, so their count may be odd).

    The block count is a constant of ``blocks``'s type, so LLVM folds the branches below and
    keeps only the groups the width uses. (An ``overload`` that chose them while typing, so
    that only those were typed, cost more: numba compiled it once and typed it again at each
    of the ~4 times type inference resolved the call, ~1 s of a first run.)
    """
    nb = len(blocks)
    full = nb - nb % 4
    if nb % 4 == 1 and nb >= 5:
        full -= 4  # five at the end, not four and one
    for b in range(0, full, 4):
        _spath4(x, i, e, y, rows, start, n, gs, b)
    if nb - full == 5:
        _spath5(x, i, e, y, rows, start, n, gs, full)
    else:
        if nb - full >= 2:
            _spath2(x, i, e, y, rows, start, n, gs, full)
        if (nb - full) % 2 == 1:
            _spath1(x, i, e, y, rows, start, n, gs, nb - 1)


@jit_inline
def sadd_row(a, i, e, k, lockf, blocks):
    """``a[i] += e[k]``, or ``a[i] += lockf[i] * e[k]`` (one FMA) where ``lockf`` has entries,
    as the register kernels compute them."""
    if lockf is not None and lockf.shape[0] > 0:
        fv = bsplat(lockf[i])
        for b in range(len(blocks)):
            bstore(a, i, b, bfma(fv, bload(e, k, b), bload(a, i, b)))
    else:
        for b in range(len(blocks)):
            bstore(a, i, b, badd(bload(a, i, b), bload(e, k, b)))
