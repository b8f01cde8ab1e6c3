"""Rounds of training on a cluster: the rows a round changed, and their combination.

:mod:`hsw2v.distributed` trains a model in synchronous rounds: each worker trains its slice
from the same model, sends back the rows it changed, and the driver combines them. These
kernels do the per-row work of both sides in one pass each (the NumPy versions spent more time
on fancy indexing, ``np.unique`` and ``np.add.at`` than the round's training on small rounds).
"""
import numpy as np

from hsw2v.kernels.policy import jit

#: Combination rules of :func:`combine_rows` (``--combine``).
MIXED, SUM, AVERAGE, WEIGHTED = 0, 1, 2, 3


@jit
def path_counts(n0, offsets, points, n1):
    """Add to each inner node the occurrences of the words whose paths pass through it.

    Parameters
    ----------
    n0 : int64 (V,)               occurrences of each word.
    offsets : int64 (V + 1,)      word ``w``'s path is ``points[offsets[w]:offsets[w + 1]]``.
    points : int32 (P,)           inner-node ids of the paths.
    n1 : int64 (V - 1,)           receives the sums (added to).
    """
    for w in range(n0.shape[0]):
        c = n0[w]
        if c != 0:
            for q in range(offsets[w], offsets[w + 1]):
                n1[points[q]] += c


@jit
def take_changed(work, base, cand, rows_out, vals_out):
    """Collect the candidate rows where ``work`` differs from ``base``, and reset them.

    Parameters
    ----------
    work : float32 (N, D)       the rows after a round (a view of padded rows is fine).
    base : float32 (N, D)       the rows before it.
    cand : int64 (k,)           rows the round may have changed, increasing.
    rows_out : int32 (>= k,)    receives the changed rows, increasing.
    vals_out : float32 (>= k, D) receives their values in ``work``.

    Returns
    -------
    int
        How many rows changed; those rows of ``work`` are ``base``'s again.
    """
    dim = work.shape[1]
    k = 0
    for i in range(cand.shape[0]):
        r = cand[i]
        changed = False
        for d in range(dim):
            # NaN != NaN: a row that diverged counts as changed (and is sent)
            if work[r, d] != base[r, d]:
                changed = True
                break
        if changed:
            rows_out[k] = r
            for d in range(dim):
                vals_out[k, d] = work[r, d]
                work[r, d] = base[r, d]
            k += 1
    return k


@jit
def take_delta(work, base, pos, own, cand, rows_out, vals_out):
    """Collect the candidate rows a round changed as float32 differences, and reset them.

    The round started from ``base`` plus the slot's own changes of its previous round
    (``own``, not yet in ``base``: rounds that overlap the combining, see
    ``hsw2v.distributed``). A row's start is ``base + own`` in float32, as it was set.

    Parameters
    ----------
    work : float32 (N, D)       the rows after the round.
    base : float32 (N, D)       the model the round's start was made from.
    pos : int32 (N,)            row ``r``'s entry in ``own``, or -1 (none).
    own : float32 (k', D)       the own changes added to ``base`` at the start.
    cand : int64 (k,)           rows the round may have changed or started off ``base``
                                (every row of ``own`` among them), increasing.
    rows_out : int32 (>= k,)    receives the changed rows, increasing.
    vals_out : float32 (>= k, D) receives ``work - start`` of those rows.

    Returns
    -------
    int
        How many rows changed; every candidate row of ``work`` is ``base``'s again.
    """
    dim = work.shape[1]
    k = 0
    for i in range(cand.shape[0]):
        r = cand[i]
        p = pos[r]
        changed = False
        for d in range(dim):
            start = base[r, d] + own[p, d] if p >= 0 else base[r, d]
            delta = work[r, d] - start
            vals_out[k, d] = delta
            # NaN != 0: a row that diverged counts as changed (and is sent)
            if delta != 0.0:
                changed = True
            work[r, d] = base[r, d]
        if changed:
            rows_out[k] = r
            k += 1
    return k


@jit
def combine_rows(syn, rows, vals, weights, rule, n_slots, hot, rows_out, vals_out, deltas):
    """Combine workers' new values (or changes) of rows of ``syn`` into it (see
    ``hsw2v.distributed.combine``).

    Each row's changes are summed in float64, in the order the entries come (worker order).
    With new values, a row one worker changed takes its value exactly (every rule but
    ``AVERAGE`` with more than one slot).

    Parameters
    ----------
    syn : float32 (N, D)         the model before the round; the changed rows are set.
    rows : int32 (K,)            each entry's row (distinct within one worker's entries).
    vals : float32 (K, D)        each entry's new value, or its change (``deltas``).
    weights : float32 (K,)       each entry's occurrences (``WEIGHTED``, ``MIXED``).
    rule : int                   ``MIXED``, ``SUM``, ``AVERAGE`` or ``WEIGHTED``.
    n_slots : int                workers of the round (``AVERAGE`` divides by it).
    hot : float                  ``MIXED``: occurrences from which a row's summed change is
                                 divided by ``clip(occurrences / hot, 1, entries)``.
    rows_out : int32 (>= U,)     receives the distinct rows, increasing.
    vals_out : float32 (>= U, D) receives their new values.
    deltas : bool                ``vals`` are changes to add, not new values.

    Returns
    -------
    int
        ``U``, the number of distinct rows.
    """
    n = syn.shape[0]
    dim = syn.shape[1]
    k_all = rows.shape[0]
    count = np.zeros(n, np.int64)
    for i in range(k_all):
        count[rows[i]] += 1
    # Counting sort: each row's entries together, in their order.
    nxt = np.empty(n, np.int64)
    u = 0
    at = 0
    for r in range(n):
        if count[r] != 0:
            rows_out[u] = r
            nxt[r] = at
            at += count[r]
            u += 1
    order = np.empty(k_all, np.int64)
    for i in range(k_all):
        r = rows[i]
        order[nxt[r]] = i
        nxt[r] += 1
    acc = np.empty(dim, np.float64)
    at = 0
    for j in range(u):
        r = rows_out[j]
        c = count[r]
        if c == 1 and not deltas and (rule != AVERAGE or n_slots == 1):
            e = order[at]
            for d in range(dim):
                vals_out[j, d] = vals[e, d]
                syn[r, d] = vals[e, d]
            at += c
            continue
        for d in range(dim):
            acc[d] = 0.0
        wsum = 0.0
        for q in range(at, at + c):
            e = order[q]
            w = np.float64(weights[e])
            wsum += w
            if rule == WEIGHTED:
                for d in range(dim):
                    acc[d] += w * np.float64(vals[e, d])
            elif deltas:
                for d in range(dim):
                    acc[d] += np.float64(vals[e, d])
            else:
                for d in range(dim):
                    acc[d] += np.float64(vals[e, d]) - np.float64(syn[r, d])
        at += c
        if rule == WEIGHTED and wsum > 0.0:
            for d in range(dim):
                acc[d] = acc[d] / wsum
        elif rule == WEIGHTED:  # no weights given: the plain mean of the values
            for d in range(dim):
                acc[d] = 0.0
            for q in range(at - c, at):
                for d in range(dim):
                    acc[d] += np.float64(vals[order[q], d])
            for d in range(dim):
                acc[d] = acc[d] / c
        if rule == WEIGHTED:
            if deltas:  # the weighted mean change, added
                for d in range(dim):
                    acc[d] = np.float64(syn[r, d]) + acc[d]
        else:
            if rule == SUM:
                div = 1.0
            elif rule == AVERAGE:
                div = np.float64(n_slots)
            else:
                div = min(max(wsum / hot, 1.0), np.float64(c))
            for d in range(dim):
                acc[d] = np.float64(syn[r, d]) + acc[d] / div
        for d in range(dim):
            v = np.float32(acc[d])
            vals_out[j, d] = v
            syn[r, d] = v
    return u
