"""The kernels sized for the target's SIMD (issue 24): the target's shape, the streamed rows
against the register rows (the same floats), and a generic (SSE2, no FMA) build against the
native one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from hsw2v import kernels as K
from hsw2v.kernels import rows as R
from test_kernels import ref_cbow, ref_sg, tree_of, weights

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("name,features,shape", [
    ("generic", "", (4, 16, False)),                      # NUMBA_CPU_NAME=generic: SSE2
    ("x86-64", "+sse2,+sse4.2", (4, 16, False)),
    ("znver3", "+avx,+avx2,+fma,-avx512f", (8, 16, True)),
    ("haswell", "", (8, 16, True)),                       # a name alone: its known features
    ("sandybridge", "+avx,-avx2,-fma", (8, 16, False)),   # AVX without FMA
    ("skylake-avx512", "", (16, 32, True)),
    ("znver4", "+avx2,+fma,+avx512f", (16, 32, True)),
])
def test_simd_target_shapes(name, features, shape, monkeypatch):
    monkeypatch.setattr("platform.machine", lambda: "x86_64")
    assert R.simd_target(name, features) == shape


def test_streaming_rule_follows_the_registers():
    if R.VLANES == 16:
        assert not R.streams(7) and not R.streams(64)  # AVX-512 keeps the register kernels
    else:
        assert not R.streams(R.VREGS // 3) and R.streams(R.VREGS // 3 + 1)
    assert len(K.blocks_of(np.zeros((1, 112), np.float32))) == 112 // R.VLANES


def run_sg(kernel, dim, ctx, w, seed, lockf=None, scale=0.5, live=False):
    n_words = 9
    codes, points, offsets = tree_of(n_words, seed)
    syn0, syn1 = weights(n_words, dim, seed, scale)
    _, k0 = K.padded_rows(syn0)
    _, k1 = K.padded_rows(syn1)
    ctx = np.asarray(ctx, np.int32)
    loss = kernel(k0, k1, ctx, len(ctx), codes, points, offsets[w], offsets[w + 1], 0.3,
                  np.zeros(12 * 8, np.float32), np.zeros((10, k0.shape[1]), np.float32),
                  K.blocks_of(k0, dim if live else 0), lockf)
    return loss, k0, k1, (syn0, syn1, codes, points, offsets)


def test_blocks_of_a_dimension():
    rows = np.zeros((1, 112), np.float32)
    assert len(K.blocks_of(rows)) == 112 // R.VLANES
    assert len(K.blocks_of(rows, 100)) == -(-100 // R.VLANES)
    assert len(K.blocks_of(rows, 97)) == -(-97 // R.VLANES)
    for bad in (96, 113):  # the stride of dim 96 is 96; 113 does not fit
        with pytest.raises(ValueError, match=f"dim {bad}"):
            K.blocks_of(rows, bad)


# 100 and 56: 13 and 7 live blocks of 8 lanes in rows of 14 and 8 (remainders 1 and 3 of the
# streamed path's groups of four; both streamed on AVX2), 25 and 14 of 4 lanes in rows of 28
# and 16. (100: a width the other tests compile anyway; each new width costs seconds.)
@pytest.mark.parametrize("dim", [100, 56])
def test_blocks_of_padding_only_are_left_out_with_the_same_floats(dim):
    ctx, w = [2, 5, 2, 7, 1], 3
    for kernel in (K.sg_update_streamed, K.cbow_update):
        whole = run_sg(kernel, dim, ctx, w, seed=dim)
        live = run_sg(kernel, dim, ctx, w, seed=dim, live=True)
        assert whole[0] == live[0], kernel
        assert np.array_equal(whole[1], live[1]) and np.array_equal(whole[2], live[2]), kernel
        assert not np.any(live[1][:, dim:]) and not np.any(live[2][:, dim:])
    loss, k0, k1, (syn0, syn1, codes, points, offsets) = run_sg(K.sg_update_streamed, dim, ctx,
                                                                 w, seed=1, live=True)
    r0, r1 = syn0.astype(np.float64), syn1.astype(np.float64)
    path = slice(offsets[w], offsets[w + 1])
    assert loss == pytest.approx(ref_sg(r0, r1, ctx, codes[path], points[path], 0.3), rel=1e-5)
    np.testing.assert_allclose(k0[:, :dim], r0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(k1[:, :dim], r1, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dim", [5, 16, 33])
@pytest.mark.parametrize("scale", [0.5, 12.0])  # 12: most nodes saturated
def test_streamed_sg_gives_the_register_kernels_floats(dim, scale):
    # On a target where these widths stay in registers sg_update runs the register kernel, so
    # this compares the two strategies bit for bit; elsewhere both stream.
    ctx, w = [2, 5, 2, 7, 1, 0], 3
    lockf = np.linspace(0.0, 1.0, 9).astype(np.float32)
    a = run_sg(K.sg_update, dim, ctx, w, seed=dim, lockf=lockf, scale=scale)
    b = run_sg(K.sg_update_streamed, dim, ctx, w, seed=dim, lockf=lockf, scale=scale)
    assert a[0] == b[0]
    assert np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])


@pytest.mark.parametrize("dim", [40, 100, 300])
def test_streamed_sg_matches_the_reference(dim):
    ctx, w = [2, 5, 2, 7], 3
    loss, k0, k1, (syn0, syn1, codes, points, offsets) = run_sg(K.sg_update_streamed, dim,
                                                                 ctx, w, seed=4)
    r0, r1 = syn0.astype(np.float64), syn1.astype(np.float64)
    path = slice(offsets[w], offsets[w + 1])
    ref = ref_sg(r0, r1, ctx, codes[path], points[path], 0.3)
    assert loss == pytest.approx(ref, rel=1e-5)
    np.testing.assert_allclose(k0[:, :dim], r0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(k1[:, :dim], r1, rtol=1e-5, atol=1e-6)
    assert not np.any(k0[:, dim:]) and not np.any(k1[:, dim:])


GENERIC = textwrap.dedent("""
    import json, sys
    import numpy as np
    from hsw2v import kernels as K
    from hsw2v.kernels import rows as R
    sys.path.insert(0, {tests!r})
    from test_kernels import tree_of, weights
    out = {{"shape": [R.VLANES, R.VREGS, R.HAS_FMA]}}
    for name in ("sg_update", "cbow_update"):
        codes, points, offsets = tree_of(9, 2)
        syn0, syn1 = weights(9, 100, 2, 0.5)
        _, k0 = K.padded_rows(syn0)
        _, k1 = K.padded_rows(syn1)
        ctx = np.array([1, 4, 4, 6], np.int32)
        loss = getattr(K, name)(k0, k1, ctx, 4, codes, points, offsets[3], offsets[4], 0.3,
                                np.zeros(64, np.float32), np.zeros((10, k0.shape[1]), np.float32),
                                K.blocks_of(k0))
        out[name] = [float(loss), k0[:, :100].tolist(), k1[:, :100].tolist()]
    print(json.dumps(out))
""")


def test_generic_target_compiles_without_fma_and_agrees_with_the_reference(tmp_path):
    # NUMBA_CPU_NAME=generic (SSE2, no FMA): 4-float blocks, multiply-then-add, rows streamed;
    # the kernels must still compute the same step (to float32 rounding).
    env = dict(os.environ, NUMBA_CPU_NAME="generic", NUMBA_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=ROOT)
    res = subprocess.run([sys.executable, "-c", GENERIC.format(tests=os.path.join(ROOT, "tests"))], env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout)
    import platform
    if platform.machine().lower() in ("x86_64", "amd64"):
        assert got["shape"] == [4, 16, False]
    for name, ref in (("sg_update", ref_sg), ("cbow_update", ref_cbow)):
        codes, points, offsets = tree_of(9, 2)
        syn0, syn1 = weights(9, 100, 2, 0.5)
        r0, r1 = syn0.astype(np.float64), syn1.astype(np.float64)
        path = slice(offsets[3], offsets[4])
        loss = ref(r0, r1, [1, 4, 4, 6], codes[path], points[path], 0.3)
        assert got[name][0] == pytest.approx(loss, rel=1e-5), name
        np.testing.assert_allclose(np.array(got[name][1]), r0, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np.array(got[name][2]), r1, rtol=1e-5, atol=1e-6)
