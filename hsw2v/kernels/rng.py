"""Random numbers: a per-thread xorshift64* state (uint64 array of length 1), updated in place.

No global NumPy RNG is used by any kernel; every thread's state is derived from the user's seed
(:func:`splitmix64`) by the trainer.
"""
import numpy as np

from hsw2v.kernels.policy import jit, jit_step

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


@jit_step
def next_u64(state):
    """Advance the xorshift64* generator in ``state`` (uint64, shape (1,)); return 64 random bits."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * _XS_MULT


@jit_step
def next_uniform(state):
    """Return a float64 uniform on [0, 1) from ``state`` (53 random bits)."""
    return np.float64(next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)

