"""Numba kernels: every jitted function of hsw2v lives here.

This module imports nothing else from the package and takes arrays and numbers only, so the
math can be read (and tested against NumPy references) on its own. Names follow the word2vec C
tool where that helps: ``syn0`` input vectors, ``syn1`` inner-node vectors, ``codes`` and
``points`` the Huffman code bits and inner-node indices of each word's path.

Conventions
-----------
* Vectors are float32, shape (V, D) for ``syn0`` and (V - 1, D) for ``syn1``.
* A word's Huffman path is ``codes[offsets[w]:offsets[w + 1]]`` (uint8 bits, root first) and
  ``points[offsets[w]:offsets[w + 1]]`` (int32 inner-node rows of ``syn1``).
* For a node with code bit ``c`` and score ``f = sigmoid(h . syn1[p])`` the gradient step is
  ``g = (1 - c - f) * alpha``; the loss of that decision is ``softplus(-(1 - 2c) * s)``,
  computed stably.
* Random numbers come from a per-thread xorshift64* state (uint64 array of length 1) passed in
  and updated in place; no global NumPy RNG is used here.
"""
from __future__ import annotations

import math

import numba
import numpy as np

#: The one fastmath policy of the package: reassociation and contraction let dot products and
#: axpy loops vectorise (and fuse into FMAs); 'nsz' and 'arcp' are harmless for this math. The
#: flags 'nnan' and 'ninf' are deliberately absent so NaN/Inf keep their IEEE meaning and a
#: diverging run stays detectable.
FASTMATH = frozenset({"reassoc", "contract", "nsz", "arcp"})

#: Options shared by every kernel: release the GIL (Hogwild threads), cache the compiled code.
JIT_OPTIONS = {"nogil": True, "cache": True, "fastmath": set(FASTMATH)}

jit = numba.njit(**JIT_OPTIONS)

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


@jit
def next_u64(state):
    """Advance the xorshift64* generator in ``state`` (uint64, shape (1,)); return 64 random bits."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * _XS_MULT


@jit
def next_uniform(state):
    """Return a float64 uniform on [0, 1) from ``state`` (53 random bits)."""
    return np.float64(next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


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


#: Sigmoid table over [-MAX_EXP, MAX_EXP] at resolution 2 * MAX_EXP / TABLE_SIZE (~0.0015).
#: As in word2vec and gensim, a node whose score lies outside that range gets no update (its
#: prediction is saturated); its loss is still counted, computed exactly.
MAX_EXP = 6.0
TABLE_SIZE = 8192
_GRID = (np.arange(TABLE_SIZE + 1, dtype=np.float64) / TABLE_SIZE * 2.0 - 1.0) * MAX_EXP
#: sigmoid(s) on the grid, float32 (TABLE_SIZE + 1,).
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_GRID))).astype(np.float32)
#: -log sigmoid(s) = softplus(-s) on the grid, computed stably, float32 (TABLE_SIZE + 1,).
NLL_TABLE = (np.logaddexp(0.0, -_GRID)).astype(np.float32)
_SCALE = TABLE_SIZE / (2.0 * MAX_EXP)


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
        i = int((s + MAX_EXP) * _SCALE + 0.5)
        g = (1.0 - code - SIGMOID_TABLE[i]) * alpha
        # softplus(-s) for code 0 and softplus(s) for code 1, without a branch (codes are
        # close to random, so a branch would be mispredicted half the time).
        return g, NLL_TABLE[i + code * (TABLE_SIZE - 2 * i)]
    _, nll = sigmoid_and_nll(s, code)
    return 0.0, nll


@jit
def sg_update(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, scores, neu1e):
    """One skip-gram hierarchical-softmax step for one center word and its context words.

    Every context word predicts the center word along the center word's Huffman path, so the
    ``n_ctx x L`` scores, the gradient block and both updates are computed as small dense
    blocks while the path's ``syn1`` rows stay hot in cache. All scores are taken before any
    weight moves (a mini-batch over the window).

    Parameters
    ----------
    syn0 : float32 (V, D)      input vectors, updated in place for the context rows.
    syn1 : float32 (V - 1, D)  inner-node vectors, updated in place for the path rows.
    ctx : int32 (>= n_ctx,)    context word ids; ``ctx[:n_ctx]`` are used (repeats allowed).
    n_ctx : int                number of context words.
    codes : uint8 (total,)     flat Huffman code bits; the path is ``codes[start:stop]``.
    points : int32 (total,)    flat inner-node ids; the path is ``points[start:stop]``.
    start, stop : int          the center word's path slice.
    alpha : float              learning rate.
    scores : float32 (>= n_ctx * L,)  scratch, receives the gradient block ``g``.
    neu1e : float32 (>= n_ctx, D)     scratch, receives the input-vector updates.

    Returns
    -------
    float
        Summed negative log-likelihood of the ``n_ctx`` predictions (before the update).
    """
    dim = syn0.shape[1]
    plen = stop - start
    loss = 0.0
    # Rows are indexed in place (syn0[c, d]), never sliced into views: a view costs two atomic
    # reference-count updates, which dominated the run time.
    for k in range(n_ctx):
        c = ctx[k]
        for j in range(plen):
            p = points[start + j]
            s = np.float32(0.0)
            for d in range(dim):
                s += syn0[c, d] * syn1[p, d]
            g, nll = hs_step(s, codes[start + j], alpha)
            loss += nll
            scores[k * plen + j] = g
    # neu1e = G . Y  (uses syn1 before its update, as word2vec does)
    for k in range(n_ctx):
        for d in range(dim):
            neu1e[k, d] = 0.0
        for j in range(plen):
            g = scores[k * plen + j]
            p = points[start + j]
            for d in range(dim):
                neu1e[k, d] += g * syn1[p, d]
    # syn1[path] += G^T . X
    for j in range(plen):
        p = points[start + j]
        for k in range(n_ctx):
            g = scores[k * plen + j]
            c = ctx[k]
            for d in range(dim):
                syn1[p, d] += g * syn0[c, d]
    # syn0[ctx] += neu1e
    for k in range(n_ctx):
        c = ctx[k]
        for d in range(dim):
            syn0[c, d] += neu1e[k, d]
    return loss


@jit
def cbow_update(syn0, syn1, ctx, n_ctx, codes, points, start, stop, alpha, neu1, neu1e):
    """One CBOW hierarchical-softmax step: the mean of the context vectors predicts the center.

    As in word2vec (and gensim with ``cbow_mean=1``) the full error vector is added to every
    context word's input vector.

    Parameters
    ----------
    syn0 : float32 (V, D)      input vectors, updated in place for the context rows.
    syn1 : float32 (V - 1, D)  inner-node vectors, updated in place for the path rows.
    ctx : int32 (>= n_ctx,)    context word ids, ``n_ctx >= 1``.
    n_ctx : int                number of context words.
    codes, points, start, stop : the center word's Huffman path (see :func:`sg_update`).
    alpha : float              learning rate.
    neu1 : float32 (D,)        scratch, receives the mean context vector.
    neu1e : float32 (D,)       scratch, receives the error vector.

    Returns
    -------
    float
        Negative log-likelihood of the center word given the context (before the update).
    """
    dim = syn0.shape[1]
    for d in range(dim):
        neu1[d] = 0.0
        neu1e[d] = 0.0
    for k in range(n_ctx):
        c = ctx[k]
        for d in range(dim):
            neu1[d] += syn0[c, d]
    inv = np.float32(1.0 / n_ctx)
    for d in range(dim):
        neu1[d] *= inv
    loss = 0.0
    for j in range(stop - start):
        p = points[start + j]
        s = np.float32(0.0)
        for d in range(dim):
            s += neu1[d] * syn1[p, d]
        g, nll = hs_step(s, codes[start + j], alpha)
        loss += nll
        g = np.float32(g)
        for d in range(dim):
            neu1e[d] += g * syn1[p, d]
        for d in range(dim):
            syn1[p, d] += g * neu1[d]
    for k in range(n_ctx):
        c = ctx[k]
        for d in range(dim):
            syn0[c, d] += neu1e[d]
    return loss


@jit
def train_chunk(ids, remap, keep, syn0, syn1, codes, points, offsets, sg, window,
                alpha, alpha_step, min_alpha, rng, sent, ctx, scores, neu1, neu1e, stats):
    """Train on every sentence piece of a chunk of the encoded corpus.

    Each piece is first subsampled (word2vec's formula, precomputed in ``keep``), then each
    kept word is trained with a reduced window ``window - b``, ``b`` uniform in
    ``[0, window)``, over the kept words of its piece.

    Parameters
    ----------
    ids : int32 (n,)        stream entries; ``-1`` ends a piece, the chunk ends with ``-1``.
    remap : int32 (P,)      stream id -> vocabulary id, or ``-1`` for a word not in the vocabulary.
    keep : float64 (V,)     probability of keeping each word under subsampling.
    syn0, syn1 : float32    weights, updated in place (Hogwild: other threads may write too).
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
    neu1 : float32 (D,)     scratch.   neu1e : float32 (2 * window, D)  scratch.
    stats : float64 (4,)    accumulates [loss, predictions, words read, words trained].
    """
    n = ids.shape[0]
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
            if k == 0:
                continue
            w = sent[pos]
            if sg:
                loss += sg_update(syn0, syn1, ctx, k, codes, points, offsets[w],
                                  offsets[w + 1], a, scores, neu1e)
                pairs += k
            else:
                loss += cbow_update(syn0, syn1, ctx, k, codes, points, offsets[w],
                                    offsets[w + 1], a, neu1, neu1e[0])
                pairs += 1
        trained += length
    stats[0] += loss
    stats[1] += pairs
    stats[2] += seen
    stats[3] += trained
    return seen
