"""Quality over many seeds: the spread that a 3- or 5-run benchmark median sits in.

One run's analogy score moves by about ±0.004 from seed to seed (two Hogwild threads also make
the same seed differ between runs), which is as wide as the gap between a bar and the tools'
means. This trains the benchmark job with seeds ``--first`` .. ``--first + --seeds - 1`` and
prints each run and the mean, median and standard deviation of the analogy accuracy and the
WS353 Spearman correlation::

    python scripts/quality_seeds.py --model cbow --seeds 10 --first 11
    python scripts/quality_seeds.py --model cbow --seeds 6 --first 11 --tool gensim
    python scripts/quality_seeds.py --loss ns --seeds 10              # negative sampling, k = 5

``--tool gensim`` runs gensim 4.4 (the ``bench`` extra) on the same job as ``scripts/bench.py``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench import ALPHA, DATA, LOSSES, SETTINGS, gensim_worker  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=("sg", "cbow"), default="sg")
    ap.add_argument("--tool", choices=("hsw2v", "gensim"), default="hsw2v")
    ap.add_argument("--loss", choices=LOSSES, default="hs")
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--corpus", default=os.path.join(DATA, "text8-prefix.gz"))
    ap.add_argument("--analogies", default=os.path.join(DATA, "questions-words.txt"))
    ap.add_argument("--pairs", default=os.path.join(DATA, "wordsim353.tsv"))
    args = ap.parse_args()

    import hsw2v
    from hsw2v.vectors import Vectors

    scores = []
    for seed in range(args.first, args.first + args.seeds):
        t = time.perf_counter()
        if args.tool == "hsw2v":
            v = hsw2v.train(args.corpus, model=args.model, threads=args.threads, seed=seed,
                            alpha=ALPHA[args.model], quiet=True, loss=args.loss,
                            **({"negative": args.negative} if "ns" in args.loss else {}),
                            **SETTINGS)
        else:
            with tempfile.TemporaryDirectory() as work:
                out = os.path.join(work, "g.bin")
                gensim_worker(args.corpus, out, args.model, args.threads, seed, args.loss,
                              args.negative)
                v = Vectors.load(out)
        secs = time.perf_counter() - t
        a = v.evaluate_analogies(args.analogies).accuracy
        p = v.evaluate_pairs(args.pairs).spearman
        scores.append((a, p))
        print(f"{args.tool} {args.model} {args.loss} seed {seed}: {secs:5.1f} s  analogy {a:.4f}  "
              f"ws353 {p:.4f}", flush=True)
    for name, col in (("analogy", 0), ("ws353", 1)):
        xs = [s[col] for s in scores]
        sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
        print(f"{name}: mean {statistics.mean(xs):.4f}  median {statistics.median(xs):.4f}  "
              f"sd {sd:.4f}  over {len(xs)} seeds")


if __name__ == "__main__":
    main()
