#!/usr/bin/env python
"""hsw2v against the word2vec C tool on this machine's SIMD, job by job (issue 24).

Whole processes, paired and alternating (hsw2v, C, [baseline], hsw2v, C, ...), medians of
``--reps``; the CPU that numba compiles for (name, features, the kernels' SIMD lanes, registers
and FMA) heads the table. ``--generic`` adds runs with ``NUMBA_CPU_NAME=generic`` (SSE2, no
FMA) and the C tool built without ``-march`` (``--c-generic``). ``--baseline TREE`` also runs
another checkout of hsw2v (``PYTHONPATH=TREE``), e.g. a ``git worktree`` of an older commit,
for before/after figures.

Build the anchor first, from tmikolov/word2vec's ``word2vec.c``:
``gcc -O3 -march=native -funroll-loops word2vec.c -o word2vec -lm -pthread`` (and without
``-march=native`` for ``--c-generic``).

Usage: ``python scripts/bench_simd.py --c-tool PATH [--c-generic PATH] [--jobs sg-hs ...]
[--reps 3] [--generic] [--baseline TREE] [--corpus text8-prefix] [--jsonl OUT]``
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")

#: job -> (hsw2v flags, C flags, corpus bytes (0: all)); window 5, min-count 5, sample 1e-3
JOBS = {
    "sg-hs": (["--model", "sg", "--loss", "hs", "--dim", "100", "--epochs", "5"],
              ["-cbow", "0", "-hs", "1", "-negative", "0", "-size", "100", "-iter", "5"], 0),
    "cbow-hs": (["--model", "cbow", "--loss", "hs", "--dim", "100", "--epochs", "5"],
                ["-cbow", "1", "-hs", "1", "-negative", "0", "-size", "100", "-iter", "5"], 0),
    "sg-ns": (["--model", "sg", "--loss", "ns", "--negative", "5", "--dim", "100",
               "--epochs", "5"],
              ["-cbow", "0", "-hs", "0", "-negative", "5", "-size", "100", "-iter", "5"], 0),
    "sg-hs-300": (["--model", "sg", "--loss", "hs", "--dim", "300", "--epochs", "1"],
                  ["-cbow", "0", "-hs", "1", "-negative", "0", "-size", "300", "-iter", "1"], 0),
    "sg-hs-1000": (["--model", "sg", "--loss", "hs", "--dim", "1000", "--epochs", "1"],
                   ["-cbow", "0", "-hs", "1", "-negative", "0", "-size", "1000", "-iter", "1"],
                   3_000_000),
}
COMMON_H = ["--window", "5", "--min-count", "5", "--sample", "1e-3", "--quiet"]
COMMON_C = ["-window", "5", "-min-count", "5", "-sample", "1e-3", "-binary", "1"]


def target(env=None) -> dict:
    """What numba compiles for, as a child process with ``env`` sees it."""
    code = ("import json, llvmlite.binding as ll; from numba.core import config;"
            "from hsw2v.kernels import rows as R;"
            "print(json.dumps({'cpu_name': config.CPU_NAME or ll.get_host_cpu_name(),"
            "'avx512f': '+avx512f' in ll.get_host_cpu_features().flatten(),"
            "'lanes': getattr(R, 'VLANES', 16), 'registers': getattr(R, 'VREGS', None),"
            "'fma': getattr(R, 'HAS_FMA', True), 'hsw2v': __import__('hsw2v').__file__}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=tempfile.gettempdir())  # not this checkout's hsw2v
    return json.loads(out.stdout)


def timed(cmd, env=None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=tempfile.gettempdir())  # `-m hsw2v` would import the current folder's
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--c-tool", required=True)
    ap.add_argument("--c-generic", help="the C tool built without -march (for --generic)")
    ap.add_argument("--jobs", nargs="+", default=list(JOBS), choices=list(JOBS))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--generic", action="store_true", help="also NUMBA_CPU_NAME=generic")
    ap.add_argument("--baseline", help="another hsw2v checkout to run beside this one")
    ap.add_argument("--corpus", default=os.path.join(DATA, "text8-prefix.gz"))
    ap.add_argument("--jsonl")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-simd-")
    try:
        plain = os.path.join(tmp, "corpus.txt")  # the C tool reads plain text
        with gzip.open(args.corpus, "rb") if args.corpus.endswith(".gz") else open(
                args.corpus, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        env = dict(os.environ, PYTHONPATH=ROOT)
        arms = {"hsw2v": (env, ROOT)}
        if args.baseline:
            arms["baseline"] = (dict(os.environ, PYTHONPATH=os.path.abspath(args.baseline)),
                                args.baseline)
        if args.generic:
            arms["hsw2v generic"] = (dict(env, NUMBA_CPU_NAME="generic"), ROOT)
        info = {name: target(e) for name, (e, _) in arms.items()}
        print("targets:", json.dumps(info), flush=True)
        rows = []
        for job in args.jobs:
            hflags, cflags, size = JOBS[job]
            corpus = plain
            if size:
                corpus = os.path.join(tmp, f"slice{size}.txt")
                with open(plain, "rb") as f, open(corpus, "wb") as g:
                    g.write(f.read(size).rsplit(b" ", 1)[0])
            out = os.path.join(tmp, "v.bin")
            cmds = {name: [sys.executable, "-m", "hsw2v", "train", corpus, "-o", out, *hflags,
                           *COMMON_H, "--threads", str(args.threads)]
                    for name in arms}
            cmds["C"] = [args.c_tool, "-train", corpus, "-output", out, *cflags, *COMMON_C,
                         "-threads", str(args.threads)]
            envs = {name: e for name, (e, _) in arms.items()}
            if args.generic and args.c_generic:
                cmds["C generic"] = [args.c_generic, *cmds["C"][1:]]
            for name in arms:  # compile (or load) the kernels once, untimed
                warm = [sys.executable, "-m", "hsw2v", "train", corpus, "-o", out, *hflags,
                        *COMMON_H, "--epochs", "1", "--max-vocab", "2000"]
                subprocess.run(warm, env=envs[name], check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=tmp)
            times = {name: [] for name in cmds}
            for r in range(args.reps):
                for name, cmd in cmds.items():
                    times[name].append(timed(cmd, envs.get(name)))
                print(job, r, {k: round(v[-1], 2) for k, v in times.items()}, flush=True)
            med = {k: statistics.median(v) for k, v in times.items()}
            row = {"job": job, "reps": args.reps, "threads": args.threads, "median_s": med,
                   "times_s": times, "targets": info,
                   "load": os.getloadavg(), "date": time.strftime("%Y-%m-%dT%H:%M:%S")}
            rows.append(row)
            if args.jsonl:
                with open(args.jsonl, "a") as f:
                    f.write(json.dumps(row) + "\n")
        print()
        names = list(rows[0]["median_s"]) if rows else []
        print("| job | " + " | ".join(f"{n} (s)" for n in names) + " | C / hsw2v |"
              + (" C generic / hsw2v generic | hsw2v generic / hsw2v |" if args.generic else ""))
        print("|---" * (len(names) + 2 + (2 if args.generic else 0)) + "|")
        for row in rows:
            m = row["median_s"]
            cells = " | ".join(f"{m[n]:.2f}" for n in names)
            extra = ""
            if args.generic:
                cg = m.get("C generic")
                extra = (f" {cg / m['hsw2v generic']:.2f}× |" if cg else " – |")
                extra += f" {m['hsw2v generic'] / m['hsw2v']:.2f}× |"
            print(f"| {row['job']} | {cells} | **{m['C'] / m['hsw2v']:.2f}×** |{extra}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
