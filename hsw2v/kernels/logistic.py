"""The logistic function and its loss: exact (stable) and tabulated for the hot loops.

For a binary decision with score ``s`` and label (code bit) ``c``, ``P(c=0) = sigmoid(s)`` and
the loss is ``softplus(-(1 - 2c) * s)``, never ``log(0)``.
"""
import math

import numpy as np

from hsw2v.kernels.policy import jit

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

