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

**Steps** (fastText's, with word2vec's objectives): skip-gram composes the center word's
vector ``h`` (the mean of its rows) once and predicts each context word from it; every row of
the center word is to get the sum of the error rows ``e``. fastText adds each prediction's
``e`` to every row before the next prediction; adding ``e`` to every row adds ``e`` to their
mean, so ``h += e`` between predictions gives the next prediction the same input (up to a row
listed twice) and the rows get the summed error once, at the end: one pass over the rows per
center word instead of one per context word. CBOW's input is the mean of every row of every
context word (fastText's bag), and the error row goes to each of them.
"""
import numpy as np
from numba.extending import overload

from hsw2v.kernels.context import saturated_loss
from hsw2v.kernels.hs import hs_row, hs_steps_mem
from hsw2v.kernels.ns import draw_negatives, ns_group_mem, ns_group_size, ns_row
from hsw2v.kernels.policy import STEP_OVERLOAD_OPTIONS, jit, jit_inline, jit_step
from hsw2v.kernels.rows import (badd, bfma, bload, bmul, bsplat, bstore, radd, rfma,
                                rload, rscale, rstore, rzero, spath, streams, szero)

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
    drawn at ``negs[at]`` by :func:`_draw_all`). Returns (e, loss, loss_ns, n_sat, n_nsat,
    path_rows, noise_rows)."""
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
def _draw_all(targets, n, objectives, rng, negs, z):
    """Every prediction's noise rows, drawn (and prefetched) before any is trained, so that
    their cache misses overlap; in the order word2vec draws them."""
    negative, syn1neg, neg_prob, neg_alias, neg_map = objectives[1]
    ends = 0
    if negative > 0:
        for k in range(n):
            ends = draw_negatives(targets[k], negative, neg_prob, neg_alias, neg_map, rng, negs,
                                  ends, syn1neg, z)


@jit_inline
def _draw_one(w, objectives, rng, negs, z):
    """The noise rows of one prediction of ``w`` (CBOW's), at ``negs[0]``."""
    negative, syn1neg, neg_prob, neg_alias, neg_map = objectives[1]
    if negative > 0:
        draw_negatives(w, negative, neg_prob, neg_alias, neg_map, rng, negs, 0, syn1neg, z)


@jit_step
def subword_update(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf,
                   objectives, sub, work):
    """One center word ``w`` with subword rows, any objectives (see the module docstring).

    Parameters
    ----------
    syn0 : float32 (V + U, S)  the words' rows, then the n-gram rows.
    ctx : int32 (>= n_ctx,)    the context words.
    scores : float32 (>= 3 * (longest path + negative + 1),)  scratch.
    negs : int64 (>= n_ctx * (negative + 2),)  scratch.
    lockf : float32 (V,) or (0,)   per-word factor of the input rows' updates (0 freezes a word
                               and its n-gram rows in this step).
    objectives : tuple         ``(path, noise, sm)`` as :func:`hsw2v.kernels.loop.mixed_update`
                               (the exact softmax, ``sm``, is not trained with subwords).
    sub : tuple                ``(offsets, rows)``: each word's rows, CSR.
    work : float32 (>= 3, S)   scratch rows (64-byte aligned, as kernel rows), used where the
                               rows stream (:func:`~hsw2v.kernels.rows.streams`).

    Returns
    -------
    (loss, ns_loss, path_rows, output_rows) : (float, float, int, int)
    """
    return _sub_step(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf,
                     objectives, sub, work)


def _sub_step(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf, objectives,
              sub, work):
    """:func:`subword_update`'s body, streamed or in registers by the row width (typed by the
    overload below: only the form the width needs is compiled)."""
    raise NotImplementedError("only callable from jitted code")


@overload(_sub_step, jit_options=STEP_OVERLOAD_OPTIONS)
def _sub_step_for(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf, objectives,
                  sub, work):
    if streams(blocks.count, 3):
        def streamed(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf,
                     objectives, sub, work):
            return _sub_streamed(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng,
                                 lockf, objectives, sub, work)
        return streamed

    def registers(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf, objectives,
                  sub, work):
        return _sub_registers(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf,
                              objectives, sub)
    return registers


@jit_inline
def _sub_registers(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf, objectives,
                   sub):
    """:func:`subword_update` with the input and error rows in registers."""
    sub_offsets, sub_rows = sub
    negative = objectives[1][0]
    z = rzero(blocks)
    a32 = np.float32(alpha)
    half = scores.shape[0] // 2
    hs_scores = scores[:half]
    ns_scores = scores[half:]
    loss = 0.0
    loss_ns = 0.0
    n_sat = 0
    n_nsat = 0
    path_rows = 0
    neg_rows = 0
    locked = lockf.shape[0] > 0
    if sg:
        a, b = sub_offsets[w], sub_offsets[w + 1]
        h = compose(syn0, sub_rows, a, b, z)
        acc = z
        _draw_all(ctx, n_ctx, objectives, rng, negs, z)
        at = 0
        for k in range(n_ctx):
            e, part, part_ns, n_sat, n_nsat, pu, nu = _predict(
                h, z, ctx[k], a32, hs_scores, n_sat, negs, at, ns_scores, n_nsat, objectives)
            if negative > 0:
                at += 1 + negs[at]
            # (the saturated decisions' exact loss after each prediction: the scratch holds
            # one prediction's)
            loss += part + saturated_loss(hs_scores, n_sat)
            loss_ns += part_ns + saturated_loss(ns_scores, n_nsat)
            n_sat = 0
            n_nsat = 0
            path_rows += pu
            neg_rows += nu
            h = radd(h, e)
            acc = radd(acc, e)
        f = lockf[w] if locked else np.float32(1.0)
        add_to_rows(syn0, sub_rows, a, b, acc, f, z)
    else:
        h = z
        m = 0
        for k in range(n_ctx):
            c = ctx[k]
            for q in range(sub_offsets[c], sub_offsets[c + 1]):
                h = radd(h, rload(syn0, sub_rows[q], z))
            m += sub_offsets[c + 1] - sub_offsets[c]
        h = rscale(np.float32(1.0 / m), h)
        _draw_one(w, objectives, rng, negs, z)
        e, loss, loss_ns, n_sat, n_nsat, path_rows, neg_rows = _predict(
            h, z, w, a32, hs_scores, n_sat, negs, 0, ns_scores, n_nsat, objectives)
        for k in range(n_ctx):
            c = ctx[k]
            f = lockf[c] if locked else np.float32(1.0)
            add_to_rows(syn0, sub_rows, sub_offsets[c], sub_offsets[c + 1], e, f, z)
    return (loss + saturated_loss(hs_scores, n_sat), loss_ns + saturated_loss(ns_scores, n_nsat),
            path_rows, neg_rows)


@jit_inline
def _compose_mem(syn0, rows, a, b, out, i, blocks):
    """``out[i] += sum of rows syn0[rows[a:b]]``, streamed block by block (list order)."""
    for bl in range(len(blocks)):
        h = bload(out, i, bl)
        for q in range(a, b):
            h = badd(h, bload(syn0, rows[q], bl))
        bstore(out, i, bl, h)


@jit_inline
def _add_mem(syn0, rows, a, b, e, k, f, blocks):
    """``syn0[r] += f * e[k]`` for each row ``r`` of ``rows[a:b]`` (one FMA a float)."""
    fv = bsplat(f)
    for q in range(a, b):
        r = rows[q]
        for bl in range(len(blocks)):
            bstore(syn0, r, bl, bfma(fv, bload(e, k, bl), bload(syn0, r, bl)))


@jit_step
def _predict_mem(work, w, a32, scores, negs, at, objectives, blocks):
    """One prediction of ``w`` from row ``work[0]``, its error row in ``work[1]`` (zeroed
    here), streamed. Returns (loss, loss_ns, path_rows, noise_rows). (A call, not inlined:
    skip-gram and CBOW share one compiled copy.)"""
    path, noise, _ = objectives
    hs, syn1, codes, points, offsets = path
    negative, syn1neg, neg_prob, neg_alias, neg_map = noise
    third = scores.shape[0] // 3
    hs_sat = scores[:third]
    ns_sat = scores[third:2 * third]
    gs = scores[2 * third:]
    e = work[1:]
    szero(e, 0, blocks)
    loss = 0.0
    loss_ns = 0.0
    plen = 0
    nupd = 0
    if hs:
        start = offsets[w]
        plen = offsets[w + 1] - start
        part, n_sat = hs_steps_mem(work, 0, syn1, codes, points, start, plen, a32, hs_sat, 0,
                                   gs, blocks)
        spath(work, 0, e, syn1, points, start, plen, gs, blocks)
        loss += part + saturated_loss(hs_sat, n_sat)
    if negative > 0:
        nupd, step = ns_group_size(negs, at)
        part = 0.0
        n_sat = 0
        for d0 in range(0, nupd, step):  # (see ns_group_mem)
            part, n_sat = ns_group_mem(work, 0, syn1neg, negs, at, d0, step, a32, part, ns_sat,
                                       n_sat, gs, blocks)
            spath(work, 0, e, syn1neg, negs, at + 1 + d0, step, gs[d0:], blocks)
        loss_ns += part + saturated_loss(ns_sat, n_sat)
    return loss, loss_ns, plen, nupd


@jit_inline
def _sub_streamed(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf, objectives,
                  sub, work):
    """:func:`subword_update` with the rows streamed from memory (rows too wide for the
    target's registers): ``work[0]`` the input ``h``, ``work[1]`` a prediction's error row,
    ``work[2]`` their sum. The arithmetic of :func:`_sub_registers`."""
    sub_offsets, sub_rows = sub
    a32 = np.float32(alpha)
    loss = 0.0
    loss_ns = 0.0
    path_rows = 0
    neg_rows = 0
    locked = lockf.shape[0] > 0
    szero(work, 0, blocks)
    if sg:
        a, b = sub_offsets[w], sub_offsets[w + 1]
        _compose_mem(syn0, sub_rows, a, b, work, 0, blocks)
        inv = bsplat(np.float32(1.0 / (b - a)))
        for bl in range(len(blocks)):
            bstore(work, 0, bl, bmul(inv, bload(work, 0, bl)))
        szero(work, 2, blocks)
        _draw_all(ctx, n_ctx, objectives, rng, negs, rzero(blocks))
        at = np.int64(0)
        for k in range(n_ctx):
            part, part_ns, pu, nu = _predict_mem(work, ctx[k], a32, scores, negs, at,
                                                 objectives, blocks)
            if objectives[1][0] > 0:
                at += 1 + negs[at]
            loss += part
            loss_ns += part_ns
            path_rows += pu
            neg_rows += nu
            for bl in range(len(blocks)):  # h += e; acc += e
                e = bload(work, 1, bl)
                bstore(work, 0, bl, badd(bload(work, 0, bl), e))
                bstore(work, 2, bl, badd(bload(work, 2, bl), e))
        f = lockf[w] if locked else np.float32(1.0)
        _add_mem(syn0, sub_rows, a, b, work, 2, f, blocks)
    else:
        m = 0
        for k in range(n_ctx):
            c = ctx[k]
            _compose_mem(syn0, sub_rows, sub_offsets[c], sub_offsets[c + 1], work, 0, blocks)
            m += sub_offsets[c + 1] - sub_offsets[c]
        inv = bsplat(np.float32(1.0 / m))
        for bl in range(len(blocks)):
            bstore(work, 0, bl, bmul(inv, bload(work, 0, bl)))
        _draw_one(w, objectives, rng, negs, rzero(blocks))
        # (at = np.int64(0), not a literal 0: numba would compile _predict_mem again for it)
        loss, loss_ns, path_rows, neg_rows = _predict_mem(work, w, a32, scores, negs,
                                                          np.int64(0), objectives, blocks)
        for k in range(n_ctx):
            c = ctx[k]
            f = lockf[c] if locked else np.float32(1.0)
            _add_mem(syn0, sub_rows, sub_offsets[c], sub_offsets[c + 1], work, 1, f, blocks)
    return loss, loss_ns, path_rows, neg_rows
