#!/usr/bin/env python
"""Regenerate the README's pictures from the benchmark job (text8-prefix, default settings).

Trains skip-gram and CBOW on ``text8-prefix.gz`` with ``hsw2v train`` (2 threads, seed 1, the
default settings unless ``--epochs`` says otherwise; each run's stderr goes to a file, so the
plain progress lines are what it holds), then draws with ``hsw2v plot``:

* ``loss.png``        both runs' loss curves and learning rates;
* ``words.png``       a PCA map of the 200 most frequent words (labels thinned, not piled);
* ``neighbours.png``  four words and their 8 nearest neighbours;
* ``analogy.png``     countries and their capitals as arrows.

Usage::

    python scripts/make_figures.py                     # writes docs/img/*.png
    python scripts/make_figures.py --epochs 1 --out /tmp/img   # a quicker look

The PNGs are small (each well under 150 KB) and committed; regenerating gives the same bytes
only with the same vectors (two Hogwild threads do not give bit-identical vectors).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The shared data sits beside the main checkout (../shared) or beside the worktrees' folder.
DATA = next((p for p in (os.path.join(os.path.dirname(ROOT), "shared", "data", "text8-prefix.gz"),
                         os.path.join(os.path.dirname(os.path.dirname(ROOT)), "shared", "data",
                                      "text8-prefix.gz")) if os.path.exists(p)),
            os.path.join(os.path.dirname(ROOT), "shared", "data", "text8-prefix.gz"))
NEIGHBOURS = ["france", "king", "computer", "river"]
ANALOGY = ["france", "paris", "italy", "rome", "germany", "berlin", "spain", "madrid",
           "russia", "moscow"]
LIMIT_KB = 150


def train(corpus: str, out: str, model: str, epochs: int | None, threads: int) -> None:
    """Run ``hsw2v train`` as a user would, stderr (progress lines) to ``out + '.log'``."""
    cmd = [sys.executable, "-m", "hsw2v", "train", corpus, "-o", out, "--model", model,
           "--threads", str(threads), "--seed", "1", "--log-every", "2"]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    print(" ".join(cmd[1:]), flush=True)
    with open(out + ".log", "w") as log:
        subprocess.run(cmd, check=True, stderr=log, cwd=ROOT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DATA, help="default: %(default)s")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "img"),
                    help="folder of the pictures (default: docs/img)")
    ap.add_argument("--work", help="folder for the vectors and run summaries (default: a "
                                   "temporary folder, deleted)")
    ap.add_argument("--epochs", type=int, help="epochs of both runs (default: hsw2v's, 5)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    from hsw2v.plot import plot_analogy, plot_loss, plot_words
    from hsw2v.vectors import Vectors

    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hsw2v-figures-") as tmp:
        work = args.work or tmp
        os.makedirs(work, exist_ok=True)
        runs = {}
        for model in ("sg", "cbow"):
            runs[model] = os.path.join(work, f"{model}.bin")
            train(args.corpus, runs[model], model, args.epochs, args.threads)
        pictures = {name: os.path.join(args.out, name) for name in
                    ("loss.png", "words.png", "neighbours.png", "analogy.png")}
        plot_loss([runs["sg"] + ".json", runs["cbow"] + ".json"], pictures["loss.png"])
        vectors = Vectors.load(runs["sg"])
        shown = plot_words(vectors, pictures["words.png"], top=200)
        print(f"words.png: {len(shown.labelled)} of {len(shown.words)} words labelled")
        plot_words(vectors, pictures["neighbours.png"], NEIGHBOURS, neighbours=8)
        plot_analogy(vectors, ANALOGY, pictures["analogy.png"])
        print("sg run's log (stderr to a file):")
        with open(runs["sg"] + ".log") as log:
            print("".join("    " + line for line in log))
    for name, path in pictures.items():
        kb = os.path.getsize(path) / 1024
        flag = "" if kb < LIMIT_KB else f"  (over {LIMIT_KB} KB: too large to commit)"
        print(f"{path}: {kb:.0f} KB{flag}")


if __name__ == "__main__":
    main()
