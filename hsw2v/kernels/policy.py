"""The one compilation policy of every kernel: fastmath flags and JIT options.

Every jitted function of the package is compiled with :data:`jit`, :data:`jit_inline` (row
helpers inlined into their caller) or :data:`jit_step` (the per-word steps, without reference
counting), all built from :data:`JIT_OPTIONS`; no kernel module names fastmath flags of its
own, and a test checks that.
"""
import sys

import numba
from numba.core.registry import cpu_target

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

#: The JIT options of ``numba.extending.overload`` implementations (compiled into their caller,
#: which caches them).
OVERLOAD_OPTIONS = {k: v for k, v in JIT_OPTIONS.items() if k not in ("nogil", "cache")}

#: The same options for small helpers that work on rows held in registers (one row is a tuple
#: of SIMD values): numba inlines them into their caller, so the rows never leave registers
#: through a call.
jit_inline = numba.njit(inline="always", **JIT_OPTIONS)
#: The same options without numba's reference counting (NRT), for the steps the training loop
#: calls once per word (and the helpers they call): they allocate nothing and every array
#: they get is borrowed from the loop. A reference-counted call increments and decrements the
#: count of every array it takes, each a locked instruction through a call, on a cache line
#: that all threads share (the weights' counts): ~20 of them per word, measured at ~230 ns of
#: the ~400 ns a CBOW word cost on one thread besides its Huffman path (znver3), and more with
#: two threads passing those lines back and forth. A step that allocated would fail to compile.
STEP_OPTIONS = dict(JIT_OPTIONS, _nrt=False)
jit_step = numba.njit(**STEP_OPTIONS)
#: :data:`STEP_OPTIONS` for ``overload`` implementations of a step's body.
STEP_OVERLOAD_OPTIONS = dict(OVERLOAD_OPTIONS, _nrt=False)


def load_numba_without_scipy() -> None:
    """Load numba's CPU target now, with ``scipy.linalg`` hidden while it loads (the command
    line's start-up).

    The first jitted call makes numba import its NumPy implementations, and one of them probes
    for SciPy's BLAS (``import scipy.linalg.cython_blas``) so that its ``np.dot`` can call it:
    0.12-0.18 s of start-up wherever SciPy is installed (gensim brings it). No kernel uses BLAS
    (every dot product is a row intrinsic), so the command line hides ``scipy.linalg`` for that
    moment and numba's ``np.dot`` in the process keeps its own loop. The Python API does not
    call this (a user's own jitted code may want BLAS), and nothing is hidden where
    ``scipy.linalg`` is already imported.
    """
    if "scipy.linalg" in sys.modules:
        return
    # (numba's own import already loaded scipy's light top package, for its version check)
    sys.modules["scipy.linalg"] = None  # `import scipy.linalg...` raises ImportError meanwhile
    try:
        cpu_target.target_context.refresh()
    finally:
        if sys.modules.get("scipy.linalg", 0) is None:
            del sys.modules["scipy.linalg"]
