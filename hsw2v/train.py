"""Training orchestration: corpus → vocabulary → Huffman tree → id stream → threads of kernels.

The corpus is read and encoded once; each epoch then splits the id stream into one contiguous
range per thread (cut at sentence-piece boundaries, so every kept word is trained exactly once
per epoch) and runs :func:`hsw2v.kernels.train_chunk` on bounded chunks of it in Python threads.
The kernel releases the GIL, so threads update the shared weights lock-free (Hogwild).

The learning rate of thread ``t`` at its ``k``-th word of epoch ``e`` is
``alpha - (alpha - min_alpha) * (e * W_t + k) / (epochs * W_t)`` where ``W_t`` is the number of
in-vocabulary words in its range: with one thread this is word2vec's linear decay over
``epochs x corpus words``; with several, all threads move through the schedule together.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hsw2v import kernels
from hsw2v.config import TrainConfig, make_config
from hsw2v.corpus import CorpusStats, expand_paths
from hsw2v.encoding import IdStream, encode_corpus, scan_corpus, spool_stdin
from hsw2v.errors import ConfigError, CorpusError
from hsw2v.huffman import HuffmanTree, build_huffman
from hsw2v.vocab import (Vocab, build_vocab, check_vocab_size, keep_probabilities, read_vocab,
                         save_vocab)

log = logging.getLogger(__name__)

#: Stream entries handed to one kernel call (bounded memory, responsive progress and stop).
CHUNK = 1 << 17


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


def init_weights(n_words: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """word2vec's initialisation: ``syn0`` uniform in ±0.5/dim, ``syn1`` zeros.

    Returns
    -------
    syn0 : float32 (n_words, dim)
    syn1 : float32 (n_words - 1, dim)
    """
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((n_words, dim), dtype=np.float32) - np.float32(0.5))
            / np.float32(dim)).astype(np.float32)
    syn1 = np.zeros((n_words - 1, dim), dtype=np.float32)
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
        states.append(np.array([s or 0x9E3779B97F4A7C15], dtype=np.uint64))
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
    """Runs the epochs of one training job over a prepared id stream."""

    def __init__(self, cfg: TrainConfig, model: Model, stream: IdStream, remap: np.ndarray,
                 stop: threading.Event | None = None):
        self.cfg = cfg
        self.model = model
        self.stream = stream
        self.remap = np.ascontiguousarray(remap, dtype=np.int32)
        self.keep = keep_probabilities(model.vocab.counts, cfg.sample)
        self.stop = stop or threading.Event()
        t = cfg.threads
        self.splits = stream.splits(t)
        self.words = [stream.count_words(a, b, self.remap) for a, b in self.splits]
        self.rngs = thread_rng_states(cfg.seed, t)
        self.done = [0] * t  # in-vocabulary words read this epoch, per thread
        self.errors: list[BaseException] = []
        dim = model.syn0.shape[1]
        longest = int(model.tree.lengths.max())
        w2 = 2 * cfg.window
        self.scratch = [
            (np.zeros(cfg.max_sentence_length, np.int32), np.zeros(w2, np.int32),
             np.zeros(w2 * longest, np.float32), np.zeros(dim, np.float32),
             np.zeros((w2, dim), np.float32))
            for _ in range(t)
        ]

    def run_epoch(self, epoch: int) -> np.ndarray:
        """Train one epoch; return float64 (4,) [loss, predictions, words read, words trained]."""
        stats = [np.zeros(4, np.float64) for _ in self.splits]
        threads = [threading.Thread(target=self._worker, args=(t, epoch, stats[t]), daemon=True)
                   for t in range(len(self.splits))]
        for th in threads:
            th.start()
        self._wait(threads)
        self.done = [0] * len(self.splits)
        if self.errors:
            raise self.errors[0]
        return np.sum(stats, axis=0)

    def _wait(self, threads: list[threading.Thread]) -> None:
        for th in threads:
            while th.is_alive():
                th.join(0.2)
                if self.on_tick is not None:
                    self.on_tick()

    on_tick: Callable[[], None] | None = None

    def _worker(self, t: int, epoch: int, stats: np.ndarray) -> None:
        try:
            cfg, m = self.cfg, self.model
            start, stop = self.splits[t]
            words_t = max(1, self.words[t])
            step = (cfg.alpha - cfg.min_alpha) / (cfg.epochs * words_t)
            sent, ctx, scores, neu1, neu1e = self.scratch[t]
            tree = m.tree
            done = 0
            for _, ids in self.stream.iter_chunks(start, stop, CHUNK):
                if self.stop.is_set():
                    return
                alpha = cfg.alpha - step * (epoch * words_t + done)
                done += kernels.train_chunk(
                    ids, self.remap, self.keep, m.syn0, m.syn1, tree.codes, tree.points,
                    tree.offsets, cfg.model == "sg", cfg.window, alpha, step, cfg.min_alpha,
                    self.rngs[t], sent, ctx, scores, neu1, neu1e, stats)
                self.done[t] = done
        except BaseException as exc:  # surfaced by run_epoch in the main thread
            self.errors.append(exc)
            self.stop.set()


def run(corpus: Sequence[str | os.PathLike] | str | os.PathLike, cfg: TrainConfig,
        tmp_dir: str | None = None) -> TrainResult:
    """Train word vectors on ``corpus`` with the (unresolved) options ``cfg``.

    Parameters
    ----------
    corpus : path or sequence of paths
        Files, folders, ``-`` for stdin.
    cfg : TrainConfig
    tmp_dir : str, optional
        Folder for the temporary id stream.

    Returns
    -------
    TrainResult
    """
    t0 = time.perf_counter()
    cfg = cfg.resolved()
    if isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    paths = expand_paths(corpus)
    paths, spools = spool_stdin(paths, tmp_dir)
    stats = CorpusStats()
    stream = None
    try:
        vocab, stream, remap = prepare(paths, cfg, stats, tmp_dir)
        if stats.invalid_bytes:
            log.warning("%d bytes of invalid UTF-8 were replaced by U+FFFD", stats.invalid_bytes)
        t_read = time.perf_counter()
        log.info("corpus: %d tokens, %d distinct kept (min-count %d), %d training words",
                 stats.tokens, len(vocab), cfg.min_count, vocab.total)
        if cfg.save_vocab:
            save_vocab(cfg.save_vocab, vocab)
        tree = build_huffman(vocab.counts)
        syn0, syn1 = init_weights(len(vocab), cfg.dim, cfg.seed)
        model = Model(vocab, tree, syn0, syn1)
        trainer = _Trainer(cfg, model, stream, remap)
        epochs = _train_epochs(cfg, trainer)
    finally:
        if stream is not None:
            stream.close()
        for s in spools:
            os.unlink(s)
    t_end = time.perf_counter()
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
        "seconds_training": round(t_end - t_read, 3),
        "seconds_total": round(t_end - t0, 3),
    }
    return TrainResult(model, summary)


def _train_epochs(cfg: TrainConfig, trainer: _Trainer) -> list[dict[str, Any]]:
    """Run every epoch with a progress bar; return per-epoch figures."""
    from tqdm import tqdm

    total = sum(trainer.words) * cfg.epochs
    bar = tqdm(total=total, unit="word", unit_scale=True, file=sys.stderr, disable=cfg.quiet,
               dynamic_ncols=True, smoothing=0.1,
               bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, "
                          "{rate_fmt}{postfix}]")
    base = 0
    epochs = []

    def tick():
        done = base + sum(trainer.done)
        bar.update(done - bar.n)
        bar.set_postfix_str(f"alpha={alpha_at(cfg, done / max(total, 1)):.5f}", refresh=False)

    trainer.on_tick = tick
    try:
        for epoch in range(cfg.epochs):
            t = time.perf_counter()
            loss, pairs, seen, trained = trainer.run_epoch(epoch)
            base += int(seen)  # run_epoch has reset the per-thread counts
            tick()
            mean = loss / pairs if pairs else math.nan
            secs = time.perf_counter() - t
            epochs.append({"epoch": epoch + 1, "loss": float(mean), "words": int(seen),
                           "trained_words": int(trained), "seconds": round(secs, 3)})
            msg = (f"epoch {epoch + 1}/{cfg.epochs}: loss {mean:.4f}, {int(trained)} words "
                   f"trained, {seen / max(secs, 1e-9):,.0f} words/s")
            if cfg.quiet:
                log.debug(msg)
            else:
                bar.write(msg, file=sys.stderr)
    finally:
        bar.close()
    return epochs


def train(corpus, config: str | os.PathLike | None = None, **options: Any):
    """Train word vectors and return them (the Python API).

    Parameters
    ----------
    corpus : path or sequence of paths
        Files, folders (every file below), ``-`` for stdin; ``.gz``/``.bz2``/``.xz`` work.
    config : path, optional
        TOML file of options; ``options`` override it.
    **options
        Any option of ``hsw2v train`` with underscores (``min_count=5``, ``model="cbow"``...).

    Returns
    -------
    hsw2v.vectors.Vectors
        The words (most frequent first) and their float32 (V, D) vectors.
    """
    from hsw2v.vectors import Vectors

    options.setdefault("quiet", True)
    result = run(corpus, make_config(config, **options))
    return Vectors(result.model.vocab.words, result.model.syn0)


def check_output_path(path: str) -> None:
    """Fail before training if ``path`` cannot be written (missing or read-only folder)."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise ConfigError(f"output {path!r} is a folder: give a file name, e.g. {path}/vectors.bin")
    if not os.path.isdir(folder):
        raise ConfigError(f"output folder {folder!r} does not exist: create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"output folder {folder!r} is not writable: choose another -o path")


def train_to_file(corpus, output: str, config_file: str | None = None,
                  **options: Any) -> TrainResult:
    """Train and write the vectors to ``output`` plus ``output + '.json'`` (the CLI's job).

    Both files are written to a temporary name and renamed, so a failed run leaves neither a
    truncated vectors file nor a summary of a run that did not finish.
    """
    from hsw2v.vectors import Vectors

    cfg = make_config(config_file, **options)
    cfg = cfg.resolved()
    check_output_path(output)
    if cfg.quiet:
        logging.getLogger("hsw2v").setLevel(logging.WARNING)
    binary = {None: None, "text": False, "binary": True}[cfg.format]
    result = run(corpus, cfg)
    t = time.perf_counter()
    Vectors(result.model.vocab.words, result.model.syn0).save(output, binary=binary)
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
