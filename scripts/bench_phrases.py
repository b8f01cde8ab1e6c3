#!/usr/bin/env python
"""hsw2v's phrases against gensim's ``Phrases``: time, and the phrases each finds.

Corpus: text8-prefix (2.14M words on one line). gensim needs sentences, so both tools get the
same ones: the corpus cut into sentences of ``--piece`` words (10,000 by default), for gensim
as lists of str in memory (its reading is not timed at all), for hsw2v as a text file with one
sentence per line (its reading, tokenizing and writing are timed). Settings: min_count 5,
threshold 100 for the word2vec score and 0.5 for npmi; gensim is given a scorer with
word2phrase's formula (``(n_ab - min_count) / (n_a * n_b) * N``, N = corpus words: gensim's
built-in ``'default'`` scorer multiplies by its vocabulary size instead), and its built-in
``'npmi'``.

Timed, in one process, rounds alternating gensim / hsw2v (the machine is shared and noisy):

* gensim: ``Phrases(sentences, ...)`` (learn), then ``.freeze()`` and the frozen model applied
  to every sentence (the fastest way gensim offers to rewrite a corpus), lists kept in memory.
* hsw2v: ``hsw2v.phrases(file, out_file, ...)``: count, score, rewrite to a file (JIT code
  loaded from numba's cache by a warm-up run first).

Compared: the set of phrases (hsw2v ``.phrases`` vs gensim ``export_phrases()``) and their
scores, and the rewritten corpus token by token. Also timed: hsw2v on the original one-line
``.gz`` (no cutting), as a whole ``hsw2v phrases`` process (start-up included).

Usage::

    python scripts/bench_phrases.py                   # 3 rounds, prints a report
    python scripts/bench_phrases.py --rounds 5 --json .bench/phrases.json
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
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The shared data folder sits next to the checkout (or next to the folder of worktrees).
DATA = next((p for p in (os.path.join(os.path.dirname(ROOT), "shared", "data", "text8-prefix.gz"),
                         os.path.join(os.path.dirname(os.path.dirname(ROOT)), "shared", "data",
                                      "text8-prefix.gz")) if os.path.exists(p)),
            os.path.join(os.path.dirname(ROOT), "shared", "data", "text8-prefix.gz"))


def word2phrase_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count,
                       corpus_word_count):
    """word2phrase's score for gensim: N (corpus words) where gensim's default has len_vocab."""
    denom = worda_count * wordb_count
    if denom == 0:
        return float("-inf")
    return (bigram_count - min_count) / float(denom) * corpus_word_count


def gensim_run(sentences, scoring, threshold, min_count):
    from gensim.models.phrases import Phrases

    t0 = time.perf_counter()
    model = Phrases(sentences, min_count=min_count, threshold=threshold,
                    scoring=word2phrase_scorer if scoring == "word2vec" else "npmi")
    t1 = time.perf_counter()
    frozen = model.freeze()
    joined = [frozen[s] for s in sentences]
    t2 = time.perf_counter()
    return model, joined, {"learn_s": t1 - t0, "rewrite_s": t2 - t1, "total_s": t2 - t0}


def hsw2v_run(path, out, scoring, threshold, min_count):
    import hsw2v

    t0 = time.perf_counter()
    model = hsw2v.phrases(path, out, min_count=min_count, threshold=threshold, scoring=scoring)
    return model, {"total_s": time.perf_counter() - t0}


def compare(model, gmodel, joined_g, out_path):
    ours = model.phrases
    theirs = gmodel.export_phrases()
    both = ours.keys() & theirs.keys()
    rel = max((abs(ours[p] - theirs[p]) / max(abs(theirs[p]), 1e-300) for p in both),
              default=0.0)
    with open(out_path, encoding="utf-8") as f:
        joined_h = [line.split() for line in f]
    same_text = joined_h == joined_g
    return {"hsw2v": len(ours), "gensim": len(theirs), "both": len(both),
            "only_hsw2v": sorted(ours.keys() - theirs.keys())[:20],
            "only_gensim": sorted(theirs.keys() - ours.keys())[:20],
            "max_rel_score_diff": rel, "same_rewritten_corpus": same_text,
            "tokens_hsw2v": sum(map(len, joined_h)), "tokens_gensim": sum(map(len, joined_g))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DATA)
    parser.add_argument("--piece", type=int, default=10_000, help="Words per gensim sentence.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=100.0)
    parser.add_argument("--npmi-threshold", type=float, default=0.5)
    parser.add_argument("--json", metavar="FILE", help="Also write the figures here.")
    args = parser.parse_args()

    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        words = f.read().split()
    sentences = [words[i:i + args.piece] for i in range(0, len(words), args.piece)]
    report = {"corpus": args.corpus, "words": len(words), "sentences": len(sentences),
              "piece": args.piece, "min_count": args.min_count, "rounds": args.rounds}
    with tempfile.TemporaryDirectory(prefix="bench-phrases-") as tmp:
        cut = os.path.join(tmp, "cut.txt")
        with open(cut, "w", encoding="utf-8") as f:
            f.writelines(" ".join(s) + "\n" for s in sentences)
        out = os.path.join(tmp, "out.txt")
        hsw2v_run(cut, out, "word2vec", args.threshold, args.min_count)  # load cached JIT code

        for scoring, threshold in (("word2vec", args.threshold), ("npmi", args.npmi_threshold)):
            rows = []
            for r in range(args.rounds):
                gmodel, joined_g, g = gensim_run(sentences, scoring, threshold, args.min_count)
                model, h = hsw2v_run(cut, out, scoring, threshold, args.min_count)
                rows.append({"gensim": g, "hsw2v": h, "ratio": g["total_s"] / h["total_s"]})
                print(f"{scoring} round {r + 1}: gensim {g['total_s']:.2f} s (learn "
                      f"{g['learn_s']:.2f} + rewrite {g['rewrite_s']:.2f}), hsw2v "
                      f"{h['total_s']:.3f} s: {rows[-1]['ratio']:.1f}x", flush=True)
            cmp = compare(model, gmodel, joined_g, out)
            del gmodel, joined_g
            report[scoring] = {"threshold": threshold, "rounds": rows,
                               "median_gensim_s": statistics.median(
                                   x["gensim"]["total_s"] for x in rows),
                               "median_hsw2v_s": statistics.median(
                                   x["hsw2v"]["total_s"] for x in rows),
                               "median_ratio": statistics.median(x["ratio"] for x in rows),
                               "compare": cmp,
                               "top20": model.top(20)}
            print(json.dumps({k: v for k, v in report[scoring].items() if k != "rounds"},
                             indent=1), flush=True)

        # The original one-line file, no cutting: in process and as a whole command.
        one = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            model, _ = hsw2v_run(args.corpus, out, "word2vec", args.threshold, args.min_count)
            one.append(time.perf_counter() - t)
        report["one_line_in_process_s"] = one
        cmd = [sys.executable, "-m", "hsw2v", "phrases", args.corpus, "-o", out, "-q"]
        procs = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            subprocess.run(cmd, check=True)
            procs.append(time.perf_counter() - t)
        report["one_line_command_s"] = procs
        report["one_line_top20"] = model.top(20)
        by_count = sorted(model.top(len(model)), key=lambda x: (-x[1], x[0]))[:20]
        report["one_line_top20_by_count"] = by_count
        print(f"one line, in process: {', '.join(f'{x:.3f}' for x in one)} s; as a command: "
              f"{', '.join(f'{x:.2f}' for x in procs)} s")
        print("top 20 by score:", ", ".join(f"{p} ({c}, {s:.0f})" for p, c, s in model.top(20)))
        print("top 20 by count:", ", ".join(f"{p} ({c}, {s:.0f})" for p, c, s in by_count))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
