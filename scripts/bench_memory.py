#!/usr/bin/env python
"""Peak memory of ``hsw2v train`` on big corpora vs the same job on 10x smaller ones.

Two generated corpora (deterministic, written to --workdir):

* ``oneline``: a single line with no newline at all (like text8), Zipf-distributed words from
  a fixed vocabulary of --vocab words;
* ``distinct``: the same, but a fraction --rare of the tokens are drawn from tens of millions
  of distinct rare tokens, so counting holds millions of distinct tokens (bounded by
  --prune-at: rare tokens are pruned once that many are held, as in word2vec).

Each is trained in a child process (``python -m hsw2v train``, 1 epoch by default) at full size
and at a tenth of it; the child's peak RSS is its ``VmHWM`` at exit. The goal is a ratio of at
most 1.1: memory must not grow with corpus length (the id stream lives in a temporary file).

Example (the figures in the README)::

    python scripts/bench_memory.py --size-gb 2 --workdir /tmp/hsw2v-mem
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

CHUNK_TOKENS = 4_000_000


def _vocab(n: int) -> np.ndarray:
    """``n`` distinct lowercase words (object array of bytes)."""
    rng = np.random.default_rng(12345)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", np.uint8)
    words, seen = [], set()
    while len(words) < n:
        k = int(rng.integers(2, 10))
        w = letters[rng.integers(0, 26, k)].tobytes()
        if w not in seen:
            seen.add(w)
            words.append(w)
    return np.array(words, dtype=object)


def generate(path: str, size_bytes: int, vocab_size: int, rare: float, rare_range: int,
             seed: int) -> dict:
    """Write a single-line corpus of about ``size_bytes`` bytes; return its description."""
    rng = np.random.default_rng(seed)
    words = _vocab(vocab_size)
    # Zipf frequencies over a fixed vocabulary small enough that every word passes
    # --min-count in the tenth too: both jobs train the same model size.
    p = 1.0 / np.arange(1, vocab_size + 1) ** 1.0
    p /= p.sum()
    written = tokens = 0
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        first = True
        while written < size_bytes:
            ids = rng.choice(vocab_size, CHUNK_TOKENS, p=p)
            toks = words[ids]
            if rare > 0:
                mask = rng.random(CHUNK_TOKENS) < rare
                r = rng.integers(0, rare_range, int(mask.sum()))
                toks[mask] = [b"r%x" % x for x in r.tolist()]
            data = b" ".join(toks.tolist())
            if not first:
                data = b" " + data
            first = False
            data = data[:max(0, size_bytes - written)]
            f.write(data)
            written += len(data)
            tokens += len(toks)
    os.replace(tmp, path)
    return {"path": path, "bytes": written, "approx_tokens": tokens}


_WRAPPER = (
    "import atexit, sys\n"
    "def _hwm(path=sys.argv[1]):\n"
    "    with open('/proc/self/status') as f:\n"
    "        line = next(x for x in f if x.startswith('VmHWM'))\n"
    "    with open(path, 'w') as out:\n"
    "        out.write(line.split()[1])\n"
    "atexit.register(_hwm)\n"
    "sys.argv = ['hsw2v'] + sys.argv[2:]\n"
    "from hsw2v.cli import main\n"
    "main()\n"
)


def peak_rss_of(args: list[str], workdir: str) -> tuple[int, float, int]:
    """Run ``hsw2v ARGS`` in a child; return (peak RSS in bytes, wall seconds, exit status).

    The peak is the child's own ``VmHWM``, read at exit. (``ru_maxrss`` from ``wait4`` is not
    used: Linux carries the parent's high-water mark over ``fork`` + ``exec``, so the corpus
    generator's memory would leak into the figure.)
    """
    hwm = os.path.join(workdir, "vmhwm.txt")
    t = time.perf_counter()
    rc = subprocess.call([sys.executable, "-c", _WRAPPER, hwm, *args])
    secs = time.perf_counter() - t
    with open(hwm) as f:
        kb = int(f.read())
    os.unlink(hwm)
    return kb * 1024, secs, rc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-gb", type=float, default=0.3,
                    help="size of each full corpus in GB (default 0.3; the tenth is 10x smaller)")
    ap.add_argument("--workdir", default="/tmp/hsw2v-bench-memory")
    ap.add_argument("--vocab", type=int, default=20_000, help="distinct ordinary words")
    ap.add_argument("--rare", type=float, default=0.3,
                    help="fraction of rare tokens in the 'distinct' corpus")
    ap.add_argument("--rare-range", type=int, default=200_000_000,
                    help="rare tokens are drawn from this many distinct strings")
    ap.add_argument("--prune-at", type=int, default=500_000,
                    help="small enough that both sizes reach it (it bounds counting memory)")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--dim", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", choices=["oneline", "distinct"], help="run one corpus kind")
    ap.add_argument("--keep", action="store_true", help="keep the generated corpora")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    full = int(args.size_gb * 1e9)
    kinds = {"oneline": 0.0, "distinct": args.rare}
    results = []
    for kind, rare in kinds.items():
        if args.only and kind != args.only:
            continue
        for label, size in (("tenth", full // 10), ("full", full)):
            path = os.path.join(args.workdir, f"{kind}-{label}.txt")
            t = time.perf_counter()
            info = generate(path, size, args.vocab, rare, args.rare_range, seed=7)
            gen_s = time.perf_counter() - t
            out = os.path.join(args.workdir, f"{kind}-{label}.bin")
            cmd = ["train", path, "-o", out, "-q",
                   "--epochs", str(args.epochs), "--dim", str(args.dim), "--threads",
                   str(args.threads), "--min-count", "5", "--prune-at", str(args.prune_at)]
            rss, secs, rc = peak_rss_of(cmd, args.workdir)
            if rc != 0:
                print(f"{kind}/{label}: hsw2v exited with {rc}", file=sys.stderr)
                return 1
            with open(out + ".json") as f:
                summary = json.load(f)
            row = {"corpus": kind, "size": label, "bytes": info["bytes"],
                   "tokens": summary["tokens"], "vocab": summary["vocab_size"],
                   "peak_rss_mb": round(rss / 2**20, 1), "train_seconds": round(secs, 1),
                   "generate_seconds": round(gen_s, 1)}
            results.append(row)
            print(f"{kind:9s} {label:6s} {info['bytes'] / 1e9:6.2f} GB  {row['tokens']:>12,} "
                  f"tokens  vocab {row['vocab']:>8,}  peak RSS {row['peak_rss_mb']:8.1f} MB  "
                  f"{secs:7.1f} s", flush=True)
            for p in (out, out + ".json") + (() if args.keep else (path,)):
                os.unlink(p)
    print()
    ok = True
    for kind in kinds:
        rows = {r["size"]: r for r in results if r["corpus"] == kind}
        if len(rows) == 2:
            ratio = rows["full"]["peak_rss_mb"] / rows["tenth"]["peak_rss_mb"]
            ok &= ratio <= 1.1
            print(f"{kind}: peak RSS full / tenth = {ratio:.3f} (goal <= 1.1)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
