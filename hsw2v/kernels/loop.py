"""The training loop over a chunk of the id stream, for every objective.

Each sentence piece is subsampled (word2vec's formula, precomputed in ``keep``), then each kept
word is trained with a reduced window ``window - b``, ``b`` uniform in ``[0, window)``, over the
kept words of its piece, with the objectives the run uses: hierarchical softmax
(:mod:`~hsw2v.kernels.hs`), negative sampling (:mod:`~hsw2v.kernels.ns`), both (their updates
add, as the word2vec C tool's ``-hs 1 -negative k``), or the exact softmax
(:mod:`~hsw2v.kernels.softmax`).

The arrays of an objective a run does not use are empty (0 rows), so every run calls one
compiled loop per row width.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hsw2v.kernels.hot import HOT_SYNC_UPDATES, merge_hot_rows
from hsw2v.kernels.context import add_to_context, context_mean, saturated_loss
from hsw2v.kernels.hs import cbow_update, hs_row, sg_update
from hsw2v.kernels.ns import cbow_ns_update, draw_all, ns_row, sg_ns_update
from hsw2v.kernels.policy import jit, jit_inline, jit_step
from hsw2v.kernels.rng import next_u64, next_uniform
from hsw2v.kernels.rows import (LANES, blocks_of, eprefetch, radd, rfma, rload, rprefetch,
                                rstore, rzero)
from hsw2v.kernels.softmax import softmax_row
from hsw2v.kernels.subwords import (prefetch_word_rows, ring_compose, ring_flush,
                                    subword_cbow_update, subword_sg_update)

#: Output rows a thread updates, for negative sampling, between two merges of its private copies
#: of the most frequent words' rows (see :data:`hsw2v.kernels.hot.HOT_NEG_ROWS`).
NEG_SYNC_UPDATES = 16384


class Reading(NamedTuple):
    """How a run reads its chunks (the same for every chunk of the run)."""

    #: int32 (P,): stream id -> vocabulary id, or ``-1`` for a word not in the vocabulary.
    remap: np.ndarray
    #: float64 (V,): probability of keeping each word under subsampling.
    keep: np.ndarray
    #: skip-gram if true, else CBOW.
    sg: bool
    #: maximum window (>= 1).
    window: int
    #: the vectors' dimension: the kernels skip the row blocks that hold only padding
    #: (:func:`~hsw2v.kernels.rows.blocks_of`); 0: they work on the whole row stride.
    dim: int = 0


class Rate(NamedTuple):
    """The learning rate over a chunk: ``alpha`` at its first word, less ``step`` per
    in-vocabulary word read, never below ``floor``."""

    alpha: float
    step: float
    floor: float


class Scratch(NamedTuple):
    """One thread's generator, scratch arrays and accumulators (each thread its own)."""

    #: uint64 (1,): the generator's state, advanced in place.
    rng: np.ndarray
    #: int32 (>= longest piece,): the kept words of a piece.
    sent: np.ndarray
    #: int32 (>= 2 * window,): context ids.
    ctx: np.ndarray
    #: float32 (>= (2 * window + 1) * (longest path + negative + 1),).
    scores: np.ndarray
    #: float32 (2 * window, S): error rows; with subwords at least ``4 * window + 3`` (skip-gram's
    #: ring of composed positions, :mod:`~hsw2v.kernels.subwords`) and at least 2.
    neu1e: np.ndarray
    #: float64 (>= 4,): accumulates [loss, predictions, words read, words trained] and, with
    #: both hierarchical softmax and negative sampling, ``stats[4]`` the negative-sampling loss
    #: (``stats[0]`` then holds the hierarchical softmax's).
    stats: np.ndarray


class Path(NamedTuple):
    """Hierarchical softmax: the inner-node rows and the flat Huffman paths."""

    #: float32 (V - 1, S): inner-node rows.
    syn1: np.ndarray
    #: uint8 (total,): code bits.
    codes: np.ndarray
    #: int32 (total,): inner nodes (a thread's ``points_t`` with ``hot``).
    points: np.ndarray
    #: int64 (V + 1,): where each word's path starts.
    offsets: np.ndarray
    #: this thread's private top rows (:func:`~hsw2v.kernels.hot.private_hot_rows`), or None.
    hot: tuple | None = None


class Noise(NamedTuple):
    """Negative sampling: ``negative`` noise words per prediction from an alias table."""

    negative: int
    #: float32 (>= V, S): output rows.
    syn1neg: np.ndarray
    #: float64, int32 (V,): the noise distribution's alias table.
    prob: np.ndarray
    alias: np.ndarray
    #: int32 (V,): word -> row of ``syn1neg`` for this thread (None: the identity).
    neg_map: np.ndarray | None = None
    #: this thread's private rows of ``syn1neg`` (:func:`~hsw2v.kernels.hot.private_neg_rows`).
    hot: tuple | None = None


class Softmax(NamedTuple):
    """The exact softmax: every word's output row, and scratch for the probabilities."""

    #: float32 (V, S): output rows.
    syn1sm: np.ndarray
    #: float64 (>= V,): scratch.
    probs: np.ndarray


def train_chunk(ids, syn0, reading, rate, scratch, *, path=None, noise=None, softmax=None,
                lockf=None, subwords=None):
    """Train on every sentence piece of a chunk of the encoded corpus.

    This checks the row layout and calls the jitted :func:`train_rows` (compiled once per row
    width and kind of run). The objectives are the groups given: ``path``, ``noise``,
    ``softmax`` (hierarchical softmax and negative sampling may go together; at least one).

    Parameters
    ----------
    ids : int32 (n,)        stream entries; ``-1`` ends a piece, the chunk ends with ``-1``.
    syn0 : float32 (V, S)   input rows as made by :func:`~hsw2v.kernels.rows.padded_rows` (S a
                            multiple of 16), updated in place (Hogwild: other threads may write).
    reading : Reading       the run's vocabulary map, subsampling, model, window and dim.
    rate : Rate             the learning rate.
    scratch : Scratch       this thread's generator, scratch and accumulators.
    path : Path, optional   hierarchical softmax.
    noise : Noise, optional negative sampling.
    softmax : Softmax, optional  the exact softmax.
    lockf : float32 (V,), optional   per-word factor of the input rows' updates: 0 keeps a
                            word's vector fixed (gensim's ``lockf``), 1 trains it.
    subwords : tuple, optional  ``(offsets, rows)``: int64 (V + 1,) and int32 (total,), each
                            word's rows of ``syn0`` (its own, then its n-grams', which follow
                            the V word rows): the input vector is their mean
                            (:mod:`~hsw2v.kernels.subwords`). ``syn0`` then has V + U rows.

    Returns
    -------
    int
        In-vocabulary words read.
    """
    remap, keep, sg, window, dim = reading
    sg, window = bool(sg), int(window)
    rng, sent, ctx, scores, neu1e, stats = scratch
    if ids.flags.writeable:
        # The trainer's chunks are read-only (the id stream); numba compiles a loop per
        # flag, so an array from elsewhere is passed as a read-only view: one loop for both.
        ids = ids.view()
        ids.flags.writeable = False
    width = syn0.shape[1]
    empty = _empty_rows(width)
    hs = path is not None
    syn1, codes, points, offsets, hot = (
        (empty, _NO_U8, _NO_I32, _NO_I64_1, None) if path is None else path)
    negative = 0 if noise is None else int(noise.negative)
    syn1neg, neg_prob, neg_alias, neg_map, neg_hot = (
        (empty, _NO_F64, _NO_I32, None, None) if noise is None else noise[1:])
    syn1sm, probs = (empty, _NO_F64) if softmax is None else softmax
    for name, a in (("syn0", syn0), ("syn1", syn1), ("neu1e", neu1e), ("syn1neg", syn1neg),
                    ("syn1sm", syn1sm)):
        if a.ndim != 2 or a.shape[1] % LANES or not a.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous rows of a multiple of {LANES} floats "
                             f"(see kernels.padded_rows), got shape {a.shape}")
        if a.shape[1] != width:
            raise ValueError("syn0, syn1, syn1neg, syn1sm and neu1e must have the same row stride")
    n_words = syn0.shape[0]
    if subwords is not None:
        sub_offsets, sub_rows = subwords
        n_words = sub_offsets.shape[0] - 1
        if neu1e.shape[0] < max(4 * window + 3 if sg else 2, 2):
            raise ValueError("neu1e needs 4 * window + 3 rows with subwords (2 with CBOW)")
        if (sub_offsets.dtype != np.int64 or sub_rows.dtype != np.int32 or n_words > syn0.shape[0]
                or (len(sub_rows) and not 0 <= sub_rows.min() <= sub_rows.max() < syn0.shape[0])):
            raise ValueError("subwords must be int64 offsets (V + 1,) and int32 rows of syn0")
    else:
        sub_offsets, sub_rows = _NO_I64, _NO_I32
    if hs and syn1.shape[0] < n_words - 1:
        raise ValueError("hierarchical softmax needs syn1 rows for the V - 1 inner nodes")
    if negative > 0:
        if syn1neg.shape[0] < n_words:
            raise ValueError("negative sampling needs syn1neg (V rows) and the alias table")
        if neg_map is None:
            neg_map = _identity(n_words)
    else:
        neg_prob, neg_alias, neg_map = _NO_F64, _NO_I32, _NO_I32
    if softmax is not None:
        if syn1sm.shape[0] != n_words or probs.shape[0] < n_words:
            raise ValueError("the exact softmax needs syn1sm (V rows) and probs (V,) scratch")
    if hs and negative > 0 and stats.shape[0] < 5:
        raise ValueError("stats needs 5 entries with both hs and negative sampling")
    if lockf is None:
        lockf = _NO_F32
    elif lockf.shape != (n_words,) or lockf.dtype != np.float32:
        raise ValueError("lockf must be float32 (V,)")
    if not (hs or negative > 0 or softmax is not None):
        raise ValueError("no objective to train: path, noise with negative > 0, or softmax")
    top, own, base, first = (0, 0, empty, 0) if hot is None else hot
    ntop, nown, nbase, nfirst = (0, 0, empty, 0) if neg_hot is None else neg_hot
    if subwords is not None:
        rows = train_rows_sub_sg if sg else train_rows_sub_cbow
    elif hs and negative == 0 and softmax is None:
        rows = train_rows_hs_sg if sg else train_rows_hs_cbow
    elif negative > 0 and not hs and softmax is None:
        rows = train_rows_ns_sg if sg else train_rows_ns_cbow
    else:
        rows = train_rows
    alpha, alpha_step, min_alpha = (float(x) for x in rate)  # (an int would compile anew)
    return rows((ids, remap, keep, syn0, sg, window, alpha, alpha_step, min_alpha, rng, sent, ctx,
                 scores, neu1e, stats, blocks_of(syn0, dim)),
                (hs, syn1, codes, points, offsets, top, own, base, first,
                 HOT_SYNC_UPDATES["sg" if sg else "cbow"]),
                (negative, syn1neg, neg_prob, neg_alias, neg_map, ntop, nown, nbase, nfirst,
                 NEG_SYNC_UPDATES),
                (softmax is not None, syn1sm, probs, lockf), (sub_offsets, sub_rows))


_EMPTY: dict[int, np.ndarray] = {}
_IDENTITY: dict[int, np.ndarray] = {}
_NO_F64 = np.zeros(0, np.float64)
_NO_I64 = np.zeros(0, np.int64)
_NO_I32 = np.zeros(0, np.int32)
_NO_F32 = np.zeros(0, np.float32)
_NO_U8 = np.zeros(0, np.uint8)
_NO_I64_1 = np.zeros(1, np.int64)


def _empty_rows(width: int) -> np.ndarray:
    if width not in _EMPTY:
        _EMPTY[width] = np.zeros((0, width), np.float32)
    return _EMPTY[width]


def _identity(n: int) -> np.ndarray:
    if n not in _IDENTITY:
        _IDENTITY[n] = np.arange(n, dtype=np.int32)
    return _IDENTITY[n]


@jit_inline
def predict(x, e, w, a32, scores, n_sat, negs, at, nscores, n_nsat, path, noise, sm):
    """Every objective of the run for one prediction of word ``w`` from the input row ``x``
    (negative sampling: with the rows drawn at ``negs[at]``, see
    :func:`~hsw2v.kernels.ns.draw_negatives`). The objectives' groups: ``path`` = (hs, syn1,
    codes, points, offsets), ``noise`` = (negative, syn1neg, prob, alias, neg_map), ``sm`` =
    (softmax, syn1sm, probs) (see :func:`mixed_update`).

    Saturated decisions go to ``scores`` (hierarchical softmax) and ``nscores`` (negative
    sampling) for the caller to add their exact loss after its loop.

    Returns
    -------
    (e, loss, loss_ns, n_sat, n_nsat, path_updates, neg_updates)
    """
    hs, syn1, codes, points, offsets = path
    negative, syn1neg = noise[0], noise[1]
    softmax, syn1sm, probs = sm
    loss = 0.0
    loss_ns = 0.0
    plen = 0
    nupd = 0
    if hs:
        start = offsets[w]
        plen = offsets[w + 1] - start
        e, part, n_sat = hs_row(x, e, syn1, codes, points, start, plen, a32, scores, n_sat)
        loss += part
    if negative > 0:
        e, part, n_nsat, nupd = ns_row(x, e, syn1neg, negs, at, a32, nscores, n_nsat)
        loss_ns += part
    if softmax:
        e, part = softmax_row(x, e, syn1sm, w, a32, probs)
        loss += part
    return e, loss, loss_ns, n_sat, n_nsat, plen, nupd


@jit_step
def mixed_update(syn0, ctx, n_ctx, w, sg, alpha, scores, negs, blocks, rng, lockf, objectives):
    """One center word with any objectives but plain hierarchical softmax or plain negative
    sampling (which have the tuned :func:`~hsw2v.kernels.hs.sg_update`,
    :func:`~hsw2v.kernels.hs.cbow_update`, :func:`~hsw2v.kernels.ns.sg_ns_update` and
    :func:`~hsw2v.kernels.ns.cbow_ns_update`).

    Skip-gram: each context row predicts ``w`` and gets the summed error row of every objective;
    CBOW: the mean of the context rows predicts ``w`` once and the error row is added to every
    context row, as in word2vec.

    Parameters
    ----------
    scores : float32 (>= n_ctx * (path length + negative + 1),)  scratch.
    negs : int64 (>= n_ctx * (negative + 2),)  scratch.
    lockf : float32 (V,) or (0,)     per-word factor of the input rows' updates (0 freezes).
    objectives : tuple   ``(path, noise, sm)``, one group per objective:
                         ``path = (hs, syn1, codes, points, offsets)`` (train hierarchical
                         softmax?, inner-node rows, flat Huffman codes and points, int64
                         offsets (V + 1,)); ``noise = (negative, syn1neg, prob, alias,
                         neg_map)`` (see :func:`~hsw2v.kernels.ns.sg_ns_update`);
                         ``sm = (softmax, syn1sm, probs)`` (train the exact softmax?, its
                         output rows, float64 (V,) scratch).

    Returns
    -------
    (loss, ns_loss, path_rows, output_rows) : (float, float, int, int)
        This word's loss and negative-sampling loss (saturated decisions' exact loss included)
        and the path and output rows it updated.
    """
    path, noise, sm = objectives
    hs, offsets = path[0], path[4]
    negative = noise[0]
    z = rzero(blocks)
    a32 = np.float32(alpha)
    plen = offsets[w + 1] - offsets[w] if hs else 0
    split = n_ctx * plen if sg else plen
    hs_scores = scores[:split]
    ns_scores = scores[split:]
    draw_all(w, n_ctx if sg else 1, noise, rng, negs, z)
    at = 0
    loss = 0.0
    loss_ns = 0.0
    n_sat = 0
    n_nsat = 0
    path_rows = 0
    neg_rows = 0
    if sg:
        for k in range(n_ctx):
            c = ctx[k]
            x = rload(syn0, c, z)
            e, part, part_ns, n_sat, n_nsat, pu, nu = predict(
                x, z, w, a32, hs_scores, n_sat, negs, at, ns_scores, n_nsat, path, noise, sm)
            if negative > 0:
                at += 1 + negs[at]
            loss += part
            loss_ns += part_ns
            path_rows += pu
            neg_rows += nu
            if lockf.shape[0] > 0:  # x + f * e, one FMA (as the streamed kernels)
                rstore(syn0, c, rfma(lockf[c], e, rload(syn0, c, z)))
            else:
                rstore(syn0, c, radd(rload(syn0, c, z), e))
    else:
        h = context_mean(syn0, ctx, n_ctx, z)
        e, loss, loss_ns, n_sat, n_nsat, path_rows, neg_rows = predict(
            h, z, w, a32, hs_scores, n_sat, negs, 0, ns_scores, n_nsat, path, noise, sm)
        add_to_context(syn0, ctx, n_ctx, e, lockf, z)
    return (loss + saturated_loss(hs_scores, n_sat), loss_ns + saturated_loss(ns_scores, n_nsat),
            path_rows, neg_rows)


def _loop_for(kind, sg_kind):
    """The training loop of one kind of run, as a function for :data:`jit` to compile
    (:func:`train_chunk` calls one of the entry points below).

    ``kind`` (0: plain hierarchical softmax, 1: plain negative sampling, 2: any objectives,
    3: any objectives with subword rows) and ``sg_kind`` (1: skip-gram) are constants of the
    closure: numba prunes the branches of the other kinds before typing, so a run compiles
    only its own steps (the loop is not an inlined helper: inlining copied its IR, ~0.6 s
    of a first run).
    """
    def loop(run, hs_args, ns_args, sm_args, sub):
        """The loop of :func:`train_chunk` (its arguments in four groups: the run's, hierarchical
        softmax's, negative sampling's, the exact softmax's and ``lockf``, as the entry points
        below pass them); ``blocks`` is ``blocks_of(syn0)``; ``sub``: each word's rows (see
        :mod:`~hsw2v.kernels.subwords`). ``kind`` and ``sg_kind`` are the
        closure's constants (see :func:`_loop_for`), so the branches another kind takes are
        pruned before typing and their steps never compiled: a run compiles only its own.

        While a word trains, the rows the next word needs (its path in ``syn1``, the context
        word entering the window, with subwords its n-gram rows) are prefetched, and the
        arrays that say where those rows are a word or two before. If ``base`` (``nbase``) has
        rows, this thread's private rows of ``syn1`` (``syn1neg``) are merged
        (:func:`~hsw2v.kernels.hot.merge_hot_rows`) once ``sync_every`` (``neg_sync_every``) of
        those rows have been updated since the last merge, and at the end.

        Returns
        -------
        int
            In-vocabulary words read.
        """
        (ids, remap, keep, syn0, sg, window, alpha, alpha_step, min_alpha, rng, sent, ctx, scores,
         neu1e, stats, blocks) = run
        (hs, syn1, codes, points, offsets, top, own, base, first, sync_every) = hs_args
        (negative, syn1neg, neg_prob, neg_alias, neg_map, ntop, nown, nbase, nfirst,
         neg_sync_every) = ns_args
        (softmax, syn1sm, probs, lockf) = sm_args
        sub_offsets, sub_rows = sub
        # the objectives' groups the steps take
        noise = (negative, syn1neg, neg_prob, neg_alias, neg_map)
        objectives = ((hs, syn1, codes, points, offsets), noise, (softmax, syn1sm, probs))
        z = rzero(blocks)
        negs = np.empty(2 * window * (negative + 2), np.int64)
        nslots = np.int64(2 * window + 1)  # (skip-gram with subwords: the ring's slots)
        locked = lockf.shape[0] > 0
        n = ids.shape[0]
        since = 0
        nsince = 0
        seen = 0
        trained = 0
        # The losses are running sums continued from ``stats`` (not a sum per call added at its
        # end): the same words give the same float64 sums however a run cuts its kernel calls
        # (a thread's claims, a cluster's rounds). With both hs and ns each objective has its own.
        mixed = hs and negative > 0
        loss = stats[0]
        loss_ns = stats[4] if mixed else 0.0
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
            if kind == 3 and sg_kind == 1:
                # skip-gram with subwords: each position's composed vector enters a ring of
                # 2 * window + 1 slots before its first prediction (the widest window) and its
                # summed error leaves for its rows after the last (see kernels.subwords)
                for j in range(min(window, length)):
                    ring_compose(syn0, sub_offsets, sub_rows, sent[j], neu1e, j % nslots,
                                 nslots, blocks)
            for pos in range(length):
                b = np.int64(next_u64(rng) % np.uint64(window))
                lo = pos - window + b
                if lo < 0:
                    lo = 0
                hi = pos + window + 1 - b
                if hi > length:
                    hi = length
                k = np.int64(0)  # not a literal 0: numba would compile each step for it too
                if kind == 3 and sg_kind == 1:
                    for j in range(lo, hi):
                        if j != pos:
                            ctx[k] = j % nslots  # the ring slots of the context positions
                            k += 1
                    # (the flush first: the position leaving and the one entering share a slot)
                    old = pos - window - 1
                    if old >= 0:
                        c = sent[old]
                        ring_flush(syn0, sub_offsets, sub_rows, c, neu1e, old % nslots, nslots,
                                   lockf[c] if locked else np.float32(1.0), blocks)
                    new = pos + window
                    if new < length:
                        ring_compose(syn0, sub_offsets, sub_rows, sent[new], neu1e,
                                     new % nslots, nslots, blocks)
                else:
                    for j in range(lo, hi):
                        if j != pos:
                            ctx[k] = sent[j]
                            k += 1
                if kind == 3:
                    # the rows of the word that the window takes in next (skip-gram composes
                    # it, CBOW averages it): random rows of a large matrix (n-grams), each a
                    # likely cache miss; fetched while this word trains, their row numbers one
                    # word before that, and where those start one word before that
                    if pos + window + 3 < length:
                        eprefetch(sub_offsets, sent[pos + window + 3])
                    if pos + window + 2 < length:
                        nxt = sent[pos + window + 2]
                        for q in range(sub_offsets[nxt], sub_offsets[nxt + 1], 16):
                            eprefetch(sub_rows, q)
                    if pos + window + 1 < length:
                        prefetch_word_rows(syn0, sub_offsets, sub_rows, sent[pos + window + 1], z)
                    if sg_kind == 1 and pos >= window:
                        # the rows the next flush adds to: composed 2 * window words ago
                        prefetch_word_rows(syn0, sub_offsets, sub_rows, sent[pos - window], z)
                if hs and pos + 2 < length:
                    # a chain of misses fetched in stages: where the path three words ahead
                    # starts; the path after next's row numbers and code bits; the next path's
                    # rows (below)
                    if pos + 3 < length:
                        eprefetch(offsets, sent[pos + 3])
                    q = offsets[sent[pos + 2]]
                    eprefetch(points, q)
                    eprefetch(codes, q)
                if pos + 1 < length:
                    nxt = sent[pos + 1]
                    if hs:
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
                if nsince >= neg_sync_every and nbase.shape[0] > 0:
                    merge_hot_rows(syn1neg, ntop, nown, nbase, nfirst, blocks)
                    nsince = 0
                if kind == 0:
                    if sg_kind == 1:
                        loss += sg_update(syn0, syn1, ctx, k, codes, points, offsets[w],
                                          offsets[w + 1], a, scores, neu1e, blocks, lockf)
                        since += k * (offsets[w + 1] - offsets[w])
                    else:
                        loss += cbow_update(syn0, syn1, ctx, k, codes, points, offsets[w],
                                            offsets[w + 1], a, scores, neu1e, blocks, lockf)
                        since += offsets[w + 1] - offsets[w]
                elif kind == 1:
                    if sg_kind == 1:
                        part_ns, m = sg_ns_update(syn0, ctx, k, w, rng, a, scores, neu1e, negs,
                                                  blocks, lockf, noise)
                    else:
                        part_ns, m = cbow_ns_update(syn0, ctx, k, w, rng, a, scores, neu1e, negs,
                                                    blocks, lockf, noise)
                    loss += part_ns  # (never mixed: the one loss)
                    nsince += np.int64(m)
                else:
                    if kind == 3 and sg_kind == 1:
                        part, part_ns, pu, nu = subword_sg_update(neu1e, ctx, k, w, nslots, a,
                                                                  scores, negs, blocks, rng,
                                                                  objectives)
                    elif kind == 3:
                        part, part_ns, pu, nu = subword_cbow_update(syn0, ctx, k, w, a, scores,
                                                                    negs, blocks, rng, lockf,
                                                                    objectives, sub, neu1e)
                    else:
                        part, part_ns, pu, nu = mixed_update(syn0, ctx, k, w, sg, a, scores,
                                                             negs, blocks, rng, lockf, objectives)
                    loss += part
                    if mixed:
                        loss_ns += part_ns
                    else:
                        loss += part_ns
                    since += np.int64(pu)
                    nsince += np.int64(nu)
                pairs += k if sg else 1
            if kind == 3 and sg_kind == 1:
                for j in range(max(0, length - window - 1), length):
                    c = sent[j]
                    ring_flush(syn0, sub_offsets, sub_rows, c, neu1e, j % nslots, nslots,
                               lockf[c] if locked else np.float32(1.0), blocks)
            trained += length
        if base.shape[0] > 0:
            merge_hot_rows(syn1, top, own, base, first, blocks)
        if nbase.shape[0] > 0:
            merge_hot_rows(syn1neg, ntop, nown, nbase, nfirst, blocks)
        stats[0] = loss
        if mixed:
            stats[4] = loss_ns
        stats[1] += pairs
        stats[2] += seen
        stats[3] += trained
        return seen
    return loop


# Entry points of the loop, one per kind of run (see :func:`_loop_for`; they take the loop's
# arguments in its four groups): each compiles only the steps it calls (a first run compiled all
# of them).

#: The loop for any objectives (``sg`` at run time).
train_rows = jit(_loop_for(2, 0))


#: The loop for skip-gram with hierarchical softmax alone.
train_rows_hs_sg = jit(_loop_for(0, 1))


#: The loop for CBOW with hierarchical softmax alone.
train_rows_hs_cbow = jit(_loop_for(0, 0))


#: The loop for skip-gram with negative sampling alone.
train_rows_ns_sg = jit(_loop_for(1, 1))


#: The loop for CBOW with negative sampling alone.
train_rows_ns_cbow = jit(_loop_for(1, 0))


#: The loops with subword rows, any objectives: skip-gram, CBOW.
train_rows_sub_sg = jit(_loop_for(3, 1))
train_rows_sub_cbow = jit(_loop_for(3, 0))
