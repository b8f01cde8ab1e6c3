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
(median of 3 seeds) against gensim's 0.086, and 0.450 against 0.456 WS353 (mean of seeds 1-5);
see scripts/README.md ("Negative sampling").
"""

import numpy as np
from numba.extending import overload

from hsw2v.kernels.context import (add_to_context, context_mean, context_mean_mem,
                                   saturated_loss)
from hsw2v.kernels.logistic import (SIGMOID_TABLE, _HALF32, _MAX_EXP32, _ONE32, _SCALE32,
                                    table_nll)
from hsw2v.kernels.policy import STEP_OVERLOAD_OPTIONS, jit_inline, jit_step
from hsw2v.kernels.rows import (radd, rdot, rfma, rload, rprefetch, streams,
                                rstore, rzero, sadd_row, sdot, spath, szero)
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


@jit_inline
def _ns_g(s, d, a32, gs, scores, n_sat):
    """Step ``gs[d]`` of decision ``d`` (label 1 for ``d == 0``) from its score ``s``; a
    saturated one gets 0 and its log-odds go to ``scores[n_sat]``. Returns (loss, n_sat)."""
    code = 0 if d == 0 else 1
    if abs(s) < _MAX_EXP32:  # also false for NaN, which then updates nothing
        u = (s + _MAX_EXP32) * _SCALE32
        gs[d] = (_ONE32 - code - SIGMOID_TABLE[int(u + _HALF32)]) * a32
        return table_nll(u, code), n_sat
    gs[d] = 0.0
    scores[n_sat] = s if code == 0 else -s  # log-odds of the observed label
    return 0.0, n_sat + 1


@jit_inline
def ns_group_mem(syn0, c, syn1neg, negs, at, d0, step, a32, loss, scores, n_sat, gs, blocks):
    """The scores and steps (into ``gs``) of decisions ``d0 .. d0 + step - 1`` of the
    prediction at ``negs[at]``, from the input row ``syn0[c]`` (streamed), their losses added
    to ``loss`` one by one. Returns (loss, n_sat).

    :func:`ns_row` for rows too wide for the target's registers goes group by group
    (:func:`ns_group_size`): this, then the group's updates with
    :func:`~hsw2v.kernels.rows.spath` (see :func:`~hsw2v.kernels.hs.hs_steps_mem`): every
    score first, then the updates, which gives :func:`ns_row`'s floats while the rows are
    distinct. The callers write that loop themselves rather than call one helper that holds
    it: numba copies nested inlined helpers again at each level (see
    :func:`~hsw2v.kernels.hs._sg_streamed`).

    Parameters
    ----------
    negs : int64 (>= at + 1 + m,)   the prediction's ``m`` at ``negs[at]``, then its ``m``
                                    output rows (the target's first).
    scores : float32 (>= n_sat + step,)  receives the saturated decisions' log-odds.
    gs : float32 (>= m,)            scratch: the scores, then the steps.
    """
    for d in range(d0, d0 + step):
        gs[d] = sdot(syn0, c, syn1neg, negs[at + 1 + d], blocks)
    for d in range(d0, d0 + step):
        part, n_sat = _ns_g(gs[d], d, a32, gs, scores, n_sat)
        loss += part
    return loss, n_sat


@jit_inline
def ns_group_size(negs, at):
    """Decisions scored together before their updates in a streamed prediction: all ``m`` of
    them while their rows are distinct, one at a time where a row was drawn twice (the second
    must see the first's update). Returns (m, group)."""
    m = negs[at]
    distinct = True
    for d in range(1, m):
        for q in range(d):
            if negs[at + 1 + d] == negs[at + 1 + q]:
                distinct = False
    return m, (m if distinct and m > 0 else 1)


def _ns_context(syn0, c, z, neu1e, syn1neg, negs, at, a32, scores, n_sat, gs, blocks, lockf):
    """One skip-gram prediction of :func:`sg_ns_update` from context row ``c``, streamed or in
    registers by the row width (typed by the overload below: only one form is compiled).
    Returns (loss, n_sat, rows updated)."""
    raise NotImplementedError("only callable from jitted code")


def _ns_context_streamed(syn0, c, z, neu1e, syn1neg, negs, at, a32, scores, n_sat, gs, blocks,
                         lockf):
    """:func:`_ns_context` streamed (see :func:`ns_group_mem`), between zeroing the error row
    and adding it to ``syn0[c]``: a plain function compiled as the overload's implementation
    (an inlined wrapper would copy it again, see :func:`~hsw2v.kernels.hs._sg_streamed`)."""
    szero(neu1e, 0, blocks)
    m, step = ns_group_size(negs, at)
    loss = 0.0
    for d0 in range(0, m, step):
        loss, n_sat = ns_group_mem(syn0, c, syn1neg, negs, at, d0, step, a32, loss, scores,
                                   n_sat, gs, blocks)
        spath(syn0, c, neu1e, syn1neg, negs, at + 1 + d0, step, gs[d0:], blocks)
    sadd_row(syn0, c, neu1e, 0, lockf, blocks)
    return loss, n_sat, m


@overload(_ns_context, jit_options=STEP_OVERLOAD_OPTIONS)
def _ns_context_for(syn0, c, z, neu1e, syn1neg, negs, at, a32, scores, n_sat, gs, blocks,
                    lockf):
    if streams(blocks.count, 3):
        return _ns_context_streamed

    def registers(syn0, c, z, neu1e, syn1neg, negs, at, a32, scores, n_sat, gs, blocks, lockf):
        e, part, n_sat, m = ns_row(rload(syn0, c, z), z, syn1neg, negs, at, a32, scores,
                                   n_sat)
        if lockf.shape[0] > 0:  # x + f * e, one FMA (as the streamed kernels)
            rstore(syn0, c, rfma(lockf[c], e, rload(syn0, c, z)))
        else:
            rstore(syn0, c, radd(rload(syn0, c, z), e))
        return part, n_sat, m
    return registers


@jit_inline
def draw_all(w, n, noise, rng, negs, z):
    """The noise rows of ``n`` predictions of ``w``, laid out one after another from
    ``negs[0]`` (see :func:`draw_negatives`): all drawn (and prefetched) before any is trained,
    so that their cache misses overlap, in the order word2vec draws them. Nothing when
    ``noise``'s ``negative`` is 0."""
    negative, syn1neg, prob, alias, neg_map = noise
    ends = 0
    if negative > 0:
        for k in range(n):
            ends = draw_negatives(w, negative, prob, alias, neg_map, rng, negs, ends, syn1neg, z)


@jit_step
def sg_ns_update(syn0, ctx, n_ctx, w, rng, alpha, scores, neu1e, negs, blocks, lockf, noise):
    """One skip-gram negative-sampling step (``--loss ns``): each context row predicts the
    center word ``w`` against ``negative`` noise words of its own, in word2vec's order (see
    :func:`ns_row`), then ``syn0[c] += e``.

    Every prediction's rows are drawn (and prefetched) before the first is trained, so their
    cache misses overlap. The same steps as :func:`~hsw2v.kernels.loop.mixed_update` with
    negative sampling alone, without its other objectives' branches and arguments: ~20% less
    CPU time per prediction on text8 (``scripts/profile_kernels.py``-style slice, one thread).

    Parameters
    ----------
    syn0 : float32 (V, S)        input rows, updated in place for the context rows.
    ctx : int32 (>= n_ctx,)      context word ids; n_ctx >= 1.
    w : int                      the center word.
    rng : uint64 (1,)            this thread's generator, advanced in place.
    alpha : float                learning rate.
    scores : float32 (>= (n_ctx + 1) * (negative + 1),)  scratch (saturated decisions'
                                 log-odds; the steps of a prediction where rows are streamed).
    neu1e : float32 (>= 1, S)    scratch: the error row where rows are streamed.
    negs : int64 (>= n_ctx * (negative + 2),)      scratch.
    blocks : tuple of S / 16 ints    row width.
    lockf : float32 (V,) or (0,)     per-word factor of the input rows' updates (0 freezes).
    noise : tuple        the negative-sampling group ``(negative, syn1neg, prob, alias,
                         neg_map)``: noise words per prediction; the output rows, float32
                         (>= V, S), updated in place; the noise distribution's alias table,
                         float64 and int32 (V,); word -> row of ``syn1neg`` for this thread,
                         int32 (V,).

    Returns
    -------
    (loss, output_rows) : (float, int)
        The loss (saturated decisions' exact loss included) and the output rows updated, as
        every step returns its loss (:func:`hsw2v.kernels.hs.sg_update` too).
    """
    negative, syn1neg, prob, alias, neg_map = noise
    z = rzero(blocks)
    a32 = np.float32(alpha)
    draw_all(w, n_ctx, noise, rng, negs, z)
    loss = 0.0
    n_sat = 0
    rows = 0
    at = 0
    gs = scores[n_ctx * (negative + 1):]  # past the saturated decisions' log-odds
    for k in range(n_ctx):
        part, n_sat, m = _ns_context(syn0, ctx[k], z, neu1e, syn1neg, negs, at, a32, scores,
                                     n_sat, gs, blocks, lockf)
        at += 1 + m
        loss += part
        rows += m
    return loss + saturated_loss(scores, n_sat), rows


@jit_step
def cbow_ns_update(syn0, ctx, n_ctx, w, rng, alpha, scores, neu1e, negs, blocks, lockf, noise):
    """One CBOW negative-sampling step (``--loss ns``): the mean of the context rows predicts
    ``w`` against ``negative`` noise words, and the error row is added to every context row
    (word2vec; gensim's ``cbow_mean=1``). Parameters as :func:`sg_ns_update` (``neu1e``: at
    least 2 rows, the context mean and the error row where rows are streamed)."""
    negative, syn1neg, prob, alias, neg_map = noise
    z = rzero(blocks)
    draw_negatives(w, negative, prob, alias, neg_map, rng, negs, 0, syn1neg, z)
    loss, n_sat, m = _ns_cbow(syn0, ctx, n_ctx, z, neu1e, syn1neg, negs, np.float32(alpha),
                              scores, negative, blocks, lockf)
    return loss + saturated_loss(scores, n_sat), m


def _ns_cbow(syn0, ctx, n_ctx, z, neu1e, syn1neg, negs, a32, scores, negative, blocks, lockf):
    """:func:`cbow_ns_update`'s prediction, streamed or in registers by the row width (typed
    by the overload below). Returns (loss, n_sat, rows updated)."""
    raise NotImplementedError("only callable from jitted code")


@overload(_ns_cbow, jit_options=STEP_OVERLOAD_OPTIONS)
def _ns_cbow_for(syn0, ctx, n_ctx, z, neu1e, syn1neg, negs, a32, scores, negative, blocks,
                 lockf):
    if streams(blocks.count, 3):
        def streamed(syn0, ctx, n_ctx, z, neu1e, syn1neg, negs, a32, scores, negative, blocks,
                     lockf):
            context_mean_mem(syn0, ctx, n_ctx, neu1e, 1, blocks)
            szero(neu1e, 0, blocks)
            gs = scores[negative + 1:]
            m, step = ns_group_size(negs, 0)
            loss = 0.0
            n_sat = 0
            for d0 in range(0, m, step):  # (see ns_group_mem)
                loss, n_sat = ns_group_mem(neu1e, 1, syn1neg, negs, 0, d0, step, a32, loss,
                                           scores, n_sat, gs, blocks)
                spath(neu1e, 1, neu1e, syn1neg, negs, 1 + d0, step, gs[d0:], blocks)
            for k in range(n_ctx):
                sadd_row(syn0, ctx[k], neu1e, 0, lockf, blocks)
            return loss, n_sat, m
        return streamed

    def registers(syn0, ctx, n_ctx, z, neu1e, syn1neg, negs, a32, scores, negative, blocks,
                  lockf):
        h = context_mean(syn0, ctx, n_ctx, z)
        e, loss, n_sat, m = ns_row(h, z, syn1neg, negs, 0, a32, scores, 0)
        add_to_context(syn0, ctx, n_ctx, e, lockf, z)
        return loss, n_sat, m
    return registers
