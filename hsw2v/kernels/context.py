"""A center word's context rows: their mean (CBOW's input) and the error row added back to them,
and the exact loss of the decisions a step left saturated. Shared by every CBOW step
(hierarchical softmax, negative sampling, the mixed objectives).
"""
import numpy as np

from hsw2v.kernels.logistic import sigmoid_and_nll
from hsw2v.kernels.policy import jit_inline
from hsw2v.kernels.rows import (badd, bload, bmul, bsplat, bstore, bzero, radd, rfma, rload,
                                rscale, rstore)


@jit_inline
def context_mean(syn0, ctx, n_ctx, z):
    """The mean of rows ``syn0[ctx[:n_ctx]]`` (``n_ctx >= 1``), summed in context order."""
    h = z
    for k in range(n_ctx):
        h = radd(h, rload(syn0, ctx[k], z))
    return rscale(np.float32(1.0 / n_ctx), h)


@jit_inline
def context_mean_mem(syn0, ctx, n_ctx, out, i, blocks):
    """:func:`context_mean` streamed into row ``out[i]`` (the same floats)."""
    f = bsplat(np.float32(1.0 / n_ctx))
    for b in range(len(blocks)):
        h = bzero()
        for k in range(n_ctx):
            h = badd(h, bload(syn0, ctx[k], b))
        bstore(out, i, b, bmul(f, h))


@jit_inline
def add_to_context(syn0, ctx, n_ctx, e, lockf, z):
    """``syn0[c] += lockf[c] * e`` for every context row (``lockf`` None or empty: factor 1),
    as word2vec adds CBOW's whole error row to every context word."""
    locked = lockf is not None and lockf.shape[0] > 0
    for k in range(n_ctx):
        c = ctx[k]
        if locked:
            rstore(syn0, c, rfma(lockf[c], e, rload(syn0, c, z)))  # one FMA, as streamed
        else:
            rstore(syn0, c, radd(rload(syn0, c, z), e))


@jit_inline
def saturated_loss(scores, n_sat):
    """The exact loss, ``softplus(-s)``, of the ``n_sat`` saturated decisions whose log-odds of
    the observed outcome a step left in ``scores`` (summed in order)."""
    loss = 0.0
    for i in range(n_sat):
        _, nll = sigmoid_and_nll(scores[i], 0)
        loss += nll
    return loss
