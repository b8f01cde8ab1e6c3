"""Faults at every moment of a cluster run (issue 26's kill-point matrix, cluster part).

A worker process is killed (SIGKILL) or frozen (SIGSTOP) as it starts a given task: counting,
encoding with a given vocabulary, making a slot's trainer (its id stream), the first round, a
round mid-epoch, an epoch's last round, the run's last round, held-out scoring; two workers
lost one after the other; then the cluster losing every worker. Each run must end with the
vectors of the undisturbed run (a round is a pure function of what the driver holds), or with
a one-line error that names the checkpoint written at the last round.

The table of these cells is in scripts/README.md ("Faults at every moment").
"""
from __future__ import annotations

import contextlib
import os
import re
import signal

import numpy as np
import pytest

from conftest import cluster_client, make_corpus_text
from hsw2v import distributed as dist
from hsw2v.config import make_config
from hsw2v.errors import DistributedError
from hsw2v.train import run

distributed = pytest.importorskip("distributed")  # in the test extra: CI always has it

OPTS = dict(dim=12, epochs=2, min_count=2, seed=5, quiet=True, threads=1, sync_words=3000)


@pytest.fixture
def client():
    """A fresh cluster of 2 worker processes for each test: a test kills or freezes workers,
    and waiting for nannies to replace them was the slow (and, on a busy machine, flaky) part."""
    with cluster_client() as c:
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "a.txt").write_text(make_corpus_text(1000, seed=1))
    (folder / "b.txt").write_text(make_corpus_text(1000, seed=2))
    return [str(folder / "a.txt"), str(folder / "b.txt")]


@pytest.fixture(scope="module")
def clean(corpus):
    """The undisturbed runs (by held-out share), which every disturbed one must equal (on a
    cluster of the same 2 workers: the same slots)."""
    with cluster_client() as c:
        return {h: run(corpus, make_config(holdout=h, **OPTS), client=c) for h in (0.0, 0.1)}


class _Fault(distributed.WorkerPlugin):
    """Kill (or freeze) the worker process that starts a task whose key holds ``needle``, the
    first ``times`` times (counted in marker files, which outlive the killed processes)."""

    def __init__(self, needle: str, folder: str, times: int = 1, how: int = signal.SIGKILL):
        self.needle, self.folder, self.times, self.how = needle, folder, times, how

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or self.needle not in str(key):
            return
        done = len(os.listdir(self.folder))
        if done < self.times:
            with open(os.path.join(self.folder, f"{done}-{os.getpid()}"), "w"):
                pass
            os.kill(os.getpid(), self.how)


def faulted(client, tmp_path, needle, corpus, times=1, how=signal.SIGKILL, **options):
    folder = tmp_path / f"faults-{needle.strip('-')}"
    folder.mkdir()
    client.register_plugin(_Fault(needle, str(folder), times, how), name="fault")
    try:
        return run(corpus, make_config(**dict(OPTS, **options)), client=client), folder
    finally:
        for f in os.listdir(folder):  # a frozen worker goes on (it must close with the cluster)
            if how == signal.SIGSTOP:
                os.kill(int(f.split("-")[1]), signal.SIGCONT)


def short_hang_bound(monkeypatch) -> None:
    """A task with no answer is taken for hung after max(2 s, 3x the slowest of its kind), not
    max(60 s, 10x), and the driver looks every 0.5 s, not 5 s (a set-up slot's time is taken
    when the driver looks): the frozen-worker tests' runs end in seconds."""
    monkeypatch.setattr(dist, "HANG_SECONDS", 2.0)
    monkeypatch.setattr(dist, "HANG_FACTOR", 3.0)
    monkeypatch.setattr(dist, "POLL_SECONDS", 0.5)


def rounds_per_epoch(clean) -> int:
    return clean[0.0].summary["distributed"]["rounds_per_epoch"]


@pytest.mark.parametrize("phase", ["counting", "encoding", "slot set-up", "round 1",
                                   "mid-epoch", "an epoch's last round", "the last round",
                                   "held-out scoring"])
def test_a_worker_killed_at_any_phase_loses_nothing(tmp_path, client, corpus, clean, phase):
    per = rounds_per_epoch(clean)
    needle, options = {
        "counting": ("-count-1-", {}),
        "encoding": ("-encode-1-", {"read_vocab": str(tmp_path / "v.txt")}),
        "slot set-up": ("-setup-1-", {}),
        "round 1": ("-round-0-1-", {}),
        "mid-epoch": (f"-round-{per + per // 2}-1-", {}),
        "an epoch's last round": (f"-round-{per - 1}-1-", {}),
        "the last round": (f"-round-{2 * per - 1}-1-", {}),
        "held-out scoring": ("-score-", {"holdout": 0.1}),
    }[phase]
    if "read_vocab" in options:  # a given vocabulary: the workers encode with it at once
        words = clean[0.0].model.vocab
        with open(options["read_vocab"], "w") as f:
            f.writelines(f"{w} {c}\n" for w, c in zip(words.words, words.counts.tolist()))
    want = (run(corpus, make_config(**dict(OPTS, **options)), client=client)
            if "read_vocab" in options else clean[options.get("holdout", 0.0)])
    hurt, folder = faulted(client, tmp_path, needle, corpus, **options)
    assert os.listdir(folder), f"no worker was killed at {phase}"
    assert np.array_equal(want.model.weights.syn0, hurt.model.weights.syn0)
    assert [e["loss"] for e in hurt.summary["epochs"]] == [
        e["loss"] for e in want.summary["epochs"]]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "frozen"])
def test_a_worker_lost_while_a_checkpoint_is_written_loses_nothing(tmp_path, client, corpus,
                                                                   clean, monkeypatch, how):
    """A worker SIGKILLed, or stopped (SIGSTOP, past the hang bound), while the driver writes a
    periodic checkpoint: the run ends with the undisturbed vectors, and that checkpoint resumes
    to them too."""
    import importlib
    import shutil

    train_mod = importlib.import_module("hsw2v.train")  # (hsw2v.train is the function)
    real = train_mod.save_checkpoint
    ckpt, kept = str(tmp_path / "run.ckpt"), str(tmp_path / "kept.ckpt")
    killed = []

    def save_and_kill(path, *args, **kwargs):
        if not killed:
            pid = sorted(client.run(os.getpid).values())[0]
            os.kill(pid, how)
            killed.append(pid)
            real(path, *args, **kwargs)
            shutil.copy(path, kept)
        else:
            real(path, *args, **kwargs)

    monkeypatch.setattr(train_mod, "save_checkpoint", save_and_kill)
    short_hang_bound(monkeypatch)
    try:
        with deadline(120):
            hurt = run(corpus, make_config(checkpoint=ckpt, checkpoint_every=1e-6, **OPTS),
                       client=client)
    finally:
        if how == signal.SIGSTOP and killed:  # (it must close with the cluster)
            os.kill(killed[0], signal.SIGCONT)
    assert killed
    if how == signal.SIGSTOP:
        assert hurt.summary["distributed"]["round_tasks_resubmitted"] >= 1
    assert np.array_equal(clean[0.0].model.weights.syn0, hurt.model.weights.syn0)
    monkeypatch.undo()
    from hsw2v.train import configure

    ck, cfg, _ = configure(None, kept)
    resumed = run(ck.meta["corpus"], cfg, resume=ck, client=client)
    assert np.array_equal(clean[0.0].model.weights.syn0, resumed.model.weights.syn0)


def test_a_second_worker_lost_while_the_first_is_recovered(tmp_path, client, corpus, clean):
    """Both workers die one after the other in the same round (Dask's nannies start new
    ones): the round is submitted again, with the whole model, to whoever is there."""
    per = rounds_per_epoch(clean)
    hurt, folder = faulted(client, tmp_path, f"-round-{per + 1}-", corpus, times=2)
    assert len(os.listdir(folder)) == 2
    assert np.array_equal(clean[0.0].model.weights.syn0, hurt.model.weights.syn0)
    assert hurt.summary["distributed"]["full_model_resends"] >= 1


@pytest.mark.parametrize("phase", ["round 1", "a round", "an epoch's last round",
                                   "the last round"])
def test_a_frozen_worker_does_not_hang_the_run(tmp_path, client, corpus, clean, monkeypatch,
                                               phase):
    """A worker stopped (SIGSTOP) in a round gives no answer: after the hang bound the round
    goes to the other worker, and the run ends with the same vectors. In the run's last round
    (the final gather) the run also ends without waiting on the frozen worker at its close."""
    short_hang_bound(monkeypatch)
    per = rounds_per_epoch(clean)
    at = {"round 1": 0, "a round": per, "an epoch's last round": per - 1,
          "the last round": 2 * per - 1}[phase]
    with deadline(120):
        hurt, folder = faulted(client, tmp_path, f"-round-{at}-1-", corpus, how=signal.SIGSTOP)
    assert os.listdir(folder), f"no worker was frozen in {phase}"
    assert np.array_equal(clean[0.0].model.weights.syn0, hurt.model.weights.syn0)
    assert hurt.summary["distributed"]["round_tasks_resubmitted"] >= 1


class Hung(BaseException):
    """Raised by :func:`deadline`: not an ``Exception``, which the driver's waiting loops
    catch (a lost task is an exception there) and would have swallowed."""


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging the suite) if the block takes longer than ``seconds``."""
    def expired(*_):
        raise Hung(f"still running after {seconds} s: the run hangs")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("phase", ["counting", "slot set-up"])
def test_a_worker_frozen_before_the_rounds_does_not_hang_the_run(tmp_path, client, corpus,
                                                                 clean, monkeypatch, phase):
    """A worker stopped (SIGSTOP) while it counts its shard or sets its slot up gives no answer:
    once the other slot has finished the same task, and after the hang bound, the task goes to
    the other worker, and the run ends with the same vectors."""
    short_hang_bound(monkeypatch)
    needle = {"counting": "-count-1-", "slot set-up": "-setup-1-"}[phase]
    with deadline(120):
        hurt, folder = faulted(client, tmp_path, needle, corpus, how=signal.SIGSTOP)
    assert os.listdir(folder), f"no worker was frozen at {phase}"
    assert np.array_equal(clean[0.0].model.weights.syn0, hurt.model.weights.syn0)
    assert hurt.summary["distributed"]["round_tasks_resubmitted"] >= 1


class _RealCluster:
    """A ``dask scheduler`` and ``dask worker --no-nanny`` processes, as a user starts them
    (killed workers stay dead)."""

    def __init__(self, folder, workers: int = 2):
        import subprocess
        import sys
        import time

        self.file = str(folder / "scheduler.json")
        dask_cli = os.path.join(os.path.dirname(sys.executable), "dask")
        env = dict(os.environ, DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="False")
        self.scheduler = subprocess.Popen(
            [dask_cli, "scheduler", "--port", "0", "--dashboard-address", ":0",
             "--scheduler-file", self.file], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=env)
        for _ in range(300):
            if os.path.exists(self.file) and os.path.getsize(self.file):
                break
            time.sleep(0.1)
        self.workers = []
        self.env, self.dask_cli = env, dask_cli
        self.add_workers(workers)

    def add_workers(self, k: int) -> None:
        import subprocess

        for _ in range(k):
            self.workers.append(subprocess.Popen(
                [self.dask_cli, "worker", "--scheduler-file", self.file, "--nthreads", "1",
                 "--no-nanny", "--no-dashboard"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=self.env))

    def client(self, workers: int = 2, timeout: float = 30):
        """A client; ``timeout`` also bounds how long it tries to reconnect to a lost scheduler
        before its futures fail."""
        c = distributed.Client(scheduler_file=self.file, timeout=timeout)
        c.wait_for_workers(workers, timeout=120)
        return c

    def close(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.kill()
            p.wait()


def interrupt(monkeypatch, at, action):
    """Run ``action()`` after round ``at`` (epoch, round in it) is combined."""
    def hook(self, e, k):
        if (e, k) == at:
            action()
    monkeypatch.setattr(dist.ClusterEngine, "on_round", hook)


def test_no_worker_left_saves_the_last_round_and_resumes(tmp_path, corpus, clean, monkeypatch):
    """Every worker dies (no nannies): a one-line error that names the checkpoint of the last
    round; with new workers the run resumes to the undisturbed vectors."""
    monkeypatch.setattr(dist, "POLL_SECONDS", 0.5)
    monkeypatch.setattr(dist, "NO_WORKER_SECONDS", 3.0)
    real = _RealCluster(tmp_path)
    ckpt = str(tmp_path / "run.ckpt")
    try:
        c = real.client()
        interrupt(monkeypatch, (1, 1), lambda: [p.kill() for p in real.workers])
        with pytest.raises(DistributedError) as err:
            run(corpus, make_config(checkpoint=ckpt, **OPTS), client=c)
        msg = str(err.value)
        assert "no Dask worker is left" in msg and ckpt in msg and "\n" not in msg
        monkeypatch.setattr(dist.ClusterEngine, "on_round", None)
        real.add_workers(2)
        c.wait_for_workers(2, timeout=120)
        from hsw2v.checkpoint import load_checkpoint
        from hsw2v.train import configure

        ck, cfg, _ = configure(None, ckpt)
        resumed = run(ck.meta["corpus"], cfg, resume=ck, client=c)
        assert np.array_equal(clean[0.0].model.weights.syn0, resumed.model.weights.syn0)
        assert load_checkpoint(ckpt).state.epoch == 1  # (the run's, not a later one)
        c.close()
    finally:
        real.close()


def test_a_lost_scheduler_saves_the_last_round_and_resumes_elsewhere(tmp_path, client, corpus,
                                                                     clean, monkeypatch):
    monkeypatch.setattr(dist, "POLL_SECONDS", 0.5)
    real = _RealCluster(tmp_path)
    ckpt = str(tmp_path / "run.ckpt")
    try:
        c = real.client(timeout=8)  # (30 s of reconnecting otherwise: most of the test's time)
        interrupt(monkeypatch, (0, 2), real.scheduler.kill)
        with pytest.raises(DistributedError) as err:
            run(corpus, make_config(checkpoint=ckpt, **OPTS), client=c)
        msg = str(err.value)
        assert "lost the Dask scheduler" in msg and ckpt in msg and "\n" not in msg
        monkeypatch.setattr(dist.ClusterEngine, "on_round", None)
        from hsw2v.train import configure

        ck, cfg, _ = configure(None, ckpt)
        resumed = run(ck.meta["corpus"], cfg, resume=ck, client=client)  # another cluster
        assert np.array_equal(clean[0.0].model.weights.syn0, resumed.model.weights.syn0)
    finally:
        real.close()


@pytest.mark.parametrize("phase", ["count", "setup"])
def test_sigint_to_the_driver_before_the_rounds_resumes(tmp_path, client, corpus, clean,
                                                        monkeypatch, phase):
    """SIGINT while the workers count the corpus or set their slots up: the set-up ends, no
    round runs, a checkpoint at the start is written and resumes to the undisturbed vectors."""
    import threading

    from hsw2v.errors import TrainingInterrupted
    from hsw2v.train import configure

    real = dist.ClusterEngine._each_slot

    def signalled(self, name, *args, **kwargs):
        if name == phase:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(dist.ClusterEngine, "_each_slot", signalled)
    ckpt = str(tmp_path / "run.ckpt")
    doing = {"count": "reading the corpus on the workers (counting the vocabulary)",
             "setup": "setting up training on the workers"}[phase]
    with pytest.raises(TrainingInterrupted, match=(
            rf"^interrupted by SIGINT while {re.escape(doing)}, before training began; "
            rf"checkpoint written to {re.escape(ckpt)}; ")):
        run(corpus, make_config(checkpoint=ckpt, **OPTS), client=client)
    monkeypatch.undo()
    ck, cfg, _ = configure(None, ckpt)
    resumed = run(ck.meta["corpus"], cfg, resume=ck, client=client)
    assert np.array_equal(clean[0.0].model.weights.syn0, resumed.model.weights.syn0)


def test_tasks_are_pinned_to_their_worker_once_a_worker_hung():
    # To Dask a frozen worker is idle: a queued task allowed other workers may be moved there
    # and never run (a cold suite once lost a set-up that way). Before any hang, tasks may move.
    submitted = []

    class Client:
        def submit(self, fn, *args, **kwargs):
            submitted.append(kwargs)

    engine = dist.ClusterEngine.__new__(dist.ClusterEngine)
    engine.client, engine.job, engine.hung = Client(), "job", set()
    engine._submit(print, worker="tcp://a:1", name="setup-0")
    engine.hung.add("tcp://b:2")
    engine._submit(print, worker="tcp://a:1", name="setup-1")
    assert [k["workers"] for k in submitted] == [["tcp://a:1"]] * 2
    assert [k["allow_other_workers"] for k in submitted] == [True, False]


@pytest.mark.parametrize("frozen", [False, True])
def test_a_round_queued_behind_another_on_its_worker_is_not_taken_for_hung(monkeypatch, frozen):
    """Four slots on two workers (as with --dask-slots 4): each worker runs its second slot's
    round after its first (rounds of 10 s; the bound 15 s). The queued round is timed from
    when its worker became free, not from its submission: no false hang. A round that never
    answers is still resubmitted (``frozen``: slot 3's worker stops), at 10 + 15 s."""
    clock = [0.0]

    class Time:
        @staticmethod
        def monotonic():
            return clock[0]

    class Future:
        def __init__(self, finish, value):
            self.finish, self.value = finish, value

        @property
        def status(self):
            return "finished" if clock[0] >= self.finish else "pending"

        def cancel(self):
            self.finish = float("inf")

    def wait(fs, timeout):
        if clock[0] > 1000:
            raise Hung("slot 3's round never resubmitted: the run would wait for worker-ttl")
        last = max(f.finish for f in fs)
        if last <= clock[0] + timeout:
            clock[0] = max(clock[0], last)
            return
        clock[0] += timeout
        raise TimeoutError

    import distributed as dd

    monkeypatch.setattr(dd, "wait", wait)
    monkeypatch.setattr(dist, "time", Time)
    monkeypatch.setattr(dist, "HANG_SECONDS", 1.0)
    monkeypatch.setattr(dist, "HANG_FACTOR", 1.5)
    finish = [10.0, 19.0, 10.0, float("inf") if frozen else 19.0]
    futures = [Future(t, {"slot": s}) for s, t in enumerate(finish)]
    engine = dist.ClusterEngine.__new__(dist.ClusterEngine)
    engine.where, engine.hung = ["A", "A", "B", "B"], set()
    engine.slowest, engine.resubmitted = 10.0, 0
    engine._live = lambda: {"A", "B"}
    engine._gather = lambda fs: [f.value for f in fs]
    again = []

    def recover(j, s, prev, avoid=None):
        again.append((s, clock[0], avoid))
        futures[s] = Future(clock[0] + 1.0, {"slot": s})

    engine._recover = recover
    results = engine._collect(0, futures, recover)
    assert [r["slot"] for r in results] == [0, 1, 2, 3]
    assert again == ([(3, 25.0, "B")] if frozen else [])
    assert engine.hung == ({"B"} if frozen else set())


def test_the_end_of_a_run_does_not_wait_on_a_worker_that_froze_after_its_last_task(
        monkeypatch, caplog):
    """A worker frozen after its last answer is not marked hung, so the close asks it to drop
    the job's data like the others: the close gives up after FORGET_SECONDS, with a warning,
    instead of waiting forever (a fresh-clone CI once hung there)."""
    import threading
    import time

    never = threading.Event()
    calls = []

    class Client:
        def run(self, fn, *args, workers):
            calls.append(workers)
            never.wait(30)  # a frozen worker's answer

    monkeypatch.setattr(dist, "FORGET_SECONDS", 0.3)
    engine = dist.ClusterEngine.__new__(dist.ClusterEngine)
    engine.client, engine.futures, engine.hung, engine.job = Client(), {}, {"C"}, "job-x"
    engine._live = lambda: {"A", "B", "C"}
    start = time.monotonic()
    with caplog.at_level("WARNING", logger="hsw2v.distributed"):
        engine.close()
    took = time.monotonic() - start
    never.set()
    assert calls == [["A", "B"]]  # the worker marked hung is not even asked
    assert 0.25 < took < 5, took
    assert "did not drop job job-x" in caplog.text


def test_the_end_of_a_run_raises_nothing_when_a_worker_is_lost_as_it_drops_the_job(
        monkeypatch):
    class Client:
        def run(self, fn, *args, workers):
            raise OSError("connection closed")

    engine = dist.ClusterEngine.__new__(dist.ClusterEngine)
    engine.client, engine.futures, engine.hung, engine.job = Client(), {}, set(), "job-y"
    engine._live = lambda: {"A"}
    engine.close()  # logged at debug level, not raised


@pytest.mark.parametrize("answer", ["hangs", "fails", "answers", "closed"])
def test_a_scheduler_is_reachable_only_when_it_answers_in_time(monkeypatch, answer):
    """The check before giving up on a cluster: a scheduler whose answer hangs (frozen, or
    unreachable) or fails is lost, within REACHABLE_SECONDS; one that answers is there, unless
    the client itself is closed."""
    import threading
    import time

    never = threading.Event()

    class Client:
        status = "closed" if answer == "closed" else "running"

        def scheduler_info(self):
            if answer == "hangs":
                never.wait(30)
            if answer == "fails":
                raise OSError("connection refused")
            return {}

    monkeypatch.setattr(dist, "REACHABLE_SECONDS", 0.3)
    engine = dist.ClusterEngine.__new__(dist.ClusterEngine)
    engine.client = Client()
    start = time.monotonic()
    reachable = engine._reachable()
    took = time.monotonic() - start
    never.set()
    assert reachable == (answer == "answers")
    assert took < 5, took
