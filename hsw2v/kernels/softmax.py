"""The exact softmax over the whole vocabulary: the reference that the other objectives
approximate, O(V * D) per prediction.

For an input row ``x`` and the word to predict ``w``: scores ``s_j = x . syn1sm[j]`` for every
word ``j``, probabilities ``p_j = exp(s_j - m) / Z`` with ``m = max_j s_j`` (so no ``exp``
overflows) and ``Z = sum_j exp(s_j - m)``; the loss is ``-log p_w = log Z + m - s_w``
(log-sum-exp) and the step ``g_j = (y_j - p_j) * alpha`` (``y`` one-hot at ``w``),
``e += g_j * syn1sm[j]``, ``syn1sm[j] += g_j * x`` for every row.
"""
import math

import numpy as np

from hsw2v.kernels.policy import jit, jit_inline
from hsw2v.kernels.rows import rdot, rfma, rload, rstore, rzero


@jit
def softmax_inplace(values, n):
    """Turn the scores ``values[:n]`` into probabilities, stably; return their log-sum-exp.

    The largest score is subtracted before exponentiating, so no ``exp`` overflows and the
    result does not change when a constant is added to every score.

    Parameters
    ----------
    values : float64 (>= n,)   scores in, probabilities out.
    n : int

    Returns
    -------
    float
        ``log(sum(exp(scores)))``, so ``-log p_w = lse - score_w``.
    """
    m = -np.inf
    for j in range(n):
        if values[j] > m:
            m = values[j]
    total = 0.0
    for j in range(n):
        p = math.exp(values[j] - m)
        values[j] = p
        total += p
    inv = 1.0 / total
    for j in range(n):
        values[j] *= inv
    return m + math.log(total)


@jit_inline
def softmax_row(x, e, syn1sm, target, a32, probs):
    """One exact-softmax prediction of ``target`` from the input row ``x`` (registers).

    Parameters
    ----------
    x, e : rows              the input row and the error row it accumulates into.
    syn1sm : float32 (V, S)  output rows, every one updated in place.
    target : int             the word to predict.
    a32 : float32            learning rate.
    probs : float64 (>= V,)  scratch: the scores, then the probabilities.

    Returns
    -------
    (e, loss)
        The error row and ``-log p_target`` (float64), taken before the update.
    """
    z = rzero(x)
    n = syn1sm.shape[0]
    for j in range(n):
        probs[j] = np.float64(rdot(x, rload(syn1sm, j, z)))
    s_target = probs[target]
    loss = softmax_inplace(probs, n) - s_target
    for j in range(n):
        g = np.float32(((1.0 if j == target else 0.0) - probs[j]) * a32)
        y = rload(syn1sm, j, z)
        e = rfma(g, y, e)
        rstore(syn1sm, j, rfma(g, x, y))
    return e, loss
