#!/usr/bin/env python
"""Paired, alternating training times of an older commit against the working tree.

The commit's ``hsw2v`` package is exported (``git archive``) into a temporary folder; both
versions then train the same job in turns (A B, B A, A B, ...: a load that drifts hits both
alike), each as a whole ``hsw2v train`` process with its stderr to a file, after one warm-up run
each (numba's cache). Reported: ``seconds_training`` and ``cpu_seconds_training`` from each
run's ``OUT.json``, their medians, and the per-pair ratio of the working tree to the commit.
On a shared machine the wall times swing with the other load; the CPU seconds swing less.

Usage::

    python scripts/paired_timing.py 9a8a022 --reps 10
    python scripts/paired_timing.py HEAD~3 --reps 6 -- --model cbow --epochs 1
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = next((p for p in (os.path.join(os.path.dirname(ROOT), "shared", "data", "text8-prefix.gz"),
                         os.path.join(os.path.dirname(os.path.dirname(ROOT)), "shared", "data",
                                      "text8-prefix.gz")) if os.path.exists(p)), None)


def train(src: str, work: str, tag: str, corpus: str, seed: int, extra: list[str]):
    out = os.path.join(work, f"{tag}.bin")
    code = f"import sys; sys.path.insert(0, {src!r}); from hsw2v.cli import main; main()"
    with open(os.path.join(work, f"{tag}.err"), "w") as err:
        subprocess.run([sys.executable, "-c", code, "train", corpus, "-o", out, "--threads", "2",
                        "--seed", str(seed), *extra], check=True, stderr=err, cwd=work)
    with open(out + ".json") as f:
        s = json.load(f)
    # (a --dask summary before 2026-12-07 has no cpu_seconds_training)
    return s["seconds_training"], s.get("cpu_seconds_training", float("nan"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rev", help="the older commit")
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--corpus", default=DATA, required=DATA is None)
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []  # more 'hsw2v train' options
    args = ap.parse_args(argv[:len(argv) - len(extra) - (1 if "--" in argv else 0)])
    args.extra = extra
    with tempfile.TemporaryDirectory(prefix="hsw2v-paired-") as work:
        base = os.path.join(work, "base")
        os.makedirs(base)
        archive = subprocess.run(["git", "archive", args.rev, "hsw2v"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", base], input=archive, check=True)
        srcs = {"before": base, "after": ROOT}
        for tag, src in srcs.items():
            train(src, work, tag, args.corpus, 99, args.extra)  # warm the numba cache
        res: dict[str, list] = {t: [] for t in srcs}
        for i in range(args.reps):
            for tag in (list(srcs) if i % 2 == 0 else list(srcs)[::-1]):
                res[tag].append(train(srcs[tag], work, tag, args.corpus, i + 1, args.extra))
                print(tag, i + 1, res[tag][-1], flush=True)
    for tag, r in res.items():
        wall, cpu = [x[0] for x in r], [x[1] for x in r]
        print(f"{tag}: seconds_training median {statistics.median(wall):.3f} (min {min(wall):.3f}"
              f", max {max(wall):.3f}); cpu_seconds_training median {statistics.median(cpu):.3f}")
    for k, name in ((0, "seconds_training"), (1, "cpu_seconds_training")):
        ratios = [a[k] / b[k] for a, b in zip(res["after"], res["before"])]
        print(f"after/before {name} per pair: {[round(x, 3) for x in ratios]}, "
              f"median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
