#!/usr/bin/env python
"""Profile of a training job: where the time goes, measured on the kernels themselves.

1. Phases of the whole job (start-up, reading + encoding, training, writing), from one run of
   ``hsw2v train`` and its JSON summary.
2. The skip-gram/CBOW kernel alone on the first ``--words`` stream entries of the corpus, one
   thread, by thread CPU time (so other processes on a shared machine matter less): words/s,
   trained words/s and predictions/s, with weights already trained for one pass.
3. Two threads on two halves of that slice at once, with the shared top-of-tree rows and with
   per-thread private copies (``kernels.private_hot_rows``): wall time and summed CPU time
   against the same work done by one thread.
4. With ``--sharing-rounds N``: what sharing syn0 and syn1 costs two threads, in CPU time
   against two threads that share nothing, round by round (:func:`sharing`).

5. With ``--negative K [K ...]``, instead: the negative-sampling kernel alone (``--loss ns``),
   one thread, thread CPU time per prediction, for each ``K`` (:func:`ns_kernel_alone`).

Usage: ``python scripts/profile_kernels.py [--corpus PATH] [--words N] [--reps R] [--model M]
[--sharing-rounds N] [--negative K [K ...]] [--json OUT]``
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hsw2v import kernels as K  # noqa: E402
from hsw2v.config import make_config  # noqa: E402
from hsw2v.corpus import CorpusStats  # noqa: E402
from hsw2v.huffman import build_huffman  # noqa: E402
from hsw2v.vocab import keep_probabilities  # noqa: E402
threads_mod = importlib.import_module("hsw2v.threads")

train_mod = importlib.import_module("hsw2v.train")
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")


def job_phases(corpus: str, threads: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "v.bin")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hsw2v", "train", corpus, "-o", out, "--threads",
                        str(threads), "--quiet"], check=True)
        wall = time.perf_counter() - t
        s = json.load(open(out + ".json"))
    startup = wall - s["seconds_total"] - s.get("seconds_writing", 0.0)
    return {"wall_s": wall, "startup_s": startup, "reading_s": s["seconds_reading"],
            "training_s": s["seconds_training"], "writing_s": s.get("seconds_writing"),
            "epochs_s": [e["seconds"] for e in s["epochs"]]}


class Slice:
    """The first ``n`` stream entries of the corpus, with everything a kernel call needs."""

    def __init__(self, corpus: str, n: int, model: str, dim: int = 100,
                 max_vocab: int | None = None):
        cfg = make_config(model=model, threads=1, dim=dim, max_vocab=max_vocab).resolved()
        vocab, stream, remap = threads_mod.prepare([corpus], cfg, CorpusStats())
        try:
            ids = stream.read(0, min(n, stream.n)).copy()
        finally:
            stream.close()
        ids = ids[:int(np.flatnonzero(ids == -1)[-1]) + 1] if (ids == -1).any() else np.append(ids, -1)
        self.ids, self.remap, self.cfg = ids, np.ascontiguousarray(remap, np.int32), cfg
        self.tree = build_huffman(vocab.counts)
        self.keep = keep_probabilities(vocab.counts, cfg.sample)
        self.V = len(vocab)
        self.counts = vocab.counts
        self.words = vocab.words
        syn0, syn1 = train_mod.init_weights(self.V, cfg.dim, 1)
        _, self.rows0 = K.padded_rows(syn0)
        _, self.rows1 = K.padded_rows(syn1, 2 * K.HOT_ROWS[model])
        self.stride = self.rows0.shape[1]
        # Train once so the weights (and the share of saturated nodes) look like mid-training.
        self.run(self.ids, self.rows0, self.rows1, self.tree.points, None, 1)
        self.warm0, self.warm1 = self.rows0.copy(), self.rows1.copy()

    def scratch(self):
        """One thread's scratch, laid out as the trainer does (cache lines of its own)."""
        w2 = 2 * self.cfg.window
        longest = int(self.tree.lengths.max())
        return (K.private_zeros(self.cfg.max_sentence_length, np.int32),
                K.private_zeros(w2, np.int32), K.private_zeros((w2 + 1) * longest, np.float32),
                K.private_zeros((w2, self.stride), np.float32))

    def run(self, ids, rows0, rows1, points, hot, seed, chunk=None):
        """Train on ``ids`` once, in kernel calls of about ``chunk`` entries (default: one)."""
        st = K.private_zeros(4, np.float64)
        rng = K.private_zeros(1, np.uint64)
        rng[0] = seed
        scratch = self.scratch()
        # Chunks cut as the trainer cuts them (kernels.chunk_cuts: whole sentence pieces).
        cuts = np.empty((2, len(ids) // max(1, chunk or len(ids)) + 1), np.int64)
        k, _, _ = K.chunk_cuts(ids, self.remap, 0, 0, 0, chunk or len(ids), cuts[0], cuts[1])
        bounds = [0, *cuts[0, :k].tolist()]
        if bounds[-1] < len(ids):
            bounds.append(len(ids))
        for a, b in zip(bounds, bounds[1:]):
            K.train_chunk(ids[a:b], rows0,
                          K.Reading(self.remap, self.keep, self.cfg.model == "sg", self.cfg.window,
                                    self.cfg.dim),
                          K.Rate(self.cfg.alpha, 0.0, self.cfg.min_alpha),
                          K.Scratch(rng, *scratch, st),
                          path=K.Path(rows1, self.tree.codes, points, self.tree.offsets, hot))
        return st


def kernel_alone(sl: Slice, reps: int) -> dict:
    times = []
    for r in range(reps):
        rows0, rows1 = sl.warm0.copy(), sl.warm1.copy()
        t = time.thread_time()
        st = sl.run(sl.ids, rows0, rows1, sl.tree.points, None, 7)
        times.append(time.thread_time() - t)
    best = min(times)
    words = st[2]
    return {"cpu_s_min": best, "cpu_s_median": statistics.median(times),
            "words_per_s": words / best, "trained_words_per_s": st[3] / best,
            "predictions_per_s": st[1] / best}


def two_threads(sl: Slice, reps: int) -> dict:
    ids = sl.ids
    cut = int(np.flatnonzero(ids[:len(ids) // 2 + 20000] == -1)[-1]) + 1
    parts = [ids[:cut], ids[cut:]]
    out = {}
    for label, private in (("shared_rows", False), ("private_top_rows", True)):
        walls, cpus, alone = [], [], []
        for r in range(reps):
            rows0, rows1 = sl.warm0.copy(), sl.warm1.copy()
            n_nodes = sl.V - 1
            count = K.HOT_ROWS[sl.cfg.model]
            hot = (K.private_hot_rows(rows1, n_nodes, sl.tree.points, 2, count) if private
                   else [(sl.tree.points, None)] * 2)
            shared1 = rows1 if private else rows1[:n_nodes]
            cpu = [0.0, 0.0]

            def work(t):
                c = time.thread_time()
                sl.run(parts[t], rows0, shared1, hot[t][0], hot[t][1], 11 + t)
                cpu[t] = time.thread_time() - c
            th = [threading.Thread(target=work, args=(t,)) for t in range(2)]
            w = time.perf_counter()
            for x in th:
                x.start()
            for x in th:
                x.join()
            walls.append(time.perf_counter() - w)
            cpus.append(sum(cpu))
            rows0, rows1 = sl.warm0.copy(), sl.warm1.copy()
            c = time.thread_time()
            for t in range(2):
                sl.run(parts[t], rows0, rows1[:sl.V - 1], sl.tree.points, None, 11 + t)
            alone.append(time.thread_time() - c)
        out[label] = {"wall_s": min(walls), "cpu_s": min(cpus), "cpu_one_thread_s": min(alone),
                      "cpu_ratio": min(cpus) / min(alone), "speedup": min(alone) / min(walls)}
    return out


def ns_kernel_alone(sl: Slice, reps: int, negative: int) -> dict:
    """The negative-sampling kernel (``--loss ns``) alone on the slice, one thread, thread CPU
    time: nanoseconds per prediction (best of ``reps``), from output rows trained for one
    pass. Its ``loss`` is the mean per prediction: equal losses mean the same computation."""
    from hsw2v.threads import noise_table  # noqa: PLC0415 (the scripts' imports stay light)

    prob, alias = noise_table(sl.counts, 0.75)
    _, neg = K.padded_rows(np.zeros((sl.V, sl.cfg.dim), np.float32))

    def run(rows0, rows_neg, seed):
        st = K.private_zeros(5, np.float64)
        rng = K.private_zeros(1, np.uint64)
        rng[0] = seed
        w2 = 2 * sl.cfg.window
        K.train_chunk(sl.ids, rows0, K.Reading(sl.remap, sl.keep, sl.cfg.model == "sg",
                                               sl.cfg.window, sl.cfg.dim),
                      K.Rate(sl.cfg.alpha, 0.0, sl.cfg.min_alpha),
                      K.Scratch(rng, K.private_zeros(sl.cfg.max_sentence_length, np.int32),
                                K.private_zeros(w2, np.int32),
                                K.private_zeros((w2 + 1) * (negative + 1), np.float32),
                                K.private_zeros((w2, sl.stride), np.float32), st),
                      noise=K.Noise(negative, rows_neg, prob, alias))
        return st

    rows0, rows_neg = sl.warm0.copy(), neg.copy()
    run(rows0, rows_neg, 1)
    times = []
    for r in range(reps):
        a, b = rows0.copy(), rows_neg.copy()
        t = time.thread_time()
        st = run(a, b, 7)
        times.append(time.thread_time() - t)
    return {"negative": negative, "cpu_s_min": min(times), "cpu_s_median": statistics.median(times),
            "predictions": int(st[1]), "ns_per_prediction": 1e9 * min(times) / st[1],
            "loss": st[0] / st[1]}


def sharing(sl: Slice, rounds: int, passes: int = 2) -> dict:
    """What sharing the weights costs two threads, by part, in CPU time.

    Each round runs four arms one after another (their order rotating), two threads on the two
    halves of the slice, ``passes`` passes each, in kernel calls of 16 sentence pieces (the
    trainer's calls hold one piece each when it shuffles chunks, so it merges its private rows
    more often): ``hogwild`` (the trainer's layout: shared syn0, shared syn1 with private
    top rows), ``own_syn0`` (each thread its own syn0), ``own_syn1`` (each thread its own syn1)
    and ``separate`` (nothing shared). Returns per round each arm's summed thread CPU time over
    ``separate``'s. On a machine whose cores pass cache lines at a steady cost the ratios stay
    steady; on a shared virtual machine they vary from round to round with the cost of moving
    a line between the two cores.
    """
    ids = sl.ids
    cut = int(np.flatnonzero(ids[:len(ids) // 2 + 20000] == -1)[-1]) + 1
    parts = [ids[:cut], ids[cut:]]
    n_nodes = sl.V - 1
    count = K.HOT_ROWS[sl.cfg.model]
    arms = ["hogwild", "own_syn0", "own_syn1", "separate"]

    def arm(kind: str) -> float:
        rows0, rows1 = sl.warm0.copy(), sl.warm1.copy()
        syn0 = [rows0, rows0 if kind in ("hogwild", "own_syn1") else sl.warm0.copy()]
        if kind in ("hogwild", "own_syn0"):
            hot = K.private_hot_rows(rows1, n_nodes, sl.tree.points, 2, count)
            syn1 = [rows1, rows1]
        else:
            hot = [(sl.tree.points, None)] * 2
            syn1 = [rows1[:n_nodes], sl.warm1[:n_nodes].copy()]
        cpu = [0.0, 0.0]

        def work(t):
            c = time.thread_time()
            for p in range(passes):
                sl.run(parts[t], syn0[t], syn1[t], hot[t][0], hot[t][1], 11 + t + 2 * p,
                       chunk=16 * 10_001)
            cpu[t] = time.thread_time() - c
        th = [threading.Thread(target=work, args=(t,)) for t in range(2)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        return sum(cpu)

    out = []
    for r in range(rounds):
        order = arms[r % 4:] + arms[:r % 4]
        cpu = {k: arm(k) for k in order}
        out.append({k: cpu[k] / cpu["separate"] for k in arms[:3]}
                   | {"separate_cpu_s": cpu["separate"]})
        print(f"  round {r}: CPU time / separate: " + ", ".join(
            f"{k} {out[-1][k]:.2f}" for k in arms[:3]), flush=True)
    return {"rounds": out, "median": {k: statistics.median(o[k] for o in out) for k in arms[:3]}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(DATA, "text8-prefix.gz"))
    ap.add_argument("--words", type=int, default=400_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--model", default="sg", choices=("sg", "cbow"))
    ap.add_argument("--dim", type=int, default=100, help="vector dimension of the slice's rows")
    ap.add_argument("--max-vocab", type=int, help="keep only the N most frequent words (rows that "
                    "fit in the caches: to tell compute from memory)")
    ap.add_argument("--sharing-rounds", type=int, default=0,
                    help="also measure what sharing syn0/syn1 costs two threads (see sharing())")
    ap.add_argument("--negative", type=int, nargs="+", metavar="K",
                    help="instead: the negative-sampling kernel alone with k = K noise words "
                         "(one or more K: their marginal cost per noise row)")
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.negative:
        sl = Slice(a.corpus, a.words, a.model, a.dim, a.max_vocab)
        res = {"ns_kernel_one_thread": [ns_kernel_alone(sl, a.reps, k) for k in a.negative]}
        for r in res["ns_kernel_one_thread"]:
            print(f"{a.model} ns k={r['negative']}: {r['ns_per_prediction']:.1f} ns per "
                  f"prediction (CPU min {r['cpu_s_min']:.3f} s, loss {r['loss']:.5f})")
        if a.json:
            json.dump(res, open(a.json, "w"), indent=1)
        return 0
    res = {"job": job_phases(a.corpus, 2)}
    print("job phases:", json.dumps(res["job"]))
    sl = Slice(a.corpus, a.words, a.model, a.dim, a.max_vocab)
    res["kernel_one_thread"] = kernel_alone(sl, a.reps)
    print("kernel, one thread:", json.dumps(res["kernel_one_thread"]))
    res["two_threads"] = two_threads(sl, a.reps)
    print("two threads:", json.dumps(res["two_threads"]))
    if a.sharing_rounds:
        print("sharing the weights, two threads (summed CPU time against sharing nothing):")
        res["sharing"] = sharing(sl, a.sharing_rounds)
        print("  median:", json.dumps(res["sharing"]["median"]))
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
