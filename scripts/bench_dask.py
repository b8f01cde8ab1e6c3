#!/usr/bin/env python
"""Training on a Dask cluster against a local run: quality by workers and combine rule, speed,
and the bytes each round sends.

Every run is a whole ``hsw2v train`` process (the ``--dask local:N`` runs start their own
LocalCluster of N one-thread worker processes, so their wall time includes starting it; the
summary's ``seconds_training`` counts the rounds only). The settings are those of
``scripts/bench.py`` (dim 100, window 5, min-count 5, sample 1e-3, 5 epochs). The corpus is
decompressed into a temporary folder first: a compressed file is one shard, and one shard keeps
every worker but one idle.

Each finished run is appended to a JSON-lines file (default ``.bench/bench-dask.jsonl``) and a
run already there is not run again, so an interrupted benchmark continues where it stopped.

Usage::

    python scripts/bench_dask.py quality --models sg cbow --seeds 1 2 3 --workers 1 2 4 8
    python scripts/bench_dask.py rules --models sg cbow --workers 8 --seeds 1
    python scripts/bench_dask.py speed --models sg cbow --reps 3
    python scripts/bench_dask.py report            # the README tables from the JSON lines

On a shared 2-core machine 4 and 8 workers oversubscribe the cores: their figures are about
quality and bytes, not speed.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (DATA, ROOT, evaluate, hsw2v_cmd, loss_args, machine,  # noqa: E402
                   run_measured)

EPOCH_AVERAGE = 10 ** 12  # --sync-words larger than any slot: one round per epoch


def run_one(corpus: str, work: str, model: str, seed: int, kind: str, workers: int = 0,
            sync: int | None = None, combine: str | None = None, overlap: bool | None = None,
            cluster: str | None = None, loss: str = "hs", args=None) -> dict:
    """One training process; its figures and its vectors' scores. ``cluster``: the address
    of a running cluster of ``workers`` workers (default: ``--dask local:N``)."""
    out = os.path.join(work, "v.bin")
    if kind == "local":
        cmd = hsw2v_cmd([corpus], out, model, 2, seed, extra=loss_args(loss, 5))
    else:
        extra = ["--dask", cluster or f"local:{workers}"]
        if sync is not None:
            extra += ["--sync-words", str(sync)]
        if combine is not None:
            extra += ["--combine", combine]
        if overlap is not None:
            extra += ["--overlap" if overlap else "--no-overlap"]
        cmd = hsw2v_cmd([corpus], out, model, 1, seed, extra=(*extra, *loss_args(loss, 5)))
    r = run_measured(cmd, timeout=7200)
    summary = json.load(open(out + ".json"))
    row = {"kind": kind, "model": model, "loss": loss, "seed": seed, "workers": workers,
           "sync": sync,
           "combine": combine, "overlap": overlap, "cluster": "running" if cluster else None,
           "wall_s": r["wall_s"],
           "seconds_training": summary["seconds_training"],
           "seconds_reading": summary["seconds_reading"],
           **evaluate(out, args.analogies, args.pairs)}
    d = summary.get("distributed")
    if d:
        sent, got = d["bytes_sent_per_round"], d["bytes_received_per_round"]
        row.update(rounds=d["rounds"], sync_words=d["sync_words"], combine=d["combine"],
                   bytes_initial_model=d["bytes_initial_model"],
                   bytes_sent_mean=statistics.mean(sent), bytes_received_mean=statistics.mean(got),
                   bytes_per_epoch=d["bytes_per_epoch"])
        if "seconds" in d:  # rounds' wall time, and the slowest worker's kernels in them
            row.update(seconds_rounds=d["seconds"]["rounds"],
                       seconds_kernels=d["seconds"]["kernels_slowest_worker"],
                       seconds_combining=d["seconds"]["combining"],
                       dask_seconds=d["seconds"])  # every phase (cluster start, sending...)
    for f in (out, out + ".json"):
        if os.path.exists(f):
            os.unlink(f)
    return row


#: hsw2v's default --combine (a finished run records the rule it used, a planned one None)
DEFAULT_COMBINE = "mixed"


def key(row: dict) -> tuple:
    combine = row.get("combine") or (DEFAULT_COMBINE if row["kind"] == "dask" else None)
    return (row["kind"], row["model"], row["seed"], row.get("workers", 0), row.get("sync"),
            combine, row.get("phase"), row.get("rep"), overlapped(row), row.get("cluster"),
            row.get("loss") or "hs")


def overlapped(row: dict) -> bool:
    """Whether a dask run overlapped its rounds (runs from before --overlap did not; a planned
    run that does not say takes hsw2v's default)."""
    if row["kind"] != "dask":
        return False
    if "overlap" not in row:
        return False
    return DEFAULT_OVERLAP if row["overlap"] is None else bool(row["overlap"])


#: hsw2v's default --overlap
DEFAULT_OVERLAP = False


def load(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def plain_corpus(path: str, work: str) -> str:
    if not path.endswith(".gz"):
        return path
    out = os.path.join(work, os.path.basename(path)[:-3])
    with gzip.open(path, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return out


def runs_of(args) -> list[dict]:
    """The runs a phase asks for, in the order they are made."""
    todo = []
    if args.phase == "quality":
        # Seed after seed (both models each time): a benchmark cut short still compares both.
        for seed in args.seeds:
            for model in args.models:
                todo.append(dict(kind="local", model=model, seed=seed))
                for w in args.workers:
                    todo.append(dict(kind="dask", model=model, seed=seed, workers=w,
                                     sync=args.sync, combine=args.combine, overlap=args.overlap))
                for w in args.baseline_workers:
                    todo.append(dict(kind="dask", model=model, seed=seed, workers=w,
                                     sync=EPOCH_AVERAGE, combine="average"))
                    for rule in args.rules:  # other combine rules at the default sync
                        todo.append(dict(kind="dask", model=model, seed=seed, workers=w,
                                         sync=args.sync, combine=rule))
    elif args.phase == "rules":
        for model in args.models:
            for seed in args.seeds:
                for w in args.workers:
                    for rule in args.rules:
                        for sync in args.syncs:
                            todo.append(dict(kind="dask", model=model, seed=seed, workers=w,
                                             sync=sync or None, combine=rule))
    elif args.phase == "speed":
        # Alternating: local 2 threads, then 2 workers x 1 thread, rep after rep (the load of
        # a shared machine drifts; blocks of runs would compare different machines).
        for rep in range(args.reps):
            for model in args.models:
                todo.append(dict(kind="local", model=model, seed=rep + 1, phase="speed", rep=rep))
                for sync in args.syncs if args.sync is None else [args.sync]:
                    for cluster in args.clusters:
                        for overlap in args.overlaps:
                            todo.append(dict(kind="dask", model=model, seed=rep + 1, workers=2,
                                             sync=sync or None, combine=args.combine,
                                             overlap=overlap, phase="speed", rep=rep,
                                             cluster=cluster))
    return todo


def running_cluster(workers: int):
    """A LocalCluster of one-thread workers started here (as ``--dask local:N`` starts its
    own, without Dask's profiler), for runs timed on an already running cluster."""
    import dask
    import distributed

    with dask.config.set({"distributed.worker.profile.enabled": False}):
        return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0", silence_logs=50)


def measure(args) -> None:
    done = {key(r) for r in load(args.jsonl)}
    os.makedirs(os.path.dirname(args.jsonl), exist_ok=True)
    cluster: list = []  # the running cluster, once started
    with tempfile.TemporaryDirectory(prefix="hsw2v-bench-dask-") as work:
        corpus = plain_corpus(args.corpus, work)
        try:
            _measure(args, corpus, work, done, cluster)
        finally:
            if cluster:
                cluster[0].close()


def _measure(args, corpus: str, work: str, done: set, cluster: list) -> None:
    """The runs of ``args`` not yet in its file, each appended to it when done."""
    for spec in runs_of(args):
        spec["loss"] = args.loss
        spec.setdefault("workers", 0)
        spec.setdefault("sync", None)
        spec.setdefault("combine", None)
        if key(spec) in done:
            continue
        phase, rep = spec.pop("phase", None), spec.pop("rep", None)
        if spec.get("cluster"):
            if not cluster:
                cluster.append(running_cluster(spec["workers"]))
            spec["cluster"] = cluster[0].scheduler_address
        row = run_one(corpus, work, args=args, **spec)
        row.update(phase=phase, rep=rep, load=open("/proc/loadavg").read().split()[:3])
        with open(args.jsonl, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"  {row['kind']:5s} {row['model']:4s} seed {row['seed']} w={row['workers']} "
              f"sync={row['sync']} {row['combine']} overlap={row['overlap']} "
              f"cluster={row['cluster']}: wall {row['wall_s']:.1f} s, training "
              f"{row['seconds_training']:.1f} s, analogy {row['analogy']:.4f}, ws353 "
              f"{row['ws353']:.4f}", flush=True)


def mean(xs):
    xs = list(xs)
    return statistics.mean(xs) if xs else float("nan")


def words(row: dict) -> int:
    """The --sync-words a dask run used (its own default when not given)."""
    return row.get("sync_words") or row["sync"] or 0


def report(args) -> str:
    rows = [r for r in load(args.jsonl) if (r.get("loss") or "hs") == args.loss]
    out = []
    for model in ("sg", "cbow"):
        mine = [r for r in rows if r["model"] == model and r.get("phase") != "speed"]
        if not mine:
            continue
        base = [r for r in mine if r["kind"] == "local"]
        out.append(f"\n**{model}** (mean over seeds; local = one process, 2 threads)\n")
        out.append("| run | seeds | analogy | Δ vs local | WS353 | Δ vs local | rounds | "
                   "MB sent / round | MB received / round | MB / epoch |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        ba, bw = mean(r["analogy"] for r in base), mean(r["ws353"] for r in base)
        out.append(f"| local 2 threads | {len(base)} | {ba:.4f} | | {bw:.4f} | | | | | |")
        # Local runs of the same seeds from other files too (a Hogwild run of one seed moves
        # about as much as one of another seed: more runs, a steadier baseline).
        pool = [r for f in args.pool for r in load(f) if r["kind"] == "local"
                and r["model"] == model and (r.get("loss") or "hs") == args.loss and r["seed"] in {b["seed"] for b in base}] + base
        if args.pool:
            pa, pw = mean(r["analogy"] for r in pool), mean(r["ws353"] for r in pool)
            sa = statistics.stdev(r["analogy"] for r in pool)
            sw = statistics.stdev(r["ws353"] for r in pool)
            out.append(f"| local 2 threads, pooled (sd {sa:.4f} / {sw:.4f}) | {len(pool)} runs | "
                       f"{pa:.4f} | | {pw:.4f} | | | | | |")
        groups: dict[tuple, list] = {}
        for r in mine:
            if r["kind"] == "dask":
                groups.setdefault((r["workers"], r["sync"], r["combine"], overlapped(r)),
                                  []).append(r)
        # The default rule by workers first, then the other rules, then once-per-epoch.
        for (w, sync, rule, ovl), rs in sorted(groups.items(), key=lambda x: (
                x[0][1] == EPOCH_AVERAGE, x[0][2] not in (None, "mixed"), x[0][2] or "",
                x[0][1] or 0, x[0][0], x[0][3])):
            seeds = {r["seed"] for r in rs}
            same = [r for r in base if r["seed"] in seeds]
            da = mean(r["analogy"] for r in rs) - mean(r["analogy"] for r in same)
            dw = mean(r["ws353"] for r in rs) - mean(r["ws353"] for r in same)
            name = (f"{w} workers, once-per-epoch average" if sync == EPOCH_AVERAGE
                    else f"{w} workers, {rule}, sync {words(rs[0])}"
                    + (", overlapping" if ovl else "")
                    + (" (--sync-words not given)" if not sync else ""))
            if args.pool:
                da = f"{da:+.4f} ({mean(r['analogy'] for r in rs) - pa:+.4f})"
                dw = f"{dw:+.4f} ({mean(r['ws353'] for r in rs) - pw:+.4f})"
            else:
                da, dw = f"{da:+.4f}", f"{dw:+.4f}"
            out.append(f"| {name} | {len(rs)} | {mean(r['analogy'] for r in rs):.4f} | "
                       f"{da} | {mean(r['ws353'] for r in rs):.4f} | {dw} | "
                       f"{mean(r['rounds'] for r in rs):.0f} | "
                       f"{mean(r['bytes_sent_mean'] for r in rs) / 1e6:.1f} | "
                       f"{mean(r['bytes_received_mean'] for r in rs) / 1e6:.1f} | "
                       f"{mean(r['bytes_per_epoch'] for r in rs) / 1e6:.0f} |")
    speed = [r for r in rows if r.get("phase") == "speed"]
    if speed:
        out.append("\n**speed**: 2 workers x 1 thread against one local process with 2 threads, "
                   "alternating; medians\n")
        out.append("| model | sync words | runs | local wall s | dask wall s | speed (local / "
                   "dask wall) | local training s | dask training s | speed (training) | "
                   "paired wall | paired training (each rep) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")
        variants = sorted({(words(r), overlapped(r), r.get("cluster") or "")
                           for r in speed if r["kind"] == "dask"})
        for model in ("sg", "cbow"):
            loc = [r for r in speed if r["model"] == model and r["kind"] == "local"]
            for sync, ovl, cl in variants:
                das = [r for r in speed if r["model"] == model and r["kind"] == "dask"
                       and (words(r), overlapped(r), r.get("cluster") or "") == (sync, ovl, cl)]
                if not loc or not das:
                    continue
                lw, dw = (statistics.median(r["wall_s"] for r in x) for x in (loc, das))
                lt, dt = (statistics.median(r["seconds_training"] for r in x) for x in (loc, das))
                # Paired: each rep's dask run against that rep's local run just before it
                # (the first of each, if a run was repeated); the median of the ratios.
                pw, pt = [], []
                for rep in sorted({r["rep"] for r in das}):
                    lr = [r for r in loc if r["rep"] == rep][:1]
                    dr = [r for r in das if r["rep"] == rep][:1]
                    if lr and dr:
                        pw.append(lr[0]["wall_s"] / dr[0]["wall_s"])
                        pt.append(lr[0]["seconds_training"] / dr[0]["seconds_training"])
                how = (", overlapping" if ovl else "") + (", running cluster" if cl else "")
                out.append(f"| {model} | {sync}{how} | {len(das)} | {lw:.1f} | {dw:.1f} | "
                           f"{lw / dw:.2f}x | {lt:.1f} | {dt:.1f} | {lt / dt:.2f}x | "
                           f"{statistics.median(pw):.2f}x | {statistics.median(pt):.2f}x "
                           f"({', '.join(f'{x:.2f}' for x in pt)}) |")
        timed = [r for r in speed if r["kind"] == "dask" and "dask_seconds" in r]
        if timed:
            # Where a 2-worker run's time goes (OUT.json's distributed.seconds), medians.
            parts = ("cluster_start", "counting", "setup", "rounds", "kernels_mean_worker",
                     "kernels_slowest_worker", "worker_applying", "worker_extracting",
                     "combining", "sending", "round_trips")
            out.append("\n**where the time goes** (2 workers, medians of `distributed.seconds`;"
                       " round_trips: submit to all results here, includes the workers' tasks)"
                       "\n")
            out.append("| model | sync words | rounds | " + " | ".join(p + " s" for p in parts) + " |")
            out.append("|---|---|---|" + "---|" * len(parts))
            for model in ("sg", "cbow"):
                for sync, ovl, cl in variants:
                    rs = [r for r in timed if r["model"] == model and (
                        words(r), overlapped(r), r.get("cluster") or "") == (sync, ovl, cl)]
                    if not rs:
                        continue
                    how = (", overlapping" if ovl else "") + (", running cluster" if cl else "")
                    cells = [f"{statistics.median(r['dask_seconds'].get(p, 0.0) for r in rs):.2f}"
                             for p in parts]
                    out.append(f"| {model} | {sync}{how} | "
                               f"{statistics.median(r['rounds'] for r in rs):.0f} | "
                               + " | ".join(cells) + " |")
        loads = [float(r["load"][0]) for r in speed if r.get("load")]
        if loads:
            out.append(f"\nLoad average (1 min) after each run: {min(loads):.1f} to "
                       f"{max(loads):.1f} (median {statistics.median(loads):.1f}).")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("phase", choices=("quality", "rules", "speed", "report"))
    ap.add_argument("--corpus", default=os.path.join(DATA, "text8-prefix.gz"))
    ap.add_argument("--analogies", default=os.path.join(DATA, "questions-words.txt"))
    ap.add_argument("--pairs", default=os.path.join(DATA, "wordsim353.tsv"))
    ap.add_argument("--models", nargs="+", default=["sg", "cbow"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2, 4, 8])
    ap.add_argument("--baseline-workers", nargs="*", type=int, default=[8],
                    help="worker counts of the once-per-epoch averaging baseline (quality)")
    ap.add_argument("--rules", nargs="*", default=["average"],
                    help="combine rules also measured at the baseline worker counts (quality), "
                         "or the rules of the rules phase")
    ap.add_argument("--syncs", nargs="+", type=int, default=[0],
                    help="--sync-words values of the rules phase and of the speed phase's dask "
                         "runs (0: hsw2v's default)")
    ap.add_argument("--sync", type=int, help="--sync-words of quality/speed runs (default: "
                                              "hsw2v's)")
    ap.add_argument("--combine", help="--combine of quality/speed runs (default: hsw2v's)")
    ap.add_argument("--loss", choices=("hs", "ns", "hs+ns"), default="hs",
                    help="objective of every run (ns: k = 5); report: the runs of this one")
    ap.add_argument("--overlap", choices=("on", "off"),
                    help="--overlap/--no-overlap of quality runs (default: hsw2v's)")
    ap.add_argument("--overlaps", nargs="+", choices=("on", "off", "default"),
                    default=["default"], help="speed: the dask runs of each rep, one per value")
    ap.add_argument("--clusters", nargs="+", choices=("own", "running"), default=["own"],
                    help="speed: each rep's dask runs start their own cluster (own: --dask "
                         "local:2) and/or run on a LocalCluster this script started once "
                         "(running: --dask tcp://..., as on a running cluster)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--pool", nargs="*", default=[],
                    help="report: JSON-lines files whose local runs of the same seeds join the "
                         "baseline (shown in brackets: the difference to their mean)")
    ap.add_argument("--jsonl", default=os.path.join(ROOT, ".bench", "bench-dask.jsonl"))
    args = ap.parse_args(argv)
    onoff = {"on": True, "off": False, "default": None, None: None}
    args.overlap = onoff[args.overlap]
    args.overlaps = [onoff[x] for x in args.overlaps]
    args.clusters = [None if c == "own" else c for c in args.clusters]
    if args.phase == "report":
        print(report(args))
        return 0
    print(f"machine: {machine()}", flush=True)
    measure(args)
    print(report(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
