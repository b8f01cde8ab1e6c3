#!/usr/bin/env python
"""fastText .bin both ways against the real fastText binary (issue 28).

1. hsw2v trains a subword model (``--subwords``), ``hsw2v convert --to fasttext`` writes it as
   a fastText ``.bin``, and ``fasttext print-word-vectors`` prints the vectors of words in the
   vocabulary and outside it; each is compared (cosine) with hsw2v's vector of the word.
2. fastText trains a model (``fasttext skipgram``), hsw2v loads its ``.bin``
   (``Vectors.load``) and the same comparison is made.
3. For fastText's hierarchical-softmax model, the inner-node rows as read: how many carry over
   to hsw2v's tree, and the mean loss per node on word pairs of the corpus with the rows as
   read and with their signs flipped (the right signs give the lower loss).

Prints the smallest cosine of each case (1 means the same vectors; fastText prints 5
significant digits, so 1 - cosine is about 1e-9 at best). Usage::

    zcat ../shared/data/text8-prefix.gz | head -c 3000000 > /tmp/c3m.txt
    python scripts/check_fasttext_interop.py --corpus /tmp/c3m.txt

Cases run for ``hs`` and ``ns``, skip-gram, subwords 3-6 (fastText's default n-grams).
``</s>``, fastText's end-of-line word, is left out of the words compared: fastText gives it no
n-grams and hsw2v composes it like any word (see docs/file-formats.md).
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile

import numpy as np

import hsw2v
from hsw2v.fasttextfile import read_fasttext_bin
from hsw2v.huffman import build_huffman
from hsw2v.vectors import Vectors


def print_word_vectors(fasttext: str, model: str, words: list[str]) -> np.ndarray:
    """fastText's vectors of ``words`` (``print-word-vectors``): float64 (len(words), D)."""
    out = subprocess.run([fasttext, "print-word-vectors", model], input="\n".join(words) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(words):
        raise SystemExit(f"fastText printed {len(out)} lines for {len(words)} words")
    rows = []
    for word, line in zip(words, out):
        fields = line.rstrip().split(" ")
        if fields[0] != word:
            raise SystemExit(f"fastText printed {fields[0]!r} where {word!r} was asked")
        rows.append([float(x) for x in fields[1:]])
    return np.array(rows)


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The smallest cosine between the rows of ``a`` and ``b`` (a pair of zero rows: 1)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    denominator = na * nb
    cos = np.divide((a * b).sum(1), denominator, out=np.zeros(len(a)), where=denominator > 0)
    cos[(na == 0) & (nb == 0)] = 1.0
    return float(cos.min())


def word_samples(words: list[str], n: int, seed: int) -> tuple[list[str], list[str]]:
    """``n`` words of the vocabulary (the 100 most frequent, then a random draw) and ``n`` words
    outside it made from them (misspelt, joined, cut), none shorter than 3 characters."""
    rng = random.Random(seed)
    known = set(words)
    vocab = [w for w in words if w != "</s>"]
    inside = vocab[:100] + rng.sample(vocab[100:], min(n - 100, len(vocab) - 100))
    outside: list[str] = []
    while len(outside) < n:
        a, b = rng.choice(vocab), rng.choice(vocab)
        w = rng.choice([a + b, a[::-1], a[:-1] + "q" + a[-1:], a + "ness", "un" + a, a[:3] + b])
        if len(w) >= 3 and w not in known and w not in outside:
            outside.append(w)
    return inside, outside


def hs_check(model_path: str, corpus: str, pairs: int = 20000) -> str:
    """How hierarchical softmax's rows of a fastText model read: rows carried to hsw2v's tree,
    and the mean loss per inner node over ``pairs`` skip-gram pairs of the corpus (the words'
    composed vectors as hidden vectors) with the rows as read and with their signs flipped."""
    data = read_fasttext_bin(model_path)
    vectors = Vectors.from_model(data)
    syn1 = data.weights.syn1
    kept = syn1.any(axis=1)
    tree = build_huffman(data.counts)
    with open(corpus, encoding="utf-8") as f:
        tokens = f.read(4_000_000).split()
    ids = [vectors.key_to_index.get(t, -1) for t in tokens]
    rng = random.Random(0)
    losses = {1: [], -1: []}
    for _ in range(pairs):
        i = rng.randrange(5, len(ids) - 5)
        c, o = ids[i], ids[i + rng.choice([-2, -1, 1, 2])]
        if c < 0 or o < 0:
            continue
        nodes, codes = tree.path(o), tree.code(o)
        on = kept[nodes]
        s = syn1[nodes[on]] @ vectors.vectors[c]
        label = 1.0 - codes[on]  # word2vec's convention: sigmoid(s) for code 0
        for sign in (1, -1):
            p = 1 / (1 + np.exp(-sign * s))
            losses[sign].extend(-(label * np.log(p + 1e-12) + (1 - label) * np.log(1 - p + 1e-12)))
    return (f"{int(kept.sum())} of {len(syn1)} inner-node rows carried to hsw2v's tree; mean loss "
            f"per node on {pairs} word pairs: as read {np.mean(losses[1]):.4f}, signs flipped "
            f"{np.mean(losses[-1]):.4f} (log 2 = {np.log(2):.4f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, help="a plain-text corpus of a few MB")
    ap.add_argument("--fasttext", default="/tmp/ft/fasttext", help="the fastText binary")
    ap.add_argument("--dim", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--buckets", type=int, default=200_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--words", type=int, default=2000, help="words compared in and out of the "
                    "vocabulary, each")
    ap.add_argument("--keep", metavar="DIR", help="write the models here (default: a temporary "
                    "folder, removed)")
    args = ap.parse_args()
    if not os.access(args.fasttext, os.X_OK):
        raise SystemExit(f"{args.fasttext} is not an executable fastText binary: pass --fasttext")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or tmp
        os.makedirs(out, exist_ok=True)
        results = []
        for loss in ("hs", "ns"):
            # 1. hsw2v -> .bin -> fastText
            model = hsw2v.train(args.corpus, subwords=(3, 6), buckets=args.buckets, dim=args.dim,
                                epochs=args.epochs, threads=args.threads, loss=loss,
                                return_model=True, quiet=True)
            npz, ftbin = os.path.join(out, f"hsw2v-{loss}.npz"), os.path.join(out,
                                                                              f"hsw2v-{loss}.bin")
            model.save(npz)
            subprocess.run([sys.executable, "-m", "hsw2v", "convert", npz, ftbin, "--to",
                            "fasttext", "-q"], check=True)
            ours = Vectors.load(npz)
            inside, outside = word_samples(ours.words, args.words, 1)
            theirs = print_word_vectors(args.fasttext, ftbin, inside + outside)
            mine = np.array([ours[w] for w in inside + outside])
            results.append((f"hsw2v sg {loss} -> fastText", len(ours),
                            min_cosine(theirs[:len(inside)], mine[:len(inside)]),
                            min_cosine(theirs[len(inside):], mine[len(inside):])))
            # 2. fastText -> .bin -> hsw2v
            prefix = os.path.join(out, f"fasttext-{loss}")
            subprocess.run([args.fasttext, "skipgram", "-input", args.corpus, "-output", prefix,
                            "-dim", str(args.dim), "-minn", "3", "-maxn", "6", "-epoch",
                            str(args.epochs), "-thread", str(args.threads), "-bucket",
                            str(args.buckets), "-loss", loss, "-verbose", "0"], check=True)
            loaded = Vectors.load(prefix + ".bin")
            inside, outside = word_samples(loaded.words, args.words, 2)
            theirs = print_word_vectors(args.fasttext, prefix + ".bin", inside + outside)
            mine = np.array([loaded[w] for w in inside + outside])
            results.append((f"fastText sg {loss} -> hsw2v", len(loaded),
                            min_cosine(theirs[:len(inside)], mine[:len(inside)]),
                            min_cosine(theirs[len(inside):], mine[len(inside):])))
            if loss == "hs":
                hs_line = hs_check(prefix + ".bin", args.corpus)
        print(f"{'case':28s} {'words':>7s} {'min cos in vocab':>17s} {'min cos OOV':>12s}"
              f"  (1 - min cos: in vocab, OOV)")
        for name, v, a, b in results:
            print(f"{name:28s} {v:7d} {a:17.9f} {b:12.9f}  ({1 - a:.1e}, {1 - b:.1e})")
        print(f"({args.words} words in the vocabulary and {args.words} outside it per case; "
              f"dim {args.dim}, {args.epochs} epoch(s), {args.buckets} buckets)")
        print("fastText's hs model read by hsw2v: " + hs_line)


if __name__ == "__main__":
    main()
