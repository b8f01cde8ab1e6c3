#!/usr/bin/env python
"""The three objectives side by side: what each costs per trained word, and what it learns.

``cost``: time per trained word of ``--loss softmax``, ``hs`` and ``ns`` (k = 5) at vocabulary
sizes V = 1,000 ... 1,000,000, one thread, dim 100, on synthetic Zipf corpora (word of rank r
drawn with probability proportional to 1/r). Every run gets the whole vocabulary through
``--read-vocab`` (a ``word count`` file of the Zipf counts of a 10^9-token corpus) and
``--min-count 1``, so the tree and the noise distribution hold all V words even where the sample
misses some. hs and ns train on ``--tokens`` tokens; the exact softmax, which costs O(V) per
prediction, on ``clamp(--softmax-budget / V, 20, 200000)`` tokens so that each run takes
seconds. The figure is the training time of the epochs (``epochs[].seconds`` in the run
summary: the kernels, without reading, building the tree or initialising the weights) over the
words trained (after subsampling); ``seconds_training`` over the same words is kept beside it.
Runs go in rounds (every V and objective once per round) and the table shows medians, with the
log-log slope of time against V (1: linear in V; 0: flat).

``quality``: the three objectives on text8-prefix with a vocabulary small enough for the exact
softmax (default CBOW, ``--max-vocab 3000``, 1 epoch, 2 threads, the same settings and data for
all three), scored on questions-words (analogy accuracy, with how many questions the vocabulary
covers) and WS353 (Spearman, with the share of pairs out of the vocabulary), and the held-out
loss (``--holdout``: negative log-likelihood per prediction on corpus chunks never trained on;
softmax and hs both give -log p(word | context), so those two are comparable; ns's loss is of
its k + 1 logistic decisions and is not).

Usage::

    python scripts/bench_objectives.py cost                 # -> .bench/objectives-cost-cbow.json
    python scripts/bench_objectives.py cost --model sg
    python scripts/bench_objectives.py quality              # -> .bench/objectives-quality.json
    python scripts/bench_objectives.py markdown .bench/objectives-cost-cbow.json \\
        .bench/objectives-quality.json
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shutil
import statistics
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import DATA, ROOT, machine, run_measured  # noqa: E402

LOSSES = ("softmax", "hs", "ns")
ZIPF_TOTAL = 10**9  # the vocabulary file describes a corpus of this many tokens

# A child process trains through the Python API (no vectors file: at V = 10^6 it would be
# 400 MB to write) and leaves its run summary as JSON.
TRAIN_CHILD = """
import json, sys
import hsw2v
opts = json.loads(sys.argv[2])
v = hsw2v.train(sys.argv[1], quiet=True, **opts)
with open(sys.argv[3], "w") as f:
    json.dump(v.summary, f)
"""


# ----------------------------------------------------------------------------------------------
# Synthetic Zipf corpora
# ----------------------------------------------------------------------------------------------

def zipf_probabilities(v: int) -> np.ndarray:
    """float64 (v,): probability of the word of rank r + 1, proportional to 1 / (r + 1)."""
    p = 1.0 / np.arange(1, v + 1, dtype=np.float64)
    return p / p.sum()


def write_zipf(work: str, v: int, tokens: int, seed: int = 0, line: int = 1000) -> tuple[str, str]:
    """Write a Zipf corpus of ``tokens`` words over ``v`` words, and its vocabulary file.

    Returns the corpus path and the ``word count`` file (counts of a 10^9-token corpus, at
    least 1, most frequent first).
    """
    p = zipf_probabilities(v)
    vocab = os.path.join(work, f"zipf-{v}.vocab")
    counts = np.maximum(1, np.rint(p * ZIPF_TOTAL)).astype(np.int64)
    with open(vocab, "w") as f:
        f.writelines(f"w{r} {c}\n" for r, c in enumerate(counts))
    rng = np.random.default_rng(seed)
    ids = np.searchsorted(np.cumsum(p), rng.random(tokens), side="right").clip(0, v - 1)
    names = np.array([f"w{r}" for r in range(v)], dtype=object)
    corpus = os.path.join(work, f"zipf-{v}-{tokens}.txt")
    with open(corpus, "w") as f:
        for a in range(0, tokens, line):
            f.write(" ".join(names[ids[a:a + line]]) + "\n")
    return corpus, vocab


def trained_code_length(v: int, sample: float) -> float:
    """Mean Huffman code length over the words HS trains on (after subsampling).

    The run summary's ``huffman_mean_code_length`` weights each word by its count; the kernel
    walks one path per kept occurrence, so the cost per prediction follows this mean instead.
    """
    from hsw2v.huffman import build_huffman
    from hsw2v.vocab import keep_probabilities

    counts = np.maximum(1, np.rint(zipf_probabilities(v) * ZIPF_TOTAL)).astype(np.int64)
    lengths = build_huffman(counts).lengths
    return float(np.average(lengths, weights=counts * keep_probabilities(counts, sample)))


def softmax_tokens(v: int, budget: float) -> int:
    return int(min(200_000, max(20, budget / v)))


# ----------------------------------------------------------------------------------------------
# Cost per trained word
# ----------------------------------------------------------------------------------------------

def train_child(corpus: str, opts: dict, work: str) -> tuple[dict, float]:
    """Train in a fresh process; return its run summary and wall time."""
    out = os.path.join(work, "summary.json")
    r = run_measured([sys.executable, "-c", TRAIN_CHILD, corpus, json.dumps(opts), out])
    summary = json.load(open(out))
    os.unlink(out)
    return summary, r["wall_s"]


def loss_opts(loss: str, negative: int) -> dict:
    return {"loss": loss, **({"negative": negative} if "ns" in loss else {})}


def cost(args) -> dict:
    work = tempfile.mkdtemp(prefix="hsw2v-objectives-")
    try:
        info = machine()
        files = {}
        for v in args.sizes:
            big, vocab = write_zipf(work, v, args.tokens)
            small, _ = write_zipf(work, v, softmax_tokens(v, args.softmax_budget))
            files[v] = {"hs": big, "ns": big, "softmax": small, "vocab": vocab}
        print(f"# cost per trained word, {args.model}, 1 thread, dim {args.dim}; "
              f"load average {' '.join(info.get('loadavg_before', []))}", flush=True)
        base = dict(model=args.model, dim=args.dim, window=args.window, sample=args.sample,
                    min_count=1, epochs=1, threads=1)
        # Warm numba's cache for every objective (the first run after an edit compiles).
        for loss in args.losses:
            train_child(files[args.sizes[0]]["softmax"],
                        dict(base, read_vocab=files[args.sizes[0]]["vocab"],
                             **loss_opts(loss, args.negative)), work)
        runs = []
        for rep in range(args.reps):
            for v in args.sizes:
                for loss in args.losses:
                    opts = dict(base, read_vocab=files[v]["vocab"], seed=rep + 1,
                                **loss_opts(loss, args.negative))
                    s, wall = train_child(files[v][loss], opts, work)
                    trained = sum(e["trained_words"] for e in s["epochs"])
                    kernel = sum(e["seconds"] for e in s["epochs"])
                    row = {"rep": rep + 1, "V": v, "loss": loss, "tokens": s["tokens"],
                           "trained_words": trained, "epoch_seconds": kernel,
                           "seconds_training": s["seconds_training"], "wall_s": wall,
                           "us_per_word": 1e6 * kernel / trained,
                           "us_per_word_training": 1e6 * s["seconds_training"] / trained,
                           "huffman_mean_code_length": s["huffman_mean_code_length"],
                           "loadavg": open("/proc/loadavg").read().split()[:3]}
                    runs.append(row)
                    print(f"  round {rep + 1} V {v:>9,} {loss:7s}: {trained:>8,} trained words, "
                          f"{kernel:7.2f} s -> {row['us_per_word']:10.3f} us/word "
                          f"(load {row['loadavg'][0]})", flush=True)
        table = {}
        for loss in args.losses:
            per_v = {}
            for v in args.sizes:
                rows = [r for r in runs if r["V"] == v and r["loss"] == loss]
                per_v[str(v)] = {k: statistics.median(r[k] for r in rows)
                                 for k in ("us_per_word", "us_per_word_training",
                                           "trained_words", "huffman_mean_code_length")}
            table[loss] = {"by_V": per_v, **slopes(args.sizes, [per_v[str(v)]["us_per_word"]
                                                                   for v in args.sizes])}
        if "hs" in table:
            table["hs"]["trained_code_length"] = {str(v): trained_code_length(v, args.sample)
                                                  for v in args.sizes}
        return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "machine": info, "loadavg_after": open("/proc/loadavg").read().split()[:3],
                "model": args.model, "threads": 1, "reps": args.reps,
                "settings": {"dim": args.dim, "window": args.window, "sample": args.sample,
                             "negative": args.negative, "epochs": 1, "tokens": args.tokens,
                             "softmax_budget": args.softmax_budget, "zipf_total": ZIPF_TOTAL},
                "sizes": args.sizes, "table": table, "runs": runs}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def slopes(sizes: list[int], times: list[float]) -> dict:
    """Least-squares slope of log(time) on log(V), and the slope between neighbours."""
    x = np.log(np.asarray(sizes, dtype=np.float64))
    y = np.log(np.asarray(times, dtype=np.float64))
    fit = float(np.polyfit(x, y, 1)[0]) if len(sizes) > 1 else math.nan
    local = [float((y[i + 1] - y[i]) / (x[i + 1] - x[i])) for i in range(len(sizes) - 1)]
    return {"slope": fit, "local_slopes": local}


# ----------------------------------------------------------------------------------------------
# Quality with the same budget
# ----------------------------------------------------------------------------------------------

def quality(args) -> dict:
    from hsw2v.vectors import Vectors

    work = tempfile.mkdtemp(prefix="hsw2v-objectives-")
    try:
        info = machine()
        print(f"# quality, {args.model}, --max-vocab {args.max_vocab}, {args.epochs} epoch(s), "
              f"{args.threads} threads; load average {' '.join(info.get('loadavg_before', []))}",
              flush=True)
        runs = []
        for seed in range(1, args.seeds + 1):
            for loss in LOSSES:
                out = os.path.join(work, f"{loss}.bin")
                cmd = [sys.executable, "-m", "hsw2v", "train", args.corpus, "-o", out,
                       "--model", args.model, "--loss", loss, "--max-vocab", str(args.max_vocab),
                       "--epochs", str(args.epochs), "--threads", str(args.threads),
                       "--seed", str(seed), "--dim", str(args.dim), "--window", str(args.window),
                       "--sample", str(args.sample), "--holdout", str(args.holdout), "--quiet",
                       *(("--negative", str(args.negative)) if loss == "ns" else ())]
                r = run_measured(cmd)
                s = json.load(open(out + ".json"))
                vec = Vectors.load(out)
                an = vec.evaluate_analogies(args.analogies)
                pr = vec.evaluate_pairs(args.pairs)
                last = s["epochs"][-1]
                row = {"seed": seed, "loss": loss, "wall_s": r["wall_s"],
                       "seconds_training": s["seconds_training"],
                       "vocab_size": s["vocab_size"],
                       "trained_words": sum(e["trained_words"] for e in s["epochs"]),
                       "train_loss": last["loss"], "holdout_loss": last.get("holdout_loss"),
                       "analogy": an.accuracy, "analogy_correct": an.correct,
                       "analogy_scored": an.total, "analogy_skipped": an.skipped,
                       "ws353": pr.spearman, "ws353_pairs": pr.pairs,
                       "ws353_oov_pairs": pr.oov_pairs, "ws353_oov": pr.oov,
                       "loadavg": open("/proc/loadavg").read().split()[:3]}
                runs.append(row)
                print(f"  seed {seed} {loss:7s}: {r['wall_s']:7.1f} s  analogy {an.accuracy:.4f} "
                      f"({an.total} of {an.total + an.skipped} questions)  ws353 "
                      f"{pr.spearman:.3f} ({pr.oov:.0%} pairs OOV)  held-out loss "
                      f"{row['holdout_loss']}  (load {row['loadavg'][0]})", flush=True)
                for f in (out, out + ".json"):
                    os.unlink(f)
        summary = {}
        for loss in LOSSES:
            rows = [r for r in runs if r["loss"] == loss]
            summary[loss] = {k: statistics.fmean(r[k] for r in rows)
                             for k in ("wall_s", "seconds_training", "analogy", "ws353",
                                       "holdout_loss", "train_loss")
                             if all(r[k] is not None for r in rows)}
        return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "machine": info, "loadavg_after": open("/proc/loadavg").read().split()[:3],
                "model": args.model, "threads": args.threads, "seeds": args.seeds,
                "corpus": os.path.abspath(args.corpus),
                "settings": {"max_vocab": args.max_vocab, "epochs": args.epochs, "dim": args.dim,
                             "window": args.window, "sample": args.sample,
                             "negative": args.negative, "holdout": args.holdout},
                "mean": summary, "runs": runs}
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------------------------

def cost_table(res: dict) -> str:
    sizes = res["sizes"]
    s = res["settings"]
    lines = [f"Time per trained word (µs), {res['model']}, 1 thread, dim {s['dim']}, window "
             f"{s['window']}, sample {s['sample']}, k = {s['negative']}; medians of {res['reps']} "
             f"rounds; load average {' '.join(res['machine'].get('loadavg_before', []))} before, "
             f"{' '.join(res.get('loadavg_after', []))} after:", "",
             "| objective | " + " | ".join(f"V = {v:,}" for v in sizes) + " | slope (log-log) |",
             "|---" * (len(sizes) + 2) + "|"]
    for loss in [x for x in LOSSES if x in res["table"]]:
        t = res["table"][loss]
        cells = " | ".join(f"{t['by_V'][str(v)]['us_per_word']:.3g}" for v in sizes)
        local = ", ".join(f"{x:.2f}" for x in t["local_slopes"])
        lines.append(f"| {loss} | {cells} | {t['slope']:.2f} ({local}) |")
    if "hs" not in res["table"]:
        return "\n".join(lines)
    code = " | ".join(f"{res['table']['hs']['by_V'][str(v)]['huffman_mean_code_length']:.1f} / "
                      f"{res['table']['hs']['trained_code_length'][str(v)]:.1f}" for v in sizes)
    lines.append(f"| *hs: mean code length, by count / by trained word* | {code} | |")
    # The same figures per output row a prediction touches (V for softmax, the code length of
    # the trained words for hs, k + 1 for ns): what one row costs in each kernel.
    rows = {"softmax": lambda v: v, "hs": lambda v: res["table"]["hs"]["trained_code_length"][str(v)],
            "ns": lambda v: s["negative"] + 1}
    lines += ["", "The same in nanoseconds per output row of a prediction (V rows for softmax, the mean "
              "code length of the trained words for hs, k + 1 for ns):", "",
              "| objective | " + " | ".join(f"V = {v:,}" for v in sizes) + " |",
              "|---" * (len(sizes) + 1) + "|"]
    for loss in [x for x in LOSSES if x in res["table"]]:
        t = res["table"][loss]["by_V"]
        lines.append(f"| {loss} | " + " | ".join(
            f"{1000 * t[str(v)]['us_per_word'] / rows[loss](v):.3g}" for v in sizes) + " |")
    return "\n".join(lines)


def quality_table(res: dict) -> str:
    s = res["settings"]
    first = res["runs"][0]
    lines = [f"{res['model']}, `--max-vocab {s['max_vocab']}`, {s['epochs']} epoch(s), "
             f"{res['threads']} threads, dim {s['dim']}, holdout {s['holdout']}, mean of "
             f"{res['seeds']} seed(s); analogy over {first['analogy_scored']} of "
             f"{first['analogy_scored'] + first['analogy_skipped']} questions, WS353 over "
             f"{first['ws353_pairs']} pairs ({first['ws353_oov']:.0%} out of vocabulary); load "
             f"average {' '.join(res['machine'].get('loadavg_before', []))} before, "
             f"{' '.join(res.get('loadavg_after', []))} after:", "",
             "| objective | wall time | analogy | WS353 | held-out loss |", "|---|---|---|---|---|"]
    for loss in LOSSES:
        m = res["mean"][loss]
        held = m.get("holdout_loss")
        lines.append(f"| {loss} | {m['wall_s']:.1f} s | {m['analogy']:.4f} | {m['ws353']:.3f} | "
                     f"{'–' if held is None else f'{held:.3f}'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cost", help="time per trained word against V")
    c.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    c.add_argument("--tokens", type=int, default=1_000_000, help="corpus length for hs and ns")
    c.add_argument("--softmax-budget", type=float, default=5e7,
                   help="softmax corpus length is this / V (clamped to 20..200000)")
    c.add_argument("--reps", type=int, default=3)
    c.add_argument("--losses", nargs="+", choices=LOSSES, default=list(LOSSES))
    q = sub.add_parser("quality", help="the three objectives on a restricted vocabulary")
    q.add_argument("--corpus", default=os.path.join(DATA, "text8-prefix.gz"))
    q.add_argument("--analogies", default=os.path.join(DATA, "questions-words.txt"))
    q.add_argument("--pairs", default=os.path.join(DATA, "wordsim353.tsv"))
    q.add_argument("--max-vocab", type=int, default=3000)
    q.add_argument("--epochs", type=int, default=1)
    q.add_argument("--threads", type=int, default=2)
    q.add_argument("--seeds", type=int, default=1)
    q.add_argument("--holdout", type=float, default=0.01)
    for p in (c, q):
        p.add_argument("--model", choices=("sg", "cbow"), default="cbow")
        p.add_argument("--dim", type=int, default=100)
        p.add_argument("--window", type=int, default=5)
        p.add_argument("--sample", type=float, default=1e-3)
        p.add_argument("--negative", type=int, default=5)
        p.add_argument("--json", help="output file (default under .bench/)")
    m = sub.add_parser("markdown", help="print the tables of result files")
    m.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    if args.command == "markdown":
        for path in args.files:
            res = json.load(open(path))
            print(cost_table(res) if "table" in res else quality_table(res))
            print()
        return 0
    if args.command == "cost":
        res = cost(args)
        out = args.json or os.path.join(ROOT, ".bench", f"objectives-cost-{args.model}.json")
        text = cost_table(res)
    else:
        res = quality(args)
        out = args.json or os.path.join(ROOT, ".bench", f"objectives-quality-{args.model}.json")
        text = quality_table(res)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
    os.replace(out + ".tmp", out)
    print()
    print(text)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
