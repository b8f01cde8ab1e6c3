"""Numba kernels of phrase detection: counting adjacent word pairs, scoring them, joining them.

Imports nothing else from the package but the shared JIT options; arrays and numbers only.
(Kept apart from :mod:`hsw2v.kernels` for now; it belongs in the kernels package.)

Pair tables
-----------
Word pairs are counted in an open-addressing hash table that *is* the storage: an int64 array
of shape (C, 2), ``C`` a power of two, row ``j`` holding ``(key, count)`` with
``key = a << 32 | b`` for the pair of word ids ``(a, b)`` (ids are below 2**31, so a key is
never negative) and ``key == -1`` for an empty row. A lookup touches one 16-byte row (no index
array to go through first), which matters because a corpus has about as many distinct pairs
as tokens and nearly every lookup misses the cache. Rows are probed linearly; callers keep
the table at most half full, so probe runs stay short and a lookup always ends at an empty row.

Id streams are those of :func:`hsw2v.kernels.scan_tokens`: int32 word ids with -1 where a
sentence ends. A pair never spans a -1.
"""
from __future__ import annotations

import math

import numpy as np

from hsw2v.kernels.policy import jit

#: ``scoring`` codes of :func:`pair_scores`.
WORD2VEC = 0
NPMI = 1

_MULT = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: spreads consecutive keys


@jit
def pair_slot(table, key):
    """Row of ``table`` that holds ``key``, or the empty row where it would go.

    Parameters
    ----------
    table : int64 (C, 2)
        A pair table (see the module's header) with at least one empty row.
    key : int
        ``a << 32 | b``.
    """
    mask = np.uint64(table.shape[0] - 1)
    h = np.uint64(key) * _MULT
    j = (h ^ (h >> np.uint64(32))) & mask
    while True:
        k = table[j, 0]
        if k == key or k == -1:
            return j
        j = (j + np.uint64(1)) & mask


@jit
def pair_count(ids, prev, table, used):
    """Count every adjacent pair of ``ids`` not separated by -1.

    Parameters
    ----------
    ids : int32 (n,)
        Word ids, -1 where a sentence ends.
    prev : int
        The id before ``ids[0]`` in the same sentence (the end of the previous block), or -1.
    table : int64 (C, 2)
        Pair table, updated in place; the caller makes room first: ``2 * (used[0] + n) <= C``.
    used : int64 (1,)
        Rows in use, updated in place.

    Returns
    -------
    int
        The last id of ``ids`` if its sentence goes on into the next block, else -1.
    """
    n_used = used[0]
    for i in range(ids.shape[0]):
        b = ids[i]
        if b >= 0 and prev >= 0:
            key = (np.int64(prev) << 32) | np.int64(b)
            j = pair_slot(table, key)
            if table[j, 0] == -1:
                table[j, 0] = key
                table[j, 1] = 1
                n_used += 1
            else:
                table[j, 1] += 1
        prev = b
    used[0] = n_used
    return prev


@jit
def pair_reinsert(old, new, keep_above, remap):
    """Insert the pairs of ``old`` seen more than ``keep_above`` times into ``new``.

    Growing a table (``keep_above = 0``, ``remap`` empty) and pruning it after the word ids
    were renumbered (``remap`` maps old ids to new ones, -1 for a dropped word, whose pairs
    are dropped too) are the same loop.

    Parameters
    ----------
    old : int64 (C, 2)
        Pair table, read.
    new : int64 (C2, 2)
        Empty pair table (all keys -1), more than twice as long as the pairs kept; filled.
    keep_above : int
        Pairs with a count at most this are left out.
    remap : int64 (V,) or (0,)
        Old word id -> new word id (-1: drop); empty for ids unchanged.

    Returns
    -------
    int
        Pairs inserted.
    """
    n = 0
    for j in range(old.shape[0]):
        key = old[j, 0]
        count = old[j, 1]
        if key == -1 or count <= keep_above:
            continue
        if remap.shape[0] > 0:
            a = remap[key >> 32]
            b = remap[key & 0xFFFFFFFF]
            if a < 0 or b < 0:
                continue
            key = (np.int64(a) << 32) | np.int64(b)
        s = pair_slot(new, key)
        new[s, 0] = key
        new[s, 1] = count
        n += 1
    return n


@jit
def pair_scores(table, word_counts, total, min_count, threshold, scoring, out_a, out_b,
                out_count, out_score):
    """Score every pair of ``table`` and list those whose score passes ``threshold``.

    ``scoring`` :data:`WORD2VEC`: ``(n_ab - min_count) / (n_a * n_b) * total`` (word2phrase's
    score; the float operations in gensim's order, so scores agree up to the last bit the
    shared fastmath flags may change). :data:`NPMI`:
    ``ln(p_ab / (p_a * p_b)) / -ln(p_ab)`` with ``p = n / total``, only for pairs seen at least
    ``min_count`` times (gensim's ``npmi_scorer``), clamped to -1..1 (rounding can exceed 1 by
    an ulp; gensim does not clamp). A pair passes when its score is strictly greater than
    ``threshold``.

    Parameters
    ----------
    table : int64 (C, 2)
        Pair table.
    word_counts : int64 (V,)
        Count of each word id.
    total : int
        Tokens in the corpus (N).
    min_count : int
    threshold : float
    scoring : int
        :data:`WORD2VEC` or :data:`NPMI`.
    out_a, out_b : int64 (P,)
        Out: the pairs that pass, P at least the pairs in ``table``.
    out_count : int64 (P,)
        Out: their counts.
    out_score : float64 (P,)
        Out: their scores.

    Returns
    -------
    int
        Pairs that pass (the filled length of the outputs), in table order.
    """
    n = 0
    ftotal = float(total)
    for j in range(table.shape[0]):
        key = table[j, 0]
        if key == -1:
            continue
        a = key >> 32
        b = key & 0xFFFFFFFF
        c = table[j, 1]
        na = word_counts[a]
        nb = word_counts[b]
        if scoring == WORD2VEC:
            score = (c - min_count) / float(na * nb) * ftotal
        else:
            if c < min_count:
                continue
            pa = na / ftotal
            pb = nb / ftotal
            pab = c / ftotal
            score = math.log(pab / (pa * pb)) / -math.log(pab)
            # NPMI lies in -1..1; rounding can put words seen only together at 1 + 1 ulp,
            # which would let threshold 1 join them
            score = min(1.0, max(-1.0, score))
        if score > threshold:
            out_a[n] = a
            out_b[n] = b
            out_count[n] = c
            out_score[n] = score
            n += 1
    return n


@jit
def join_pairs(ids, n_words, table, offsets, lengths, arena, delimiter, out, state):
    """Write the tokens of ``ids`` as text, joining the pairs of ``table`` with ``delimiter``.

    Greedy, left to right (as word2phrase and gensim): a token joined to the one before it is
    not joined to the one after. Tokens are separated by one space, sentences end with a
    newline (each -1 of ``ids``).

    Parameters
    ----------
    ids : int32 (n,)
        Token ids, -1 where a sentence ends; ids at or past ``n_words`` are never joined.
    n_words : int
        Word ids that may be part of a pair (those of ``table``'s keys).
    table : int64 (C, 2)
        Pair table of the pairs to join (counts unused).
    offsets : int64 (T,), lengths : int32 (T,), arena : uint8 (A,)
        Token ``t`` is ``arena[offsets[t]:offsets[t] + lengths[t]]`` (UTF-8).
    delimiter : uint8 (d,)
        Joins a pair (UTF-8 bytes).
    out : uint8 (m,)
        Out: the text; long enough for every token, its separator and every newline.
    state : int64 (3,)
        Carried from block to block, updated in place: the previous token's id if it may start
        a pair, else -1; 1 at the start of a sentence, else 0; pairs joined so far.

    Returns
    -------
    int
        Bytes of ``out`` written.
    """
    prev = state[0]
    at_start = state[1]
    joins = state[2]
    m = 0
    d = delimiter.shape[0]
    for i in range(ids.shape[0]):
        t = ids[i]
        if t < 0:
            out[m] = 10  # '\n'
            m += 1
            prev = -1
            at_start = 1
            continue
        word = t < n_words
        if at_start:
            at_start = 0
            prev = t if word else -1
        elif prev >= 0 and word and table[pair_slot(table, (prev << 32) | np.int64(t)), 0] != -1:
            for q in range(d):
                out[m + q] = delimiter[q]
            m += d
            joins += 1
            prev = -1  # a joined token does not start another pair
        else:
            out[m] = 32  # ' '
            m += 1
            prev = t if word else -1
        o = offsets[t]
        for q in range(lengths[t]):
            out[m + q] = arena[o + q]
        m += lengths[t]
    state[0] = prev
    state[1] = at_start
    state[2] = joins
    return m
