"""Training one model on the workers of a Dask cluster (``hsw2v train --dask``).

Dask distributed (its scheduler, workers, futures and task retries) runs everything; this
module only says what each task does.

* **Shards and slots.** The corpus is cut into byte ranges aligned to whitespace
  (:mod:`hsw2v.shards`), grouped into one *slot* per worker of about equal bytes. A slot is the
  unit of work: its id stream, its position in the schedule and its random state. It normally
  stays on its worker, but any worker can take it over (a dead worker's slot is re-read from
  the shared corpus by the worker Dask reruns its task on).
* **Counting.** Each slot counts and encodes its shards once (:func:`hsw2v.encoding.scan_corpus`,
  the local reader); the driver adds the counts and builds the vocabulary exactly as a local
  run does (:func:`hsw2v.vocab.build_vocab` orders by count and then word, whatever order the
  counts come in). The encoded stream stays on the worker and is reused every epoch.
* **Rounds.** An epoch is trained in ``R = ceil(words per slot / sync_words)`` synchronous
  rounds (default :func:`default_sync_words`: large rounds for few workers, small ones for
  many; rounds of fewer words than a chunk cut the stream into smaller chunks,
  :func:`chunk_size`). In round ``k`` every slot trains, from the current model, up to
  ``ceil(k * W_s / R)`` of its ``W_s`` words with the local trainer
  (:class:`hsw2v.threads.Trainer`, claims of one chunk of its chunk order; one slot of one
  thread keeps the local claims of up to 16 chunks). Each slot's learning rate follows its
  own progress through the run, as each thread's range does locally. A round is a pure
  function of the model version, the slot's state (chunk positions, RNG states, loss sums:
  kept by the driver, sent with the task) and the corpus: a task Dask reruns after a worker
  died computes the same result.
* **Changed rows only.** A task returns the rows it changed (syn0 rows of the words it read,
  syn1 rows of the inner nodes on their paths; with negative sampling or the exact softmax,
  the output rows of any word: :data:`MATRICES`) as float32 rows. They are sent as the new
  values rather than as float32 differences (the same bytes): a difference rounded to float32
  cannot always be added back to give the value it came from, and then one worker would not
  reproduce a local run. The workers find them and the driver combines them with numba kernels
  (:mod:`hsw2v.kernels.rounds`: one pass over the candidate rows; a counting sort of the
  workers' rows instead of ``np.unique``), ``--combine``, and sends only the changed
  rows' new values to each worker; every worker process keeps a copy of the model at the current
  version (plus one working copy per slot it trains), and a worker that has none (new, or
  restarted) is sent the whole model once.
* **Overlapping rounds** (``--overlap``, more than one slot). A slot's round ``j + 1`` is
  submitted before round ``j`` is combined, with round ``j``'s result as its input (Dask runs it
  on the same worker as soon as round ``j`` ends): it starts from the model of round ``j - 1``
  plus the slot's own round-``j`` changes, and returns float32 differences to that start, which
  the driver adds to the model. Each slot sees the others' changes one round later; the
  combining, sending and round trip then happen while the workers train. The driver keeps the
  model its rounds in flight started from, so a round is still a pure function of data it
  holds (a lost round is submitted again from them, bit-identical).
* **Checkpoints.** The driver holds everything a round needs, so it checkpoints after a round
  (the model, every slot's state, the round; with overlapping rounds the model the round in
  flight started from and the last round's changes) and ``--resume`` continues on any
  workers, as the uninterrupted run would have.

Exactness: with one worker the slot is the whole corpus, cut only at file ends, and its
stream, chunks, claims, random states and learning rates are those of a local run with the
same ``--threads``; with ``--threads 1`` the vectors are bit-identical to a local
``--threads 1`` run with the same seed.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import math
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hsw2v import kernels
from hsw2v.checkpoint import Checkpoint, TrainState, vocab_digest
from hsw2v.config import TrainConfig, default_threads
from hsw2v.corpus import CorpusStats, expand_paths
from hsw2v.encoding import encode_corpus, scan_corpus
from hsw2v.engine import CheckpointParts, Engine, Model, Reading
from hsw2v.errors import CheckpointError, ConfigError, DistributedError, Hsw2vError
from hsw2v.huffman import build_huffman
from hsw2v.interrupt import phase
from hsw2v.modelfile import ModelData
from hsw2v.sentences import SENTENCES
from hsw2v.shards import Shard, plan_shards
from hsw2v.threads import CHUNK, STATS, Trainer, check_not_empty, thread_rng_states
from hsw2v.vocab import Vocab, build_vocab, check_vocab_size
from hsw2v.weights import Weights, grown_vocab, init_output

log = logging.getLogger(__name__)

#: Default ``--sync-words`` (words per worker and round) of a run of ``n`` workers:
#: ``SYNC_SCALE / n**4``, at least :data:`THREAD_WORDS` per worker thread. Fewer words between
#: two merges keep many workers closer to one process's Hogwild threads; more words per round
#: pay the per-round overhead (a round trip, combining, sending the changed rows) less often,
#: which is what few workers need. The curve goes through the round sizes measured on
#: text8-prefix (README, "Training on a cluster"): 2 workers 262,144 (speed), 4 workers 16,384
#: (32,768 lost 0.012 analogy / 0.028 WS353 in skip-gram) and 8 workers 4,096 (the floor:
#: CBOW's analogy score gained 0.0045 over rounds of 8,192). A fit to those points, not a law.
SYNC_SCALE = 1 << 22
#: :data:`SYNC_SCALE` of runs with negative sampling, whose output rows (every word's, drawn
#: as noise) suffer more from a round's staleness: at 2 workers rounds of 262,144 words lost
#: 0.016 analogy / 0.044 WS353 in CBOW, 32,768 lost 0.003 / 0.015, and skip-gram matched
#: the local runs (seeds 1-3; README, "Training on a cluster").
NS_SYNC_SCALE = 1 << 19
#: Fewest default words per worker thread and round (half the local trainer's chunk).
THREAD_WORDS = 4096


def default_sync_words(workers: int, threads: int, negative: bool = False) -> int:
    """``--sync-words`` when not given: ``SYNC_SCALE / workers**4``, at least
    :data:`THREAD_WORDS` per thread (1 worker: 4,194,304; 2 workers: 262,144; 3 workers:
    51,781; 4 workers: 16,384; 8 and more workers: 4,096 per thread). With negative sampling
    (``negative``) and more than one worker :data:`NS_SYNC_SCALE` instead (2 workers: 32,768;
    3 workers 6,472; 4 and more: 4,096 per thread)."""
    scale = NS_SYNC_SCALE if negative and workers > 1 else SYNC_SCALE
    return max(THREAD_WORDS * threads, scale // max(1, workers) ** 4)


#: The model's matrices, by the names round results and updates use: ``"0"`` syn0 (input
#: rows), ``"1"`` syn1 (inner nodes; no rows without hierarchical softmax), ``"2"`` syn1neg
#: (negative sampling's output rows), ``"3"`` syn1sm (the exact softmax's). A run has "0",
#: "1" and those of its objectives.
MATRICES = ("0", "1", "2", "3")


def _by_key(w: Weights) -> dict[str, np.ndarray | None]:
    """The matrices of ``w`` under their keys in tasks and results (:data:`MATRICES`: short,
    as they prefix every result's array names)."""
    return dict(zip(MATRICES, (w.syn0, w.syn1, w.syn1neg, w.syn1sm)))


def _weights(mats: dict[str, np.ndarray]) -> Weights:
    """The :class:`Weights` of matrices keyed as in :data:`MATRICES`."""
    return Weights(mats["0"], mats["1"], mats.get("2"), mats.get("3"))

#: How a run's summary and checkpoint name a corpus of sentences from Python.

#: Fewest stream entries per chunk: a round of fewer words per thread still takes one chunk.
MIN_CHUNK = 1024


def chunk_size(workers: int, threads: int, sync_words: int) -> int:
    """Stream entries per chunk of work: the local trainer's :data:`hsw2v.train.CHUNK` (one
    worker of one thread keeps it: its run is then a local run's), or ``sync_words`` per
    thread if that is less (a round takes at least one chunk per thread, so this is what lets
    rounds of fewer words happen), but at least :data:`MIN_CHUNK`."""
    if workers == 1 and threads == 1:
        return CHUNK
    return max(MIN_CHUNK, min(CHUNK, sync_words // threads))


#: Times a slot's round is submitted again after its worker was lost, before giving up.
ATTEMPTS = 4
#: A round task that gives no answer within ``max(HANG_SECONDS, HANG_FACTOR x the slowest round
#: task so far)`` (before any: the set-up's time) is taken for hung (a frozen or unreachable
#: worker, which Dask itself only drops after its ``worker-ttl``, 5 minutes by default) and
#: submitted again on another worker.
HANG_SECONDS = 60.0
HANG_FACTOR = 10.0


def hang_bound(slowest: float) -> float:
    """Seconds after which a task with no answer is taken for hung, given the slowest
    finished task of its kind (see :data:`HANG_SECONDS`)."""
    return max(HANG_SECONDS, HANG_FACTOR * slowest)


#: Seconds between looks at the cluster while a round's results are awaited (is any worker
#: left? has the bound above passed?).
POLL_SECONDS = 5.0
#: A cluster with no worker for this long is given up (Dask's nannies replace a killed worker
#: within seconds; workers started without one never come back).
NO_WORKER_SECONDS = 60.0
#: Seconds the end of a run waits for the workers to drop its data: a frozen worker that no
#: round marked hung (it froze after its last task) would otherwise hold the exit forever.
FORGET_SECONDS = 10.0
#: Seconds a scheduler has to answer before it is taken for lost (see ``_reachable``).
REACHABLE_SECONDS = 5.0
#: Occurrences in a round (over the workers that changed it) from which a row counts as hot
#: for ``--combine mixed`` at the starting learning rate: its change is divided by
#: ``clip(occurrences / hot, 1, workers)``, where ``hot`` rises from HOT as the learning rate
#: falls (:func:`hot_threshold`). On text8-prefix, 8 workers, skip-gram, a fixed threshold:
#: 30 -> 0.090 analogy, 100 -> 0.096, 300 -> 0.110, 1000 -> 0.109 with a first-epoch loss of
#: 20 (unstable); plain sum diverged (loss 515).
HOT = 300.0


def hot_threshold(progress: float, floor: float) -> float:
    """``--combine mixed``'s hot-row threshold (occurrences in a round) at ``progress``.

    How far a row's change saturates within a round (every worker stepping towards the same
    place, so that adding their steps overshoots) grows with its occurrences times the
    learning rate, and the learning rate falls linearly over the run. So the threshold is
    :data:`HOT` divided by the share of the learning rate left: early rounds average hot rows
    (summing diverges there), late ones sum them as Hogwild threads would (averaging there
    slows the hot rows' learning by up to the number of workers; on text8-prefix, skip-gram,
    8 workers, seeds 1-12, README "Training on a cluster").

    Parameters
    ----------
    progress : float   share of the run's words trained at the round's middle, 0 to 1.
    floor : float      the last learning rate's share of the first (``min_alpha / alpha``).
    """
    return HOT / max(1.0 - progress, floor, 1e-12)


# =============================================================================================
# Worker side: a registry of jobs in each worker process
# =============================================================================================

@dataclasses.dataclass
class _Spec:
    """What every task of a job needs (scattered to the workers once)."""

    job: str
    cfg: TrainConfig            # resolved; threads = threads per worker
    groups: list[list[Shard]]   # each slot's shards
    chunk: int = CHUNK    # stream entries per chunk of work (see chunk_size)
    fixed_vocab: bool = False   # the vocabulary is given (encode with it; no counting)
    lockf: np.ndarray | None = None  # float32 (V,): 0 freezes a word's input row (--freeze-init)

    def rng_states(self, slot: int) -> list[int]:
        """The slot's threads' first RNG states: those of threads ``slot * T ...`` of a local
        run with ``slots * T`` threads (slot 0 of a one-slot job: exactly a local run's)."""
        t = self.cfg.threads
        states = thread_rng_states(self.cfg.seed, len(self.groups) * t)
        return [int(s[0]) for s in states[slot * t:(slot + 1) * t]]


@dataclasses.dataclass
class _Rows:
    """Rows of the model's matrices (:data:`MATRICES`) at a version: all of them (``rows``
    None) or some."""

    version: int
    vals: dict[str, np.ndarray]             # matrix name -> float32 (k, D)
    rows: dict[str, np.ndarray] | None = None   # matrix name -> int32 (k,)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for d in (self.vals, self.rows or {}) for a in d.values())


class _Copies:
    """One object put on several workers, one Dask future each (see ``ClusterEngine._scatter``): a
    task takes its own worker's copy, or another's when its worker has none (Dask then fetches
    it worker to worker); copies on dead workers are dropped, and it is sent again when none
    is left."""

    def __init__(self, driver: ClusterEngine, data, hosts):
        self.driver, self.data, self.futures = driver, data, {}
        for h in hosts:
            try:
                self.futures[h] = driver._scatter(data, h)
            except Exception:  # that worker died meanwhile: the others have it
                log.debug("sending %s to %s failed", type(data).__name__, h, exc_info=True)
        if not self.futures:
            self.futures[""] = driver._scatter(data)

    @property
    def nbytes(self) -> int:
        return getattr(self.data, "nbytes", 0) * len(self.futures)

    def on(self, host: str | None):
        """The future to give a task that is to run on ``host``."""
        if host in self.futures:
            return self.futures[host]
        if not self.futures:
            self.futures[""] = self.driver._scatter(self.data)
        return next(iter(self.futures.values()))

    def forget(self, live: set[str]) -> None:
        """Drop the copies of workers that are not in ``live``."""
        for h in [h for h in self.futures if h and h not in live]:
            del self.futures[h]


class _Slot:
    """A slot trained in this process: its id stream and a local trainer over a working copy
    of the model (equal to the process's model between rounds)."""

    def __init__(self, job: "_Job", spec: _Spec, slot: int, vocab: Vocab):
        cfg = spec.cfg
        scan = job.scans.pop(slot, None)  # counted here: reuse the stream
        if scan is None:  # counted elsewhere (a worker was lost): read the shards again
            scan = _scan(spec, slot, vocab if spec.fixed_vocab else None)
        stream, words = scan
        if stream is None:  # counting pruned: encode again with the final vocabulary
            stream = encode_corpus(spec.groups[slot], vocab, cfg.max_sentence_length,
                                   encoding=cfg.encoding)
        self.stream = stream
        remap = np.arange(len(vocab), dtype=np.int32) if words is None else vocab.remap(words)
        self.remap = remap
        # The working copy, with room for the trainer's private rows (as a local run's).
        spare = {"1": cfg.threads * kernels.HOT_ROWS[cfg.model] if "hs" in cfg.objectives
                 else 0, "2": cfg.threads * kernels.HOT_NEG_ROWS}
        work = {}
        for name, base in job.mats.items():
            work[name], _ = kernels.aligned_rows(len(base), cfg.dim, spare.get(name, 0))
            work[name][:] = base
        model = Model(vocab, job.tree, _weights(work))
        # Rounds of --sync-words words, not of the local trainer's claims of up to 16 chunks
        # (~131,000 words). One slot of one thread keeps them: its claims, kernel calls and so
        # its vectors are then exactly those of a local run. Inline: no thread started and
        # ended per round (see hsw2v.threads.Trainer.inline).
        claim_max = 1 if len(spec.groups) > 1 or cfg.threads > 1 else None
        try:
            self.trainer = Trainer(cfg, model, stream, remap, chunk=spec.chunk,
                                   lockf=spec.lockf, claim_max=claim_max, inline=True)
        except BaseException:
            stream.close()
            raise
        for r, s in zip(self.trainer.rngs, spec.rng_states(slot)):
            r[0] = s
        noise = np.asarray(vocab.counts, np.float64) ** cfg.ns_exponent
        self.noise_p = noise / noise.sum()  # each word's share of the noise draws
        # Each row's place among the own changes of an overlapping round (-1: none).
        self.pos = {name: np.full(len(a), -1, np.int32) for name, a in job.mats.items()}
        self.trainer.warm_up()

    def matrices(self) -> dict[str, np.ndarray]:
        """The working copy's matrices by name (:data:`MATRICES`), views of the trainer's."""
        out = _by_key(self.trainer.model.weights)
        return {name: out[name] for name in self.pos}

    def set_rows(self, rows: _Rows) -> None:
        for name, work in self.matrices().items():
            if rows.rows is None:
                work[:] = rows.vals[name]
            else:
                work[rows.rows[name]] = rows.vals[name]

    def train(self, job: "_Job", state: TrainState, target: int, weights: bool,
              own: dict | None = None) -> dict:
        """Train the slot from ``state`` until ``target`` words of the epoch are taken; return
        the changed rows (and reset the working copy to the process's model).

        ``own``: the slot's previous result, whose changes are not in the process's model yet
        (overlapping rounds): the round starts from the model plus them, and returns its rows'
        changes (``vals*`` float32 differences) instead of their new values.
        """
        tr = self.trainer
        mats = self.matrices()
        if own is not None:
            for name, work in mats.items():
                rows = own["rows" + name]
                work[rows] = job.mats[name][rows] + own["vals" + name]
        tr.restore(state)
        tr.refresh_private_rows()
        orders = list(tr.order)  # this epoch's order (run_epoch moves on to the next one's)
        t0 = time.perf_counter()
        totals = tr.run_epoch(int(state.epoch), limit=target)
        seconds = time.perf_counter() - t0
        new = tr.state()
        # The chunks taken this round, per range: places [front, front') and [back', back).
        ids = []
        for r in range(tr.threads):
            f0, b0 = int(state.front[r]), int(state.back[r])
            if totals is not None:
                places = orders[r][f0:b0]
            else:
                places = np.concatenate((orders[r][f0:int(new.front[r])],
                                         orders[r][int(new.back[r]):b0]))
            for c in (int(tr.first[r]) + places).tolist():
                a, b = int(tr.starts[c]), int(tr.starts[c + 1])
                ids.append(self.stream.read(a, b - a))
        n_words = len(job.mats["0"])
        n0 = np.zeros(n_words, np.int64)
        if ids:
            got = np.concatenate(ids)
            got = self.remap[got[got >= 0]]
            n0 = np.bincount(got[got >= 0], minlength=n_words)
        # How often each row was used (the weights of --combine weighted/mixed): a word's
        # input row as often as it was read; an inner node as its words' paths pass it; a
        # negative-sampling output row as a target plus its expected draws as noise; every
        # exact-softmax row in every prediction.
        uses = {"0": n0, "1": _node_counts(job.tree, n0) if len(mats.get("1", ())) else None}
        if "2" in mats:
            uses["2"] = n0 + tr.negative * n0.sum() * self.noise_p
        if "3" in mats:
            uses["3"] = np.full(n_words, n0.sum(), np.int64)
        out = {"state": new, "totals": totals, "seconds": seconds, "t_kernel_end": t0 + seconds,
               "words": int(sum(new.done)) if totals is None else int(sum(tr.words))}
        for name, work in mats.items():
            base, n = job.mats[name], uses[name]
            if n is None:  # no rows (syn1 without hierarchical softmax)
                n = np.zeros(len(base), np.int64)
            # (negative-sampling and softmax rows: any word's row may change)
            cand = np.flatnonzero(n) if name in ("0", "1") else np.arange(len(base))
            if own is not None:
                started = own["rows" + name]
                cand = np.union1d(cand, started)
                pos = self.pos[name]
                pos[started] = np.arange(len(started), dtype=np.int32)
            rows = np.empty(len(cand), np.int32)
            vals = np.empty((len(cand), work.shape[1]), np.float32)
            # the changed rows' values (or changes); the working copy is the model again
            if own is None:
                k = kernels.take_changed(work, base, cand, rows, vals)
            else:
                k = kernels.take_delta(work, base, pos, own["vals" + name], cand, rows, vals)
                pos[started] = -1
            out["rows" + name] = rows[:k]
            out["vals" + name] = vals[:k]
            if weights:
                out["n" + name] = n[rows[:k]].astype(np.float32)
        return out

    def close(self) -> None:
        self.trainer.close()
        self.stream.close()


def _node_counts(tree, n0: np.ndarray) -> np.ndarray:
    """Occurrences of each inner node on the paths of words occurring ``n0`` times.

    Returns
    -------
    int64 (V - 1,)
    """
    n1 = np.zeros(len(tree.offsets) - 2, np.int64)
    kernels.path_counts(np.ascontiguousarray(n0, np.int64), tree.offsets, tree.points, n1)
    return n1


class _Job:
    """One job's state in one worker process: the model at a version and the slots here."""

    def __init__(self):
        self.lock = threading.Lock()
        self.version = -1
        #: The model at ``version``: matrix name (:data:`MATRICES`) -> float32 (rows, D).
        self.mats: dict[str, np.ndarray] = {}
        self.tree = None
        self.scans: dict[int, tuple] = {}
        self.slots: dict[int, _Slot] = {}

    def set_rows(self, rows: _Rows) -> None:
        if rows.rows is None:
            self.mats = {k: np.array(v, dtype=np.float32) for k, v in rows.vals.items()}
        else:
            for k, m in self.mats.items():
                m[rows.rows[k]] = rows.vals[k]
        for s in self.slots.values():
            s.set_rows(rows)
        self.version = rows.version

    def bring_to(self, version: int, update: _Rows | None, full: _Rows | None) -> bool:
        """Apply the whole model ``full`` (if this process lacks it) and then the next
        version's changed rows ``update`` (if this process is one version behind); whether
        the model here is now at ``version``. Call with :attr:`lock` held."""
        if full is not None and self.version != full.version:
            self.set_rows(full)
        if update is not None and self.version == update.version - 1:
            self.set_rows(update)
        return self.version == version

    def slot(self, spec: _Spec, slot: int, vocab: Vocab) -> _Slot:
        if slot not in self.slots:
            if self.tree is None:
                self.tree = build_huffman(vocab.counts)
            self.slots[slot] = _Slot(self, spec, slot, vocab)
        return self.slots[slot]

    def drop(self, slot: int) -> None:
        s = self.slots.pop(slot, None)
        if s is not None:
            s.close()

    def close(self) -> None:
        for s in list(self.slots):
            self.drop(s)
        for stream, _ in self.scans.values():
            if stream is not None:
                stream.close()
        self.scans.clear()


_JOBS: dict[str, _Job] = {}
_JOBS_LOCK = threading.Lock()


def _job(job_id: str) -> _Job:
    with _JOBS_LOCK:
        if job_id not in _JOBS:
            _JOBS[job_id] = _Job()
        return _JOBS[job_id]


def _address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def _named(fn):
    """Run a task; a user error says which worker it happened on (one line)."""
    @functools.wraps(fn)
    def task(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Hsw2vError as exc:
            raise type(exc)(f"on Dask worker {_address()}: {exc}") from None
    return task


def _scan(spec: _Spec, slot: int, vocab: Vocab | None, stats: CorpusStats | None = None):
    """Read a slot's shards: ``(stream, provisional words)``; with ``vocab``, the stream is
    encoded with it (words None); ``stream`` is None if counting pruned."""
    cfg = spec.cfg
    shards = spec.groups[slot]
    if vocab is not None:
        return encode_corpus(shards, vocab, cfg.max_sentence_length, stats,
                             encoding=cfg.encoding), None
    counter, stream = scan_corpus(shards, cfg.max_sentence_length, cfg.prune_at,
                                  stats if stats is not None else CorpusStats(),
                                  encoding=cfg.encoding)
    words = counter.words if stream is not None else None
    return stream, words


def _code_digest() -> str:
    """BLAKE2b of the hsw2v package's source files (workers must run the same code)."""
    h = hashlib.blake2b(digest_size=8)
    folder = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            h.update(name.encode())
            with open(os.path.join(folder, name), "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def _version() -> str:
    """hsw2v's version (from the package, which is loaded before any of its modules)."""
    return sys.modules["hsw2v"].__version__


def _worker_info() -> dict:
    return {"version": _version(), "code": _code_digest(), "pid": os.getpid()}


@_named
def _plan(corpus: list[str], parts: int) -> tuple[list[list], list[list[Shard]]]:
    paths = expand_paths(corpus)
    files = [[p, os.path.getsize(p)] for p in paths]
    return files, plan_shards([(p, s) for p, s in files], parts)


@_named
def _count_words(spec: _Spec, slot: int) -> dict:
    """Count a slot's shards; keep its stream here for training."""
    stats = CorpusStats()
    job = _job(spec.job)
    cfg = spec.cfg
    with job.lock:
        old = job.scans.pop(slot, None)
        if old is not None and old[0] is not None:
            old[0].close()
        counter, stream = scan_corpus(spec.groups[slot], cfg.max_sentence_length, cfg.prune_at,
                                      stats, encoding=cfg.encoding)
        job.scans[slot] = (stream, counter.words if stream is not None else None)
        return {"stats": dataclasses.asdict(stats), "words": counter.words,
                "counts": np.array(counter.counts), "prunings": counter.prunings,
                "min_reduce": counter.min_reduce, "worker": _address()}


@_named
def _encode(spec: _Spec, slot: int, vocab: Vocab) -> dict:
    """Encode a slot's shards with a given vocabulary (``--read-vocab``); keep the stream."""
    stats = CorpusStats()
    job = _job(spec.job)
    with job.lock:
        old = job.scans.pop(slot, None)
        if old is not None and old[0] is not None:
            old[0].close()
        job.scans[slot] = _scan(spec, slot, vocab, stats)
        return {"stats": dataclasses.asdict(stats), "worker": _address()}


@_named
def _setup(spec: _Spec, slot: int, vocab: Vocab, model: _Rows) -> dict:
    """Make the slot's trainer here; return its starting state and words per epoch."""
    job = _job(spec.job)
    with job.lock:
        if job.version != model.version:
            job.set_rows(model)
        s = job.slot(spec, slot, vocab)
        return {"state": s.trainer.state(), "words": int(sum(s.trainer.words)),
                "held_words": int(s.trainer.held_words),
                "entries": int(s.stream.n), "worker": _address()}


@_named
def _round(spec: _Spec, slot: int, vocab: Vocab, version: int, update: _Rows | None,
           prev: dict, epoch: int, target: int, full: _Rows | None = None,
           overlap: bool = False) -> dict:
    """Train one slot for one round from model ``version`` (see the module docstring).

    ``prev`` is the slot's previous result (its state; with ``overlap`` also its changes,
    which the round starts from on top of the model). A slot whose claims took the rest of
    epoch ``epoch`` idles; a worker without the model at ``version`` answers ``stale``.
    """
    t_task = time.perf_counter()
    cpu = time.process_time()
    if prev.get("stale"):  # the previous round could not run here: neither can this one
        return {"stale": True, "worker": _address()}
    state = prev["state"]
    job = _job(spec.job)
    with job.lock:
        current = job.bring_to(version, update, full)
        t_applied = time.perf_counter()
        if not current:
            return {"stale": True, "worker": _address()}
        if state.epoch > epoch:  # waits for the other slots to end the epoch
            return _idle(state, spec.cfg.dim)
        s = job.slot(spec, slot, vocab)
        try:
            out = s.train(job, state, target, spec.cfg.combine in ("weighted", "mixed"),
                          prev if overlap else None)
        except BaseException:
            job.drop(slot)
            job.version = -1  # the working copy may hold a half round: send the model again
            raise
        out["worker"] = _address()
        t_end = time.perf_counter()
        # Where a worker's time in the task went (the driver sums them in its summary).
        out["times"] = {"applying": t_applied - t_task, "kernels": out["seconds"],
                        "extracting": t_end - out.pop("t_kernel_end"), "task": t_end - t_task,
                        "cpu": time.process_time() - cpu}
        return out


@_named
def _score(spec: _Spec, slot: int, vocab: Vocab, version: int, update: _Rows | None,
           full: _Rows | None = None) -> dict:
    """The slot's held-out loss sums (``--holdout``) with model ``version``: ``sums`` =
    (loss, predictions) or None; ``stale`` if this worker lacks that model."""
    job = _job(spec.job)
    with job.lock:
        if not job.bring_to(version, update, full):
            return {"stale": True, "worker": _address()}
        # between rounds a slot's working copy is the model (see _Slot.train)
        return {"sums": job.slot(spec, slot, vocab).trainer.held_out_sums(),
                "worker": _address()}


#: A round result's arrays: changed rows, their new values (or changes), their occurrences
#: (``n*``: only for the rules that weigh them), of each matrix (:data:`MATRICES`).
_RESULT_ARRAYS = tuple(x + name for name in MATRICES for x in ("rows", "vals", "n"))


def _idle(state: TrainState, dim: int, worker: str | None = None) -> dict:
    """A result of ``state`` that changed no row of a model of ``dim`` columns."""
    out = {"state": state, "totals": None, "idle": True, "worker": worker or _address()}
    for name in MATRICES:
        out["rows" + name] = np.zeros(0, np.int32)
        out["vals" + name] = np.zeros((0, dim), np.float32)
    return out


def _worker_count(dask_scheduler=None) -> int:
    """Workers the scheduler knows (run on the scheduler)."""
    return len(dask_scheduler.workers)


def _within(seconds: float, fn: Callable, *args, **kwargs) -> bool:
    """Call ``fn(*args, **kwargs)`` in a daemon thread and wait at most ``seconds`` for it:
    True if it returned (its errors are raised here), False if it is still waiting (a call to
    a frozen worker or a lost scheduler; the thread is left behind and never holds the exit,
    as a thread pool's would)."""
    outcome: list = []

    def call() -> None:
        try:
            fn(*args, **kwargs)
            outcome.append(None)
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)

    t = threading.Thread(target=call, name="hsw2v-bounded-call", daemon=True)
    t.start()
    t.join(seconds)
    if not outcome:
        return False
    if outcome[0] is not None:
        raise outcome[0]
    return True


def _forget(job_id: str) -> None:
    with _JOBS_LOCK:
        job = _JOBS.pop(job_id, None)
    if job is not None:
        with job.lock:
            job.close()


# =============================================================================================
# Driver side
# =============================================================================================

def combine(syn: np.ndarray, parts: Sequence[tuple], rule: str, n_slots: int,
            deltas: bool = False, hot: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Combine the workers' new values (or changes) of some rows of ``syn`` into it (in place).

    Parameters
    ----------
    syn : float32 (N, D)       the model's rows at the version the workers trained from.
    parts : sequence of (rows, vals, weights)
        Per worker: int32 (k,) distinct rows it changed, float32 (k, D) their new values,
        float32 (k,) or None (how often the row's word or node occurred in its slice).
    rule : "mixed", "sum", "average" or "weighted"
        ``sum``: add each worker's change; ``average``: add their sum / ``n_slots``;
        ``weighted``: add their mean weighted by ``weights``; ``mixed``: add their sum /
        ``clip(sum of weights / hot, 1, workers that changed the row)`` (a sum for rarely
        updated rows, a mean for hot ones). A row only one worker changed takes that worker's
        value (every rule but ``average`` with more than one slot). Each row's changes are
        summed in float64 (:func:`hsw2v.kernels.combine_rows`).
    n_slots : int
    deltas : bool
        The parts' ``vals`` are float32 changes (overlapping rounds), not new values.
    hot : float, optional
        ``mixed``'s threshold (default :data:`HOT`; a run passes :func:`hot_threshold`).

    Returns
    -------
    rows : int32 (u,)          every row changed, sorted.
    vals : float32 (u, D)      their new values (now in ``syn``).
    """
    parts = [p for p in parts if len(p[0])]
    dim = syn.shape[1]
    if not parts:
        return np.zeros(0, np.int32), np.zeros((0, dim), np.float32)
    if rule not in _RULES:
        raise ValueError(f"unknown combine rule {rule!r}")
    rows = np.concatenate([p[0] for p in parts]).astype(np.int32, copy=False)
    vals = np.concatenate([p[1] for p in parts]).astype(np.float32, copy=False)
    weights = np.concatenate([np.zeros(len(p[0]), np.float32) if p[2] is None else p[2]
                              for p in parts]).astype(np.float32, copy=False)
    size = min(len(rows), syn.shape[0])
    rows_out = np.empty(size, np.int32)
    vals_out = np.empty((size, dim), np.float32)
    u = kernels.combine_rows(syn, rows, vals, weights, _RULES[rule], n_slots,
                             HOT if hot is None else hot, rows_out, vals_out, deltas)
    return rows_out[:u], vals_out[:u]


_RULES = {"mixed": kernels.rounds.MIXED, "sum": kernels.rounds.SUM,
          "average": kernels.rounds.AVERAGE, "weighted": kernels.rounds.WEIGHTED}


class _Cluster:
    """The Dask client of a run: a given one, one connected to an address, or a LocalCluster
    of N worker processes started here (closed on exit)."""

    def __init__(self, address: str | None, client: Any, threads: int | None):
        self.address, self.client, self.threads = address, client, threads
        self._own: list[Any] = []

    def __enter__(self):
        try:
            import distributed
        except ImportError:
            raise DistributedError("--dask needs Dask distributed, which is not installed: "
                                   "pip install 'hsw2v[dask]'") from None
        # Dask logs its scheduler's and workers' comings and goings at INFO (and the CLI logs
        # INFO to stderr): only its warnings here, and nothing while a cluster of ours closes.
        self._logger = logging.getLogger("distributed")
        self._level = self._logger.level
        self._logger.setLevel(max(self._level, logging.WARNING))
        if self.client is not None:
            return self.client
        import dask

        address = self.address
        if address.startswith("local:"):
            n = int(address[len("local:"):])
            per = self.threads or max(1, default_threads() // n)
            try:
                # Without Dask's worker profiler: it takes every thread's stack many times a
                # second, and on CPython 3.11 a thread ending meanwhile can deadlock the worker
                # (python/cpython#106883; the trainers' threads no longer end per round, but a
                # job's do at its end). The workers' Dask config is this process's, taken here.
                with dask.config.set({"distributed.worker.profile.enabled": False}):
                    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=per,
                                                       processes=True, dashboard_address=":0",
                                                       silence_logs=logging.CRITICAL)
            except Exception as exc:
                raise DistributedError(
                    f"could not start a local Dask cluster of {n} worker processes "
                    f"({type(exc).__name__}: {exc}): in a Python script, train under "
                    "if __name__ == '__main__':, or start a cluster with 'dask scheduler' "
                    "and 'dask worker'") from None
            self._own.append(cluster)
            self.client = distributed.Client(cluster)
        else:
            timeout = dask.config.get("distributed.comm.timeouts.connect")
            try:
                self.client = distributed.Client(address, timeout=timeout)
            except (OSError, TimeoutError) as exc:
                raise DistributedError(
                    f"cannot reach the Dask scheduler at {address} ({exc}): start one with "
                    f"'dask scheduler' and workers with 'dask worker {address}', or check "
                    "the address") from None
        self._own.insert(0, self.client)
        return self.client

    def __exit__(self, *exc):
        if self._own:
            self._logger.setLevel(logging.CRITICAL)
        for thing in self._own:
            try:
                thing.close()
            except Exception:  # closing a broken cluster must not hide the run's error
                log.debug("closing %r failed", thing, exc_info=True)
        if hasattr(self, "_logger"):
            self._logger.setLevel(self._level)


def _check_workers(client) -> dict[str, dict]:
    """The workers' info; refuse an empty cluster or workers with another hsw2v."""
    timeout = 30
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise DistributedError(f"the Dask cluster has no workers after {timeout} s: start "
                               f"some with 'dask worker {client.scheduler.address}'") from None
    try:
        infos = client.run(_worker_info)
    except Exception as exc:
        raise DistributedError(f"a Dask worker cannot run hsw2v ({type(exc).__name__}: {exc}): "
                               f"install hsw2v {_version()} on every worker") from None
    mine = {"version": _version(), "code": _code_digest()}
    for addr, info in sorted(infos.items()):
        if (info["version"], info["code"]) != (mine["version"], mine["code"]):
            raise DistributedError(
                f"Dask worker {addr} runs hsw2v {info['version']} (code {info['code']}), this "
                f"driver hsw2v {mine['version']} (code {mine['code']}): install the same hsw2v "
                "on the driver and every worker")
    return infos


class _Stopped(Exception):
    """SIGINT/SIGTERM arrived during a round (raised after it)."""


class ClusterEngine(Engine):
    """The cluster engine of :func:`hsw2v.train.run`: the workers of a Dask cluster train
    the epochs in synchronous rounds (see the module docstring); this process, the driver,
    plans, merges the counts, combines the rounds' changed rows and keeps what a checkpoint
    needs.

    Parameters
    ----------
    cfg : TrainConfig
        Resolved; ``cfg.dask`` is the scheduler address or ``local:N`` (unless ``client``);
        ``cfg.threads`` threads per worker (default: the fewest cores a worker has).
    corpus : list of str
        Files or folders every worker can read at the same paths (no stdin).
    client : dask.distributed.Client, optional
        Use this client instead of ``cfg.dask``.
    sentences : str, optional
        The file sentences from Python were spooled to (the workers read it: a shared /tmp).
    """

    #: Called after each round with (epoch, round in epoch), before a stop is looked at.
    on_round: Any = None
    sentences_hint = (" (sentences from Python go to this temporary file for the workers to "
                      "read: set TMPDIR to a folder every worker sees)")

    checkpoint_after_failure = True

    @staticmethod
    def check_supported(cfg: TrainConfig) -> None:
        """Refuse what the cluster trainer does not do (one line, before any work)."""
        if cfg.holdout and cfg.overlap:
            raise ConfigError("--holdout with --overlap: the held-out text is scored with the "
                              "model of an epoch's end, which overlapping rounds never wait "
                              "for; drop one of them")

    def __init__(self, cfg: TrainConfig, corpus: list[str], client: Any = None,
                 sentences: str | None = None):
        if "-" in corpus:
            raise ConfigError("--dask reads the corpus on the workers, which cannot read this "
                              "process's standard input: write it to a file every worker can "
                              "read")
        self.t0 = time.perf_counter()
        self.cfg, self.corpus = cfg, corpus
        # Absolute paths: the workers' working folders are not ours.
        self.paths = [os.path.abspath(p) for p in corpus]
        #: The absolute path of the file sentences from Python were spooled to, or None.
        self.spooled = None if sentences is None else os.path.abspath(sentences)
        self.stop = threading.Event()
        self._cluster = _Cluster(cfg.dask, client, cfg.threads)
        self.client = None
        self.job = f"hsw2v-{uuid.uuid4().hex[:12]}"
        self.bytes_sent: list[int] = []
        self.bytes_received: list[int] = []
        self.resent_full = 0
        self.workers_at_start = 0  # (the slots are as many unless --dask-slots says)
        self.resubmitted = 0
        self.moves = 0  # rounds of a slot that ran on another worker than its last one
        self.rounds_before = 0  # rounds of the run this one resumes
        self.cpu = 0.0  # the workers' CPU seconds in round tasks
        self.slowest = 0.0  # the longest a round task took on a worker (the hang bound's base)
        self.hung: set[str] = set()  # workers a round hung on (left alone at the end)
        self.futures: dict[int, list] = {}  # round -> each slot's future
        self.updates: dict[int, _Copies] = {}  # version -> its changed rows, on the workers
        #: rounds: wall time of the rounds (waiting for results, combining, sending);
        #: kernels_slowest_worker: per round, the longest a worker trained (the rest of a round
        #: is overhead);
        #: worker_*: per round, the slowest worker's time applying the last update, in the
        #: kernels, extracting its changed rows, in the whole task; round_trips: submitting
        #: the round's tasks (or the last round's processing) until every result is here;
        #: sending: scattering the update.
        self.seconds = dict.fromkeys((
            "cluster_start", "counting", "setup", "rounds", "kernels_slowest_worker",
            "kernels_mean_worker", "combining", "round_trips", "sending", "worker_applying",
            "worker_extracting", "worker_task"), 0.0)

    def __enter__(self) -> ClusterEngine:
        self.client = self._cluster.__enter__()
        self.address = getattr(self.client.scheduler, "address", None) or "?"
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.close()
        finally:
            self._cluster.__exit__(*exc)

    def close(self) -> None:
        try:
            for fs in self.futures.values():  # rounds submitted ahead of a stop
                for f in fs:
                    f.cancel()
        except Exception:  # a client that lost its scheduler: nothing to cancel there
            log.debug("cancelling the rounds in flight failed", exc_info=True)
        self.futures = {}
        if self.client is not None:
            try:
                live = self._live() - self.hung  # (a hung worker would never answer)
                if live and not _within(FORGET_SECONDS, self.client.run, _forget, self.job,
                                        workers=sorted(live)):
                    log.warning("workers %s did not drop job %s within %.0f s (frozen?); "
                                "its arrays stay there until they restart",
                                ", ".join(sorted(live)), self.job, FORGET_SECONDS)
            except Exception:  # a worker lost at the end: its process took the job with it
                log.debug("forgetting job %s failed", self.job, exc_info=True)

    # ----------------------------------------------------------------------------- helpers
    def _submit(self, fn, *args, worker: str | None = None, name: str = "", **kwargs):
        # A task may run on another worker than its slot's (Dask moves queued tasks to idle
        # workers), except once a worker has hung: to the scheduler a frozen worker is idle,
        # and a task moved there never ran (a set-up queued behind another on the last healthy
        # worker was moved to the frozen one, then that worker was taken for hung too).
        where = {} if worker is None else {"workers": [worker],
                                           "allow_other_workers": not self.hung}
        return self.client.submit(fn, *args, key=f"{self.job}-{name}-{uuid.uuid4().hex[:8]}",
                                  pure=False, retries=1, **where, **kwargs)

    def _gather(self, futures: list) -> list:
        try:
            # direct: from the workers to this client, not through the scheduler
            return self.client.gather(futures, direct=True)
        except Hsw2vError:
            raise
        except Exception as exc:
            from distributed import KilledWorker

            if isinstance(exc, KilledWorker):
                raise DistributedError(f"Dask workers kept dying while running this job "
                                       f"({exc}): check the workers' logs (memory?)") from None
            raise

    def _scatter(self, data, worker: str | None = None):
        """Put ``data`` on one worker (``worker``, or one Dask picks). Never ``broadcast=True``:
        its replication step can hang (dask/distributed#4907, #5704; it did once in this
        project's tests); :class:`_Copies` puts one copy on each worker instead."""
        where = {} if worker is None else {"workers": [worker]}
        return self.client.scatter(data, hash=False, direct=True, **where)

    def _shown(self, x):
        """``x`` (a path, or lists of them and numbers) with the spooled sentences' file
        named ``<sentences from Python>``, as the local trainer names them."""
        if isinstance(x, list):
            return [self._shown(y) for y in x]
        if isinstance(x, str) and self.spooled is not None:
            return x.replace(self.spooled, SENTENCES)
        return x

    def _live(self) -> set[str]:
        return set(self.client.scheduler_info().get("workers", {}))

    def _hosts(self) -> list[str]:
        """The slots' workers that are alive (a copy sent to a dead one waits for a timeout)."""
        live = self._live()
        return sorted(w for w in set(self.where) if w in live) or sorted(live)

    def describe(self) -> str:
        if self.n == self.workers_at_start:
            return f"; {self.n} workers x {self.cfg.threads} threads"
        w = self.workers_at_start
        return f"; {self.n} slots on {w} worker{'s' if w != 1 else ''} x {self.cfg.threads} threads"

    # ----------------------------------------------------------------------------- reading
    def read(self, fixed: Vocab | None, start: ModelData | None,
             resume: Checkpoint | None) -> Reading:
        client, cfg = self.client, self.cfg
        infos = _check_workers(client)
        self.seconds["cluster_start"] = time.perf_counter() - self.t0
        workers = sorted(infos)
        self.workers_at_start = len(workers)
        nthreads = client.nthreads()
        if cfg.threads is None:
            cfg.threads = min(nthreads.get(w, 1) for w in workers)
        old = resume.meta.get("distributed") if resume is not None else None
        if resume is not None and old is None:
            raise CheckpointError(f"checkpoint {resume.path!r} was written by a local run: "
                                  "resume it without --dask")
        self.old = old
        # ---- plan: on a worker (the corpus paths are the workers')
        parts = (cfg.dask_slots or len(workers)) if old is None else old["slots"]
        files, groups = self._gather([self._submit(_plan, self.paths, parts, name="plan")])[0]
        # (sentences from Python: their temporary file's name differs from run to run)
        files, shards = self._shown(files), self._shown(_describe(groups))
        if old is not None and ([[p, s] for p, s in files] != old["files"]
                                or shards != old["shards"]):
            raise CheckpointError(f"the corpus differs from the one checkpoint {resume.path!r} "
                                  "was trained on (files or sizes): resume with the same corpus")
        if len(groups) < len(workers):
            log.warning("the corpus gives %d shard group(s) for %d workers (compressed files "
                        "are not split): %d worker(s) train", len(groups), len(workers),
                        len(groups))
        self.files, self.shards, self.groups = files, shards, groups
        n = self.n = len(groups)
        self.threads_total = n * cfg.threads
        self.sync = cfg.sync_words or default_sync_words(n, cfg.threads, "ns" in cfg.objectives)
        self.chunk = resume.chunk if resume is not None else chunk_size(n, cfg.threads, self.sync)
        # With a given vocabulary (a model trained further, --read-vocab) the workers encode
        # with it; with a model's grown one (``start``) they count first, and then encode with
        # the grown vocabulary (as a local run does).
        grow = start is not None
        self.spec = _Spec(self.job, cfg, groups, self.chunk,
                          fixed_vocab=fixed is not None or grow)
        where = self.where = [workers[s % len(workers)] for s in range(n)]
        self.hosts = sorted(set(where))
        self.spec_c = _Copies(self, self.spec, self.hosts)
        # ---- count (or encode with a given vocabulary) on the workers, merge here
        stats = CorpusStats(files=len(files))
        vocab = fixed

        def encode(vocab_c: _Copies) -> list[dict]:  # every slot's shards, with this vocabulary
            with phase("reading the corpus on the workers (encoding it with the vocabulary)",
                       abortable=True):
                return self._each_slot("encode", lambda s, h: (
                    _encode, self.spec_c.on(h), s, vocab_c.on(h)), [vocab_c])

        if vocab is not None:
            self.vocab_c = _Copies(self, vocab, self.hosts)
            results = encode(self.vocab_c)
        else:
            with phase("reading the corpus on the workers (counting the vocabulary)",
                       abortable=True):
                results = self._each_slot("count", lambda s, h: (
                    _count_words, self.spec_c.on(h), s))
        for r in results:
            for k in ("bytes", "invalid_bytes", "tokens", "pieces"):
                setattr(stats, k, getattr(stats, k) + r["stats"][k])
        check_not_empty(stats)
        if vocab is None:
            words, counts = _merge_counts(results, cfg.prune_at)
            if grow:
                vocab = grown_vocab(Vocab(start.words, start.counts), words, counts,
                                    cfg.min_count)
            else:
                vocab = build_vocab(words, counts, cfg.min_count, cfg.max_vocab)
                check_vocab_size(vocab, counts, cfg.min_count)
            self.vocab_c = _Copies(self, vocab, self._hosts())
            if grow:  # the second pass: encode with the grown vocabulary
                encode(self.vocab_c)
        self.vocab, self.stats = vocab, stats
        self.t_read = time.perf_counter()
        self.seconds["counting"] = self.t_read - self.t0 - self.seconds["cluster_start"]
        return Reading(vocab, stats, self._shown(list(self.corpus)))

    # ----------------------------------------------------------------------------- set-up
    def start(self, model: Model, lockf: np.ndarray | None,
              resume: Checkpoint | None) -> None:
        cfg, vocab = self.cfg, self.vocab
        self.tree = model.tree
        outputs = {"2": "ns" in cfg.objectives, "3": "softmax" in cfg.objectives}
        mats = _by_key(model.weights)
        for name, used in outputs.items():  # output rows of NS and softmax start at zero
            if used and mats[name] is None:
                mats[name] = init_output(len(vocab), cfg.dim)
        self.mats = {k: np.array(v, dtype=np.float32) for k, v in mats.items()
                     if k in ("0", "1") or outputs[k]}
        if lockf is not None:
            # the slots' trainers leave those rows alone (a slot made anywhere, any time)
            self.spec = dataclasses.replace(self.spec, lockf=lockf)
            self.spec_c = _Copies(self, self.spec, self._hosts())
        self.resume = resume

    def warm_up(self) -> None:
        """Make every slot's trainer on its worker (its stream, its kernels loaded) with the
        starting model, and take a checkpoint's position."""
        cfg, resume, old = self.cfg, self.resume, self.old
        full_c = _Copies(self, _Rows(0, self.mats), self._hosts())
        self.bytes_initial = full_c.nbytes
        with phase("setting up training on the workers", abortable=True):
            setups = self._each_slot("setup", lambda s, h: (
                _setup, self.spec_c.on(h), s, self.vocab_c.on(h), full_c.on(h)), [full_c])
        full_c = None  # (the workers hold it in their model now)
        self.states = [r["state"] for r in setups]
        self.where = [r["worker"] for r in setups]
        words = self.slot_words = [r["words"] for r in setups]
        self.words_per_epoch = sum(words)
        self.words_in_vocab = sum(words) + sum(r["held_words"] for r in setups)
        self.fingerprint = {"files": self.files, "bytes": self.stats.bytes,
                            "tokens": self.stats.tokens,
                            "vocab": vocab_digest(self.vocab.words, self.vocab.counts),
                            "slot_entries": [r["entries"] for r in setups],
                            "slot_words": words}
        self.rounds = max(1, math.ceil(max(words) / self.sync))  # per epoch
        epoch0, k0 = 0, 0
        self.totals = np.zeros(STATS, np.float64)
        if resume is not None:
            fp = resume.meta.get("fingerprint", {})
            for key in ("bytes", "tokens", "vocab", "slot_entries", "slot_words"):
                if fp.get(key) != self.fingerprint[key]:
                    raise CheckpointError(
                        f"the corpus differs from the one checkpoint {resume.path!r} was "
                        f"trained on ({key}: {self.fingerprint[key]} now, {fp.get(key)} then): "
                        "resume with the same corpus and vocabulary options")
            self.states = _split_state(resume.state, old["slot_epochs"], cfg.threads)
            epoch0, k0, self.rounds = (resume.state.epoch, old["round_in_epoch"],
                                       old["rounds_per_epoch"])
            self.totals = np.array(old["epoch_totals"], np.float64)
            self.bytes_sent, self.bytes_received = old["bytes_sent"], old["bytes_received"]
            self.rounds_before = old["rounds"]
            log.debug("resuming at round %d/%d of epoch %d", k0 + 1, self.rounds, epoch0 + 1)
        self.epoch, self.pos = epoch0, (epoch0, k0)
        self.seconds["setup"] = time.perf_counter() - self.t_read
        self.slowest = self.seconds["setup"]
        self._first_rounds(epoch0, k0)

    def _first_rounds(self, epoch0: int, k0: int) -> None:
        """The schedule of the rounds left, round 0 combined, the first rounds submitted."""
        cfg, resume, n = self.cfg, self.resume, self.n
        self.overlap = bool(cfg.overlap) and n > 1
        self.depth = 2 if self.overlap else 1  # rounds a slot runs ahead of the combining
        # The rounds left, in order: round j (from 1) is sched[j - 1] = (epoch, round in it).
        self.sched = [(e, kk) for e in range(epoch0, cfg.epochs)
                      for kk in range((k0 if e == epoch0 else 0) + 1, self.rounds + 1)]
        # Round 0: the slots' starting states, with the changes of the round a checkpoint of
        # overlapping rounds was written in the middle of (not in its model yet).
        pending = resume.meta["distributed"].get("pending") if resume is not None else None
        self.results = [_idle(st, cfg.dim, self.where[s]) for s, st in enumerate(self.states)]
        if pending:
            for s, r in enumerate(self.results):
                for x in _RESULT_ARRAYS:
                    if f"pending_{s}_{x}" in resume.extra:  # (n*: only rules with weights)
                        r[x] = resume.extra[f"pending_{s}_{x}"]
        # (overlapping rounds: the model the rounds in flight started from)
        self.model_prev = ({k: m.copy() for k, m in self.mats.items()} if self.depth == 2
                           else None)
        self.version = 0  # of the model here: rounds combined (round 0 included)
        self.floor = cfg.min_alpha / cfg.alpha if cfg.alpha > 0 else 1.0
        # Round 0: nothing to combine, unless resumed with the changes of the round before
        # the checkpoint's position pending (one after an epoch's last round is at (e + 1, 0)).
        hot0 = None
        if pending:
            hot0 = self._hot(epoch0, k0) if k0 else self._hot(epoch0 - 1, self.rounds)
        self._combine(self.results, bool(pending), hot0)
        self.bytes_initial += self.bytes_sent.pop()
        for j in range(1, min(self.depth, len(self.sched)) + 1):
            self.futures[j] = [self._round(j, s, self.results[s] if j == 1
                                           else self.futures[j - 1][s]) for s in range(n)]
        self.j = 0  # rounds done
        self._held_loss = None

    # ----------------------------------------------------------------------------- rounds
    def _round(self, j: int, s: int, prev, full=None, worker=None):
        """Submit round ``j`` of slot ``s`` (``prev``: its last result or that round's future)."""
        base = j - self.depth + 1
        e, kk = self.sched[j - 1]
        host = worker or self.where[s]
        update = (self.updates[base].on(host) if base in self.updates and full is None
                  else None)
        return self._submit(_round, self.spec_c.on(host), s, self.vocab_c.on(host), base,
                            update, prev, e, -(-kk * self.slot_words[s] // self.rounds), full,
                            self.overlap, worker=host,
                            name=f"round-{self.rounds_before + j - 1}-{s}")

    def _hot(self, e: int, kk: int) -> float | None:
        """``mixed``'s threshold for round ``kk`` of epoch ``e`` (its middle's rate)."""
        # Only with hierarchical softmax alone. With negative sampling or the exact
        # softmax every output row is hot in every round (mostly as expected noise
        # draws), and at 8 workers (seeds 1-3) the rising threshold cost analogy there:
        # -0.004 (skip-gram) and -0.015 (CBOW), -0.002 and -0.005 on syn0 alone.
        if self.cfg.objectives != ("hs",):
            return None
        return hot_threshold((e + (kk - 0.5) / self.rounds) / self.cfg.epochs, self.floor)

    def _combine(self, res: list[dict], deltas: bool, hot: float | None = None) -> None:
        """Combine the slots' results into the model here; send the changed rows."""
        t_combine = time.perf_counter()
        rows, vals = {}, {}
        for name, m in self.mats.items():
            if self.depth == 2:  # keep the model the next round starts from
                np.copyto(self.model_prev[name], m)
            rows[name], vals[name] = combine(
                m, [(r["rows" + name], r["vals" + name], r.get("n" + name)) for r in res],
                self.cfg.combine, self.n, deltas, hot)
        self.version += 1
        update = _Rows(self.version, vals, rows)
        t_send = time.perf_counter()
        self.seconds["combining"] += t_send - t_combine
        # to the workers that train slots (one taking a slot over fetches it)
        self.updates[self.version] = _Copies(self, update, sorted(set(self.where)))
        self.updates.pop(self.version - 2, None)
        self.seconds["sending"] += time.perf_counter() - t_send
        self.bytes_sent.append(self.updates[self.version].nbytes)

    def _recover(self, j: int, s: int, r: dict | None, avoid: str | None = None) -> None:
        """Submit round ``j`` of slot ``s`` again, with the model it starts from, on the
        worker that lacked it (``r``, a stale result) or on a live one (its worker was
        lost; ``avoid``: not this one, where it hung); and the round after it, which started
        from this one's result."""
        depth = self.depth
        prev = self.results[s] if depth == 2 else {"state": self.results[s]["state"]}
        if r is not None:
            worker = r["worker"]
        else:
            live = self._workers("the rounds")
            for c in (self.spec_c, self.vocab_c, *self.updates.values()):
                c.forget(live)
            if avoid is not None and live - {avoid}:
                live = live - {avoid}
            load = {w: sum(x == w for x in self.where) for w in live}
            if not load:
                raise self._no_workers("the rounds")
            worker = min(sorted(load), key=load.get)
        full = _Rows(j - depth + 1, self.model_prev if depth == 2 else self.mats)
        if self.bytes_sent:  # the bytes of the round whose update this one started from
            self.bytes_sent[-1] += full.nbytes
        else:  # round 1 of a run: it started from the initial model
            self.bytes_initial += full.nbytes
        self.resent_full += 1
        full_f = self._scatter(full, worker)
        if worker is not None:
            self.where[s] = worker
        self.futures[j][s] = self._round(j, s, prev, full_f, worker)
        for later in range(j + 1, j + depth):
            if later in self.futures:
                self.futures[later][s].cancel()
                self.futures[later][s] = self._round(later, s, self.futures[later - 1][s])

    def train_epoch(self, epoch: int, tick: Callable[[], None]) -> np.ndarray | None:
        try:
            return self._train_epoch(epoch, tick)
        except Hsw2vError:
            raise
        except Exception as exc:  # the cluster itself failed (not a round: those are retried)
            raise self._unhealthy(exc) from None

    def _unhealthy(self, exc: Exception) -> Exception:
        """A :class:`DistributedError` for ``exc`` if the scheduler is gone or no worker is
        left (``exc`` itself otherwise: a bug to see whole)."""
        try:
            live = self.client.run_on_scheduler(_worker_count) if self._reachable() else None
        except Exception:
            live = None
        if live is None:
            return DistributedError(f"lost the Dask scheduler at {self.address} "
                                    f"({type(exc).__name__}: {exc})".replace("\n", " "))
        if live == 0:
            return DistributedError(f"no Dask worker is left ({type(exc).__name__}: {exc})"
                                    .replace("\n", " "))
        return exc

    def _workers(self, what: str) -> set[str]:
        """The live workers, waiting up to :data:`NO_WORKER_SECONDS` for one to come (a nanny
        replacing a killed one); none then: the error that says so."""
        live = self._live()
        if not live:
            try:
                self.client.wait_for_workers(1, timeout=NO_WORKER_SECONDS)
            except Exception:
                raise self._no_workers(what) from None
            live = self._live()
        return live

    def _no_workers(self, what: str) -> DistributedError:
        """The error of a cluster without workers, or without its scheduler (whose client
        then knows no worker either)."""
        if not self._reachable():
            return DistributedError(f"lost the Dask scheduler at {self.address}: start it again "
                                    "(or use another cluster)")
        return DistributedError(f"no Dask worker is left to run {what}: start workers "
                                "(dask worker ADDRESS)")

    def _reachable(self) -> bool:
        """Whether the scheduler answers within a few seconds."""
        try:
            # (a call that hangs is left behind, in a daemon thread: it cannot hold the exit)
            return (_within(REACHABLE_SECONDS, self.client.scheduler_info)
                    and self.client.status == "running")
        except Exception:
            return False

    def _train_epoch(self, epoch: int, tick: Callable[[], None]) -> np.ndarray | None:
        cfg, n, rounds = self.cfg, self.n, self.rounds
        while self.j < len(self.sched):
            if self.stop.is_set():
                return None
            j = self.j + 1
            e, k = self.sched[j - 1]
            if e != epoch:
                raise RuntimeError(f"round {j} belongs to epoch {e + 1}, not {epoch + 1}")
            t_wait = time.perf_counter()
            got = self._collect(j, self.futures[j], self._recover)
            self.seconds["round_trips"] += time.perf_counter() - t_wait
            self._account(got)
            self.results = got
            self._combine(got, self.overlap, self._hot(e, k))
            scores = None
            if cfg.holdout and k == rounds:  # each slot scores its held-out chunks
                scores = [self._submit(_score, self.spec_c.on(self.where[s]), s,
                                       self.vocab_c.on(self.where[s]), self.version,
                                       self.updates[self.version].on(self.where[s]),
                                       worker=self.where[s], name=f"score-{self.version}-{s}")
                          for s in range(n)]
            if j + self.depth <= len(self.sched):  # the workers can go on with it right away
                self.futures[j + self.depth] = [
                    self._round(j + self.depth, s, self.futures[j + self.depth - 1][s])
                    for s in range(n)]
            del self.futures[j]
            self.seconds["rounds"] += time.perf_counter() - t_wait
            for s, r in enumerate(got):
                self.states[s] = r["state"]
                if r["totals"] is not None:
                    self.totals += r["totals"]
            self.j, self.pos = j, (e, k)
            if k == rounds:
                self._held_loss = None if scores is None else self._held_out(
                    scores, _Rows(self.version, self.mats))
                totals, self.totals = self.totals, np.zeros(STATS, np.float64)
                self.epoch = e + 1
            if self.on_round is not None:
                self.on_round(e, k)
            if k == rounds:  # (a stop now is seen before the next epoch's first round)
                return totals
            if self.stop.is_set():
                return None
            tick()
        return None if self.stop.is_set() else np.zeros(STATS, np.float64)

    def _account(self, got: list[dict]) -> None:
        """A round's times, bytes and moves, for the summary."""
        busy = [r for r in got if not r.get("idle")]
        self.seconds["kernels_slowest_worker"] += max([r["seconds"] for r in busy] + [0.0])
        self.seconds["kernels_mean_worker"] += (
            sum(r["seconds"] for r in busy) / max(1, len(busy)))
        for name in ("applying", "extracting", "task"):
            self.seconds["worker_" + name] += max([r["times"][name] for r in busy] + [0.0])
        self.slowest = max([self.slowest] + [r["times"]["task"] for r in busy])
        self.cpu += sum(r["times"]["cpu"] for r in busy)
        self.bytes_received.append(sum(r[x].nbytes for r in busy
                                       for x in _RESULT_ARRAYS if x in r))
        for s, r in enumerate(got):
            self.moves += r["worker"] != self.where[s]
            self.where[s] = r["worker"]

    def epoch_sums(self) -> tuple[float, float, float]:
        # the slots that finished the epoch (their sums) and those still in it (so far)
        sums = self.totals[:3].copy()
        for st in self.states:
            if st.epoch == self.epoch:
                sums += np.sum(st.stats, axis=0)[:3]
        return float(sums[0]), float(sums[1]), float(sums[2])

    def _position(self) -> tuple[int, int]:
        """(epoch, round in it) of the checkpoint position reached."""
        e, k = self.pos
        return (e + 1, 0) if k == self.rounds else (e, k)

    def position(self) -> tuple[int, int]:
        e, _ = self._position()
        return e, sum(int(sum(st.done)) for st in self.states if st.epoch == e)

    def held_out(self) -> float | None:
        return self._held_loss

    def checkpoint(self, history: list[dict[str, Any]]) -> CheckpointParts:
        cfg, depth = self.cfg, self.depth
        e, k = self._position()
        state = _join_state(self.states, e, history)
        extra = {}
        if depth == 2:  # the model the round in flight started from, and the last changes
            for s, r in enumerate(self.results):
                for x in _RESULT_ARRAYS:
                    if x in r:
                        extra[f"pending_{s}_{x}"] = r[x]
        meta = {"fingerprint": self.fingerprint, "distributed": {
            "slots": self.n, "threads": cfg.threads, "files": self.files,
            "shards": self.shards, "slot_epochs": [int(st.epoch) for st in self.states],
            "round_in_epoch": k, "rounds_per_epoch": self.rounds,
            "epoch_totals": self.totals.tolist(),
            "rounds": self.rounds_before + self.version - 1, "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received, "pending": depth == 2}}
        ms = self.model_prev if depth == 2 else self.mats
        return CheckpointParts(_weights(ms), state, meta, extra)

    def weights(self) -> Weights:
        return _weights(self.mats)

    def cpu_seconds(self) -> float:
        return self.cpu

    def summary(self) -> dict[str, Any]:
        cfg = self.cfg
        rounds_done = self.rounds_before + self.version - 1  # round 0 is not a round
        return {"distributed": {
            "scheduler": self.address,
            "workers": self.workers_at_start,  # (alive when the run started)
            "slots": self.n,
            "threads_per_worker": cfg.threads,
            "sync_words": self.sync,
            "chunk": self.chunk,
            "combine": cfg.combine,
            "overlap": self.overlap,
            "rounds": rounds_done,
            "rounds_per_epoch": self.rounds,
            "slot_words_per_epoch": self.slot_words,
            "shards": self._shown([[s.describe() for s in g] for g in self.groups]),
            "bytes_initial_model": self.bytes_initial,
            "bytes_sent_per_round": self.bytes_sent,
            "bytes_received_per_round": self.bytes_received,
            "bytes_per_epoch": round((sum(self.bytes_sent) + sum(self.bytes_received))
                                     / cfg.epochs),
            "full_model_resends": self.resent_full,
            "round_tasks_resubmitted": self.resubmitted,
            "slot_moves": self.moves,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }}

    def _held_out(self, futures: list, model: _Rows) -> float | None:
        """The held-out loss per prediction over every slot (``--holdout``): the slots' sums
        added. A slot whose worker lacks the model gets it whole (once); one whose worker was
        lost is scored on another with the whole model."""
        loss = preds = 0.0

        def again(s: int, h: str) -> tuple:
            self.resent_full += 1
            return (_score, self.spec_c.on(h), s, self.vocab_c.on(h), model.version, None,
                    self._scatter(model, h))

        for s, r in enumerate(self._each_slot(f"score-{model.version}", again,
                                              futures=futures)):
            if r.get("stale"):
                w = r["worker"]
                self.resent_full += 1
                r = self._gather([self._submit(
                    _score, self.spec_c.on(w), s, self.vocab_c.on(w), model.version, None,
                    self._scatter(model, w), worker=w, name=f"score-{model.version}-{s}")])[0]
                if r.get("stale"):
                    raise DistributedError(f"worker {w} could not get the model to score the "
                                           "held-out text: check the Dask workers")
            if r["sums"] is not None:
                loss, preds = loss + r["sums"][0], preds + r["sums"][1]
        return loss / preds if preds else None

    def _each_slot(self, name: str, task: Callable[[int, str], tuple],
                   copies: Sequence[_Copies] = (), futures: list | None = None) -> list[dict]:
        """Every slot's result of a task ``task(slot, worker) = (function, *arguments)``, run
        on the slot's worker (or the ``futures`` already submitted). A task lost with its
        worker, or with data scattered to it, runs again on a live worker (the least loaded),
        up to :data:`ATTEMPTS` times in all; so does a task that hangs (a frozen worker): one
        still unanswered :data:`HANG_FACTOR` times longer than the slowest slot that finished
        the same task (and at least :data:`HANG_SECONDS`) since its worker was last free. With
        a single slot, or before any slot has finished, nothing tells a hang from a long task:
        Dask's ``worker-ttl`` then applies."""
        from distributed import wait

        def submit(s: int, host: str):
            fn, *args = task(s, host)
            return self._submit(fn, *args, worker=host, name=f"{name}-{s}")

        if futures is None:
            futures = [submit(s, self.where[s]) for s in range(self.n)]
        todo = dict(enumerate(futures))
        results: dict[int, dict] = {}
        attempts = dict.fromkeys(todo, 0)
        since = dict.fromkeys(todo, time.monotonic())  # a slot's task submitted, or its worker free
        took = 0.0  # the slowest finished slot's seconds
        while todo:
            try:
                wait(list(todo.values()), timeout=POLL_SECONDS)
            except Exception:  # lost with its worker, or still running: below
                log.debug("waiting for %s", name, exc_info=True)
            for s, f in sorted(todo.items()):
                if f.status == "pending":  # running, or waiting for a worker to come
                    if not self._live():
                        self._workers(name)  # one within NO_WORKER_SECONDS, or the error
                    elif results and time.monotonic() - since[s] > hang_bound(took):
                        worker = self.where[s]
                        waited = time.monotonic() - since[s]
                        self.hung.add(worker)
                        f.cancel()
                        self._again(name, s, attempts, todo, submit, copies,
                                    f"no answer from {worker} in {waited:.0f} s",
                                    "submitting it on another worker")
                        since[s] = time.monotonic()
                    continue
                try:
                    results[s] = self._gather([f])[0]
                except Hsw2vError:
                    raise
                except Exception as exc:
                    self._again(name, s, attempts, todo, submit, copies,
                                f"{type(exc).__name__}: {exc}", "submitting it again")
                    since[s] = time.monotonic()
                    continue
                del todo[s]
                now = time.monotonic()
                took = max(took, now - since[s])
                self._start_queued(s, todo, since, now)
        return [results[s] for s in range(len(futures))]

    def _start_queued(self, s: int, waiting, since: dict[int, float], now: float) -> None:
        """Slot ``s``'s task has finished: the tasks of ``waiting`` slots queued behind it on
        its worker start now, so their hang bound counts from ``now`` (``since``)."""
        for x in waiting:
            if self.where[x] == self.where[s]:
                since[x] = now

    def _again(self, name: str, s: int, attempts: dict[int, int], todo: dict, submit,
               copies: Sequence[_Copies], why: str, what: str) -> None:
        """Submit slot ``s``'s task ``name`` again, on the least loaded live worker that has
        not hung (at most :data:`ATTEMPTS` tries in all, then the error); ``why`` it failed,
        ``what`` is done about it (the warning's words)."""
        attempts[s] += 1
        if attempts[s] >= ATTEMPTS:
            raise DistributedError(f"{name} of worker slot {s} failed {attempts[s]} times "
                                   f"({why}): check the Dask workers") from None
        log.warning("%s of slot %d failed (%s); %s", name, s, why, what)
        self.resubmitted += 1
        live = self._workers(name) - self.hung
        for c in (self.spec_c, getattr(self, "vocab_c", None), *copies):
            if c is not None:
                c.forget(live)
        load = {w: sum(x == w for x in self.where) for w in live}
        if not load:
            raise self._no_workers(name)
        host = min(sorted(load), key=load.get)
        self.where[s] = host
        todo[s] = submit(s, host)

    def _collect(self, j: int, futures: list, recover) -> list[dict]:
        """Every slot's result of round ``j``: a slot whose worker was lost, or lacked the
        model, is submitted again (``recover(j, slot, stale result or None)``)."""
        from distributed import wait

        n = len(futures)
        results: dict[int, dict] = {}
        attempts = dict.fromkeys(range(n), 0)
        todo = set(range(n))
        # a slot's round submitted, or its worker free (a round queued behind another slot's
        # on the same worker starts only then: it is not hung while it waits)
        since = dict.fromkeys(todo, time.monotonic())
        freed: set[int] = set()  # slots whose round is finished (its worker free for the next)
        alone = None  # since when no worker was seen
        while todo:
            bound = hang_bound(self.slowest)
            waiting = todo - freed
            left = (min(since[s] for s in waiting) + bound - time.monotonic() if waiting
                    else POLL_SECONDS)
            try:
                wait([futures[s] for s in todo], timeout=max(0.1, min(POLL_SECONDS, left)))
            except Exception as exc:  # a round lost with its worker (and with it the next): below
                if isinstance(exc, TimeoutError):
                    if self._live():
                        alone = None
                    else:  # tasks wait for workers: new ones, or none that will come
                        alone = alone or time.monotonic()
                        if time.monotonic() - alone >= NO_WORKER_SECONDS:
                            raise self._no_workers("the rounds") from None
                        continue
                    now = time.monotonic()
                    for s in sorted(todo - freed):  # (taken below once every round is in)
                        if futures[s].status == "finished":
                            freed.add(s)
                            self._start_queued(s, todo - freed, since, now)
                    overdue = {s for s in todo - freed if now - since[s] >= bound}
                    if overdue:
                        self._hung(j, futures, overdue, attempts, bound)
                        for s in overdue:
                            since[s] = now
                    continue
                log.debug("waiting for round %d", j, exc_info=True)
            # One gather for the finished tasks (a round trip each would add up per round).
            done = [s for s in sorted(todo) if futures[s].status == "finished"]
            try:
                got = dict(zip(done, self._gather([futures[s] for s in done]))) if done else {}
            except Hsw2vError:
                raise
            except Exception:  # a result lost since: one by one below
                got = {}
            for s in sorted(todo):
                try:
                    r = got[s] if s in got else self._gather([futures[s]])[0]
                except Hsw2vError:
                    raise
                except Exception as exc:  # lost with its worker: submit it again
                    attempts[s] += 1
                    if attempts[s] >= ATTEMPTS:
                        raise DistributedError(f"round {j} of worker slot {s} failed "
                                               f"{attempts[s]} times ({type(exc).__name__}: "
                                               f"{exc}): check the Dask workers") from None
                    log.warning("round %d of slot %d failed (%s); submitting it again", j, s,
                                exc)
                    self.resubmitted += 1
                    recover(j, s, None)
                    since[s] = time.monotonic()
                    freed.discard(s)
                    continue
                if r.get("stale"):
                    attempts[s] += 1
                    if attempts[s] >= ATTEMPTS:
                        raise DistributedError(f"worker {r['worker']} could not get the model "
                                               f"of round {j}: check the Dask workers")
                    recover(j, s, r)
                    since[s] = time.monotonic()
                    freed.discard(s)
                    continue
                results[s] = r
                todo.discard(s)
        return [results[s] for s in range(n)]

    def _hung(self, j: int, futures: list, todo: set[int], attempts: dict[int, int],
              bound: float) -> None:
        """Submit the rounds of ``todo`` still unanswered after ``bound`` seconds again, each on
        another worker than the one it hung on."""
        for s in sorted(todo):
            if futures[s].status != "pending":
                continue
            worker = self.where[s]
            if not self._live() - self.hung - {worker}:
                # no other worker to take it (a round queued behind another slot's on the
                # last healthy worker looks hung too): wait for the answer
                continue
            attempts[s] += 1
            if attempts[s] >= ATTEMPTS:
                raise DistributedError(f"round {j} of worker slot {s} got no answer {attempts[s]} "
                                       f"times in {bound:.0f} s: check the Dask workers")
            log.warning("round %d of slot %d got no answer from worker %s in %.0f s; submitting "
                        "it on another worker", j, s, worker, bound)
            self.hung.add(worker)
            self.resubmitted += 1
            futures[s].cancel()
            self._recover(j, s, None, avoid=worker)


def _describe(groups: list[list[Shard]]) -> list[list[list]]:
    return [[[s.path, s.start, s.stop] for s in g] for g in groups]


def _join_state(states: list[TrainState], epoch: int, history: list[dict]) -> TrainState:
    """The slots' states as one checkpoint state (slot s's threads at s * T ...)."""
    return TrainState(epoch=epoch, front=np.concatenate([s.front for s in states]),
                      back=np.concatenate([s.back for s in states]),
                      done=np.concatenate([s.done for s in states]),
                      rng=np.concatenate([s.rng for s in states]),
                      stats=np.concatenate([s.stats for s in states]), history=list(history))


def _split_state(state: TrainState, epochs: list[int], threads: int) -> list[TrainState]:
    """Undo :func:`_join_state`."""
    if len(state.front) != len(epochs) * threads:
        raise CheckpointError(f"the checkpoint has {len(state.front)} thread states for "
                              f"{len(epochs)} workers; this run has {threads} threads per worker:"
                              " resume with the same --threads")
    out = []
    for s, e in enumerate(epochs):
        part = slice(s * threads, (s + 1) * threads)
        out.append(TrainState(epoch=int(e), front=state.front[part], back=state.back[part],
                              done=state.done[part], rng=state.rng[part],
                              stats=state.stats[part], history=[]))
    return out


def _merge_counts(results: list[dict], prune_at: int) -> tuple[list[str], np.ndarray]:
    """Add the slots' counts; prune the sum as a local count would if it holds more than
    ``prune_at`` distinct tokens (see the README for how pruning differs)."""
    total: dict[str, int] = {}
    get = total.get
    for r in results:
        for w, c in zip(r["words"], r["counts"].tolist()):
            total[w] = get(w, 0) + c
    words = list(total)
    counts = np.fromiter(total.values(), dtype=np.int64, count=len(words))
    min_reduce = max([r["min_reduce"] for r in results] + [1])
    pruned = sum(r["prunings"] for r in results)
    if len(words) > prune_at:
        survivors = len(words)
        while survivors > prune_at:
            survivors = int(np.count_nonzero(counts > min_reduce))
            min_reduce += 1
        keep = np.flatnonzero(counts > min_reduce - 1)
        words = [words[i] for i in keep.tolist()]
        counts = counts[keep]
        pruned += 1
    if pruned:
        log.warning("counting pruned %d times over the workers; tokens seen fewer than %d "
                    "times by then may be missing or under-counted", pruned, min_reduce)
    return words, counts
