"""Negative sampling: the true word against ``negative`` words drawn from the noise distribution.

For an input row ``x`` (a context word's vector in skip-gram, the context mean in CBOW) and the
word to predict ``w``: the pair ``(x, w)`` is a positive example (label 1) and each drawn noise
word ``n != w`` a negative one (label 0); for an output row ``y = syn1neg[t]`` with score
``s = x . y`` the step is ``g = (label - sigmoid(s)) * alpha``, ``e += g * y``,
``y += g * x``. The loss is ``-log sigmoid(s)`` for the positive and ``-log sigmoid(-s)`` for
each negative (a drawn negative equal to ``w`` is skipped, as in word2vec). Outside
``|s| < MAX_EXP`` the sigmoid is taken as 0 or 1, as the word2vec C tool does: a confidently
wrong prediction still gets the full step.
"""
import numpy as np

from hsw2v.kernels.logistic import (SIGMOID_TABLE, _HALF32, _MAX_EXP32, _ONE32, _SCALE32,
                                    table_nll)
from hsw2v.kernels.policy import jit_inline
from hsw2v.kernels.rows import rdot, rfma, rload, rprefetch, rstore, rzero
from hsw2v.kernels.sampling import alias_draw

_ZERO32 = np.float32(0.0)


@jit_inline
def ns_row(x, e, syn1neg, target, negative, prob, alias, neg_map, rng, a32, scores, n_sat,
           negs):
    """Train the input row ``x`` (registers) to tell ``target`` from ``negative`` noise words.

    Parameters
    ----------
    x, e : rows              the input row and the error row it accumulates into.
    syn1neg : float32 (>= V, S)  output rows, updated in place.
    target : int             the word to predict.
    negative : int           noise words to draw (k >= 1).
    prob : float64 (V,); alias : int32 (V,)   the noise distribution's alias table.
    neg_map : int32 (V,)     word -> row of ``syn1neg`` (a thread's private copies of the most
                             frequent words' rows, see :mod:`hsw2v.kernels.hot`).
    rng : uint64 (1,)        the thread's generator.
    a32 : float32            learning rate.
    scores : float32 (>= n_sat + k + 1,)   receives the log-odds of saturated decisions.
    n_sat : int              saturated decisions already in ``scores``.
    negs : int64 (>= k + 1,) scratch: the rows of this prediction.

    Returns
    -------
    (e, loss, n_sat, updates)
        The error row, the tabulated loss of the unsaturated decisions, the saturated count,
        and the output rows updated.
    """
    z = rzero(x)
    # Negatives are random rows, each a likely cache miss: draw them all first and prefetch
    # every row, so the misses overlap instead of queueing one behind the other.
    m = 0
    negs[m] = neg_map[target]
    m += 1
    for d in range(negative):
        w = alias_draw(prob, alias, rng)
        if w != target:  # a noise word equal to the target is skipped, as in word2vec
            negs[m] = neg_map[w]
            rprefetch(syn1neg, negs[m], z)
            m += 1
    loss = 0.0
    for d in range(m):
        r = negs[d]
        code = 0 if d == 0 else 1
        y = rload(syn1neg, r, z)
        s = rdot(x, y)
        if abs(s) < _MAX_EXP32:
            u = (s + _MAX_EXP32) * _SCALE32
            f = SIGMOID_TABLE[int(u + _HALF32)]
            loss += table_nll(u, code)
        else:
            f = _ONE32 if s > _ZERO32 else _ZERO32  # NaN: 0 (the NaN rows spread it anyway)
            scores[n_sat] = s if code == 0 else -s  # log-odds of the observed label
            n_sat += 1
        g = (_ONE32 - code - f) * a32
        e = rfma(g, y, e)
        rstore(syn1neg, r, rfma(g, x, y))
    return e, loss, n_sat, m
