#!/usr/bin/env python
"""The training kernel of this checkout against a baseline checkout's, in one process.

On a shared machine two processes run minutes apart can differ by 30%; the same kernel
timed twice in one process by far less. This script loads both: the baseline's ``hsw2v``
package is copied to a temporary folder as ``hsw2v_base`` (its imports rewritten), so both
compile side by side. Each rep trains one slice of the corpus once with each (alternating which
goes first), from the same weights, on one thread, timed by thread CPU time; the report is the
median of the per-rep ratios (this / baseline) and their spread.

The slice is :class:`profile_kernels.Slice` (the first ``--words`` stream entries), trained
once first so the weights look like mid-training; subsampling ``--sample`` (1e-4, the subword
job's); with ``--subwords MIN-MAX`` each word also gets its n-gram rows (2,000,000 buckets),
small random starts for all.

Usage::

    git worktree add /tmp/base <commit>
    python scripts/ab_kernels.py --baseline /tmp/base --subwords 3-6 --reps 9
    python scripts/ab_kernels.py --baseline /tmp/base --model cbow --loss ns

Both checkouts must take the same ``train_chunk`` arguments (scratch: ``4 * window + 3``
error rows, which every version since subwords accepts).
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from hsw2v import kernels as K  # noqa: E402
from hsw2v.subwords import Subwords  # noqa: E402
from hsw2v.vocab import keep_probabilities  # noqa: E402
from hsw2v.threads import noise_table  # noqa: E402
from profile_kernels import Slice  # noqa: E402


def baseline_kernels(checkout: str, folder: str):
    """The baseline's ``hsw2v.kernels``, imported as ``hsw2v_base.kernels``."""
    dest = os.path.join(folder, "hsw2v_base")
    shutil.copytree(os.path.join(checkout, "hsw2v"), dest,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for base, _, files in os.walk(dest):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(base, name)
                src = open(path, encoding="utf-8").read()
                src = re.sub(r"\bhsw2v\.", "hsw2v_base.", src)
                src = re.sub(r"^from hsw2v import", "from hsw2v_base import", src, flags=re.M)
                open(path, "w", encoding="utf-8").write(src)
    sys.path.insert(0, folder)
    return importlib.import_module("hsw2v_base.kernels")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", required=True, help="a checkout (e.g. a git worktree)")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "data",
                                                     "text8-prefix.gz"))
    ap.add_argument("--words", type=int, default=600_000)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--model", choices=["sg", "cbow"], default="sg")
    ap.add_argument("--loss", choices=["hs", "ns"], default="hs")
    ap.add_argument("--subwords", default=None, help="MIN-MAX n-gram lengths")
    ap.add_argument("--sample", type=float, default=1e-4)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        KB = baseline_kernels(args.baseline, folder)
        sl = Slice(args.corpus, args.words, args.model)
        words = sl.words
        v, dim, window, negative = sl.V, 100, sl.cfg.window, 5
        sub, n_rows = None, v
        if args.subwords:
            minn, maxn = (int(x) for x in args.subwords.split("-"))
            sw = Subwords.build(words, minn, maxn, 2_000_000)
            sub = sw.word_rows(words)
            n_rows = v + len(sw.buckets)
        start = ((np.random.default_rng(1).random((n_rows, dim)) - 0.5) / dim).astype(np.float32)
        rows0 = K.padded_rows(start)[1]
        keep = keep_probabilities(sl.counts, args.sample)
        prob, alias = noise_table(sl.counts, 0.75)
        neg0 = K.padded_rows(np.zeros((v, dim), np.float32))[1]
        longest = int(sl.tree.lengths.max())

        def run(Km, r0, r1, rn):
            st = Km.private_zeros(5, np.float64)
            rng = Km.private_zeros(1, np.uint64)
            rng[0] = 7
            w2 = 2 * window
            scratch = (Km.private_zeros(sl.cfg.max_sentence_length, np.int32),
                       Km.private_zeros(w2, np.int32),
                       Km.private_zeros(3 * (w2 + 1) * (longest + negative + 1), np.float32),
                       Km.private_zeros((2 * w2 + 3, r0.shape[1]), np.float32))
            hs = args.loss == "hs"
            Km.train_chunk(sl.ids, r0, Km.Reading(sl.remap, keep, args.model == "sg", window, dim),
                           Km.Rate(0.025, 0.0, 0.0001), Km.Scratch(rng, *scratch, st),
                           path=Km.Path(r1, sl.tree.codes, sl.tree.points, sl.tree.offsets)
                           if hs else None,
                           noise=None if hs else Km.Noise(negative, rn, prob, alias),
                           subwords=sub)
            return st

        r1 = sl.warm1.copy()
        run(K, rows0, r1, neg0)  # weights as in mid-training (and this side compiled)
        w0, w1, wn = rows0.copy(), r1.copy(), neg0.copy()
        run(KB, w0.copy(), w1.copy(), wn.copy())  # the baseline compiled
        times = {"this": [], "base": []}
        for i in range(args.reps):
            order = [("this", K), ("base", KB)]
            for name, Km in (order if i % 2 == 0 else order[::-1]):
                a, b, c = w0.copy(), w1.copy(), wn.copy()
                t = time.thread_time()
                st = run(Km, a, b, c)
                times[name].append(time.thread_time() - t)
        ratios = sorted(a / b for a, b in zip(times["this"], times["base"]))
        print(f"{args.model} {args.loss} subwords {args.subwords or 'none'}: this min "
              f"{min(times['this']):.3f} s, base min {min(times['base']):.3f} s; this / base "
              f"median {statistics.median(ratios):.3f} (per rep: "
              f"{' '.join(f'{r:.2f}' for r in ratios)}); {st[2] / min(times['this']):,.0f} "
              "words/s (this)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
