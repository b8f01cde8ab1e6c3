"""Negative sampling: the true word against ``negative`` words drawn from the noise distribution.

For an input row ``x`` (a context word's vector in skip-gram, the context mean in CBOW) and the
word to predict ``w``: the pair ``(x, w)`` is a positive example (label 1) and each drawn noise
word ``n != w`` a negative one (label 0); for an output row ``y = syn1neg[t]`` with score
``s = x . y`` the step is ``g = (label - sigmoid(s)) * alpha``, ``e += g * y``,
``y += g * x``. The loss is ``-log sigmoid(s)`` for the positive and ``-log sigmoid(-s)`` for
each negative (a drawn negative equal to ``w`` is skipped, as in word2vec). A decision whose
score is saturated (``|s| >= MAX_EXP``) gets no update, as in gensim and as hierarchical softmax
does here (the word2vec C tool instead clips the sigmoid to 0 or 1 there); its loss is still
counted, exactly. On the skip-gram benchmark job the C tool's clipping scored 0.083 analogy
(median of 3 seeds) against gensim's 0.086; see scripts/README.md for this rule's figures.
"""

from hsw2v.kernels.logistic import (SIGMOID_TABLE, _HALF32, _MAX_EXP32, _ONE32, _SCALE32,
                                    table_nll)
from hsw2v.kernels.policy import jit_inline
from hsw2v.kernels.rows import rdot, rfma, rload, rprefetch, rstore, rzero
from hsw2v.kernels.sampling import alias_draw



@jit_inline
def draw_negatives(target, negative, prob, alias, neg_map, rng, negs, at, syn1neg, z):
    """Draw one prediction's noise words and write its rows to ``negs[at:]``.

    ``negs[at]`` receives the count ``m`` of rows, then ``negs[at + 1 : at + 1 + m]`` the rows of
    ``syn1neg``: the target's first, then each noise word that is not the target (as word2vec,
    a draw equal to the target is skipped). Every noise row is prefetched: they are random rows,
    each a likely cache miss, and a caller that draws all its predictions' rows first lets the
    misses overlap instead of queueing one behind the other.

    Parameters
    ----------
    negs : int64 (>= at + negative + 2,)   out.
    z : row                                 a row of zeros (the row width).

    Returns
    -------
    int
        ``at + 1 + m``: where the next prediction's rows go.
    """
    m = 1
    negs[at + 1] = neg_map[target]
    for d in range(negative):
        w = alias_draw(prob, alias, rng)
        if w != target:
            r = neg_map[w]
            negs[at + 1 + m] = r
            rprefetch(syn1neg, r, z)
            m += 1
    negs[at] = m
    return at + 1 + m


@jit_inline
def ns_row(x, e, syn1neg, negs, at, a32, scores, n_sat):
    """Train the input row ``x`` (registers) on the rows :func:`draw_negatives` wrote at ``at``:
    the first (the target) with label 1, the others with label 0.

    Parameters
    ----------
    x, e : rows              the input row and the error row it accumulates into.
    syn1neg : float32 (>= V, S)  output rows, updated in place.
    negs : int64             rows, as written by :func:`draw_negatives`.
    at : int                 where this prediction's rows are.
    a32 : float32            learning rate.
    scores : float32 (>= n_sat + m,)   receives the log-odds of saturated decisions.
    n_sat : int              saturated decisions already in ``scores``.

    Returns
    -------
    (e, loss, n_sat, updates)
        The error row, the tabulated loss of the unsaturated decisions, the saturated count,
        and the output rows updated.
    """
    z = rzero(x)
    m = negs[at]
    loss = 0.0
    for d in range(m):
        r = negs[at + 1 + d]
        code = 0 if d == 0 else 1
        y = rload(syn1neg, r, z)
        s = rdot(x, y)
        if abs(s) < _MAX_EXP32:  # also false for NaN, which then updates nothing
            u = (s + _MAX_EXP32) * _SCALE32
            g = (_ONE32 - code - SIGMOID_TABLE[int(u + _HALF32)]) * a32
            loss += table_nll(u, code)
            e = rfma(g, y, e)
            rstore(syn1neg, r, rfma(g, x, y))
        else:
            scores[n_sat] = s if code == 0 else -s  # log-odds of the observed label
            n_sat += 1
    return e, loss, n_sat, m
