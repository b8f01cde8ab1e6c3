"""Benchmark nearest-neighbour queries and binary loading (issue 3).

(a) top-10 neighbours of 1,000 query words over 100,000 x 300 random float32 vectors
    (goal: under 1 s, excluding the one-off unit normalisation, which is reported separately);
(b) loading the same vectors from a word2vec binary file: hsw2v vs gensim's
    ``KeyedVectors.load_word2vec_format`` (goal: hsw2v at least 3x faster), plus text-file
    writing and loading for reference.

Prints the figures and writes them as JSON (default ``.bench/bench_query.json``).

Usage::

    python scripts/bench_query.py [--words 100000] [--dim 300] [--queries 1000] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hsw2v.vectors import Vectors  # noqa: E402


def best_of(repeats: int, fn) -> float:
    """Smallest wall time in seconds of `repeats` calls of `fn` (the least disturbed run)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=".bench/bench_query.json")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(args.words)]
    matrix = rng.standard_normal((args.words, args.dim), dtype=np.float32)
    vectors = Vectors(words, matrix)
    query_words = [words[i] for i in rng.choice(args.words, args.queries, replace=False)]
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "processor": platform.processor(),
                    # Other processes on the machine slow the BLAS product down: record them.
                    "load_average_before": os.getloadavg()[0]},
        "words": args.words, "dim": args.dim, "queries": args.queries,
    }

    start = time.perf_counter()
    vectors.unit  # noqa: B018  (computed once, then reused by every query)
    results["normalise_s"] = time.perf_counter() - start
    results["top10_s"] = best_of(args.repeats, lambda: vectors.most_similar_many(query_words, 10))
    print(f"(a) unit normalisation of {args.words} x {args.dim}: {results['normalise_s']:.3f} s")
    print(f"(a) top-10 for {args.queries} query words: {results['top10_s']:.3f} s "
          f"(goal < 1 s: {'met' if results['top10_s'] < 1 else 'NOT met'})")

    with tempfile.TemporaryDirectory() as tmp:
        binary_path = os.path.join(tmp, "vectors.bin")
        text_path = os.path.join(tmp, "vectors.txt")
        results["save_binary_s"] = best_of(1, lambda: vectors.save(binary_path))
        results["save_text_s"] = best_of(1, lambda: vectors.save(text_path))
        results["binary_bytes"] = os.path.getsize(binary_path)
        results["text_bytes"] = os.path.getsize(text_path)
        results["load_binary_s"] = best_of(args.repeats, lambda: Vectors.load(binary_path))
        results["load_text_s"] = best_of(1, lambda: Vectors.load(text_path))
        try:
            from gensim.models import KeyedVectors
        except ImportError:
            print("gensim is not installed (pip install -e '.[bench]'): no comparison")
        else:
            results["gensim_load_binary_s"] = best_of(
                args.repeats, lambda: KeyedVectors.load_word2vec_format(binary_path, binary=True))
            results["load_binary_speedup"] = (
                results["gensim_load_binary_s"] / results["load_binary_s"])
    print(f"(b) save binary {results['save_binary_s']:.3f} s, save text "
          f"{results['save_text_s']:.3f} s ({results['text_bytes'] / 1e6:.0f} MB)")
    print(f"(b) load binary: hsw2v {results['load_binary_s']:.3f} s", end="")
    if "gensim_load_binary_s" in results:
        speedup = results["load_binary_speedup"]
        print(f", gensim {results['gensim_load_binary_s']:.3f} s: {speedup:.1f}x faster "
              f"(goal >= 3x: {'met' if speedup >= 3 else 'NOT met'})")
    else:
        print()
    print(f"(b) load text: hsw2v {results['load_text_s']:.3f} s")

    results["machine"]["load_average_after"] = os.getloadavg()[0]
    print(f"load average before/after: {results['machine']['load_average_before']:.2f} / "
          f"{results['machine']['load_average_after']:.2f} on {os.cpu_count()} CPUs")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
