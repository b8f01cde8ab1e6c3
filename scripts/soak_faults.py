#!/usr/bin/env python
"""Soak test of the cluster's fault handling: runs with a worker killed at a random moment.

Starts a real Dask cluster as a user would (``dask scheduler`` and ``--workers`` ``dask
worker`` processes with their nannies, so a killed worker is replaced), trains an undisturbed
run, then ``--runs`` runs of the same job (``hsw2v train ... --dask ADDRESS`` as a process) in
each of which one worker process is killed with SIGKILL after a random delay (seeded by
``--seed``; the delays are printed). Every run must end with the undisturbed run's vectors
(MD5 of the binary file), or fail with a one-line error (exit status 2) that says what to do.
Every run is given ``--dask-slots`` (the number of workers): a run that starts while the
killed worker of the run before is still being replaced then cuts the corpus into as many
slots as the others, on the workers it finds, and so trains the same schedule. (Without it,
such a run cut fewer slots and trained another schedule: seen once in 10 runs, twice.)

Usage::

    python scripts/soak_faults.py                       # 10 runs, 2 workers, text8-prefix slice
    python scripts/soak_faults.py --runs 20 --seed 3 --json .bench/soak.json

The corpus is the first ``--words`` words of text8-prefix (``../shared/data``), or the
demo corpus (``hsw2v demo --corpus-out``) where that is absent.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "text8-prefix.gz")
BIN = os.path.dirname(sys.executable)


def make_corpus(path: str, words: int) -> None:
    if os.path.exists(DATA):
        with gzip.open(DATA, "rt") as f:
            text = f.read(words * 9).split()[:words]
        with open(path, "w") as f:
            f.write(" ".join(text) + "\n")
    else:
        subprocess.run([sys.executable, "-m", "hsw2v", "demo", "--corpus-out", path, "-q",
                        "--epochs", "1"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def start_cluster(folder: str, workers: int) -> tuple[str, list[subprocess.Popen]]:
    sched_file = os.path.join(folder, "scheduler.json")
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="False")
    procs = [subprocess.Popen([os.path.join(BIN, "dask"), "scheduler", "--port", "0",
                               "--dashboard-address", ":0", "--scheduler-file", sched_file],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    for _ in range(300):
        if os.path.exists(sched_file) and os.path.getsize(sched_file):
            break
        time.sleep(0.1)
    for _ in range(workers):
        procs.append(subprocess.Popen([os.path.join(BIN, "dask"), "worker", "--scheduler-file",
                                       sched_file, "--nthreads", "1", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env=env))
    with open(sched_file) as f:
        return json.load(f)["address"], procs


def worker_pids(address: str, workers: int) -> list[int]:
    import distributed

    with distributed.Client(address, timeout=30) as c:
        c.wait_for_workers(workers, timeout=120)
        return sorted(c.run(os.getpid).values())


def train(corpus: str, out: str, address: str, extra: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hsw2v", "train", corpus, "-o", out, "--dask",
                             address, "--threads", "1", "--seed", "2", "-q", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def md5(path: str) -> str | None:
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--words", type=int, default=300_000)
    ap.add_argument("--json", help="write the runs here")
    ap.add_argument("train_options", nargs="*", help="more hsw2v train options (after --)")
    a = ap.parse_args()
    extra = ["--epochs", "3", "--sync-words", "16384", "--dask-slots", str(a.workers),
             *a.train_options]
    rng = random.Random(a.seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="hsw2v-soak-") as d:
        corpus = os.path.join(d, "corpus.txt")
        make_corpus(corpus, a.words)
        address, procs = start_cluster(d, a.workers)
        try:
            worker_pids(address, a.workers)
            t = time.perf_counter()
            p = train(corpus, os.path.join(d, "clean.bin"), address, extra)
            _, err = p.communicate()
            if p.returncode != 0:
                print(f"the undisturbed run failed: {err.strip()}")
                return 1
            seconds = time.perf_counter() - t
            want = md5(os.path.join(d, "clean.bin"))
            print(f"undisturbed: {seconds:.1f} s, {want}")
            for i in range(a.runs):
                pids = worker_pids(address, a.workers)
                delay = rng.uniform(0.2, 0.8 * seconds)  # (a run after the first starts faster)
                victim = rng.choice(pids)
                out = os.path.join(d, f"run{i}.bin")
                p = train(corpus, out, address, extra)
                time.sleep(delay)
                killed = p.poll() is None
                if killed:
                    os.kill(victim, signal.SIGKILL)
                _, err = p.communicate()
                got = md5(out)
                lines = [x for x in err.strip().splitlines() if x.startswith("hsw2v:")]
                slots = workers = None
                if os.path.exists(out + ".json"):
                    with open(out + ".json") as f:
                        d = json.load(f)["distributed"]
                    slots, workers = d["slots"], d["workers"]
                ok = (p.returncode == 0 and got == want) or (
                    p.returncode == 2 and len(lines) == 1 and got is None)
                row = {"run": i, "kill_after_s": round(delay, 2), "worker_pid": victim,
                       "killed": killed, "exit": p.returncode, "same_vectors": got == want,
                       "slots": slots, "workers_at_start": workers,
                       "error": lines[0] if lines else None, "ok": ok}
                rows.append(row)
                what = ("same vectors" if got == want else lines[0] if lines else "DIFFERENT")
                if workers is not None and workers != a.workers:
                    what += f" ({slots} slots on {workers} worker(s): one was being replaced)"
                print(f"run {i}: kill after {delay:5.2f} s{'' if killed else ' (run had ended)'}"
                      f" -> exit {p.returncode}, {what}{'' if ok else '  <-- NOT OK'}",
                      flush=True)
        finally:
            for q in procs:
                q.kill()
                q.wait()
    good = sum(r["ok"] for r in rows)
    print(f"{good} of {len(rows)} runs ended with the undisturbed vectors or a one-line error")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": rows, "ok": good, "options": extra, "words": a.words}, f, indent=1)
    return 0 if good == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
