#!/usr/bin/env python
"""Pre-trained starts (--init-vectors, --freeze-init): do they help a model of a small corpus?

text8-prefix is cut in two halves. Vectors trained on the second half are the "pre-trained"
ones; the first half is the user's corpus. Compared, on the first half, with the benchmark
settings (skip-gram, dim 100, 5 epochs, 2 threads): training from scratch, starting from the
pre-trained vectors, and starting from them frozen. Quality: analogy (questions-words, first
30,000 words) and WS353 Spearman, the same evaluator as scripts/bench.py.

Usage: ``python scripts/bench_init.py [--corpus PATH] [--seeds 1 2] [--json OUT]``
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
sys.path.insert(0, ROOT)

from hsw2v.vectors import Vectors  # noqa: E402


def train(args: list[str]) -> dict:
    subprocess.run([sys.executable, "-m", "hsw2v", "train", *args, "--quiet"], check=True)
    out = args[args.index("-o") + 1]
    return json.load(open(out + ".json"))


def score(path: str, analogies: str, pairs: str) -> dict:
    v = Vectors.load(path)
    a = v.evaluate_analogies(analogies, restrict=30000)
    p = v.evaluate_pairs(pairs)
    return {"analogy": a.accuracy, "scored": a.total, "ws353": p.spearman}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(DATA, "text8-prefix.gz"))
    ap.add_argument("--analogies", default=os.path.join(DATA, "questions-words.txt"))
    ap.add_argument("--pairs", default=os.path.join(DATA, "wordsim353.tsv"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=os.path.join(ROOT, ".bench", "bench_init.json"))
    args = ap.parse_args()
    words = gzip.open(args.corpus, "rt").read().split()
    half = len(words) // 2
    rows = []
    with tempfile.TemporaryDirectory() as d:
        first, second = os.path.join(d, "first.txt"), os.path.join(d, "second.txt")
        for path, part in ((first, words[:half]), (second, words[half:])):
            with open(path, "w") as f:
                f.write(" ".join(part) + "\n")
        common = ["--threads", str(args.threads)]
        for seed in args.seeds:
            s = ["--seed", str(seed)] + common
            pre = os.path.join(d, "pre.bin")
            train([second, "-o", pre, *s])
            runs = {"scratch": [], "init": ["--init-vectors", pre],
                    "init, frozen": ["--init-vectors", pre, "--freeze-init"]}
            for name, extra in runs.items():
                out = os.path.join(d, "v.bin")
                summary = train([first, "-o", out, *s, *extra])
                row = {"run": name, "seed": seed, **score(out, args.analogies, args.pairs),
                       "seconds": summary["seconds_total"]}
                if "init_vectors" in summary:
                    row["covered"] = summary["init_vectors"]["share"]
                rows.append(row)
                print(json.dumps(row), flush=True)
            rows.append({"run": "pre-trained (second half)", "seed": seed,
                         **score(pre, args.analogies, args.pairs)})
            print(json.dumps(rows[-1]), flush=True)
    names = dict.fromkeys(r["run"] for r in rows)
    print("\n| start | analogy | WS353 | vocabulary covered |\n|---|---|---|---|")
    for n in names:
        rs = [r for r in rows if r["run"] == n]
        cov = statistics.mean(r["covered"] for r in rs) if "covered" in rs[0] else None
        print(f"| {n} | {statistics.mean(r['analogy'] for r in rs):.4f} | "
              f"{statistics.mean(r['ws353'] for r in rs):.3f} | "
              f"{'' if cov is None else f'{100 * cov:.1f}%'} |")
    with open(args.json, "w") as f:
        json.dump({"seeds": args.seeds, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
