#!/usr/bin/env python
"""MD5 digests of trained vectors, to show that a refactoring changed no number.

Trains a fixed set of deterministic runs (``--threads 1``, one seed) as whole ``hsw2v train``
processes: skip-gram and CBOW with ``hs``, ``ns`` and ``hs+ns`` locally, and with ``--dask
local:1 --threads 1`` (one worker: bit-identical to the local run by design). Each run writes
binary vectors; the digest is the MD5 of that file. The summary's keys (``OUT.json``) are
listed too, so a change of the summary's shape shows.

Usage::

    python scripts/vector_digests.py --json before.json          # on the old code
    python scripts/vector_digests.py --compare before.json       # on the new code: exit 1 if any differs

The corpus is the first ``--words`` words of text8-prefix (``../shared/data``), or the
planted-structure demo corpus (``hsw2v demo``'s) where that is absent or with ``--demo``.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "text8-prefix.gz")

#: name -> extra options (every run: --threads 1 --seed 7 --dim 100 --epochs 2 --binary)
RUNS = {
    "sg-hs": ["--model", "sg", "--loss", "hs"],
    "cbow-hs": ["--model", "cbow", "--loss", "hs"],
    "sg-ns": ["--model", "sg", "--loss", "ns", "--negative", "5"],
    "cbow-ns": ["--model", "cbow", "--loss", "ns", "--negative", "5"],
    "sg-hs+ns": ["--model", "sg", "--loss", "hs+ns", "--negative", "3"],
    "cbow-hs+ns": ["--model", "cbow", "--loss", "hs+ns", "--negative", "3"],
    "dask1-sg-hs": ["--model", "sg", "--loss", "hs", "--dask", "local:1"],
    "dask1-cbow-ns": ["--model", "cbow", "--loss", "ns", "--negative", "5", "--dask", "local:1"],
}


def corpus(path: str, words: int, demo: bool = False) -> None:
    if os.path.exists(DATA) and not demo:
        with gzip.open(DATA, "rt") as f:
            text = f.read(words * 9)
        with open(path, "w") as f:
            f.write(" ".join(text.split()[:words]) + "\n")
    else:
        subprocess.run([sys.executable, "-m", "hsw2v", "demo", "--corpus-out", path, "-q",
                        "--epochs", "1"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def digests(words: int, only: list[str] | None, demo: bool = False) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as d:
        text = os.path.join(d, "c.txt")
        corpus(text, words, demo)
        for name, opts in RUNS.items():
            if only and name not in only:
                continue
            vec = os.path.join(d, name + ".bin")
            subprocess.run([sys.executable, "-m", "hsw2v", "train", text, "-o", vec, "--threads",
                            "1", "--seed", "7", "--dim", "100", "--epochs", "2", "--quiet",
                            *opts], check=True, cwd=ROOT)
            with open(vec, "rb") as f:
                md5 = hashlib.md5(f.read()).hexdigest()
            keys = sorted(json.load(open(vec + ".json")))
            out[name] = {"md5": md5, "summary_keys": keys}
            print(f"{name:14s} {md5}", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--json", help="write the digests here")
    ap.add_argument("--compare", help="digests written before: exit 1 if any differs")
    ap.add_argument("--only", nargs="+", choices=sorted(RUNS))
    ap.add_argument("--demo", action="store_true", help="use the demo corpus even where "
                    "text8-prefix is at hand")
    a = ap.parse_args()
    got = digests(a.words, a.only, a.demo)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(got, f, indent=1)
    if a.compare:
        old = json.load(open(a.compare))
        bad = [n for n in got if n in old and old[n]["md5"] != got[n]["md5"]]
        for n in got:
            if n in old and old[n]["summary_keys"] != got[n]["summary_keys"]:
                print(f"{n}: summary keys changed: -{sorted(set(old[n]['summary_keys']) - set(got[n]['summary_keys']))} "
                      f"+{sorted(set(got[n]['summary_keys']) - set(old[n]['summary_keys']))}")
        print("same vectors" if not bad else f"DIFFERENT: {bad}")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
