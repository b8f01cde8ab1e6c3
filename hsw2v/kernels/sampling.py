"""Negative sampling's noise distribution: an exact alias table (Walker, Vose).

The word2vec C tool draws negatives from a table of 10^8 word ids, which rounds every word's
probability to a multiple of 1e-8 (a word with a share under 5e-9 is never drawn) and costs
400 MB; gensim bisects a cumulative table of ints. An alias table is exact up to float64 and
costs one random number, one multiplication and one comparison per draw, O(1):
``i = floor(u * V)``, then ``i`` if the remaining fraction is below ``prob[i]``, else
``alias[i]``.
"""
import numpy as np

from hsw2v.kernels.policy import jit, jit_step
from hsw2v.kernels.rng import next_u64


@jit
def alias_build(weights, prob, alias, small, large):
    """Fill an alias table for drawing ``i`` with probability ``weights[i] / sum(weights)``.

    Parameters
    ----------
    weights : float64 (V,)   non-negative, positive sum.
    prob : float64 (V,)      out: chance of keeping column ``i`` (else its alias).
    alias : int32 (V,)       out: the other word of column ``i``.
    small, large : int64 (V,)  scratch.
    """
    n = weights.shape[0]
    total = 0.0
    for i in range(n):
        total += weights[i]
    ns = 0
    nl = 0
    for i in range(n):
        prob[i] = weights[i] * n / total
        alias[i] = i
        if prob[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        g = large[nl - 1]
        alias[s] = g
        prob[g] = (prob[g] + prob[s]) - 1.0
        if prob[g] < 1.0:
            nl -= 1
            small[ns] = g
            ns += 1
    # Left-overs are 1 up to rounding: always keep their own column.
    for q in range(nl):
        prob[large[q]] = 1.0
    for q in range(ns):
        prob[small[q]] = 1.0


@jit_step
def alias_draw(prob, alias, rng):
    """One draw from an alias table (see :func:`alias_build`), advancing ``rng`` (uint64 (1,)).

    One 64-bit step of the generator gives both the column and the coin: below 2^24 words, the
    high 40 bits pick the column (multiply-shift: each column's chance is off by at most
    V / 2^40 of itself, 1e-6 at a million words) and the low 24 bits are the coin; from 2^24
    words on, 32 and 32 bits.
    """
    x = next_u64(rng)
    n = prob.shape[0]
    if n < 16777216:
        col = np.int64(((x >> np.uint64(24)) * np.uint64(n)) >> np.uint64(40))
        coin = np.float64(x & np.uint64(0xFFFFFF)) * (1.0 / 16777216.0)
    else:
        col = np.int64(((x >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))
        coin = np.float64(x & np.uint64(0xFFFFFFFF)) * (1.0 / 4294967296.0)
    if coin < prob[col]:
        return col
    return np.int64(alias[col])
