"""Subword (character n-gram) vectors, as fastText makes them: the n-grams' hash buckets, and
the training steps whose input vector is the mean of a word's row and its n-grams' rows.

**The n-grams** of a word are those of ``<word>`` (the word wrapped in ``<`` and ``>``) of
``minn`` to ``maxn`` characters, a character being a UTF-8 sequence (a lead byte and its
continuation bytes), in the order fastText lists them: by start, then by length; a lone ``<``
or ``>`` is never one, and the whole ``<word>`` is one when its length is in range. Each is
hashed with 32-bit FNV-1a over its bytes, each byte sign-extended first (fastText XORs
``uint32(int8(byte))``, so bytes from 0x80 on set the top 24 bits), and taken modulo the
bucket count.

**Rows.** The kernels see one array of rows: the V words' rows, then one row per n-gram bucket
that some word uses (the caller maps buckets to rows). A word's rows are a CSR list
(``offsets`` int64 (V + 1,), ``rows`` int32): its own row first, then its n-grams'.

**Steps** (fastText's, with word2vec's objectives). CBOW's input is the mean of every row of
every context word (fastText's bag), and the error row goes to each of them
(:func:`subword_cbow_update`).

Skip-gram trains the pairs fastText trains, each context word's composed vector ``h`` (the
mean of its rows) predicting the center word, as word2vec's skip-gram does with plain rows
(fastText goes the other way round: the center word's ``h`` predicts each context word; every
pair within a window is met both ways over a corpus, so the two train the same pairs). This
way the center word's Huffman path (or its output row) serves all of its context words while
it is in cache, where fastText's way walks another path for every context word. Composing
``h`` for every pair would cost a composition per pair, so a piece's positions are composed
once each into a ring of ``2 * window + 1`` slots (:func:`ring_compose`, when a position
enters the widest window), each prediction adds its error row to the slot's ``h`` and to its
sum ``acc`` (:func:`subword_sg_update`), and ``acc`` goes to every row of the word once the
position has left every window (:func:`ring_flush`). Adding ``e`` to every row adds ``e`` to
their mean, so ``h += e`` gives the next prediction from the same position the input
fastText's step would (up to a row listed twice), and the rows get the summed error once: one
pass over them per position.

The ring: float32 rows, slot ``s`` of ``R`` holds ``h`` in row ``s`` and ``acc`` in row ``R +
s``; row ``2 * R`` is a prediction's error row.
"""
import numpy as np
from numba.extending import overload

from hsw2v.kernels.context import saturated_loss
from hsw2v.kernels.hs import hs_row, hs_steps_mem
from hsw2v.kernels.ns import draw_all, ns_group_mem, ns_group_size, ns_row
from hsw2v.kernels.policy import STEP_OVERLOAD_OPTIONS, jit, jit_inline, jit_step
from hsw2v.kernels.rows import (badd, bfma, bload, bmul, bsplat, bstore, radd, rfma,
                                rload, rprefetch, rscale, rstore, rzero, spath, streams, szero)

#: FNV-1a's 32-bit offset basis and prime.
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619


@jit_inline
def _chars_end(data, j, end):
    """The end of the UTF-8 character that starts at ``data[j]``: past its continuation
    bytes."""
    j += 1
    while j < end and (data[j] & 0xC0) == 0x80:
        j += 1
    return j


@jit
def ngram_buckets(data, starts, minn, maxn, nbuckets, offsets, out):
    """The n-gram buckets of words, or (``out`` empty) only how many each word has.

    Parameters
    ----------
    data : uint8 (n,)       the UTF-8 bytes of the wrapped words (``<word>``), one after another.
    starts : int64 (W + 1,) where each wrapped word starts in ``data`` (and the end).
    minn, maxn : int        n-gram lengths in characters (``1 <= minn <= maxn``).
    nbuckets : int          bucket count (>= 1).
    offsets : int64 (W + 1,)  out: where each word's buckets start in ``out`` (and the end).
    out : int64 (total,) or (0,)  out: the buckets, each word's in fastText's order.

    Returns
    -------
    int
        The number of buckets of all words (``offsets[W]``).
    """
    count = out.shape[0] > 0
    total = 0
    nb = np.uint64(nbuckets)
    mask = np.uint64(0xFFFFFFFF)
    for w in range(starts.shape[0] - 1):
        offsets[w] = total
        a, b = starts[w], starts[w + 1]
        for i in range(a, b):
            if (data[i] & 0xC0) == 0x80:
                continue  # not the first byte of a character
            h = np.uint64(FNV_OFFSET)
            j = i
            n = 0
            while j < b and n < maxn:
                k = _chars_end(data, j, b)
                while j < k:
                    byte = np.int64(data[j])
                    if byte >= 128:  # int8 sign extension to 32 bits
                        byte += 0xFFFFFF00
                    h = ((h ^ np.uint64(byte)) * np.uint64(FNV_PRIME)) & mask
                    j += 1
                n += 1
                if n >= minn and not (n == 1 and (i == a or j == b)):
                    if count:
                        out[total] = np.int64(h % nb)
                    total += 1
    offsets[starts.shape[0] - 1] = total
    return total


@jit
def mean_rows(own, ngrams, offsets, rows, out):
    """Every word's mean of its rows, summed in float64 in list order (the vectors a model
    writes; not a training step).

    Parameters
    ----------
    own : float32 (V, D)        the words' own rows (row ``r < V``).
    ngrams : float32 (U, D)     the n-gram rows (row ``r >= V`` is ``ngrams[r - V]``).
    offsets, rows : int64 (W + 1,), int32 (total,)  each word's rows, CSR.
    out : float32 (W, D)        out: the means.
    """
    v = own.shape[0]
    d = out.shape[1]
    acc = np.empty(d, np.float64)
    for w in range(offsets.shape[0] - 1):
        acc[:] = 0.0
        for q in range(offsets[w], offsets[w + 1]):
            r = rows[q]
            src = own[r] if r < v else ngrams[r - v]
            for j in range(d):
                acc[j] += src[j]
        n = offsets[w + 1] - offsets[w]
        for j in range(d):
            out[w, j] = acc[j] / n


@jit_inline
def compose(syn0, rows, a, b, z):
    """The mean of rows ``syn0[rows[a:b]]`` (``b > a``), summed in list order."""
    h = z
    for q in range(a, b):
        h = radd(h, rload(syn0, rows[q], z))
    return rscale(np.float32(1.0 / (b - a)), h)


@jit_inline
def add_to_rows(syn0, rows, a, b, e, f, z):
    """``syn0[r] += f * e`` for each row ``r`` of ``rows[a:b]``."""
    for q in range(a, b):
        r = rows[q]
        rstore(syn0, r, rfma(f, e, rload(syn0, r, z)))


@jit_inline
def _predict(x, z, w, a32, hs_scores, n_sat, negs, at, ns_scores, n_nsat, objectives):
    """One prediction of ``w`` from ``x`` with every objective of the run (its noise rows
    drawn at ``negs[at]`` by :func:`~hsw2v.kernels.ns.draw_all`). Returns (e, loss, loss_ns,
    n_sat, n_nsat, path_rows, noise_rows)."""
    path, noise, _ = objectives
    hs, syn1, codes, points, offsets = path
    syn1neg = noise[1]
    negative = noise[0]
    e = z
    loss = 0.0
    loss_ns = 0.0
    plen = 0
    nupd = 0
    if hs:
        start = offsets[w]
        plen = offsets[w + 1] - start
        e, part, n_sat = hs_row(x, e, syn1, codes, points, start, plen, a32, hs_scores, n_sat)
        loss += part
    if negative > 0:
        e, part, n_nsat, nupd = ns_row(x, e, syn1neg, negs, at, a32, ns_scores, n_nsat)
        loss_ns += part
    return e, loss, loss_ns, n_sat, n_nsat, plen, nupd


@jit_inline
def _compose_mem(syn0, rows, a, b, out, i, blocks):
    """``out[i] += sum of rows syn0[rows[a:b]]``, streamed four blocks at a time (then the
    last one to three together): each float summed in list order, several chains of adds in
    flight, and each row's number read once per group of blocks."""
    nb = len(blocks)
    full = nb - nb % 4
    for b0 in range(0, full, 4):
        h0 = bload(out, i, b0)
        h1 = bload(out, i, b0 + 1)
        h2 = bload(out, i, b0 + 2)
        h3 = bload(out, i, b0 + 3)
        for q in range(a, b):
            r = rows[q]
            h0 = badd(h0, bload(syn0, r, b0))
            h1 = badd(h1, bload(syn0, r, b0 + 1))
            h2 = badd(h2, bload(syn0, r, b0 + 2))
            h3 = badd(h3, bload(syn0, r, b0 + 3))
        bstore(out, i, b0, h0)
        bstore(out, i, b0 + 1, h1)
        bstore(out, i, b0 + 2, h2)
        bstore(out, i, b0 + 3, h3)
    rest = nb - full
    if rest > 0:  # (rest is a constant: LLVM keeps the branches it needs)
        h0 = bload(out, i, full)
        h1 = bload(out, i, full + 1) if rest > 1 else h0
        h2 = bload(out, i, full + 2) if rest > 2 else h0
        for q in range(a, b):
            r = rows[q]
            h0 = badd(h0, bload(syn0, r, full))
            if rest > 1:
                h1 = badd(h1, bload(syn0, r, full + 1))
            if rest > 2:
                h2 = badd(h2, bload(syn0, r, full + 2))
        bstore(out, i, full, h0)
        if rest > 1:
            bstore(out, i, full + 1, h1)
        if rest > 2:
            bstore(out, i, full + 2, h2)


@jit_inline
def _add_mem(syn0, rows, a, b, e, k, f, blocks):
    """``syn0[r] += f * e[k]`` for each row ``r`` of ``rows[a:b]`` (one FMA a float)."""
    fv = bsplat(f)
    for q in range(a, b):
        r = rows[q]
        for bl in range(len(blocks)):
            bstore(syn0, r, bl, bfma(fv, bload(e, k, bl), bload(syn0, r, bl)))


@jit_inline
def _predict_mem(work, xi, ei, w, a32, scores, negs, at, objectives, blocks):
    """One prediction of ``w`` from row ``work[xi]``, its error row in ``work[ei]`` (zeroed
    here), streamed. Returns (loss, loss_ns, path_rows, noise_rows). (A call, not inlined:
    skip-gram and CBOW share one compiled copy.)"""
    path, noise, _ = objectives
    hs, syn1, codes, points, offsets = path
    negative, syn1neg, neg_prob, neg_alias, neg_map = noise
    third = scores.shape[0] // 3
    hs_sat = scores[:third]
    ns_sat = scores[third:2 * third]
    gs = scores[2 * third:]
    e = work[ei:]
    szero(e, 0, blocks)
    loss = 0.0
    loss_ns = 0.0
    plen = 0
    nupd = 0
    if hs:
        start = offsets[w]
        plen = offsets[w + 1] - start
        part, n_sat = hs_steps_mem(work, xi, syn1, codes, points, start, plen, a32, hs_sat, 0,
                                   gs, blocks)
        spath(work, xi, e, syn1, points, start, plen, gs, blocks)
        loss += part + saturated_loss(hs_sat, n_sat)
    if negative > 0:
        nupd, step = ns_group_size(negs, at)
        part = 0.0
        n_sat = 0
        for d0 in range(0, nupd, step):  # (see ns_group_mem)
            part, n_sat = ns_group_mem(work, xi, syn1neg, negs, at, d0, step, a32, part, ns_sat,
                                       n_sat, gs, blocks)
            spath(work, xi, e, syn1neg, negs, at + 1 + d0, step, gs[d0:], blocks)
        loss_ns += part + saturated_loss(ns_sat, n_sat)
    return loss, loss_ns, plen, nupd


# ------------------------------------------------------------------------------------------
# Skip-gram: a ring of composed positions (see the module docstring)
# ------------------------------------------------------------------------------------------

@jit_inline
def ring_compose(syn0, sub_offsets, sub_rows, w, ring, slot, nslots, blocks):
    """Compose word ``w``'s input vector into the ring: ``ring[slot]`` = the mean of its rows
    (summed in list order), ``ring[nslots + slot]`` = 0.

    Parameters
    ----------
    syn0 : float32 (V + U, S)   the words' rows, then the n-gram rows.
    sub_offsets, sub_rows : int64 (V + 1,), int32 (total,)  each word's rows, CSR.
    ring : float32 (>= 2 * nslots + 1, S)  the ring (module docstring).
    """
    a, b = sub_offsets[w], sub_offsets[w + 1]
    szero(ring, slot, blocks)
    szero(ring, nslots + slot, blocks)
    _compose_mem(syn0, sub_rows, a, b, ring, slot, blocks)
    inv = bsplat(np.float32(1.0 / (b - a)))
    for bl in range(len(blocks)):
        bstore(ring, slot, bl, bmul(inv, bload(ring, slot, bl)))


@jit_inline
def prefetch_word_rows(syn0, sub_offsets, sub_rows, w, z):
    """Ask for every row of word ``w`` (its own and its n-grams') ahead of their use."""
    for q in range(sub_offsets[w], sub_offsets[w + 1]):
        rprefetch(syn0, sub_rows[q], z)


@jit_inline
def ring_flush(syn0, sub_offsets, sub_rows, w, ring, slot, nslots, f, blocks):
    """Add ``f`` times the summed error row ``ring[nslots + slot]`` to every row of word ``w``
    (``f``: its ``lockf``, 1 to train it, 0 to leave it)."""
    _add_mem(syn0, sub_rows, sub_offsets[w], sub_offsets[w + 1], ring, nslots + slot, f, blocks)


@jit_step
def subword_sg_update(ring, slots, n_ctx, w, nslots, alpha, scores, negs, blocks, rng,
                      objectives):
    """One skip-gram center word ``w`` with subword rows: each context position's composed
    vector, in the ring, predicts ``w`` with every objective of the run (see the module
    docstring); its error row is added to the slot's ``h`` and ``acc``.

    Parameters
    ----------
    ring : float32 (>= 2 * nslots + 1, S)  the ring (module docstring), 64-byte aligned rows.
    slots : int32 (>= n_ctx,)   the context positions' slots.
    scores : float32 (>= 3 * (longest path + negative + 1),)  scratch.
    negs : int64 (>= n_ctx * (negative + 2),)  scratch.
    objectives : tuple          ``(path, noise, sm)`` as :func:`hsw2v.kernels.loop.mixed_update`
                                (the exact softmax, ``sm``, is not trained with subwords).

    Returns
    -------
    (loss, ns_loss, path_rows, output_rows) : (float, float, int, int)
    """
    return _sub_sg_step(ring, slots, n_ctx, w, nslots, alpha, scores, negs, blocks, rng,
                        objectives)


def _sub_sg_step(ring, slots, n_ctx, w, nslots, alpha, scores, negs, blocks, rng, objectives):
    """:func:`subword_sg_update`'s body, streamed or in registers by the row width (typed by
    the overload below: only the form the width needs is compiled)."""
    raise NotImplementedError("only callable from jitted code")


@overload(_sub_sg_step, jit_options=STEP_OVERLOAD_OPTIONS)
def _sub_sg_step_for(ring, slots, n_ctx, w, nslots, alpha, scores, negs, blocks, rng,
                     objectives):
    return _sub_sg_streamed if streams(blocks.count, 3) else _sub_sg_registers


def _sub_sg_registers(ring, slots, n_ctx, w, nslots, alpha, scores, negs, blocks, rng,
                      objectives):
    """:func:`subword_sg_update` with the input and error rows in registers."""
    z = rzero(blocks)
    a32 = np.float32(alpha)
    half = scores.shape[0] // 2
    hs_scores = scores[:half]
    ns_scores = scores[half:]
    negative = objectives[1][0]
    draw_all(w, n_ctx, objectives[1], rng, negs, z)
    at = 0
    loss = 0.0
    loss_ns = 0.0
    path_rows = 0
    neg_rows = 0
    for k in range(n_ctx):
        s = slots[k]
        x = rload(ring, s, z)
        e, part, part_ns, n_sat, n_nsat, pu, nu = _predict(x, z, w, a32, hs_scores, 0, negs,
                                                           at, ns_scores, 0, objectives)
        if negative > 0:
            at += 1 + negs[at]
        # (the saturated decisions' exact loss after each prediction: the scratch holds one
        # prediction's)
        loss += part + saturated_loss(hs_scores, n_sat)
        loss_ns += part_ns + saturated_loss(ns_scores, n_nsat)
        path_rows += pu
        neg_rows += nu
        rstore(ring, s, radd(x, e))
        rstore(ring, nslots + s, radd(rload(ring, nslots + s, z), e))
    return loss, loss_ns, path_rows, neg_rows


def _sub_sg_streamed(ring, slots, n_ctx, w, nslots, alpha, scores, negs, blocks, rng,
                     objectives):
    """:func:`subword_sg_update` with the rows streamed from memory (rows too wide for the
    target's registers): the arithmetic of :func:`_sub_sg_registers`."""
    a32 = np.float32(alpha)
    negative = objectives[1][0]
    draw_all(w, n_ctx, objectives[1], rng, negs, rzero(blocks))
    er = np.int64(2 * nslots)
    at = np.int64(0)
    loss = 0.0
    loss_ns = 0.0
    path_rows = 0
    neg_rows = 0
    for k in range(n_ctx):
        s = np.int64(slots[k])
        part, part_ns, pu, nu = _predict_mem(ring, s, er, w, a32, scores, negs, at, objectives,
                                             blocks)
        if negative > 0:
            at += 1 + negs[at]
        loss += part
        loss_ns += part_ns
        path_rows += pu
        neg_rows += nu
        for bl in range(len(blocks)):  # h += e; acc += e
            e = bload(ring, er, bl)
            bstore(ring, s, bl, badd(bload(ring, s, bl), e))
            bstore(ring, nslots + s, bl, badd(bload(ring, nslots + s, bl), e))
    return loss, loss_ns, path_rows, neg_rows


# ------------------------------------------------------------------------------------------
# CBOW
# ------------------------------------------------------------------------------------------

@jit_step
def subword_cbow_update(syn0, ctx, n_ctx, w, alpha, scores, negs, blocks, rng, lockf,
                        objectives, sub, work):
    """One CBOW center word ``w`` with subword rows, any objectives: the mean of every row of
    every context word predicts ``w``; the error row goes to each of those rows.

    Parameters
    ----------
    syn0 : float32 (V + U, S)  the words' rows, then the n-gram rows.
    ctx : int32 (>= n_ctx,)    the context words.
    scores : float32 (>= 3 * (longest path + negative + 1),)  scratch.
    negs : int64 (>= negative + 2,)  scratch.
    lockf : float32 (V,) or (0,)   per-word factor of the input rows' updates (0 freezes a word
                               and its n-gram rows in this step).
    objectives : tuple         ``(path, noise, sm)`` as :func:`hsw2v.kernels.loop.mixed_update`
                               (the exact softmax, ``sm``, is not trained with subwords).
    sub : tuple                ``(offsets, rows)``: each word's rows, CSR.
    work : float32 (>= 2, S)   scratch rows (64-byte aligned, as kernel rows), used where the
                               rows stream (:func:`~hsw2v.kernels.rows.streams`).

    Returns
    -------
    (loss, ns_loss, path_rows, output_rows) : (float, float, int, int)
    """
    return _sub_cbow_step(syn0, ctx, n_ctx, w, alpha, scores, negs, blocks, rng, lockf,
                          objectives, sub, work)


def _sub_cbow_step(syn0, ctx, n_ctx, w, alpha, scores, negs, blocks, rng, lockf, objectives,
                   sub, work):
    """:func:`subword_cbow_update`'s body, streamed or in registers by the row width (typed by
    the overload below: only the form the width needs is compiled)."""
    raise NotImplementedError("only callable from jitted code")


@overload(_sub_cbow_step, jit_options=STEP_OVERLOAD_OPTIONS)
def _sub_cbow_step_for(syn0, ctx, n_ctx, w, alpha, scores, negs, blocks, rng, lockf,
                       objectives, sub, work):
    return _sub_cbow_streamed if streams(blocks.count, 3) else _sub_cbow_registers


def _sub_cbow_registers(syn0, ctx, n_ctx, w, alpha, scores, negs, blocks, rng, lockf,
                        objectives, sub, work):
    """:func:`subword_cbow_update` with the input and error rows in registers (``work`` is not
    used)."""
    sub_offsets, sub_rows = sub
    z = rzero(blocks)
    a32 = np.float32(alpha)
    half = scores.shape[0] // 2
    hs_scores = scores[:half]
    ns_scores = scores[half:]
    locked = lockf.shape[0] > 0
    h = z
    m = 0
    for k in range(n_ctx):
        c = ctx[k]
        for q in range(sub_offsets[c], sub_offsets[c + 1]):
            h = radd(h, rload(syn0, sub_rows[q], z))
        m += sub_offsets[c + 1] - sub_offsets[c]
    h = rscale(np.float32(1.0 / m), h)
    draw_all(w, 1, objectives[1], rng, negs, z)
    e, loss, loss_ns, n_sat, n_nsat, path_rows, neg_rows = _predict(
        h, z, w, a32, hs_scores, 0, negs, 0, ns_scores, 0, objectives)
    for k in range(n_ctx):
        c = ctx[k]
        f = lockf[c] if locked else np.float32(1.0)
        add_to_rows(syn0, sub_rows, sub_offsets[c], sub_offsets[c + 1], e, f, z)
    return (loss + saturated_loss(hs_scores, n_sat), loss_ns + saturated_loss(ns_scores, n_nsat),
            path_rows, neg_rows)


def _sub_cbow_streamed(syn0, ctx, n_ctx, w, alpha, scores, negs, blocks, rng, lockf,
                       objectives, sub, work):
    """:func:`subword_cbow_update` with the rows streamed from memory: ``work[0]`` the input,
    ``work[1]`` the error row. The arithmetic of :func:`_sub_cbow_registers`."""
    sub_offsets, sub_rows = sub
    a32 = np.float32(alpha)
    locked = lockf.shape[0] > 0
    szero(work, 0, blocks)
    m = 0
    for k in range(n_ctx):
        c = ctx[k]
        _compose_mem(syn0, sub_rows, sub_offsets[c], sub_offsets[c + 1], work, 0, blocks)
        m += sub_offsets[c + 1] - sub_offsets[c]
    inv = bsplat(np.float32(1.0 / m))
    for bl in range(len(blocks)):
        bstore(work, 0, bl, bmul(inv, bload(work, 0, bl)))
    draw_all(w, 1, objectives[1], rng, negs, rzero(blocks))
    # (np.int64, not literals: numba would compile _predict_mem again for them)
    loss, loss_ns, path_rows, neg_rows = _predict_mem(work, np.int64(0), np.int64(1), w, a32,
                                                      scores, negs, np.int64(0), objectives,
                                                      blocks)
    for k in range(n_ctx):
        c = ctx[k]
        f = lockf[c] if locked else np.float32(1.0)
        _add_mem(syn0, sub_rows, sub_offsets[c], sub_offsets[c + 1], work, 1, f, blocks)
    return loss, loss_ns, path_rows, neg_rows
