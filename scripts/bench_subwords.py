#!/usr/bin/env python
"""Subword vectors: hsw2v against fastText and gensim's FastText on one job (issue 28).

The job: text8-prefix, skip-gram, dim 100, window 5, 5 epochs, min-count 5, character n-grams
3-6 in 2,000,000 buckets, 2 threads, ``-t 1e-4 -lr 0.05`` (fastText's defaults for skip-gram,
given to every tool), with ``--loss hs`` and ``--loss ns`` (5 negatives). Each run is a whole
process; its wall time and peak RSS (``wait4``) are recorded, then its vectors are scored with
hsw2v's evaluation (which reads fastText's ``.bin``, so every tool's out-of-vocabulary vectors
are computed from its own n-gram rows):

* the analogy set (top 30,000 words; overall and the syntactic ``gram*`` sections) and WS353;
* the **OOV test**: a share of the words of the syntactic analogy sections and of WS353 (every
  fifth, in sorted order, of those in the corpus's vocabulary) are deleted from the corpus; each
  tool trains on what is left, and the questions whose inputs include a deleted word (and whose
  answer is still in the vocabulary) and the pairs with a deleted word are scored, the deleted
  words getting their n-grams' vectors.

``--tools hsw2v-plain`` runs hsw2v without subwords on the same job (the cost of subwords).
Runs append to ``--jsonl`` (one line each; wall and peak RSS by ``/usr/bin/time``); ``--report`` prints the medians and means of a file.
Runs of the tools alternate (hsw2v, fastText, gensim, hsw2v, ...), so that a slow spell of a
shared machine falls on all of them.

Usage::

    python scripts/bench_subwords.py --fasttext /tmp/ft/fasttext --losses hs ns --seeds 1 2 3 \
        --jsonl scripts/results/subwords.jsonl
    python scripts/bench_subwords.py --report scripts/results/subwords.jsonl
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
DIM, WINDOW, EPOCHS, MIN_COUNT, SAMPLE, ALPHA, NEG, MINN, MAXN, BUCKETS = (
    100, 5, 5, 5, 1e-4, 0.05, 5, 3, 6, 2_000_000)

# gensim reads the corpus as bench.py feeds it: an iterable of pieces of 10,000 tokens (its
# corpus_file mode trains only the first 10,000 words of a single-line file such as text8)
GENSIM_CODE = """
import sys, time
sys.path.insert(0, {scripts!r})
from bench import Pieces
from gensim.models import FastText
from gensim.models.fasttext import save_facebook_model
corpus, out, loss, seed, threads, epochs = sys.argv[1:7]
hs = loss == "hs"
t = time.perf_counter()
m = FastText(sentences=Pieces(corpus), vector_size={dim}, window={window},
             epochs=int(epochs), min_count={min_count}, sg=1, hs=int(hs),
             negative=0 if hs else {neg}, sample={sample}, alpha={alpha},
             workers=int(threads), min_n={minn}, max_n={maxn}, bucket={buckets},
             seed=int(seed))
print("train_seconds", time.perf_counter() - t)
save_facebook_model(m, out)
""".format(scripts=os.path.dirname(os.path.abspath(__file__)), dim=DIM, window=WINDOW,
           min_count=MIN_COUNT, neg=NEG, sample=SAMPLE, alpha=ALPHA, minn=MINN, maxn=MAXN,
           buckets=BUCKETS)


def run_measured(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd`` under ``/usr/bin/time -f %M``: (wall seconds, peak RSS MiB, stdout). (The
    RSS comes from ``time``, a small process that forks the command: a child forked from this
    script would count this script's memory before its exec.)"""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({p.returncode}): {p.stderr[-2000:]}")
    return wall, int(p.stderr.strip().splitlines()[-1]) / 1024, p.stdout


def command(tool: str, loss: str, corpus: str, out: str, seed: int, threads: int,
            fasttext: str, epochs: int = EPOCHS) -> tuple[list[str], str]:
    """The command of one run and the model file it writes."""
    if tool in ("hsw2v", "hsw2v-plain"):  # (plain: without subwords, their cost)
        model = out + ".npz"
        return ([sys.executable, "-m", "hsw2v", "train", corpus, "-o", out + ".bin",
                 "--save-model", model, "--model", "sg", "--loss", loss,
                 *(["--negative", str(NEG)] if loss == "ns" else []),
                 *(["--subwords", f"{MINN}-{MAXN}", "--buckets", str(BUCKETS)]
                   if tool == "hsw2v" else []), "--dim", str(DIM),
                 "--window", str(WINDOW), "--epochs", str(epochs), "--min-count",
                 str(MIN_COUNT), "--sample", str(SAMPLE), "--alpha", str(ALPHA), "--threads",
                 str(threads), "--seed", str(seed), "-q"], model)
    if tool == "fasttext":
        return ([fasttext, "skipgram", "-input", corpus, "-output", out, "-dim", str(DIM),
                 "-ws", str(WINDOW), "-epoch", str(epochs), "-minCount", str(MIN_COUNT),
                 "-neg", str(NEG), "-loss", loss, "-t", str(SAMPLE), "-lr", str(ALPHA),
                 "-thread", str(threads), "-minn", str(MINN), "-maxn", str(MAXN),
                 "-bucket", str(BUCKETS), "-seed", str(seed), "-verbose", "0"], out + ".bin")
    return ([sys.executable, "-c", GENSIM_CODE, corpus, out + ".bin", loss, str(seed),
             str(threads), str(epochs)], out + ".bin")


# ------------------------------------------------------------------------------ the OOV test
def held_out_words(questions: str, pairs: str, vocab: set[str]) -> list[str]:
    """Every fifth word (sorted) of the syntactic analogy sections and WS353 that is in
    ``vocab``."""
    words, section = set(), ""
    for line in open(questions, encoding="utf-8"):
        if line.startswith(":"):
            section = line[1:].strip()
        elif section.startswith("gram"):
            words.update(w.lower() for w in line.split())
    for line in open(pairs, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if len(f) == 3 and not line.startswith("#"):
            words.update((f[0].lower(), f[1].lower()))
    return sorted(w for w in words if w in vocab)[::5]


def oov_files(questions: str, pairs: str, held: set[str], vocab: set[str], folder: str
              ) -> tuple[str, str]:
    """Questions with a held-out input and an answer in ``vocab``; pairs with a held-out
    word."""
    q_out, p_out = os.path.join(folder, "oov-questions.txt"), os.path.join(folder, "oov-pairs.tsv")
    with open(q_out, "w", encoding="utf-8") as q:
        for line in open(questions, encoding="utf-8"):
            if line.startswith(":"):
                q.write(line)
                continue
            w = [x.lower() for x in line.split()]
            if len(w) == 4 and any(x in held for x in w[:3]) and w[3] in vocab - held:
                q.write(line)
    with open(p_out, "w", encoding="utf-8") as p:
        for line in open(pairs, encoding="utf-8"):
            f = line.rstrip("\n").split("\t")
            if len(f) == 3 and not line.startswith("#") and (
                    f[0].lower() in held or f[1].lower() in held):
                p.write(line)
    return q_out, p_out


def scores(model: str, questions: str, pairs: str, restrict: int | None = 30000) -> dict:
    """Analogy (overall, syntactic) and pair scores of a model file, through hsw2v."""
    from hsw2v.vectors import Vectors

    v = Vectors.load(model)
    a = v.evaluate_analogies(questions, restrict=restrict)
    syn = [s for s in a.sections if s.name.startswith("gram")]
    total = sum(s.total for s in syn)
    p = v.evaluate_pairs(pairs)
    return {"analogy": a.accuracy, "analogy_syntactic": sum(s.correct for s in syn) / total
            if total else None, "questions": a.total, "questions_subword": a.subword,
            "ws353": p.spearman, "pairs": p.pairs, "pairs_subword": p.subword_pairs}


def report(path: str) -> None:
    rows = [json.loads(x) for x in open(path, encoding="utf-8") if x.strip()]
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["test"], r["loss"], r["tool"]), []).append(r)
    print(f"{'test':<6} {'loss':<4} {'tool':<9} {'runs':>4} {'wall s':>8} {'train s':>8} "
          f"{'RSS MiB':>8} {'analogy':>8} {'syntactic':>9} {'ws353':>7}")
    for (test, loss, tool), rs in sorted(groups.items()):
        def med(k):
            xs = [r[k] for r in rs if r.get(k) is not None]
            return statistics.median(xs) if xs else float("nan")

        def mean(k):
            xs = [r[k] for r in rs if r.get(k) is not None]
            return statistics.mean(xs) if xs else float("nan")
        print(f"{test:<6} {loss:<4} {tool:<9} {len(rs):>4} {med('wall'):8.1f} "
              f"{med('train_seconds'):8.1f} {med('rss_mib'):8.0f} {mean('analogy'):8.4f} "
              f"{mean('analogy_syntactic'):9.4f} {mean('ws353'):7.4f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fasttext", default="/tmp/ft/fasttext")
    ap.add_argument("--tools", nargs="+", default=["hsw2v", "fasttext", "gensim"],
                    choices=["hsw2v", "fasttext", "gensim", "hsw2v-plain"])
    ap.add_argument("--losses", nargs="+", default=["hs", "ns"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[1])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--tests", nargs="+", default=["job", "oov"], choices=["job", "oov"])
    ap.add_argument("--corpus", default=os.path.join(DATA, "text8-prefix.gz"))
    ap.add_argument("--questions", default=os.path.join(DATA, "questions-words.txt"))
    ap.add_argument("--pairs", default=os.path.join(DATA, "wordsim353.tsv"))
    ap.add_argument("--jsonl")
    ap.add_argument("--report", metavar="JSONL")
    args = ap.parse_args()
    if args.report:
        report(args.report)
        return 0
    tmp = tempfile.mkdtemp(prefix="bench-subwords-")
    try:
        text = os.path.join(tmp, "corpus.txt")
        opener = gzip.open if args.corpus.endswith(".gz") else open
        with opener(args.corpus, "rb") as f, open(text, "wb") as g:
            shutil.copyfileobj(f, g)
        tokens = open(text, encoding="utf-8").read().split()
        counts: dict[str, int] = {}
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        vocab = {w for w, c in counts.items() if c >= MIN_COUNT}
        corpora = {"job": (text, args.questions, args.pairs)}
        if "oov" in args.tests:
            held = set(held_out_words(args.questions, args.pairs, vocab))
            reduced = os.path.join(tmp, "reduced.txt")
            with open(reduced, "w", encoding="utf-8") as f:
                # (ending in a newline: gensim's corpus_file reader, given one line without
                # one, trained on a fraction of it and scored far lower)
                f.write(" ".join(t for t in tokens if t not in held) + "\n")
            q, p = oov_files(args.questions, args.pairs, held, vocab, tmp)
            corpora["oov"] = (reduced, q, p)
            print(f"OOV test: {len(held)} words deleted from the corpus", file=sys.stderr)
        del tokens
        for test in args.tests:
            corpus, questions, pairs = corpora[test]
            for seed in args.seeds:
                for loss in args.losses:
                    for tool in args.tools:
                        out = os.path.join(tmp, f"{tool}-{loss}-{seed}")
                        cmd, model = command(tool, loss, corpus, out, seed, args.threads,
                                             args.fasttext, args.epochs)
                        wall, rss, stdout = run_measured(cmd)
                        row = {"test": test, "tool": tool, "loss": loss, "seed": seed,
                               "wall": round(wall, 2), "rss_mib": round(rss, 1),
                               "machine": platform.processor() or platform.machine(),
                               "date": time.strftime("%Y-%m-%d %H:%M")}
                        if tool == "gensim":
                            row["train_seconds"] = round(float(stdout.split()[-1]), 2)
                        elif tool.startswith("hsw2v"):
                            s = json.load(open(out + ".bin.json", encoding="utf-8"))
                            row["train_seconds"] = s["seconds_training"]
                            row["words_per_second"] = round(  # words read, as fastText's
                                s["training_words_per_epoch"] * len(s["epochs"])
                                / s["seconds_training"])
                        row.update(scores(model, questions, pairs,
                                          30000 if test == "job" else None))
                        print(json.dumps(row), flush=True)
                        if args.jsonl:
                            with open(args.jsonl, "a", encoding="utf-8") as f:
                                f.write(json.dumps(row) + "\n")
                        for ext in (".bin", ".vec", ".npz", ".bin.json"):
                            if os.path.exists(out + ext):
                                os.unlink(out + ext)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
