"""Hierarchical softmax: the skip-gram and CBOW steps (the loop over a chunk is ``loop.py``).

A word's Huffman path is ``codes[offsets[w]:offsets[w + 1]]`` (uint8 bits, root first) and
``points[offsets[w]:offsets[w + 1]]`` (int32 inner-node rows of ``syn1``). For a node with code
bit ``c`` and score ``f = sigmoid(h . syn1[p])`` the gradient step is ``g = (1 - c - f) * alpha``;
the loss of that decision is ``softplus(-(1 - 2c) * s)``, computed stably.
"""
from __future__ import annotations

import numpy as np

from hsw2v.kernels.context import (add_to_context, context_mean, context_mean_mem,
                                   saturated_loss)
from hsw2v.kernels.logistic import (MAX_EXP, SIGMOID_TABLE, _HALF32, _MAX_EXP32,
                                    _ONE32, _SCALE, _SCALE32, sigmoid_and_nll, table_nll)
from numba.extending import overload

from hsw2v.kernels.policy import STEP_OVERLOAD_OPTIONS, jit, jit_inline, jit_step
from hsw2v.kernels.rows import (radd, rfma, rload, rstore, rdot, rzero, streams,
                                sadd_row, sdot, spath, szero)

@jit
def hs_step(s, code, alpha):
    """Gradient step and loss of one hierarchical-softmax decision.

    Parameters
    ----------
    s : float      score ``h . syn1[p]``.
    code : int     the word's code bit at this node (0 or 1).
    alpha : float  learning rate.

    Returns
    -------
    (g, nll) : (float, float)
        ``g = (1 - code - sigmoid(s)) * alpha`` (0 when ``|s| >= MAX_EXP``) and
        ``-log P(code | s)``, never ``log(0)``.
    """
    if abs(s) < MAX_EXP:  # also false for NaN, which then updates nothing
        u = (s + MAX_EXP) * _SCALE
        g = (1.0 - code - SIGMOID_TABLE[int(u + 0.5)]) * alpha
        return g, table_nll(u, code)
    _, nll = sigmoid_and_nll(s, code)
    return 0.0, nll


@jit_inline
def hs_row(x, e, syn1, codes, points, start, plen, a32, scores, n_sat):
    """Walk one Huffman path for the input row ``x`` (registers), node by node.

    For each node ``p``: ``s = x . syn1[p]``, ``g = (1 - code - sigmoid(s)) * alpha``,
    ``e += g * syn1[p]``, ``syn1[p] += g * x``. A saturated node (``|s| >= MAX_EXP``, or NaN)
    is not updated; its log-odds go to ``scores[n_sat]`` for the caller to add their exact loss
    after its loop (no libm call between the row registers).

    Returns
    -------
    (e, loss, n_sat)
        The error row, the tabulated loss of the unsaturated nodes, the saturated count.
    """
    loss = 0.0
    z = rzero(x)
    for j in range(plen):
        p = points[start + j]
        y = rload(syn1, p, z)
        s = rdot(x, y)
        code = codes[start + j]
        if abs(s) < _MAX_EXP32:  # also false for NaN, which then updates nothing
            u = (s + _MAX_EXP32) * _SCALE32
            g = (_ONE32 - code - SIGMOID_TABLE[int(u + _HALF32)]) * a32
            loss += table_nll(u, code)
            e = rfma(g, y, e)
            rstore(syn1, p, rfma(g, x, y))
        else:
            scores[n_sat] = s if code == 0 else -s  # log-odds of the observed branch
            n_sat += 1
    return e, loss, n_sat


@jit_inline
def hs_steps_mem(syn0, c, syn1, codes, points, start, plen, a32, scores, n_sat, gs, blocks):
    """:func:`hs_row` for the input row ``syn0[c]`` streamed from memory, for rows too wide to
    keep in the target's registers (see :mod:`~hsw2v.kernels.rows`): its first two passes.

    A streamed path goes in three passes: every node's score, then every node's step ``g``
    (into ``gs``; 0 for a saturated node, whose log-odds go to ``scores[n_sat]``), both here;
    then the updates block by block, :func:`~hsw2v.kernels.rows.spath` (the caller's, with the
    error row in scratch memory). A path's rows are distinct and ``x`` does not change along
    it, so each score is the one :func:`hs_row`'s node-by-node walk computes, and each float
    of ``e`` and of the path rows gets the same operations in the same order: the same floats.
    The scores are independent of each other, so the CPU overlaps them (in :func:`hs_row` each
    node waited for the last one's update). (Two helpers, not one that calls ``spath``: see
    :func:`_sg_streamed`.)

    Parameters
    ----------
    gs : float32 (>= plen,)   scratch: the steps.

    Returns
    -------
    (loss, n_sat)
    """
    loss = 0.0
    for j in range(plen):
        gs[j] = sdot(syn0, c, syn1, points[start + j], blocks)
    for j in range(plen):
        s = gs[j]
        code = codes[start + j]
        if abs(s) < _MAX_EXP32:  # also false for NaN, which then updates nothing
            u = (s + _MAX_EXP32) * _SCALE32
            gs[j] = (_ONE32 - code - SIGMOID_TABLE[int(u + _HALF32)]) * a32
            loss += table_nll(u, code)
        else:
            gs[j] = 0.0  # not updated
            scores[n_sat] = s if code == 0 else -s  # log-odds of the observed branch
            n_sat += 1
    return loss, n_sat


@jit_step
def sg_update(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e, blocks,
              lockf=None):
    """One skip-gram hierarchical-softmax step for one center word and its context words.

    Every context word predicts the center word along the center word's Huffman path, in
    word2vec's order: for each context word ``c`` (row ``x``, held in registers), for each node
    ``p`` of the path, ``s = x . syn1[p]``, ``g = (1 - code - sigmoid(s)) * alpha``, the error
    row ``e += g * syn1[p]`` and ``syn1[p] += g * x``; then ``syn0[c] += e``. A node whose score
    is saturated (``|s| >= MAX_EXP``) is skipped as in word2vec; its loss is still counted,
    exactly, after the loop (so no libm call sits between the row registers).

    Parameters
    ----------
    syn0 : float32 (V, S)      input vectors, updated in place for the context rows.
    syn1 : float32 (V - 1, S)  inner-node vectors, updated in place for the path rows.
    ctx : int32 (>= n_ctx,)    context word ids; ``ctx[:n_ctx]`` are used (repeats allowed).
    n_ctx : int                number of context words.
    codes : uint8 (total,)     flat Huffman code bits; the path is ``codes[start:stop]``.
    points : int32 (total,)    flat inner-node ids; the path is ``points[start:stop]``.
    start, stop : int          the center word's path slice.
    alpha : float              learning rate.
    scores : float32 (>= (n_ctx + 1) * L,)  scratch (the log-odds of saturated decisions,
                               and the steps of a path where rows are streamed).
    neu1e : float32 (>= 1, S)  scratch: the error row where rows are streamed.
    blocks : tuple of S / VLANES ints  row width (see :func:`blocks_of`); a compile-time constant.
    lockf : float32 (V,) or None      per-word factor of the input rows' updates (0 freezes a
                                      word's vector, gensim's ``lockf``); empty or None: all 1.

    Returns
    -------
    float
        Summed negative log-likelihood of the ``n_ctx`` predictions, each node's term taken
        before that node's update.
    """
    return _sg_step(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                    blocks, lockf)


def _sg_step(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e, blocks,
             lockf):
    """:func:`sg_update`'s body, streamed or in registers by the row width (typed by the
    overload below, so that only the one the width needs is compiled)."""
    raise NotImplementedError("only callable from jitted code")


@overload(_sg_step, jit_options=STEP_OVERLOAD_OPTIONS)
def _sg_step_for(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                 blocks, lockf):
    # the forms themselves, not wrappers that inline them: see _sg_streamed
    return _sg_streamed if streams(blocks.count, 3) else _sg_registers


def _sg_registers(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                  blocks, lockf):
    """:func:`sg_update` with each context row and its error row in registers (``neu1e`` is
    not used)."""
    plen = stop - start
    z = rzero(blocks)
    a32 = np.float32(alpha)
    loss = 0.0
    n_sat = 0
    for k in range(n_ctx):
        c = ctx[k]
        x = rload(syn0, c, z)
        e, part, n_sat = hs_row(x, z, syn1, codes, points, start, plen, a32, scores, n_sat)
        loss += part
        if lockf is not None and lockf.shape[0] > 0:  # x + f * e, one FMA (as the streamed kernels)
            rstore(syn0, c, rfma(lockf[c], e, rload(syn0, c, z)))
        else:
            rstore(syn0, c, radd(rload(syn0, c, z), e))
    return loss + saturated_loss(scores, n_sat)


def _sg_streamed(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                 blocks, lockf):
    """:func:`sg_update` with the rows streamed (:func:`hs_steps_mem` and ``spath``): the same
    floats.

    A plain function, compiled as the overload's implementation, that calls both helpers
    itself: numba copies an inlined helper's IR block by block, each copy with every variable
    of its scope, so the cost of an inline grows with the product of the two, and helpers
    inlined inside helpers were copied again at each level (~1.6 s of a first run's compile
    for this step, when a wrapper inlined this and this inlined one helper that inlined
    ``spath``).
    """
    plen = stop - start
    a32 = np.float32(alpha)
    loss = 0.0
    n_sat = 0
    gs = scores[n_ctx * plen:]  # past the saturated decisions' log-odds
    for k in range(n_ctx):
        c = ctx[k]
        szero(neu1e, 0, blocks)
        part, n_sat = hs_steps_mem(syn0, c, syn1, codes, points, start, plen, a32, scores,
                                   n_sat, gs, blocks)
        spath(syn0, c, neu1e, syn1, points, start, plen, gs, blocks)
        loss += part
        sadd_row(syn0, c, neu1e, 0, lockf, blocks)
    return loss + saturated_loss(scores, n_sat)


def _sg_streamed_step(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores,
                      neu1e, blocks, lockf):
    """:func:`_sg_streamed` whatever the width (the overload below: compiled as a function of
    its own, as :func:`sg_update` compiles it, not inlined into the caller)."""
    raise NotImplementedError("only callable from jitted code")


@overload(_sg_streamed_step, jit_options=STEP_OVERLOAD_OPTIONS)
def _sg_streamed_step_for(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores,
                          neu1e, blocks, lockf):
    return _sg_streamed


@jit_step
def sg_update_streamed(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                       blocks, lockf=None):
    """:func:`sg_update` with the rows streamed whatever the target (for the tests: both ways
    give the same floats)."""
    return _sg_streamed_step(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores,
                             neu1e, blocks, lockf)


@jit_step
def cbow_update(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                blocks, lockf=None):
    """One CBOW hierarchical-softmax step: the mean of the context vectors predicts the center.

    As in word2vec (and gensim with ``cbow_mean=1``) the full error vector is added to every
    context word's input vector. The path rows are distinct, so computing every score from
    the weights before the step equals word2vec's node-by-node loop.

    Parameters
    ----------
    syn0 : float32 (V, S)      input vectors, updated in place for the context rows.
    syn1 : float32 (V - 1, S)  inner-node vectors, updated in place for the path rows.
    ctx : int32 (>= n_ctx,)    context word ids, ``n_ctx >= 1``.
    n_ctx : int                number of context words.
    codes, points, start, stop : the center word's Huffman path (see :func:`sg_update`).
    alpha : float              learning rate.
    scores : float32 (>= L,)   scratch, receives the gradients.
    neu1e : float32 (>= 2, S)  scratch: the context mean and the error row where rows are
                               streamed.
    blocks : tuple of S / 16 ints     row width (see :func:`blocks_of`).
    lockf : float32 (V,) or None      per-word factor of the input rows' updates (see
                                      :func:`sg_update`).

    Returns
    -------
    float
        Negative log-likelihood of the center word given the context (before the update).
    """
    return _cbow_step(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores,
                      neu1e, blocks, lockf)


def _cbow_step(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
               blocks, lockf):
    """:func:`cbow_update`'s body, streamed or in registers by the row width (typed by the
    overload below, so that only one form is compiled)."""
    raise NotImplementedError("only callable from jitted code")


@overload(_cbow_step, jit_options=STEP_OVERLOAD_OPTIONS)
def _cbow_step_for(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                   blocks, lockf):
    if streams(blocks.count, 3):
        def streamed(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                     blocks, lockf):
            # the context mean in neu1e[1], the error row in neu1e[0]
            plen = stop - start
            context_mean_mem(syn0, ctx, n_ctx, neu1e, 1, blocks)
            for j in range(plen):
                scores[j] = sdot(neu1e, 1, syn1, points[start + j], blocks)
            loss = 0.0
            for j in range(plen):
                g, nll = hs_step(scores[j], codes[start + j], alpha)
                loss += nll
                scores[j] = g
            szero(neu1e, 0, blocks)
            spath(neu1e, 1, neu1e, syn1, points, start, plen, scores, blocks)
            for k in range(n_ctx):
                sadd_row(syn0, ctx[k], neu1e, 0, lockf, blocks)
            return loss
        return streamed

    def registers(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e,
                  blocks, lockf):
        plen = stop - start
        z = rzero(blocks)
        h = context_mean(syn0, ctx, n_ctx, z)
        for j in range(plen):
            scores[j] = rdot(h, rload(syn1, points[start + j], z))
        loss = 0.0
        for j in range(plen):
            g, nll = hs_step(scores[j], codes[start + j], alpha)
            loss += nll
            scores[j] = g
        e = z
        for j in range(plen):
            p = points[start + j]
            y = rload(syn1, p, z)
            e = rfma(scores[j], y, e)
            rstore(syn1, p, rfma(scores[j], h, y))
        add_to_context(syn0, ctx, n_ctx, e, lockf, z)
        return loss
    return registers
