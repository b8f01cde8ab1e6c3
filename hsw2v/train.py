"""Training orchestration: corpus → vocabulary → Huffman tree → id stream → threads of kernels.

The corpus is read and encoded once and cut into chunks of whole sentence pieces (about
:data:`CHUNK` stream entries each). Each thread owns one contiguous range of chunks, as each
word2vec C thread owns a part of the file. In every epoch it trains them in an order of their
own (with ``shuffle``, a fresh random permutation of the range drawn from the seed, the epoch
and the range; else corpus order) with :func:`hsw2v.kernels.train_chunk`; a thread that has
finished its range takes chunks from the back of the order of the range with the most left, so
no thread idles while another has a backlog (on a shared machine one half often took up to 0.4 s
longer than the other per epoch). Every kept word is trained exactly once per epoch. The kernel
releases the GIL, so threads update the shared weights lock-free (Hogwild).

Why shuffle: SGD learns from what it saw last, and text in corpus order drifts from topic to
topic. Over 20 seeds of the CBOW benchmark job the analogy score went from 0.068 (corpus order)
to 0.073, skip-gram was unchanged (0.118 both; see the README).

The learning rate of a chunk of range ``t`` at its ``k``-th word in epoch ``e`` is
``alpha - (alpha - min_alpha) * (e * W_t + k) / (epochs * W_t)`` where ``W_t`` is the number of
in-vocabulary words in the range and ``k`` counts them in the epoch's order: with one thread
this is word2vec's linear decay over ``epochs x corpus words``; with several, all ranges move
through the schedule together, and a chunk's rate does not depend on which thread trains it.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hsw2v import kernels
from hsw2v.checkpoint import Checkpoint, TrainState
from hsw2v.config import TrainConfig, make_config
from hsw2v.corpus import CorpusStats, expand_paths
from hsw2v.encoding import SENTENCE_END, IdStream, encode_corpus, scan_corpus, spool_stdin
from hsw2v.errors import CheckpointError, ConfigError, CorpusError, TrainingInterrupted
from hsw2v.huffman import HuffmanTree, build_huffman
from hsw2v.vocab import (Vocab, build_vocab, check_vocab_size, keep_probabilities, read_vocab,
                         save_vocab)

log = logging.getLogger(__name__)

#: Stream entries per chunk of work (a chunk holds whole pieces, so it is at least one piece:
#: 10,001 entries on text8). Small, so that taking over the back of another thread's range
#: evens out the threads' finishing times to a few ms, and bounded memory, progress and stop;
#: a skip-gram chunk is still ~10 ms of work, so the Python around each call costs ~1%.
CHUNK = 1 << 13
#: Most chunks one kernel call takes from the front of its own range (~128 K entries).
CLAIM = 16


@dataclasses.dataclass
class Model:
    """Trained (or training) weights with the vocabulary and tree they belong to.

    Attributes
    ----------
    vocab : Vocab
    tree : HuffmanTree
    syn0 : float32 (V, D)       input vectors (the word vectors).
    syn1 : float32 (V - 1, D)   inner-node vectors.
    """

    vocab: Vocab
    tree: HuffmanTree
    syn0: np.ndarray
    syn1: np.ndarray


@dataclasses.dataclass
class TrainResult:
    """What :func:`run` returns: the model and a JSON-ready summary of the run."""

    model: Model
    summary: dict[str, Any]


def init_weights(n_words: int, dim: int, seed: int, spare_rows: int = 0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """word2vec's initialisation: ``syn0`` uniform in ±0.5/dim, ``syn1`` zeros.

    Both are views of kernel rows (:func:`kernels.aligned_rows`), so training uses them in
    place; ``syn1``'s rows have ``spare_rows`` more zero rows after it (room for the threads'
    private copies of the top rows, see :func:`kernels.private_hot_rows`).

    Returns
    -------
    syn0 : float32 (n_words, dim)
    syn1 : float32 (n_words - 1, dim)
    """
    rng = np.random.default_rng(seed)
    syn0, _ = kernels.aligned_rows(n_words, dim)
    step = 4096  # rows at a time: no (n_words, dim) temporaries; the same numbers as at once
    for i in range(0, n_words, step):
        block = rng.random((min(step, n_words - i), dim), dtype=np.float32)
        block -= np.float32(0.5)
        block /= np.float32(dim)
        syn0[i:i + step] = block
    syn1, _ = kernels.aligned_rows(n_words - 1, dim, spare_rows)
    return syn0, syn1


def thread_rng_states(seed: int, threads: int) -> list[np.ndarray]:
    """Independent xorshift64* states for each thread, derived from ``seed``.

    Returns
    -------
    list of uint64 (1,)
    """
    states = []
    for t in range(threads):
        s = int(kernels.splitmix64(np.uint64(seed * 1_000_003 + t)))
        state = kernels.private_zeros(1, np.uint64)  # written on every draw: a line of its own
        state[0] = s or 0x9E3779B97F4A7C15
        states.append(state)
    return states


def alpha_at(cfg: TrainConfig, progress: float) -> float:
    """Learning rate after ``progress`` (0..1) of the whole schedule."""
    return max(cfg.min_alpha, cfg.alpha - (cfg.alpha - cfg.min_alpha) * progress)


def prepare(paths: Sequence[str], cfg: TrainConfig, stats: CorpusStats,
            tmp_dir: str | None = None) -> tuple[Vocab, IdStream, np.ndarray]:
    """Read the corpus once: build the vocabulary and the encoded id stream.

    Returns
    -------
    vocab : Vocab
    stream : IdStream
    remap : int32 (P,)   stream id -> vocabulary id (-1: not in the vocabulary).
    """
    if cfg.read_vocab:
        words, counts = read_vocab(cfg.read_vocab)
        vocab = build_vocab(words, counts, cfg.min_count, cfg.max_vocab)
        check_vocab_size(vocab, counts, cfg.min_count)
        stream = encode_corpus(paths, vocab, cfg.max_sentence_length, stats, tmp_dir)
        _check_not_empty(stats)
        return vocab, stream, np.arange(len(vocab), dtype=np.int32)
    counter, stream = scan_corpus(paths, cfg.max_sentence_length, cfg.prune_at, stats, tmp_dir)
    if counter.prunings > 1:
        log.warning("counting pruned %d times in all; tokens seen fewer than %d times by then "
                    "may be missing or under-counted", counter.prunings, counter.min_reduce)
    try:
        _check_not_empty(stats)
        words, counts = counter.words, counter.counts
        vocab = build_vocab(words, counts, cfg.min_count, cfg.max_vocab)
        check_vocab_size(vocab, counts, cfg.min_count)
    except BaseException:
        if stream is not None:
            stream.close()
        raise
    if stream is not None:
        return vocab, stream, vocab.remap(words)
    log.info("re-reading the corpus to encode it with the pruned vocabulary")
    stream = encode_corpus(paths, vocab, cfg.max_sentence_length, None, tmp_dir)
    return vocab, stream, np.arange(len(vocab), dtype=np.int32)


def _check_not_empty(stats: CorpusStats) -> None:
    if stats.tokens == 0:
        what = "is empty" if stats.bytes == 0 else "holds only whitespace"
        raise CorpusError(f"the corpus {what} ({stats.files} file(s), {stats.bytes} bytes): "
                          "pass a text corpus with words separated by whitespace")


class _Trainer:
    """Runs the epochs of one training job over a prepared id stream.

    Its position in the schedule (:meth:`state`: epoch, per range the chunks of its order taken
    from the front and from the back and the words they hold, per thread the RNG state and loss
    accumulators) changes only at chunk boundaries. Setting :attr:`stop`
    makes every worker return at its next chunk boundary (``run_epoch`` then returns None);
    :meth:`paused` holds every worker at a chunk boundary while a checkpoint is taken.
    """

    def __init__(self, cfg: TrainConfig, model: Model, stream: IdStream, remap: np.ndarray,
                 stop: threading.Event | None = None, chunk: int | None = None):
        self.cfg = cfg
        self.model = model
        self.stream = stream
        self.remap = np.ascontiguousarray(remap, dtype=np.int32)
        self.keep = keep_probabilities(model.vocab.counts, cfg.sample)
        self.stop = stop or threading.Event()
        t = cfg.threads
        self.threads = t
        self.chunk = chunk or CHUNK  # a resumed run cuts the chunks its checkpoint counted in
        starts, before = stream.chunk_table(self.remap, self.chunk)
        self.starts = starts
        # Range t is chunks [first[t], first[t + 1]): cut where the stream is split evenly.
        self.first = np.searchsorted(starts[:-1], np.arange(t + 1) * stream.n // t)
        self.first[-1] = len(starts) - 1
        #: in-vocabulary words of each chunk, per range; and their sum, per range
        self.chunk_words = [np.diff(before[self.first[r]:self.first[r + 1] + 1])
                            for r in range(t)]
        self.words = [int(w.sum()) for w in self.chunk_words]
        self.rngs = thread_rng_states(cfg.seed, t)
        self._start_epoch(0)
        self._lock = threading.Lock()
        self.history: list[dict[str, Any]] = []  # summaries of the finished epochs
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._hold = threading.Event()
        self._cond = threading.Condition()
        self._parked = 0
        # The kernels work on rows padded to whole SIMD blocks; model.syn0/syn1 become (V, dim)
        # views of those rows (no copy if they already are), so they always show the weights.
        model.syn0, self.rows0 = kernels.padded_rows(model.syn0)
        n_nodes = model.syn1.shape[0]
        hot_rows = kernels.HOT_ROWS[cfg.model]
        model.syn1, self.rows1 = kernels.padded_rows(model.syn1, t * hot_rows)
        # Per thread: its own copy of the top tree rows (no cache-line ping-pong), merged often.
        self.hot = kernels.private_hot_rows(self.rows1, n_nodes, model.tree.points, t,
                                            hot_rows)
        dim = self.rows0.shape[1]
        longest = int(model.tree.lengths.max())
        w2 = 2 * cfg.window
        # Per thread, written all the time: each array on cache lines of its own.
        self.scratch = [
            (kernels.private_zeros(cfg.max_sentence_length, np.int32),
             kernels.private_zeros(w2, np.int32),
             kernels.private_zeros(w2 * longest, np.float32),
             kernels.private_zeros((w2, dim), np.float32))
            for _ in range(t)
        ]

    def _start_epoch(self, epoch: int) -> None:
        """Set the position in the schedule to the start of ``epoch``."""
        self.epoch = epoch  # epoch in progress (0-based)
        self._set_order(epoch)
        t = self.threads
        self.front = [0] * t  # chunks of range r taken from its front (by its owner)
        # chunks of range r from back[r] on were taken by other threads
        self.back = [int(c) for c in np.diff(self.first)]
        self.done = [0] * t  # in-vocabulary words of each range's finished chunks, this epoch
        # this epoch's accumulators, per thread
        self.stats = [kernels.private_zeros(4, np.float64) for _ in range(t)]

    def _set_order(self, epoch: int) -> None:
        """Set each range's chunk order for ``epoch`` and the words before each place in it."""
        self.order, self.before = [], []
        for r, words in enumerate(self.chunk_words):
            n = len(words)
            if self.cfg.shuffle:
                rng = np.random.default_rng([self.cfg.seed, epoch, r])
                order = rng.permutation(n).astype(np.int64)
            else:
                order = np.arange(n, dtype=np.int64)
            self.order.append(order)
            self.before.append(np.concatenate(([0], np.cumsum(words[order]))).astype(np.int64))

    def run_epoch(self, epoch: int) -> np.ndarray | None:
        """Train (the rest of) one epoch.

        Returns
        -------
        float64 (4,) or None
            [loss, predictions, words read, words trained] of the epoch, or None if
            :attr:`stop` was set before it finished (the state then tells where it stopped).
        """
        if epoch != self.epoch:  # the order is set for self.epoch (init, restore, last epoch)
            self._set_order(epoch)
        self.epoch = epoch
        threads = [threading.Thread(target=self._worker, args=(t, epoch), daemon=True)
                   for t in range(self.threads)]
        self._threads = threads
        for th in threads:
            th.start()
        self._wait(threads)
        if self.errors:
            raise self.errors[0]
        if any(f < b for f, b in zip(self.front, self.back)):
            return None  # stopped
        total = np.sum(self.stats, axis=0)
        self._start_epoch(epoch + 1)
        return total

    def state(self) -> TrainState:
        """A copy of the position in the schedule (consistent only while no worker runs)."""
        return TrainState(epoch=self.epoch, front=np.array(self.front, np.int64),
                          back=np.array(self.back, np.int64),
                          done=np.array(self.done, np.int64),
                          rng=np.array([r[0] for r in self.rngs], np.uint64),
                          stats=np.array(self.stats, np.float64).reshape(self.threads, 4),
                          history=[dict(h) for h in self.history])

    def restore(self, state: TrainState) -> None:
        """Continue from ``state`` (taken from a trainer over the same stream and options)."""
        if len(state.front) != self.threads:
            raise CheckpointError(f"the checkpoint has {len(state.front)} thread states but "
                                  f"this run has {self.threads} threads: resume with the same "
                                  "--threads")
        self._set_order(int(state.epoch))
        front = [int(f) for f in state.front]
        back = [int(b) for b in state.back]
        for r in range(self.threads):
            f, b, before = front[r], back[r], self.before[r]
            if not (0 <= f <= b <= len(self.order[r])
                    and state.done[r] == before[f] + self.words[r] - before[b]):
                raise CheckpointError("the checkpoint's stream positions do not fit this corpus: "
                                      "resume on the corpus it was trained on")
        self.epoch = int(state.epoch)
        self.front, self.back = front, back
        self.done = [int(d) for d in state.done]
        for r, s in zip(self.rngs, state.rng):
            r[0] = s
        for mine, row in zip(self.stats, state.stats):
            mine[:] = row
        self.history = [dict(h) for h in state.history]

    def paused(self, fn: Callable[[], None]) -> bool:
        """Call ``fn`` while every worker waits at a chunk boundary; False if stopped instead."""
        self._hold.set()
        try:
            with self._cond:
                while not self.stop.is_set():
                    if self._parked >= sum(th.is_alive() for th in self._threads):
                        break
                    self._cond.wait(0.05)
            if self.stop.is_set():
                return False
            fn()
            return True
        finally:
            self._hold.clear()
            with self._cond:
                self._cond.notify_all()

    def _park(self) -> None:
        with self._cond:
            self._parked += 1
            self._cond.notify_all()
            while self._hold.is_set() and not self.stop.is_set():
                self._cond.wait(0.1)
            self._parked -= 1

    def _wait(self, threads: list[threading.Thread]) -> None:
        for th in threads:
            while th.is_alive():
                th.join(0.2)
                if self.on_tick is not None:
                    self.on_tick()

    on_tick: Callable[[], None] | None = None

    def _kernel(self, t: int, ids: np.ndarray, alpha: float, step: float) -> int:
        """Run :func:`kernels.train_chunk` for thread ``t``; return the words it read."""
        cfg, tree = self.cfg, self.model.tree
        sent, ctx, scores, neu1e = self.scratch[t]
        points, hot = self.hot[t]
        return kernels.train_chunk(
            ids, self.remap, self.keep, self.rows0, self.rows1, tree.codes, points,
            tree.offsets, cfg.model == "sg", cfg.window, alpha, step, cfg.min_alpha,
            self.rngs[t], sent, ctx, scores, neu1e, self.stats[t], hot)

    def warm_up(self) -> None:
        """Compile (or load from the cache) the kernel before the clock and the bar start.

        An empty sentence piece draws no random number and changes no weight. It is read-only
        like the chunks :meth:`IdStream.read` returns, which numba types (and caches) apart.
        """
        ids = np.full(1, SENTENCE_END, dtype=np.int32)
        ids.flags.writeable = False
        self._kernel(0, ids, self.cfg.alpha, 0.0)

    #: Take no more chunks once those taken this epoch hold this many in-vocabulary words (None:
    #: no limit); ``run_epoch`` then returns None at a claim boundary. :mod:`hsw2v.distributed`
    #: trains an epoch in rounds this way.
    limit: int | None = None
    #: Most chunks one claim takes (rounds of a few chunks need claims of one).
    claim_max: int = CLAIM

    def claimed(self) -> int:
        """In-vocabulary words of the chunks taken so far this epoch, all ranges together."""
        return sum(int(b[f]) + w - int(b[k])
                   for b, f, k, w in zip(self.before, self.front, self.back, self.words))

    def _claim(self, t: int) -> tuple[int, int, int] | None:
        """The next chunks for thread ``t`` as ``(range, first, stop)`` (places in that range's
        order), or None when none is left.

        From the front of its own range, a quarter of what is left in it (at least one chunk,
        at most :data:`CLAIM` chunks: few kernel calls while far from the end, fine-grained
        near it); when that is empty, one chunk from the back of the range with the most left.
        Call with :attr:`_lock` held. None too once :attr:`limit` words are taken.
        """
        if self.limit is not None and self.claimed() >= self.limit:
            return None
        left = [b - f for f, b in zip(self.front, self.back)]
        if left[t] > 0:
            k = self.front[t]
            self.front[t] += min(max(1, left[t] // 4), self.claim_max)
            return t, k, self.front[t]
        r = int(np.argmax(left))
        if left[r] < 1:
            return None
        self.back[r] -= 1
        return r, self.back[r], self.back[r] + 1

    def _worker(self, t: int, epoch: int) -> None:
        try:
            cfg = self.cfg
            # Chunk boundaries are the checkpoint positions: a worker checks for a pause or a
            # stop before it takes a chunk and finishes every chunk it took.
            while True:
                if self._hold.is_set():
                    self._park()
                if self.stop.is_set():
                    return
                with self._lock:
                    claim = self._claim(t)
                if claim is None:
                    return
                r, k, stop = claim
                words_r = max(1, self.words[r])
                step = (cfg.alpha - cfg.min_alpha) / (cfg.epochs * words_r)
                order, first = self.order[r], int(self.first[r])
                n = 0
                while k < stop:  # one kernel call per run of chunks adjacent in the stream
                    end = k + 1
                    while end < stop and order[end] == order[end - 1] + 1:
                        end += 1
                    a = int(self.starts[first + order[k]])
                    b = int(self.starts[first + order[end - 1] + 1])
                    alpha = cfg.alpha - step * (epoch * words_r + int(self.before[r][k]))
                    n += self._kernel(t, self.stream.read(a, b - a), alpha, step)
                    k = end
                with self._lock:
                    self.done[r] += n
        except BaseException as exc:  # surfaced by run_epoch in the main thread
            self.errors.append(exc)
            self.stop.set()


def run(corpus: Sequence[str | os.PathLike] | str | os.PathLike, cfg: TrainConfig,
        tmp_dir: str | None = None, *, resume: Checkpoint | None = None,
        checkpoint: str | None = None, output: str | None = None) -> TrainResult:
    """Train word vectors on ``corpus`` with the (unresolved) options ``cfg``.

    Parameters
    ----------
    corpus : path or sequence of paths
        Files, folders, ``-`` for stdin.
    cfg : TrainConfig
    tmp_dir : str, optional
        Folder for the temporary id stream.
    resume : Checkpoint, optional
        Continue this checkpoint's run (``cfg`` must be its configuration; the corpus must
        match its fingerprint).
    checkpoint : str, optional
        Where checkpoints go (default ``cfg.checkpoint``). With a path, SIGINT/SIGTERM during
        training write one there before :class:`TrainingInterrupted` is raised, and one is
        written every ``cfg.checkpoint_every`` minutes (default 30 when ``cfg.checkpoint`` is set).
    output : str, optional
        The vectors file the run is for (recorded in checkpoints, so ``--resume`` needs no -o).

    Returns
    -------
    TrainResult
    """
    from hsw2v.checkpoint import corpus_files

    t0 = time.perf_counter()
    cfg = cfg.resolved()
    checkpoint = checkpoint or cfg.checkpoint
    if isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    paths = expand_paths(corpus)
    files = corpus_files(paths)
    if resume is not None:
        _check_files(resume, files)
    stats = CorpusStats()
    stream = None
    t_load = 0.0
    spools: list[str] = []
    signals = _Signals()
    try:
        with signals:
            paths, spools = spool_stdin(paths, tmp_dir)
            vocab, stream, remap = prepare(paths, cfg, stats, tmp_dir)
            if stats.invalid_bytes:
                log.warning("%d bytes of invalid UTF-8 were replaced by U+FFFD",
                            stats.invalid_bytes)
            t_read = time.perf_counter()
            cpu_read = time.process_time()
            log.info("corpus: %d tokens, %d distinct kept (min-count %d), %d training words",
                     stats.tokens, len(vocab), cfg.min_count, vocab.total)
            if cfg.save_vocab:
                save_vocab(cfg.save_vocab, vocab)
            tree = build_huffman(vocab.counts)
            fingerprint = _fingerprint(files, stats, stream, vocab)
            if resume is not None:
                _check_fingerprint(resume, fingerprint, stream)
                syn0, syn1 = resume.syn0, resume.syn1
                if syn0.shape[1] != cfg.dim:
                    raise CheckpointError(f"checkpoint {resume.path!r} holds {syn0.shape[1]}-"
                                          f"dimensional weights but --dim is {cfg.dim}")
            else:
                syn0, syn1 = init_weights(len(vocab), cfg.dim, cfg.seed,
                                          cfg.threads * kernels.HOT_ROWS[cfg.model])
            model = Model(vocab, tree, syn0, syn1)
            trainer = _Trainer(cfg, model, stream, remap,
                               chunk=None if resume is None else resume.chunk)
            signals.stop = trainer.stop
            if resume is not None:
                trainer.restore(resume.state)
                log.info("resuming %s at epoch %d/%d", resume.path, trainer.epoch + 1,
                         cfg.epochs)
            written: list[str] = []
            save = None
            if checkpoint:
                meta = {"config": dataclasses.asdict(cfg), "chunk": trainer.chunk,
                        "corpus": [os.fspath(p) for p in corpus],
                        "output": None if output is None else os.path.abspath(output),
                        "fingerprint": fingerprint}
                save = _saver(checkpoint, meta, trainer, written)
            every = cfg.checkpoint_every or (30.0 if cfg.checkpoint else None)
            t_load = time.perf_counter()
            trainer.warm_up()
            t_load = time.perf_counter() - t_load
            epochs = _train_epochs(cfg, trainer, save if every else None, every)
            if epochs is None:  # stopped by a signal; a second one cannot break the saving
                raise _interrupted(signals.caught, trainer, save, checkpoint, corpus)
    finally:
        if stream is not None:
            stream.close()
        for s in spools:
            os.unlink(s)
    t_end = time.perf_counter()
    cpu_end = time.process_time()
    summary = {
        "config": dataclasses.asdict(cfg),
        "corpus": [os.fspath(p) for p in corpus],
        "tokens": stats.tokens,
        "bytes": stats.bytes,
        "invalid_utf8_bytes": stats.invalid_bytes,
        "vocab_size": len(vocab),
        "training_words_per_epoch": vocab.total,
        "huffman_mean_code_length": float(np.average(tree.lengths, weights=vocab.counts)),
        "huffman_max_code_length": int(tree.lengths.max()),
        "epochs": epochs,
        "seconds_reading": round(t_read - t0, 3),
        # Loading the compiled kernel (numba's cache; compiling on a cold cache) is start-up
        # work that threads cannot share: it is reported apart from the training time.
        "seconds_loading_kernel": round(t_load, 3),
        "seconds_training": round(t_end - t_read - t_load, 3),
        "seconds_total": round(t_end - t0, 3),
        # CPU time of the whole process (every thread) after reading: against a 1-thread run,
        # what running N threads costs in extra work (it also rises when the machine runs the
        # cores slower, so compare medians of paired runs).
        "cpu_seconds_training": round(cpu_end - cpu_read, 3),
    }
    if resume is not None:
        summary["resumed_from"] = os.path.abspath(resume.path)
    if written:
        summary["checkpoints_written"] = len(written)
    return TrainResult(model, summary)


class _Signals:
    """SIGINT/SIGTERM handling while :func:`run` works (main thread only).

    Before training starts a signal raises KeyboardInterrupt (nothing to save yet; temporary
    files are removed on the way out); once :attr:`stop` is set, it sets that event instead,
    and the workers stop at their next chunk boundary.
    """

    def __init__(self):
        self.stop: threading.Event | None = None
        self.caught: list[str] = []
        self._old: dict[int, Any] = {}

    def _handle(self, signum, frame):
        self.caught.append(signal.Signals(signum).name)
        if self.stop is None:
            raise KeyboardInterrupt
        self.stop.set()

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()


def _saver(path: str, meta: dict[str, Any], trainer: _Trainer,
           written: list[str]) -> Callable[[], None]:
    """A function that writes the trainer's current state as a checkpoint at ``path``."""
    from hsw2v.checkpoint import save_checkpoint, stream_digest

    def save() -> None:
        fp = meta["fingerprint"]
        if "stream" not in fp:
            fp["stream"] = stream_digest(trainer.stream)
        m = trainer.model
        save_checkpoint(path, meta, m.vocab.words, m.vocab.counts, m.syn0, m.syn1,
                        trainer.state())
        written.append(path)
        log.debug("checkpoint written to %s", path)

    return save


def _interrupted(caught: list[str], trainer: _Trainer, save: Callable[[], None] | None,
                 path: str | None, corpus) -> TrainingInterrupted:
    """Write the final checkpoint of a stopped run; return the exception that reports it."""
    import shlex

    how = caught[0] if caught else "a stop request"
    total = sum(trainer.words) * trainer.cfg.epochs
    done = trainer.epoch * sum(trainer.words) + sum(trainer.done)
    where = (f"interrupted by {how} in epoch {trainer.epoch + 1}/{trainer.cfg.epochs} "
             f"({100 * done / max(total, 1):.0f}% of training done)")
    if save is None:
        return TrainingInterrupted(f"{where}; no checkpoint was written (pass a checkpoint path "
                                   "to be able to resume)")
    save()
    stdin = " (with the same corpus on stdin)" if "-" in [os.fspath(p) for p in corpus] else ""
    return TrainingInterrupted(f"{where}; checkpoint written to {path}; resume with: "
                               f"hsw2v train --resume {shlex.quote(path)}{stdin}")


def _fingerprint(files, stats: CorpusStats, stream: IdStream, vocab: Vocab) -> dict[str, Any]:
    from hsw2v.checkpoint import vocab_digest

    return {"files": files, "bytes": stats.bytes, "tokens": stats.tokens,
            "stream_entries": stream.n, "vocab": vocab_digest(vocab.words, vocab.counts)}


def _check_files(ckpt: Checkpoint, files: list[list]) -> None:
    """Refuse a corpus whose file sizes differ from the checkpoint's (before reading it)."""
    old = ckpt.meta.get("fingerprint", {}).get("files", [])
    sizes_old = [s for _, s in old]
    sizes_new = [s for _, s in files]
    if sizes_old != sizes_new:
        raise CheckpointError(
            f"the corpus differs from the one checkpoint {ckpt.path!r} was trained on "
            f"({len(files)} file(s) of sizes {sizes_new[:5]} vs {len(old)} of sizes "
            f"{sizes_old[:5]}): resume with the same corpus")


def _check_fingerprint(ckpt: Checkpoint, fp: dict[str, Any], stream: IdStream) -> None:
    """Refuse to resume unless the corpus was read exactly as in the checkpointed run."""
    from hsw2v.checkpoint import stream_digest

    old = ckpt.meta.get("fingerprint", {})
    for key, what in (("bytes", "bytes"), ("tokens", "tokens"), ("vocab", "vocabulary"),
                      ("stream_entries", "encoded length")):
        if old.get(key) != fp[key]:
            raise CheckpointError(
                f"the corpus differs from the one checkpoint {ckpt.path!r} was trained on "
                f"({what}: {fp[key]} now, {old.get(key)} then): resume with the same corpus "
                "and vocabulary options")
    fp["stream"] = stream_digest(stream)
    if old.get("stream") != fp["stream"]:
        raise CheckpointError(f"the corpus differs from the one checkpoint {ckpt.path!r} was "
                              "trained on (same words, different order): resume with the same "
                              "corpus")


def _train_epochs(cfg: TrainConfig, trainer: _Trainer, save: Callable[[], None] | None = None,
                  every: float | None = None) -> list[dict[str, Any]] | None:
    """Run the remaining epochs with a progress bar; return per-epoch figures (None if stopped).

    With ``save``, the workers are paused at chunk boundaries every ``every`` minutes while
    ``save()`` writes a checkpoint.
    """
    from tqdm import tqdm

    total = sum(trainer.words) * cfg.epochs
    bar = tqdm(total=total, unit="word", unit_scale=True, file=sys.stderr, disable=cfg.quiet,
               dynamic_ncols=True, smoothing=0.1,
               bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, "
                          "{rate_fmt}{postfix}]")
    base = trainer.epoch * sum(trainer.words)
    last_save = time.monotonic()

    def tick():
        nonlocal last_save
        done = base + sum(trainer.done)
        bar.update(done - bar.n)
        bar.set_postfix_str(f"alpha={alpha_at(cfg, done / max(total, 1)):.5f}", refresh=False)
        if save is not None and time.monotonic() - last_save >= every * 60:
            trainer.paused(save)
            last_save = time.monotonic()

    trainer.on_tick = tick
    try:
        for epoch in range(trainer.epoch, cfg.epochs):
            t = time.perf_counter()
            result = trainer.run_epoch(epoch)
            if result is None:
                return None
            loss, pairs, seen, trained = result
            base += int(seen)  # run_epoch has reset the per-thread counts
            tick()
            # No (word, context) pair at all (a tiny corpus after subsampling): the mean loss is
            # undefined; it is reported as null, never NaN (which is not JSON).
            mean = float(loss / pairs) if pairs else None
            if not pairs:
                log.warning("epoch %d trained no (word, context) pairs: the corpus is too small "
                            "(or --sample too low) for training to do anything; lower --sample "
                            "or use a larger corpus", epoch + 1)
            secs = time.perf_counter() - t
            trainer.history.append({"epoch": epoch + 1, "loss": mean, "words": int(seen),
                                    "trained_words": int(trained), "seconds": round(secs, 3)})
            shown = "n/a" if mean is None else f"{mean:.4f}"
            msg = (f"epoch {epoch + 1}/{cfg.epochs}: loss {shown}, {int(trained)} words "
                   f"trained, {seen / max(secs, 1e-9):,.0f} words/s")
            if cfg.quiet:
                log.debug(msg)
            else:
                bar.write(msg, file=sys.stderr)
    finally:
        bar.close()
    return trainer.history


def train(corpus, config: str | os.PathLike | None = None, resume: str | None = None,
          runner: Callable[..., TrainResult] | None = None, **options: Any):
    """Train word vectors and return them (the Python API).

    Parameters
    ----------
    corpus : path or sequence of paths
        Files, folders (every file below), ``-`` for stdin; ``.gz``/``.bz2``/``.xz`` work.
    config : path, optional
        TOML file of options; ``options`` override it.
    resume : path, optional
        Continue the run saved in this checkpoint (``corpus`` may then be None).
    **options
        Any option of ``hsw2v train`` with underscores (``min_count=5``, ``model="cbow"``...).
        With ``checkpoint=PATH``, an interrupted run (SIGINT/SIGTERM) saves a checkpoint there
        and raises :class:`hsw2v.errors.TrainingInterrupted`.
    runner : callable, optional
        What trains (default :func:`run`; :mod:`hsw2v.distributed` passes its own).

    Returns
    -------
    hsw2v.vectors.Vectors
        The words (most frequent first) and their float32 (V, D) vectors.
    """
    from hsw2v.vectors import Vectors

    options.setdefault("quiet", True)
    runner = runner or run
    if resume is not None:
        ckpt, cfg = resume_config(resume, config, **options)
        result = runner(corpus or ckpt.meta["corpus"], cfg, resume=ckpt)
    else:
        result = runner(corpus, make_config(config, **options))
    return Vectors(result.model.vocab.words, result.model.syn0)


#: Options that may differ between a run and its resumption (they do not change the vectors).
RESUME_MAY_CHANGE = ("quiet", "checkpoint", "checkpoint_every", "format", "save_vocab", "dask")


def resume_config(path: str, config_file: str | os.PathLike | None = None,
                  **options: Any) -> tuple[Checkpoint, TrainConfig]:
    """Load a checkpoint and its configuration, with the options that may change applied.

    Any other option given must equal the checkpoint's (a resumed run keeps its schedule).
    """
    from hsw2v.checkpoint import load_checkpoint
    from hsw2v.config import load_config

    ckpt = load_checkpoint(path)
    try:
        cfg = TrainConfig(**ckpt.meta["config"]).resolved()
    except (TypeError, KeyError, ConfigError) as exc:
        raise CheckpointError(f"checkpoint {path!r} holds an unusable configuration ({exc}): "
                              "resume with the hsw2v version that wrote it") from exc
    given = load_config(config_file) if config_file is not None else {}
    given.update((k, v) for k, v in options.items() if v is not None)
    for key, value in given.items():
        if key not in cfg.__dataclass_fields__:
            raise ConfigError(f"unknown option {key!r}")
        if key in RESUME_MAY_CHANGE:
            setattr(cfg, key, value)
        elif value != getattr(cfg, key):
            flag = key.replace("_", "-")
            raise ConfigError(
                f"--{flag} {value!r} differs from the checkpoint's {getattr(cfg, key)!r}: a "
                "resumed run keeps its options (only --quiet, --checkpoint, --checkpoint-every, "
                "--format, --save-vocab and --dask may change); drop --" + flag)
    cfg.validate()
    return ckpt, cfg


def check_output_path(path: str) -> None:
    """Fail before training if ``path`` cannot be written (missing or read-only folder)."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise ConfigError(f"output {path!r} is a folder: give a file name, e.g. {path}/vectors.bin")
    if not os.path.isdir(folder):
        raise ConfigError(f"output folder {folder!r} does not exist: create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"output folder {folder!r} is not writable: choose another -o path")
    try:  # os.access says yes to root and knows nothing of read-only mounts: try it
        import tempfile

        with tempfile.TemporaryFile(dir=folder, prefix=".hsw2v-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(f"output folder {folder!r} is not writable ({exc.strerror or exc}): "
                          "choose another -o path") from exc


def train_to_file(corpus, output: str | None, config_file: str | None = None,
                  resume: str | None = None, runner: Callable[..., TrainResult] | None = None,
                  **options: Any) -> TrainResult:
    """Train and write the vectors to ``output`` plus ``output + '.json'`` (the CLI's job).

    Both files are written to a temporary name and renamed, so a failed run leaves neither a
    truncated vectors file nor a summary of a run that did not finish.

    SIGINT/SIGTERM during training write a checkpoint (``--checkpoint``, default
    ``output + '.ckpt'``) and raise :class:`TrainingInterrupted`; ``resume`` continues from one
    (``corpus`` and ``output`` then default to the checkpoint's). The checkpoint is deleted once
    the vectors are written. ``runner`` is what trains (default :func:`run`).
    """
    from hsw2v.vectors import Vectors

    ckpt = None
    if resume is not None:
        ckpt, cfg = resume_config(resume, config_file, **options)
        corpus = corpus or ckpt.meta["corpus"]
        output = output or ckpt.meta.get("output")
        if not output:
            raise ConfigError(f"checkpoint {resume!r} records no output file: give -o OUT")
    else:
        cfg = make_config(config_file, **options)
        cfg = cfg.resolved()
    if not output:
        raise ConfigError("no output file: give -o OUT")
    check_output_path(output)
    checkpoint = cfg.checkpoint or output + ".ckpt"
    if cfg.checkpoint:
        check_output_path(checkpoint)
    binary = {None: None, "text": False, "binary": True}[cfg.format]
    logger = logging.getLogger("hsw2v")
    level = logger.level
    if cfg.quiet:
        logger.setLevel(logging.WARNING)
    try:
        result = (runner or run)(corpus, cfg, resume=ckpt, checkpoint=checkpoint,
                                 output=output)
    finally:
        logger.setLevel(level)
    t = time.perf_counter()
    Vectors(result.model.vocab.words, result.model.syn0).save(output, binary=binary)
    ours = result.summary.get("checkpoints_written") or (
        resume is not None and os.path.abspath(resume) == os.path.abspath(checkpoint))
    if ours and os.path.isfile(checkpoint):  # the run is complete: its checkpoint is spent
        os.unlink(checkpoint)
    result.summary["seconds_writing"] = round(time.perf_counter() - t, 3)
    result.summary["output"] = os.path.abspath(output)
    _write_json_atomic(output + ".json", result.summary)
    log.info("wrote %s (%d words x %d) and %s.json", output, len(result.model.vocab),
             cfg.dim, output)
    return result


def _write_json_atomic(path: str, data: dict[str, Any]) -> None:
    import json

    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, default=_json_default)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")
