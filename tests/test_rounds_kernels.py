"""The kernels of training rounds on a cluster (hsw2v.kernels.rounds) against slow NumPy
references on tiny inputs."""
from __future__ import annotations

import numpy as np
import pytest

from hsw2v import kernels
from hsw2v.kernels import rounds

RULES = {"mixed": rounds.MIXED, "sum": rounds.SUM, "average": rounds.AVERAGE,
         "weighted": rounds.WEIGHTED}


def ref_combine(syn, parts, rule, n_slots, hot, deltas=False):
    """NumPy reference: per row, the rule applied to the workers' changes, in float64
    (``deltas``: the parts hold changes; made into new values here)."""
    base = syn.astype(np.float64)
    if deltas:
        parts = [(rows, (base[rows] + vals.astype(np.float64)), w) for rows, vals, w in parts]
    change = np.zeros_like(base)
    wsum = np.zeros(len(syn))
    wval = np.zeros_like(base)
    count = np.zeros(len(syn), np.int64)
    last = {}
    for rows, vals, w in parts:
        for r, v, x in zip(rows.tolist(), vals.astype(np.float64), w.astype(np.float64)):
            change[r] += v - base[r]  # (v - base: the delta itself, up to rounding)
            wval[r] += x * v
            wsum[r] += x
            count[r] += 1
            last[r] = v
    out = base.copy()
    touched = np.flatnonzero(count)
    for r in touched.tolist():
        if count[r] == 1 and (rule != "average" or n_slots == 1) and not deltas:
            out[r] = last[r]
        elif count[r] == 1 and rule != "average":
            out[r] = last[r]
        elif rule == "sum":
            out[r] = base[r] + change[r]
        elif rule == "average":
            out[r] = base[r] + change[r] / n_slots
        elif rule == "weighted":
            out[r] = wval[r] / wsum[r]
        else:
            out[r] = base[r] + change[r] / np.clip(wsum[r] / hot, 1, count[r])
    return touched, out.astype(np.float32)


def random_parts(rng, n_rows, dim, n_parts):
    parts = []
    for _ in range(n_parts):
        k = int(rng.integers(0, n_rows + 1))
        rows = np.sort(rng.choice(n_rows, size=k, replace=False)).astype(np.int32)
        rng.shuffle(rows)  # a worker's rows need not be sorted
        vals = rng.standard_normal((k, dim)).astype(np.float32)
        w = rng.integers(1, 50, size=k).astype(np.float32)
        parts.append((rows, vals, w))
    return parts


@pytest.mark.parametrize("deltas", [False, True])
@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("n_parts", [1, 2, 5])
def test_combine_rows_against_numpy(rule, n_parts, deltas):
    rng = np.random.default_rng(n_parts)
    for trial in range(5):
        syn = rng.standard_normal((17, 6)).astype(np.float32)
        parts = random_parts(rng, 17, 6, n_parts)
        want_rows, want = ref_combine(syn, parts, rule, n_parts, 30.0, deltas)
        got = syn.copy()
        rows = np.concatenate([p[0] for p in parts])
        vals = np.concatenate([p[1] for p in parts])
        w = np.concatenate([p[2] for p in parts])
        rows_out = np.empty(len(rows), np.int32)
        vals_out = np.empty((len(rows), 6), np.float32)
        u = kernels.combine_rows(got, rows, vals, w, RULES[rule], n_parts, 30.0, rows_out,
                                 vals_out, deltas)
        assert rows_out[:u].tolist() == want_rows.tolist()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
        assert np.array_equal(got[rows_out[:u]], vals_out[:u])
        untouched = np.setdiff1d(np.arange(17), want_rows)
        assert np.array_equal(got[untouched], syn[untouched])
        # a row one worker changed takes its value bit for bit
        if (rule != "average" or n_parts == 1) and not deltas:
            for r, v, _ in parts:
                for i, row in enumerate(r.tolist()):
                    if sum(row in p[0] for p in parts) == 1:
                        assert np.array_equal(got[row], v[i])


def test_combine_rows_weighted_without_weights_is_the_mean():
    syn = np.zeros((3, 2), np.float32)
    rows = np.array([1, 1], np.int32)
    vals = np.array([[1, 2], [3, 6]], np.float32)
    rows_out, vals_out = np.empty(2, np.int32), np.empty((2, 2), np.float32)
    u = kernels.combine_rows(syn, rows, vals, np.zeros(2, np.float32), rounds.WEIGHTED, 2,
                             30.0, rows_out, vals_out, False)
    assert u == 1 and rows_out[0] == 1 and vals_out[0].tolist() == [2, 4]
    syn = np.ones((3, 2), np.float32)  # the same as changes: the mean change is added
    u = kernels.combine_rows(syn, rows, vals, np.zeros(2, np.float32), rounds.WEIGHTED, 2,
                             30.0, rows_out, vals_out, True)
    assert u == 1 and vals_out[0].tolist() == [3, 5] and syn[1].tolist() == [3, 5]


def test_take_changed_against_numpy():
    rng = np.random.default_rng(3)
    padded = rng.standard_normal((20, 8)).astype(np.float32)
    work = padded[:, :5]  # a view of padded rows, as the trainer's
    base = np.ascontiguousarray(work)
    changed = [2, 3, 11, 19]
    work[2, 0] += 1
    work[3] = np.nan
    work[11, 4] -= 1e-3
    work[19] *= 2
    before = work.copy()
    padding = padded[:, 5:].copy()
    cand = np.array([0, 2, 3, 5, 11, 12, 19], np.int64)  # 5, 12: candidates left alone
    rows = np.empty(len(cand), np.int32)
    vals = np.empty((len(cand), 5), np.float32)
    k = kernels.take_changed(work, base, cand, rows, vals)
    want = cand[np.any(before[cand] != base[cand], axis=1)]
    assert rows[:k].tolist() == want.tolist() == changed
    np.testing.assert_array_equal(vals[:k], before[want])
    np.testing.assert_array_equal(work, base)  # reset
    assert np.array_equal(padded[:, 5:], padding)  # the padding is left alone


def test_take_delta_against_numpy():
    rng = np.random.default_rng(5)
    base = rng.standard_normal((20, 5)).astype(np.float32)
    own_rows = np.array([3, 7, 12], np.int32)  # the slot's changes of its previous round
    own = rng.standard_normal((3, 5)).astype(np.float32) * 1e-2
    work = base.copy()
    work[own_rows] = base[own_rows] + own  # the round's start
    start = work.copy()
    work[2, 1] += 0.5      # changed, no own change
    work[7, 0] -= 0.25     # changed on top of its own change
    work[9] = np.nan       # diverged
    # rows 3 and 12: started off base, left alone by the round
    pos = np.full(20, -1, np.int32)
    pos[own_rows] = np.arange(3)
    cand = np.array([1, 2, 3, 7, 9, 12, 15], np.int64)
    after = work.copy()
    rows = np.empty(len(cand), np.int32)
    vals = np.empty((len(cand), 5), np.float32)
    k = kernels.take_delta(work, base, pos, own, cand, rows, vals)
    diff = after[cand] - start[cand]
    want = cand[np.any(diff != 0, axis=1)]
    assert rows[:k].tolist() == want.tolist() == [2, 7, 9]
    np.testing.assert_array_equal(vals[:k], (after - start)[want])
    np.testing.assert_array_equal(work, base)  # every candidate is base's again


def test_path_counts_against_a_loop():
    rng = np.random.default_rng(4)
    lengths = rng.integers(1, 5, size=7)
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    points = rng.integers(0, 6, size=int(offsets[-1])).astype(np.int32)
    n0 = rng.integers(0, 4, size=7).astype(np.int64)
    want = np.zeros(6, np.int64)
    for w in range(7):
        for q in range(offsets[w], offsets[w + 1]):
            want[points[q]] += n0[w]
    got = np.zeros(6, np.int64)
    kernels.path_counts(n0, offsets, points, got)
    assert got.tolist() == want.tolist()
