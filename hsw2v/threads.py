"""The local engine: the epochs of one run trained by threads of one process, over an id
stream on disk.

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

Here :class:`Trainer` is that schedule over one stream (the cluster engine trains each of its
slots with one too) and :class:`ThreadsEngine` is the local engine of :func:`hsw2v.train.run`:
it reads the corpus in this process and trains every epoch with a :class:`Trainer`.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hsw2v import kernels
from hsw2v.checkpoint import (Checkpoint, TrainState, check_files, check_fingerprint,
                              corpus_files, corpus_fingerprint, stream_digest)
from hsw2v.config import TrainConfig
from hsw2v.corpus import CorpusStats, expand_paths
from hsw2v.encoding import SENTENCE_END, IdStream, encode_corpus, scan_corpus, spool_stdin
from hsw2v.engine import CheckpointParts, Engine, Model, Reading
from hsw2v.errors import CheckpointError, CorpusError
from hsw2v.modelfile import ModelData
from hsw2v.vocab import Vocab, build_vocab, check_vocab_size, keep_probabilities, read_vocab
from hsw2v.weights import Weights, grown_vocab, init_output

log = logging.getLogger(__name__)

#: Stream entries per chunk of work (a chunk holds whole pieces, so it is at least one piece:
#: 10,001 entries on text8). Small, so that taking over the back of another thread's range
#: evens out the threads' finishing times to a few ms, and bounded memory, progress and stop;
#: a skip-gram chunk is still ~10 ms of work, so the Python around each call costs ~1%.
CHUNK = 1 << 13
#: What a run says while it compiles its kernels (see :meth:`Trainer.warm_up`).
COMPILING = ("compiling the training kernels for this CPU and these settings, once: about 10 s "
             "on 2 cores (later runs load them from numba's cache)")
#: Most chunks one claim takes from the front of its own range (~128 K entries).
CLAIM = 16
#: Most chunks, adjacent in the stream, that one kernel call trains (a stop request waits
#: for the kernel call under way: 4 pieces of text8 take ~1.3 s at dim 1000 on one thread).
RUN_CHUNKS = 4
#: Per-thread accumulators: [loss, predictions, words read, words trained, negative-sampling
#: loss (with --loss hs+ns; the loss of hs is then the first)].
STATS = 5


def noise_table(counts: np.ndarray, exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """The alias table of negative sampling's noise distribution, ``counts ** exponent``.

    Returns
    -------
    prob : float64 (V,);  alias : int32 (V,)
    """
    n = len(counts)
    weights = np.asarray(counts, dtype=np.float64) ** float(exponent)
    prob = np.empty(n, np.float64)
    alias = np.empty(n, np.int32)
    kernels.alias_build(weights, prob, alias, np.empty(n, np.int64), np.empty(n, np.int64))
    return prob, alias


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


def held_out_chunks(n_chunks: int, share: float) -> np.ndarray:
    """Which of ``n_chunks`` chunks to hold out for a share ``share`` (0: none).

    Evenly spread over the corpus (a corpus drifts from topic to topic), at least one when
    ``share > 0``, never all.

    Returns
    -------
    bool (n_chunks,)
    """
    held = np.zeros(n_chunks, dtype=bool)
    if share > 0 and n_chunks > 1:
        k = min(max(1, round(share * n_chunks)), n_chunks - 1)
        held[((np.arange(k) + 0.5) * n_chunks / k).astype(np.int64)] = True
    return held


def alpha_at(cfg: TrainConfig, progress: float) -> float:
    """Learning rate after ``progress`` (0..1) of the whole schedule."""
    return max(cfg.min_alpha, cfg.alpha - (cfg.alpha - cfg.min_alpha) * progress)


def _reading(cfg: TrainConfig) -> dict[str, Any]:
    """How the corpus is read: its encoding, and its progress shown as training's
    (:class:`hsw2v.progress.Meter`)."""
    return {"quiet": cfg.quiet, "log_every": cfg.log_every, "encoding": cfg.encoding}


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
        stream = encode_corpus(paths, vocab, cfg.max_sentence_length, stats, tmp_dir,
                               **_reading(cfg))
        check_not_empty(stats)
        return vocab, stream, np.arange(len(vocab), dtype=np.int32)
    counter, stream = scan_corpus(paths, cfg.max_sentence_length, cfg.prune_at, stats, tmp_dir,
                                  **_reading(cfg))
    if counter.prunings > 1:
        log.warning("counting pruned %d times in all; tokens seen fewer than %d times by then "
                    "may be missing or under-counted", counter.prunings, counter.min_reduce)
    try:
        check_not_empty(stats)
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
    stream = encode_corpus(paths, vocab, cfg.max_sentence_length, None, tmp_dir, **_reading(cfg))
    return vocab, stream, np.arange(len(vocab), dtype=np.int32)


def prepare_with_vocab(paths: Sequence[str], cfg: TrainConfig, stats: CorpusStats, vocab: Vocab,
                       tmp_dir: str | None = None) -> tuple[IdStream, np.ndarray]:
    """Encode the corpus with a given vocabulary (a model trained further, a resumed run of
    one); tokens outside it are left out.

    Returns
    -------
    stream : IdStream
    remap : int32 (V,)   the identity (the stream holds vocabulary ids).
    """
    stream = encode_corpus(paths, vocab, cfg.max_sentence_length, stats, tmp_dir,
                           **_reading(cfg))
    try:
        check_not_empty(stats)
    except BaseException:
        stream.close()
        raise
    return stream, np.arange(len(vocab), dtype=np.int32)


def prepare_grown(paths: Sequence[str], cfg: TrainConfig, stats: CorpusStats, start: ModelData,
                  tmp_dir: str | None = None) -> tuple[Vocab, IdStream, np.ndarray]:
    """Count the corpus, grow the model's vocabulary with it (:func:`weights.grown_vocab`),
    then encode the corpus with the grown vocabulary (a second pass, so a resumed run encodes
    it the same way).
    """
    from hsw2v.vocab import count_corpus

    counter = count_corpus(paths, cfg.max_sentence_length, cfg.prune_at, CorpusStats(),
                           **_reading(cfg))
    vocab = grown_vocab(Vocab(start.words, start.counts), counter.words, counter.counts,
                        cfg.min_count)
    stream, remap = prepare_with_vocab(paths, cfg, stats, vocab, tmp_dir)
    return vocab, stream, remap


def check_not_empty(stats: CorpusStats) -> None:
    if stats.tokens == 0:
        what = "is empty" if stats.bytes == 0 else "holds only whitespace"
        raise CorpusError(f"the corpus {what} ({stats.files} file(s), {stats.bytes} bytes): "
                          "pass a text corpus with words separated by whitespace")




class _Helpers:
    """Threads ``1..n`` of a trainer's inline calls: started once, each runs
    ``work(t, epoch)`` when :meth:`start` says so, until :meth:`close`."""

    def __init__(self, work: Callable[[int, int], None], n: int):
        self._go = [queue.SimpleQueue() for _ in range(n)]
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._loop, args=(work, t), daemon=True,
                                         name=f"hsw2v-trainer-{t}") for t in range(1, n + 1)]
        for th in self.threads:
            th.start()

    def _loop(self, work: Callable[[int, int], None], t: int) -> None:
        while True:
            epoch = self._go[t - 1].get()
            if epoch is None:
                return
            try:
                work(t, epoch)  # (records its own errors)
            finally:
                self._done.put(t)

    def start(self, epoch: int) -> None:
        for q in self._go:
            q.put(epoch)

    def wait(self) -> None:
        for _ in self._go:
            self._done.get()

    def close(self) -> None:
        for q in self._go:
            q.put(None)


class Trainer:
    """Runs the epochs of one training job over a prepared id stream.

    Its position in the schedule (:meth:`state`: epoch, per range the chunks of its order taken
    from the front and from the back and the words they hold, per thread the RNG state and loss
    accumulators) changes only at chunk boundaries. Setting :attr:`stop`
    makes every worker return at its next chunk boundary (``run_epoch`` then returns None);
    :meth:`paused` holds every worker at a chunk boundary while a checkpoint is taken.
    """

    def __init__(self, cfg: TrainConfig, model: Model, stream: IdStream, remap: np.ndarray,
                 stop: threading.Event | None = None, chunk: int | None = None,
                 lockf: np.ndarray | None = None, claim_max: int | None = None,
                 inline: bool = False):
        self.cfg = cfg
        self.inline = inline
        if claim_max is not None:
            self.claim_max = claim_max
        self.model = model
        #: float32 (V,) factor of each word's input-row updates (0: frozen), or None
        self.lockf = lockf
        self.stream = stream
        self.remap = np.ascontiguousarray(remap, dtype=np.int32)
        self.keep = keep_probabilities(model.vocab.counts, cfg.sample)
        self.reading = kernels.Reading(self.remap, self.keep, cfg.model == "sg", cfg.window,
                                       cfg.dim)
        self.stop = stop or threading.Event()
        t = cfg.threads
        self.threads = t
        # The exact softmax's chunks are cut by time (softmax_chunk), inside pieces if need be,
        # and taken one at a time, so that a stop request or a checkpoint waits ~0.25 s at most.
        softmax = "softmax" in cfg.objectives
        if chunk is None and softmax:
            chunk = softmax_chunk(cfg, model.vocab.counts)
        if softmax:
            self.claim_max = 1
        self.chunk = chunk or CHUNK  # a resumed run cuts the chunks its checkpoint counted in
        starts, before = stream.chunk_table(self.remap, self.chunk, hard=softmax)
        self.starts = starts
        # Range t is chunks [first[t], first[t + 1]): cut where the stream is split evenly.
        self.first = np.searchsorted(starts[:-1], np.arange(t + 1) * stream.n // t)
        self.first[-1] = len(starts) - 1
        #: in-vocabulary words of each chunk, per range; and their sum, per range
        #: chunks never trained on, scored after each epoch (``cfg.holdout``); bool (chunks,)
        self.held = held_out_chunks(len(starts) - 1, cfg.holdout)
        words = np.diff(before)
        self.held_words = int(words[self.held].sum())
        words[self.held] = 0  # a held-out chunk counts no words in the schedule
        self.chunk_words = [words[self.first[r]:self.first[r + 1]] for r in range(t)]
        self.words = [int(w.sum()) for w in self.chunk_words]
        self.rngs = thread_rng_states(cfg.seed, t)
        self._start_epoch(0)
        self._lock = threading.Lock()
        self.history: list[dict[str, Any]] = []  # summaries of the finished epochs
        self.curve: list[dict[str, Any]] = []  # loss curve points (hsw2v.progress.Progress)
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._helpers: _Helpers | None = None  # threads 1.. of inline calls
        self._hold = threading.Event()
        self._cond = threading.Condition()
        self._parked = 0
        # The kernels work on rows padded to whole SIMD blocks; the weights become (V, dim)
        # views of those rows (no copy if they already are), so they always show the weights.
        objectives = cfg.objectives
        self.hs = "hs" in objectives
        self.negative = int(cfg.negative or 0) if "ns" in objectives else 0
        w = model.weights
        self.rows0 = w.input_rows()  # syn0's rows, then the n-gram rows (--subwords)
        n_words = w.syn0.shape[0]
        #: each word's rows of rows0 (its own, then its n-grams'), CSR; None without subwords
        self.sub = None if w.subwords is None else w.subwords.word_rows(model.vocab.words)
        n_nodes = w.syn1.shape[0]
        hot_rows = kernels.HOT_ROWS[cfg.model] if self.hs else 0
        w.syn1, self.rows1 = kernels.padded_rows(w.syn1, t * hot_rows)
        # Per thread: its own copy of the top tree rows (no cache-line ping-pong), merged often.
        self.hot = (kernels.private_hot_rows(self.rows1, n_nodes, model.tree.points, t, hot_rows)
                    if self.hs else [(model.tree.points, None)] * t)
        self.rows_neg = None
        self.neg = [(None, None)] * t
        self.noise = (None, None)
        if self.negative:
            if w.syn1neg is None:
                w.syn1neg = init_output(n_words, cfg.dim, t * kernels.HOT_NEG_ROWS)
            w.syn1neg, self.rows_neg = kernels.padded_rows(w.syn1neg, t * kernels.HOT_NEG_ROWS)
            # Per thread: own copies of the most frequent words' output rows, merged often.
            self.neg = kernels.private_neg_rows(self.rows_neg, n_words, t, kernels.HOT_NEG_ROWS)
            self.noise = noise_table(model.vocab.counts, cfg.ns_exponent)
        self._softmax_rows(w, n_words)
        dim = self.rows0.shape[1]
        longest = int(model.tree.lengths.max()) if self.hs else 0
        w2 = 2 * cfg.window
        # Per thread, written all the time: each array on cache lines of its own.
        self.scratch = [
            (kernels.private_zeros(cfg.max_sentence_length, np.int32),
             kernels.private_zeros(w2, np.int32),
             kernels.private_zeros((w2 + 1) * (longest + self.negative + 1), np.float32),
             kernels.private_zeros((max(w2, 2 * w2 + 3 if self.sub is not None else 0), dim),
                                   np.float32),
             kernels.private_zeros(n_words if self.rows_sm is not None else 1, np.float64))
            for _ in range(t)
        ]

    def _softmax_rows(self, w: Weights, n_words: int) -> None:
        """The exact softmax's output rows as kernel rows, and each thread's private copy."""
        t, cfg = self.threads, self.cfg
        self.rows_sm = None
        #: per thread (private rows, their state at the last merge, first private row, merge
        #: start), or None (one thread: the shared rows)
        self.sm_private: list[tuple[np.ndarray, np.ndarray, int, int] | None] = [None] * t
        if "softmax" in cfg.objectives:
            if w.syn1sm is None:
                w.syn1sm = init_output(n_words, cfg.dim)
            # With several threads each trains its own copy of every output row (after the V
            # shared ones) and adds its change to the shared rows after each chunk: every
            # prediction writes all V rows, and two threads writing the same rows passed
            # their cache lines back and forth on every one (2 threads ran at 0.32x the words/s
            # of one). One thread trains the shared rows themselves.
            extra = n_words * t if t > 1 else 0
            w.syn1sm, self.rows_sm = kernels.padded_rows(w.syn1sm, extra)
            if t > 1:
                for r in range(t):
                    own = n_words * (r + 1)
                    self.rows_sm[own:own + n_words] = self.rows_sm[:n_words]
                    base = kernels.private_zeros((n_words, self.rows_sm.shape[1]), np.float32)
                    base[:] = self.rows_sm[:n_words]
                    self.sm_private[r] = (self.rows_sm[own:own + n_words], base, own,
                                          r * n_words // t)
            self.rows_sm_shared = self.rows_sm[:n_words]

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
        self.stats = [kernels.private_zeros(STATS, np.float64) for _ in range(t)]

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

    def run_epoch(self, epoch: int, limit: int | None = None) -> np.ndarray | None:
        """Train (the rest of) one epoch; with ``limit``, only until the chunks taken this
        epoch hold that many in-vocabulary words (a cluster's round).

        Returns
        -------
        float64 (STATS,) or None
            [loss, predictions, words read, words trained, ns loss] of the epoch, or None if
            :attr:`stop` was set before it finished (the state then tells where it stopped).
        """
        if epoch != self.epoch:  # the order is set for self.epoch (init, restore, last epoch)
            self._set_order(epoch)
        self.epoch = epoch
        self.limit = limit
        if self.inline:
            # Thread 0 in the calling thread, the others in threads that live as long as the
            # trainer (see :attr:`inline`): no thread starts or ends per call.
            if self._helpers is None:
                self._helpers = _Helpers(self._worker, self.threads - 1)
            self._helpers.start(epoch)
            try:
                self._worker(0, epoch)
            finally:
                self._helpers.wait()
        else:
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
                          stats=np.array(self.stats, np.float64).reshape(self.threads, STATS),
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
                th.join(0.05)  # ticks: 20 a second, so even a short run gets ~1% points
                if self.on_tick is not None:
                    self.on_tick()

    on_tick: Callable[[], None] | None = None

    def _kernel(self, t: int, ids: np.ndarray, alpha: float, step: float) -> int:
        """Run :func:`kernels.train_chunk` for thread ``t``; return the words it read."""
        cfg = self.cfg
        sent, ctx, scores, neu1e, probs = self.scratch[t]
        points, hot = self.hot[t]
        neg_map, neg_hot = self.neg[t]
        private = self.sm_private[t]
        rows_sm = self.rows_sm if self.rows_sm is None else (
            self.rows_sm_shared if private is None else private[0])
        n = kernels.train_chunk(
            ids, self.rows0, self.reading, kernels.Rate(alpha, step, cfg.min_alpha),
            kernels.Scratch(self.rngs[t], sent, ctx, scores, neu1e, self.stats[t]),
            path=self._path(points, hot), noise=self._noise(neg_map, neg_hot),
            softmax=None if rows_sm is None else kernels.Softmax(rows_sm, probs),
            lockf=self.lockf, subwords=self.sub)
        if private is not None:  # the shared rows hold every update at chunk boundaries
            _, base, own, first = private
            kernels.merge_hot_rows(self.rows_sm, 0, own, base, first,
                                   kernels.blocks_of(self.rows_sm))
        return n

    def _path(self, points: np.ndarray, hot: tuple | None) -> kernels.Path | None:
        """Hierarchical softmax's group for a kernel call (a thread's points and private top
        rows), or None without it."""
        if not self.hs:
            return None
        tree = self.model.tree
        return kernels.Path(self.rows1, tree.codes, points, tree.offsets, hot)

    def _noise(self, neg_map: np.ndarray | None, neg_hot: tuple | None) -> kernels.Noise | None:
        """Negative sampling's group for a kernel call (a thread's rows map and private rows),
        or None without negative sampling."""
        if not self.negative:
            return None
        return kernels.Noise(self.negative, self.rows_neg, self.noise[0], self.noise[1],
                             neg_map, neg_hot)

    def warm_up(self) -> None:
        """Compile (or load from the cache) the kernel before the clock and the bar start.

        An empty sentence piece draws no random number and changes no weight. It is read-only
        like the chunks :meth:`IdStream.read` returns, which numba types (and caches) apart.
        """
        ids = np.full(1, SENTENCE_END, dtype=np.int32)
        ids.flags.writeable = False
        # Loading cached kernels takes well under a second; past 2 s they are being compiled
        # (the first run on a machine, or new settings: a row width, an objective, a model).
        note = threading.Timer(2.0, log.info, (COMPILING,))
        note.daemon = True
        note.start()
        try:
            self._kernel(0, ids, self.cfg.alpha, 0.0)
        finally:
            note.cancel()

    #: Take no more chunks once those taken this epoch hold this many in-vocabulary words (None:
    #: no limit; ``run_epoch``'s ``limit``); ``run_epoch`` then returns None at a claim
    #: boundary. :mod:`hsw2v.distributed` trains an epoch in rounds this way.
    limit: int | None = None
    #: Most chunks one claim takes (the constructor's ``claim_max``: rounds of a few chunks
    #: need claims of one).
    claim_max: int = CLAIM
    #: Train thread 0 in the calling thread and the others in threads started once and kept
    #: until :meth:`close` (no ticks, no pause; the constructor's ``inline``): the cluster
    #: trainer's rounds, which would otherwise start and end threads each. On CPython 3.11 a
    #: thread that ends while another takes ``sys._current_frames()`` (Dask's worker profiler
    #: does, often) can deadlock the process (python/cpython#106883); one run of 320 rounds x
    #: 8 workers did.
    inline: bool = False

    def refresh_private_rows(self) -> None:
        """Give each thread's private top inner-node rows (and most frequent words' output
        rows) the shared rows' values, after the shared rows were changed from outside (a
        cluster's round; see :func:`hsw2v.kernels.private_hot_rows` and
        :func:`hsw2v.kernels.private_neg_rows`)."""
        for rows, private in ((self.rows1, self.hot), (self.rows_neg, self.neg)):
            for _, hot in private:
                if hot is not None:
                    top, own, base, _ = hot
                    n = len(base)
                    rows[own:own + n] = rows[top:top + n]
                    base[:] = rows[top:top + n]

    def close(self) -> None:
        """End the threads of inline calls (if any)."""
        if self._helpers is not None:
            self._helpers.close()
            self._helpers = None

    def claimed(self) -> int:
        """In-vocabulary words of the chunks taken so far this epoch, all ranges together."""
        return sum(int(b[f]) + w - int(b[k])
                   for b, f, k, w in zip(self.before, self.front, self.back, self.words))

    def score_held_out(self) -> float | None:
        """Mean loss per prediction on the held-out chunks, with the weights as they are.

        The kernel runs with a learning rate of 0 (every update adds exactly zero) and from the
        same generator state each time, so the same words are subsampled, with the same windows
        and negatives, after every epoch: the figures compare with each other, and with the
        training loss (the same subsampling and windows). None without held-out chunks.
        """
        sums = self.held_out_sums()
        if sums is None or not sums[1]:
            return None
        return float(sums[0] / sums[1])

    def held_out_sums(self) -> tuple[float, float] | None:
        """:meth:`score_held_out`'s float64 sums: (loss, predictions); None without held-out
        chunks (a cluster adds its workers' sums)."""
        if not self.held.any():
            return None
        cfg, tree = self.cfg, self.model.tree
        sent, ctx, scores, neu1e, probs = self.scratch[0]
        stats = np.zeros(STATS)
        rng = np.array([int(kernels.splitmix64(np.uint64(cfg.seed))) or 1], np.uint64)
        for c in np.flatnonzero(self.held):
            a, b = int(self.starts[c]), int(self.starts[c + 1])
            kernels.train_chunk(
                self.stream.read(a, b - a), self.rows0, self.reading, kernels.Rate(0.0, 0.0, 0.0),
                kernels.Scratch(rng, sent, ctx, scores, neu1e, stats),
                path=self._path(tree.points, None), noise=self._noise(None, None),
                softmax=None if self.rows_sm is None else kernels.Softmax(self.rows_sm_shared,
                                                                           probs),
                subwords=self.sub)
        return float(stats[0] + stats[4]), float(stats[1])

    def _claim(self, t: int) -> tuple[int, int, int] | None:
        """The next chunks for thread ``t`` as ``(range, first, stop)`` (places in that range's
        order), or None when none is left.

        From the front of its own range, a quarter of what is left in it (at least one chunk,
        at most :data:`CLAIM` chunks: few kernel calls while far from the end, fine-grained
        near it); when that is empty, one chunk from the back of the range with the most left.
        Call with :attr:`_lock` held. None too once :attr:`limit` words are taken.
        """
        # (a limit of the epoch's words, a cluster's last round, takes every chunk: the
        # chunks after the last word hold none, held-out or out-of-vocabulary ones, and the
        # epoch only ends once they are taken too)
        if (self.limit is not None and self.limit < sum(self.words)
                and self.claimed() >= self.limit):
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
                held = self.held
                while k < stop:  # one kernel call per run of chunks adjacent in the stream
                    if r == t and k > claim[1] and self.stop.is_set():
                        # Stopped part way into a claim from the front of its own range:
                        # give the untrained rest back (nobody else takes from the front), so
                        # a stop waits for one kernel call, not for a whole claim.
                        with self._lock:
                            self.front[t] = k
                        break
                    if held[first + order[k]]:
                        k += 1
                        continue
                    end = k + 1
                    while (end < stop and end - k < RUN_CHUNKS
                           and order[end] == order[end - 1] + 1
                           and not held[first + order[end]]):
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



def warn_if_long(cfg: TrainConfig, vocab: Vocab) -> None:
    """Say how long an exact-softmax run will take when that is more than 10 minutes.

    The estimate is 4·V·D float operations per prediction (the scores, the error row and the
    update of every output row), predictions from the words after subsampling (one per word
    for CBOW, ~``window`` per word for skip-gram), at 4 GFLOP/s per thread (measured on the
    benchmark machine: see scripts/README.md).
    """
    seconds = (_softmax_seconds_per_word(cfg, vocab.counts) * float(vocab.counts.sum())
               * cfg.epochs / cfg.threads)
    if seconds > 600:
        log.warning("the exact softmax costs O(V) per prediction: with %d words this run will "
                    "take about %s on %d thread(s); --loss hs or ns is about %dx faster. "
                    "Ctrl-C stops it within a second and keeps a checkpoint for --resume",
                    len(vocab), _duration(seconds), cfg.threads,
                    max(1, int(len(vocab) / (2 * np.log2(max(len(vocab), 2))))))


def _softmax_seconds_per_word(cfg: TrainConfig, counts: np.ndarray) -> float:
    """One thread's seconds of exact-softmax work per in-vocabulary word of the corpus (the
    estimate of :func:`warn_if_long`)."""
    keep = keep_probabilities(counts, cfg.sample)
    kept = float(np.dot(keep, counts)) / max(1.0, float(counts.sum()))
    predictions = kept * (cfg.window if cfg.model == "sg" else 1)
    return predictions * 4.0 * len(counts) * cfg.dim / SOFTMAX_FLOPS


#: Seconds of one thread's work a chunk of an exact-softmax run aims at: about the longest a
#: stop request (Ctrl-C, SIGTERM) or a periodic checkpoint waits for a thread.
SOFTMAX_CHUNK_SECONDS = 0.25


def softmax_chunk(cfg: TrainConfig, counts: np.ndarray) -> int:
    """Stream entries per chunk of a run with the exact softmax: about
    :data:`SOFTMAX_CHUNK_SECONDS` of work by the estimate (16 to :data:`CHUNK`). A softmax
    prediction costs O(V), so a chunk of :data:`CHUNK` entries over a large vocabulary is
    minutes of work, and every chunk a thread has begun is finished before it stops."""
    per_word = _softmax_seconds_per_word(cfg, np.asarray(counts, np.float64))
    return int(np.clip(SOFTMAX_CHUNK_SECONDS / max(per_word, 1e-12), 16, CHUNK))


#: Float operations per second of one thread in the exact softmax (for the estimate above):
#: 4e9 measured on the AVX-512 machine, 8.7e9 on znver3 (AVX2, 2026-12-07: 3,235 words/s at
#: V = 2,000, dim 100, skip-gram); 6e9 is within 1.5x of both.
SOFTMAX_FLOPS = 6e9


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"




class ThreadsEngine(Engine):
    """The local engine: reads the corpus in this process (an id stream in a temporary file)
    and trains each epoch with one :class:`Trainer` of ``cfg.threads`` threads.

    Parameters
    ----------
    cfg : TrainConfig      resolved.
    corpus : list of str   files, folders, ``-`` for stdin.
    tmp_dir : str, optional
        Folder of the id stream (and of stdin's copy).
    """

    def __init__(self, cfg: TrainConfig, corpus: list[str], tmp_dir: str | None = None):
        self.cfg, self.corpus, self.tmp_dir = cfg, corpus, tmp_dir
        self.stop = threading.Event()
        self.threads_total = cfg.threads
        # room after syn1 and syn1neg for the threads' private copies of the hot rows
        self.spare_rows = (cfg.threads * kernels.HOT_ROWS[cfg.model],
                           cfg.threads * kernels.HOT_NEG_ROWS)
        self.stream: IdStream | None = None
        self.spools: list[str] = []
        self.trainer: Trainer | None = None

    def read(self, fixed: Vocab | None, start: ModelData | None,
             resume: Checkpoint | None) -> Reading:
        cfg = self.cfg
        paths = expand_paths(self.corpus)
        files = corpus_files(paths)
        if resume is not None:
            check_files(resume, files)
        paths, self.spools = spool_stdin(paths, self.tmp_dir)
        stats = CorpusStats()
        if fixed is not None:
            vocab = fixed
            self.stream, self.remap = prepare_with_vocab(paths, cfg, stats, vocab, self.tmp_dir)
        elif start is not None:
            vocab, self.stream, self.remap = prepare_grown(paths, cfg, stats, start,
                                                           self.tmp_dir)
        else:
            vocab, self.stream, self.remap = prepare(paths, cfg, stats, self.tmp_dir)
        self.fingerprint = corpus_fingerprint(files, stats, self.stream, vocab)
        if resume is not None:
            check_fingerprint(resume, self.fingerprint, self.stream)
        return Reading(vocab, stats, list(self.corpus))

    def start(self, model: Model, lockf: np.ndarray | None,
              resume: Checkpoint | None) -> None:
        tr = Trainer(self.cfg, model, self.stream, self.remap, stop=self.stop,
                     chunk=None if resume is None else resume.chunk, lockf=lockf)
        self.trainer = tr
        self.chunk = tr.chunk
        self.words_per_epoch = sum(tr.words)
        self.words_in_vocab = sum(tr.words) + tr.held_words
        if resume is not None:
            tr.restore(resume.state)
        self.epoch = tr.epoch

    def warm_up(self) -> None:
        self.trainer.warm_up()

    def train_epoch(self, epoch: int, tick: Callable[[], None]) -> np.ndarray | None:
        tr = self.trainer
        tr.on_tick = tick
        try:
            return tr.run_epoch(epoch)
        finally:
            tr.on_tick = None
            self.epoch = tr.epoch

    def epoch_sums(self) -> tuple[float, float, float]:
        loss, pairs, seen = np.sum(self.trainer.stats, axis=0)[:3]
        return float(loss), float(pairs), float(seen)

    def position(self) -> tuple[int, int]:
        return self.trainer.epoch, sum(self.trainer.done)

    def held_out(self) -> float | None:
        return self.trainer.score_held_out()

    def at_rest(self, fn: Callable[[], None]) -> bool:
        return self.trainer.paused(fn)

    def checkpoint(self, history: list[dict[str, Any]]) -> CheckpointParts:
        if "stream" not in self.fingerprint:  # hashed once, at the first checkpoint
            self.fingerprint["stream"] = stream_digest(self.stream)
        state = self.trainer.state()
        state.history = [dict(h) for h in history]
        return CheckpointParts(self.weights(), state, {"fingerprint": self.fingerprint})

    def weights(self) -> Weights:
        return self.trainer.model.weights

    def close(self) -> None:
        if self.trainer is not None:
            self.trainer.close()
        if self.stream is not None:
            self.stream.close()
        for s in self.spools:
            os.unlink(s)
        self.spools = []
