"""Hierarchical softmax: the skip-gram and CBOW steps and the training loop over a chunk.

A word's Huffman path is ``codes[offsets[w]:offsets[w + 1]]`` (uint8 bits, root first) and
``points[offsets[w]:offsets[w + 1]]`` (int32 inner-node rows of ``syn1``). For a node with code
bit ``c`` and score ``f = sigmoid(h . syn1[p])`` the gradient step is ``g = (1 - c - f) * alpha``;
the loss of that decision is ``softplus(-(1 - 2c) * s)``, computed stably.
"""
from __future__ import annotations

import numpy as np

from hsw2v.kernels.hot import HOT_SYNC_UPDATES, merge_hot_rows
from hsw2v.kernels.logistic import (MAX_EXP, SIGMOID_TABLE, _HALF32, _MAX_EXP32,
                                    _ONE32, _SCALE, _SCALE32, sigmoid_and_nll, table_nll)
from hsw2v.kernels.policy import jit
from hsw2v.kernels.rng import next_u64, next_uniform
from hsw2v.kernels.rows import (LANES, blocks_of, radd, rfma, rload, rprefetch, rscale, rstore,
                                rdot, rzero)

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


@jit
def sg_update(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e, blocks):
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
    scores : float32 (>= n_ctx * L,)  scratch (the log-odds of saturated decisions).
    neu1e : float32 (>= 1, S)  scratch (unused; kept for a uniform call).
    blocks : tuple of S / 16 ints     row width (see :func:`blocks_of`); a compile-time constant.

    Returns
    -------
    float
        Summed negative log-likelihood of the ``n_ctx`` predictions, each node's term taken
        before that node's update.
    """
    plen = stop - start
    z = rzero(blocks)
    a32 = np.float32(alpha)
    loss = 0.0
    n_sat = 0
    for k in range(n_ctx):
        c = ctx[k]
        x = rload(syn0, c, z)
        e = z
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
        rstore(syn0, c, radd(rload(syn0, c, z), e))
    for i in range(n_sat):
        _, nll = sigmoid_and_nll(scores[i], 0)
        loss += nll
    return loss


@jit
def cbow_update(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e, blocks):
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
    neu1e : float32 (>= 1, S)  scratch (unused; kept for a uniform call).
    blocks : tuple of S / 16 ints     row width (see :func:`blocks_of`).

    Returns
    -------
    float
        Negative log-likelihood of the center word given the context (before the update).
    """
    plen = stop - start
    z = rzero(blocks)
    h = z
    for k in range(n_ctx):
        h = radd(h, rload(syn0, ctx[k], z))
    h = rscale(np.float32(1.0 / n_ctx), h)
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
    for k in range(n_ctx):
        c = ctx[k]
        rstore(syn0, c, radd(rload(syn0, c, z), e))
    return loss


def train_chunk(ids, remap, keep, syn0, syn1, codes, points, offsets, sg, window,
                alpha, alpha_step, min_alpha, rng, sent, ctx, scores, neu1e, stats, hot=None):
    """Train on every sentence piece of a chunk of the encoded corpus.

    Each piece is first subsampled (word2vec's formula, precomputed in ``keep``), then each
    kept word is trained with a reduced window ``window - b``, ``b`` uniform in
    ``[0, window)``, over the kept words of its piece. This checks the row layout and calls the
    jitted :func:`train_rows` (which is compiled once per row width).

    Parameters
    ----------
    ids : int32 (n,)        stream entries; ``-1`` ends a piece, the chunk ends with ``-1``.
    remap : int32 (P,)      stream id -> vocabulary id, or ``-1`` for a word not in the vocabulary.
    keep : float64 (V,)     probability of keeping each word under subsampling.
    syn0, syn1 : float32 (V, S), (V - 1, S)  weights as made by :func:`padded_rows` (S a
                            multiple of 16), updated in place (Hogwild: other threads may write).
    codes, points : uint8, int32 (total,)  flat Huffman paths; offsets : int64 (V + 1,).
    sg : bool               skip-gram if true, else CBOW.
    window : int            maximum window (>= 1).
    alpha : float           learning rate at the first word of the chunk.
    alpha_step : float      decrease of the learning rate per in-vocabulary word read.
    min_alpha : float       floor of the learning rate.
    rng : uint64 (1,)       this thread's generator state, advanced in place.
    sent : int32 (>= longest piece,)   scratch for the kept words of a piece.
    ctx : int32 (>= 2 * window,)       scratch for context ids.
    scores : float32 (>= 2 * window * longest path,)  scratch.
    neu1e : float32 (2 * window, S)  scratch.
    stats : float64 (4,)    accumulates [loss, predictions, words read, words trained].
    hot : tuple, optional   this thread's private top rows, from :func:`private_hot_rows`
                            (then ``points`` must be that thread's ``points_t``).

    Returns
    -------
    int
        In-vocabulary words read.
    """
    for name, a in (("syn0", syn0), ("syn1", syn1), ("neu1e", neu1e)):
        if a.ndim != 2 or a.shape[1] % LANES or not a.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous rows of a multiple of {LANES} floats "
                             f"(see kernels.padded_rows), got shape {a.shape}")
    if syn1.shape[1] != syn0.shape[1] or neu1e.shape[1] != syn0.shape[1]:
        raise ValueError("syn0, syn1 and neu1e must have the same row stride")
    if hot is None:
        top, own, base, first = 0, 0, _NO_ROWS.get(syn0.shape[1]), 0
        if base is None:
            base = _NO_ROWS[syn0.shape[1]] = np.zeros((0, syn0.shape[1]), np.float32)
    else:
        top, own, base, first = hot
    return train_rows(ids, remap, keep, syn0, syn1, codes, points, offsets, sg, window, alpha,
                      alpha_step, min_alpha, rng, sent, ctx, scores, neu1e, stats,
                      blocks_of(syn0), top, own, base, first,
                      HOT_SYNC_UPDATES["sg" if sg else "cbow"])


_NO_ROWS: dict[int, np.ndarray] = {}


@jit
def train_rows(ids, remap, keep, syn0, syn1, codes, points, offsets, sg, window, alpha,
               alpha_step, min_alpha, rng, sent, ctx, scores, neu1e, stats, blocks,
               top, own, base, first, sync_every):
    """The jitted body of :func:`train_chunk`; ``blocks`` is :func:`blocks_of` ``(syn0)``.

    While a word trains, the rows the next word needs (its path in ``syn1`` and the context
    word entering the window) are prefetched. If ``base`` has rows, this thread's private top
    rows are merged (:func:`merge_hot_rows`) once ``sync_every`` path-row updates have been
    made since the last merge, and at the end.

    Returns
    -------
    int
        In-vocabulary words read.
    """
    z = rzero(blocks)
    n = ids.shape[0]
    since = 0
    seen = 0
    trained = 0
    loss = 0.0
    pairs = 0
    i = 0
    while i < n:
        # The learning rate is held for one piece (at most max_sentence_length words), like
        # word2vec, which refreshes it every 10,000 words.
        a = alpha - alpha_step * seen
        if a < min_alpha:
            a = min_alpha
        length = 0
        while i < n:
            t = ids[i]
            i += 1
            if t < 0:
                break
            w = remap[t]
            if w < 0:
                continue
            seen += 1
            p = keep[w]
            if p < 1.0 and next_uniform(rng) >= p:
                continue
            sent[length] = w
            length += 1
        for pos in range(length):
            b = np.int64(next_u64(rng) % np.uint64(window))
            lo = pos - window + b
            if lo < 0:
                lo = 0
            hi = pos + window + 1 - b
            if hi > length:
                hi = length
            k = 0
            for j in range(lo, hi):
                if j != pos:
                    ctx[k] = sent[j]
                    k += 1
            if pos + 1 < length:
                nxt = sent[pos + 1]
                for q in range(offsets[nxt], offsets[nxt + 1]):
                    rprefetch(syn1, points[q], z)
                if pos + window + 1 < length:
                    rprefetch(syn0, sent[pos + window + 1], z)
            if k == 0:
                continue
            w = sent[pos]
            if since >= sync_every and base.shape[0] > 0:
                merge_hot_rows(syn1, top, own, base, first, blocks)
                since = 0
            if sg:
                loss += sg_update(syn0, syn1, ctx, k, codes, points, offsets[w],
                                  offsets[w + 1], a, scores, neu1e, blocks)
                pairs += k
                since += k * (offsets[w + 1] - offsets[w])
            else:
                loss += cbow_update(syn0, syn1, ctx, k, codes, points, offsets[w],
                                    offsets[w + 1], a, scores, neu1e, blocks)
                pairs += 1
                since += offsets[w + 1] - offsets[w]
        trained += length
    if base.shape[0] > 0:
        merge_hot_rows(syn1, top, own, base, first, blocks)
    stats[0] += loss
    stats[1] += pairs
    stats[2] += seen
    stats[3] += trained
    return seen

