"""The one compilation policy of every kernel: fastmath flags and JIT options.

Every jitted function of the package is compiled with :data:`jit` (or, where it needs other
options, with :data:`JIT_OPTIONS`); no kernel module names fastmath flags of its own, and a test
checks that.
"""
import numba

#: The one fastmath policy of the package: reassociation and contraction let dot products and
#: axpy loops vectorise (and fuse into FMAs); 'nsz' and 'arcp' are harmless for this math. The
#: flags 'nnan' and 'ninf' are deliberately absent so NaN/Inf keep their IEEE meaning and a
#: diverging run stays detectable.
FASTMATH = frozenset({"reassoc", "contract", "nsz", "arcp"})
#: (The one exception is inside the row intrinsics of :mod:`hsw2v.kernels.rows`: their float
#: instructions carry ``contract`` only, see ``_EXACT`` there, so dot products keep their two
#: FMA chains.)

#: Options shared by every kernel: release the GIL (Hogwild threads), cache the compiled code.
JIT_OPTIONS = {"nogil": True, "cache": True, "fastmath": set(FASTMATH)}

jit = numba.njit(**JIT_OPTIONS)

#: The same options for small helpers that work on rows held in registers (one row is a tuple
#: of SIMD values): numba inlines them into their caller, so the rows never leave registers
#: through a call.
jit_inline = numba.njit(inline="always", **JIT_OPTIONS)
