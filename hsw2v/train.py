"""One run: the orchestration every way of training shares (set-up -> epochs -> summary).

:func:`run` does, whatever trains the epochs:

1. **Set-up.** The options resolved; the model to train further (``--from-model``) and the
   ``--init-vectors`` read; Python sentences spooled to a file; the vocabulary's origin chosen
   (a checkpoint's or a model's, grown with ``--grow-vocab``, ``--read-vocab``, or counted);
   the engine reads the corpus (:meth:`hsw2v.engine.Engine.read`); the Huffman tree; the
   starting weights (a checkpoint's, carried from a model, or word2vec's initialisation) and
   the rows ``--freeze-init`` keeps fixed; the engine takes them
   (:meth:`~hsw2v.engine.Engine.start`).
2. **Epochs.** One progress display and loss curve (:class:`hsw2v.progress.Progress`), the
   epoch records and lines (the same with ``-q``/``-v`` on every engine), the held-out loss,
   checkpoints every ``--checkpoint-every`` minutes, and SIGINT/SIGTERM turned into a last
   checkpoint and a one-line :class:`~hsw2v.errors.TrainingInterrupted`.
3. **Summary.** The same keys on every engine (``OUT.json``), plus the engine's own part.

The engine (:mod:`hsw2v.engine`) is chosen here: :class:`hsw2v.threads.ThreadsEngine`
(threads of this process) or, with ``--dask``, :class:`hsw2v.distributed.ClusterEngine`.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import shlex
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from hsw2v.checkpoint import Checkpoint, resume_config, save_checkpoint
from hsw2v.config import TrainConfig, check_encoding, check_keywords, make_config
from hsw2v.corpus import CorpusStats, warn_invalid
from hsw2v.distributed import ClusterEngine
from hsw2v.engine import Engine, Model, TrainResult
from hsw2v.errors import (CheckpointError, ConfigError, DistributedError, Hsw2vError,
                          TrainingInterrupted)
from hsw2v.fasttextfile import read_any_model
from hsw2v.formats import write_word2vec
from hsw2v.huffman import HuffmanTree, build_huffman
from hsw2v.interrupt import StopSignals, phase
from hsw2v.modelfile import ModelData, write_model
from hsw2v.outputs import check_not_inputs, check_output_path, write_json_atomic
from hsw2v.progress import Progress
from hsw2v.sentences import SENTENCES, is_paths, spool_sentences
from hsw2v.threads import ThreadsEngine, alpha_at, warn_if_long
from hsw2v.corpus import expand_paths
from hsw2v.vocab import Vocab, build_vocab, check_vocab_size, read_vocab, save_vocab
from hsw2v.weights import (Weights, apply_init_vectors, carried_weights, init_subwords,
                           init_weights,
                           init_width, read_init_vectors)

log = logging.getLogger(__name__)

__all__ = ["run", "train_result", "train_to_file", "configure", "model_data", "further_config",
           "warm_up_default", "Model", "TrainResult"]


def run(corpus: Sequence[str | os.PathLike] | str | os.PathLike | None, cfg: TrainConfig,
        tmp_dir: str | None = None, *, resume: Checkpoint | None = None,
        checkpoint: str | None = None, output: str | None = None,
        start: ModelData | None = None, client: Any = None) -> TrainResult:
    """Train word vectors on ``corpus`` with the (unresolved) options ``cfg``.

    Parameters
    ----------
    corpus : path, sequence of paths, or iterable of sequences of str
        Files, folders, ``-`` for stdin; or tokenised sentences (a list of lists of str, a
        generator...), consumed once.
    cfg : TrainConfig
        With ``cfg.dask`` (an address or ``local:N``) the workers of a Dask cluster train.
    tmp_dir : str, optional
        Folder for the temporary id stream (and the spooled sentences).
    resume : Checkpoint, optional
        Continue this checkpoint's run (``cfg`` must be its configuration; the corpus must
        match its fingerprint).
    checkpoint : str, optional
        Where checkpoints go (default ``cfg.checkpoint``). With a path, SIGINT/SIGTERM during
        training write one there before :class:`TrainingInterrupted` is raised, and one is
        written every ``cfg.checkpoint_every`` minutes (default 30 when ``cfg.checkpoint`` is set).
    output : str, optional
        The vectors file the run is for (recorded in checkpoints, so ``--resume`` needs no -o).
    start : ModelData, optional
        Train this model further (default: read ``cfg.from_model`` if set): its vocabulary and
        tree (grown with ``cfg.grow_vocab``) and its weights; ``cfg`` must match its dimension
        and objective (see :func:`further_config`).
    client : dask.distributed.Client, optional
        Train on this client's cluster (instead of ``cfg.dask``).

    Returns
    -------
    TrainResult
    """
    t0 = time.perf_counter()
    cluster = client is not None or cfg.dask is not None
    if cluster:
        ClusterEngine.check_supported(cfg)
    cfg = cfg.resolved()
    checkpoint = checkpoint or cfg.checkpoint
    if start is None and cfg.from_model and resume is None:
        with phase(f"reading --from-model {cfg.from_model}"):
            start = read_any_model(cfg.from_model)
    if start is not None:
        check_model_fits(start, cfg)
    init = None
    if cfg.init_vectors and resume is None:
        with phase(f"reading --init-vectors {cfg.init_vectors}"):
            init = read_init_vectors(cfg.init_vectors, cfg.dim, cfg.quiet)
    sentences = None
    if not is_paths(corpus):  # tokenised sentences from Python: spooled once, read each epoch
        if check_encoding(cfg.encoding) != "utf-8":
            raise ConfigError(f"encoding={cfg.encoding!r} is for corpus files; sentences from "
                              "Python are text already: drop encoding=")
        sentences = spool_sentences(corpus, tmp_dir)
        corpus = [sentences]
    elif isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    corpus = [os.fspath(p) for p in corpus]
    engine: Engine | None = None
    signals = StopSignals()
    try:
        engine = (ClusterEngine(cfg, corpus, client, sentences) if cluster
                  else ThreadsEngine(cfg, corpus, tmp_dir))
        signals.stop = engine.stop
        with signals, engine:
            one = _Run(cfg, engine, corpus, sentences is not None, resume, start, init,
                       checkpoint, output, t0, signals)
            return one.result()
    except Hsw2vError as exc:
        if sentences is not None and sentences in str(exc) and engine is not None:
            raise type(exc)(f"{exc}{engine.sentences_hint}") from None
        raise
    finally:
        if sentences is not None and os.path.exists(sentences):
            os.unlink(sentences)


class _Run:
    """:func:`run`'s phases, on one engine (see the module docstring)."""

    def __init__(self, cfg: TrainConfig, engine: Engine, corpus: list[str], from_sentences: bool,
                 resume: Checkpoint | None, start: ModelData | None, init, checkpoint: str | None,
                 output: str | None, t0: float, signals: StopSignals):
        self.cfg, self.engine, self.corpus = cfg, engine, corpus
        self.from_sentences = from_sentences
        self.resume, self.start, self.init = resume, start, init
        self.path, self.output, self.t0, self.signals = checkpoint, output, t0, signals
        self.history: list[dict[str, Any]] = []
        #: loss-curve points (hsw2v.progress.Progress; a resumed run goes on from its own)
        self.curve: list[dict[str, Any]] = []
        self.written: list[str] = []

    def result(self) -> TrainResult:
        cfg, engine = self.cfg, self.engine
        vocab, stats, tree = self._read()
        self.vocab = vocab
        t_read = time.perf_counter()
        cpu_read = time.process_time()
        with phase("setting up training", abortable=True):
            model, lockf, init_cover, carried = self._weights(vocab, tree)
            engine.start(model, lockf, self.resume)
            t_load = time.perf_counter()
            engine.warm_up()
            t_load = time.perf_counter() - t_load
        further = None
        if self.start is not None and self.resume is None:
            further = report_further(self.start, vocab, stats, engine.words_in_vocab, carried,
                                     tree)
        if self.resume is not None:
            self.history = [dict(h) for h in self.resume.state.history]
            self.curve = list(self.resume.meta.get("loss_curve") or [])
            log.info("resuming %s at epoch %d/%d", self.resume.path, engine.epoch + 1,
                     cfg.epochs)
        self.meta = self._meta(vocab, lockf)
        with phase("training"):
            epochs = self._epochs()
        if epochs is None:  # stopped by a signal; a second one cannot break the saving
            raise self._interrupted()
        t_end = time.perf_counter()
        cpu_end = time.process_time()
        summary = {
            **corpus_summary(cfg, [SENTENCES] if self.from_sentences else self.corpus, stats,
                             vocab, tree),
            "epochs": epochs,
            # Mean loss per prediction over each ~1% of the run (float64 sums), with the words
            # done and the learning rate at its end: what `hsw2v plot loss` draws.
            "loss_curve": self.curve,
            "seconds_reading": round(t_read - self.t0, 3),
            # Loading the compiled kernel (numba's cache; compiling on a cold cache) is start-up
            # work that threads cannot share: it is reported apart from the training time.
            "seconds_loading_kernel": round(t_load, 3),
            "seconds_training": round(t_end - t_read - t_load, 3),
            "seconds_total": round(t_end - self.t0, 3),
            # CPU time of the whole process (every thread) after reading, and of a cluster's
            # workers in their tasks: against a 1-thread run, what running N threads costs in
            # extra work (it also rises when the machine runs the cores slower, so compare
            # medians of paired runs).
            "cpu_seconds_training": round(cpu_end - cpu_read + engine.cpu_seconds(), 3),
            **engine.summary(),
        }
        if self.resume is not None:
            summary["resumed_from"] = os.path.abspath(self.resume.path)
        if further is not None:
            summary["further"] = further
        if init_cover is not None:
            summary["init_vectors"] = init_cover
        if self.written:
            summary["checkpoints_written"] = len(self.written)
        return TrainResult(Model(vocab, tree, engine.weights()), summary)

    # ------------------------------------------------------------------------------ set-up
    def _read(self) -> tuple[Vocab, CorpusStats, HuffmanTree]:
        """The vocabulary's origin, the engine's reading, the tree."""
        cfg, resume, start = self.cfg, self.resume, self.start
        # A model trained further keeps its vocabulary (and so does its resumed run): the
        # corpus is encoded with it, as with --read-vocab; with --grow-vocab the engine counts
        # first and grows the model's.
        fixed = None
        if resume is not None and resume.meta.get("fixed_vocab"):
            fixed = Vocab(resume.words, resume.counts)
        elif start is not None and not cfg.grow_vocab:
            fixed = Vocab(list(start.words), np.asarray(start.counts, dtype=np.int64))
        self.fixed_vocab = fixed is not None or start is not None
        if fixed is None and cfg.read_vocab and not (start is not None and cfg.grow_vocab):
            words, counts = read_vocab(cfg.read_vocab)
            fixed = build_vocab(words, counts, cfg.min_count, cfg.max_vocab)
            check_vocab_size(fixed, counts, cfg.min_count)
        with phase("reading the corpus", abortable=True):  # (the engine names the step)
            reading = self.engine.read(fixed, start if start is not None and cfg.grow_vocab
                                       else None, resume)
        vocab, stats = reading.vocab, reading.stats
        self.meta_corpus = reading.corpus
        warn_invalid(stats, vocab.words, cfg.encoding)
        log.info("corpus: %d tokens, %d distinct kept (min-count %d), %d training words%s",
                 stats.tokens, len(vocab), cfg.min_count, vocab.total, self.engine.describe())
        if cfg.save_vocab:
            save_vocab(cfg.save_vocab, vocab)
        return vocab, stats, build_huffman(vocab.counts)

    def _weights(self, vocab: Vocab, tree: HuffmanTree):
        """The starting weights, the frozen rows' factors, the ``--init-vectors`` cover and the
        inner nodes a model trained further keeps."""
        cfg, resume, start, engine = self.cfg, self.resume, self.start, self.engine
        spare_hs, spare_neg = engine.spare_rows
        carried = 0
        if resume is not None:
            syn0 = resume.weights.syn0
            if syn0.shape[1] != cfg.dim:
                raise CheckpointError(f"checkpoint {resume.path!r} holds {syn0.shape[1]}-"
                                      f"dimensional weights but --dim is {cfg.dim}")
            if syn0.shape != (len(vocab), cfg.dim):
                raise CheckpointError(f"checkpoint {resume.path!r} holds weights of shape "
                                      f"{syn0.shape}, this corpus and --dim need "
                                      f"{(len(vocab), cfg.dim)}: resume with the same corpus")
            model = Model(vocab, tree, resume.weights)
        elif start is not None:
            old = Vocab(list(start.words), np.asarray(start.counts, dtype=np.int64))
            w, carried = carried_weights(old, start.weights, vocab, tree,
                                         build_huffman(start.counts), cfg.seed, spare_hs,
                                         spare_neg, init_width(cfg.objectives))
            model = Model(vocab, tree, w)
        else:
            syn0, syn1 = init_weights(len(vocab), cfg.dim, cfg.seed, spare_hs,
                                      hs="hs" in cfg.objectives, width=init_width(cfg.objectives))
            model = Model(vocab, tree, Weights(syn0, syn1))
            if cfg.subwords:
                model.weights = init_subwords(model.weights, vocab.words, cfg)
            if "softmax" in cfg.objectives:  # (every thread of every worker together)
                warn_if_long(dataclasses.replace(cfg, threads=engine.threads_total), vocab)
        lockf, cover = start_vectors(cfg, self.init, vocab, model.weights.syn0, resume)
        return model, lockf, cover, carried

    def _meta(self, vocab: Vocab, lockf: np.ndarray | None) -> dict[str, Any]:
        """What every checkpoint of the run records besides the weights and the position."""
        meta = {"config": dataclasses.asdict(self.cfg), "chunk": self.engine.chunk,
                "corpus": self.meta_corpus,
                "output": None if self.output is None else os.path.abspath(self.output),
                "fingerprint": self.engine.fingerprint, "fixed_vocab": self.fixed_vocab}
        if lockf is not None:  # which rows stay fixed (resumed runs keep them)
            meta["frozen"] = (lockf == 0).tolist()
        return meta

    # ------------------------------------------------------------------------------ epochs
    def save(self) -> None:
        """Write a checkpoint of the position the engine has reached."""
        parts = self.engine.checkpoint(self.history)
        meta = {**self.meta, **parts.meta, "loss_curve": list(self.curve)}
        vocab = self.vocab
        save_checkpoint(self.path, meta, vocab.words, vocab.counts, parts.weights, parts.state,
                        extra=parts.extra or None)
        self.written.append(self.path)
        log.debug("checkpoint written to %s", self.path)

    def _epochs(self) -> list[dict[str, Any]] | None:
        """Run the remaining epochs showing progress (a bar on a terminal, plain lines
        otherwise) and recording the loss curve; return the epoch records (None if stopped).
        Every ``--checkpoint-every`` minutes the engine is brought to rest while a checkpoint
        is written."""
        cfg, engine = self.cfg, self.engine
        every = cfg.checkpoint_every or (30.0 if cfg.checkpoint else None)
        due = every if self.path else None
        per_epoch = engine.words_per_epoch
        total = per_epoch * cfg.epochs
        progress = Progress(total, lambda words: alpha_at(cfg, words / max(total, 1)),
                            quiet=cfg.quiet, log_every=cfg.log_every, curve=self.curve)
        base = engine.epoch * per_epoch
        last_save = time.monotonic()

        def tick():
            nonlocal last_save
            # This epoch's sums, read while kernels add to them: a sum may lag by one kernel
            # call (or round), which the next curve point then includes.
            loss, pairs, seen = engine.epoch_sums()
            progress.update(base + int(seen), float(loss), float(pairs))
            if due is not None and time.monotonic() - last_save >= due * 60:
                engine.at_rest(self.save)
                last_save = time.monotonic()

        try:
            tick()  # the starting position (part way into the run when resumed)
            for epoch in range(engine.epoch, cfg.epochs):
                t = time.perf_counter()
                # Words this epoch had read before an interruption (resumed runs): not in the
                # rate.
                seen_before = float(engine.epoch_sums()[2])
                try:
                    result = engine.train_epoch(epoch, tick)
                except DistributedError as exc:
                    raise self._failed(exc) from None
                if result is None:
                    return None
                base += int(result[2])
                progress.epoch_done(result[0], result[1])
                self.history.append(self._record(epoch, result, time.perf_counter() - t,
                                                 seen_before, progress))
                # Only now may a periodic checkpoint be taken: the position already says "next
                # epoch", and a checkpoint written before this record would resume without it.
                tick()
        finally:
            progress.close()
        return self.history

    def _record(self, epoch: int, result: np.ndarray, secs: float, seen_before: float,
                progress: Progress) -> dict[str, Any]:
        """An epoch's record (``OUT.json``'s ``epochs``) and its line."""
        cfg = self.cfg
        loss, pairs, seen, trained, loss_ns = (float(x) for x in result[:5])
        losses, shown = epoch_loss(cfg, loss, pairs, loss_ns)
        if not pairs:
            log.warning("epoch %d trained no (word, context) pairs: the corpus is too small "
                        "(or --sample too low) for training to do anything; lower --sample "
                        "or use a larger corpus", epoch + 1)
        record = {"epoch": epoch + 1, "loss": losses.pop("loss"), "words": int(seen),
                  "trained_words": int(trained), "seconds": round(secs, 3), **losses}
        held = self.engine.held_out()
        if held is not None:
            record["holdout_loss"] = held
            shown += f" (held-out {held:.4f})"
        msg = (f"epoch {epoch + 1}/{cfg.epochs}: loss {shown}, {int(trained)} words "
               f"trained, {(seen - seen_before) / max(secs, 1e-9):,.0f} words/s")
        if cfg.quiet:  # no bar: a log line (shown by the Python API's logging at INFO)
            log.info(msg)
        else:
            progress.write(msg)
        return record

    def _failed(self, exc: DistributedError) -> DistributedError:
        """A cluster that cannot go on (no worker left, the scheduler gone): save the position
        of its last combined round, and say so in the error."""
        if not (self.path and self.engine.checkpoint_after_failure):
            return exc
        try:
            self.save()
        except Exception as err:  # (a failing disk, say): the error says it
            return DistributedError(f"{exc}; and the checkpoint could not be written ({err})")
        resume = f"hsw2v train --resume {shlex.quote(self.path)}"
        return DistributedError(f"{exc}; the last complete round is saved in {self.path}: once "
                                f"the cluster is back, resume with: {resume} (add --dask ADDRESS "
                                "for another cluster)")

    def _interrupted(self) -> TrainingInterrupted:
        """Write the final checkpoint of a stopped run; return the exception that reports it."""
        cfg, engine = self.cfg, self.engine
        caught = self.signals.caught
        how = caught[0] if caught else "a stop request"
        epoch, done = engine.position()
        per_epoch = engine.words_per_epoch
        share = (epoch * per_epoch + done) / max(per_epoch * cfg.epochs, 1)
        where = (f"interrupted by {how} in epoch {min(epoch + 1, cfg.epochs)}/{cfg.epochs} "
                 f"({100 * share:.0f}% of training done)")
        during = self.signals.during
        if during is not None and during != "training":  # the run stopped before training
            where = f"interrupted by {how} while {during}, before training began"
        if not self.path:
            return TrainingInterrupted(f"{where}; no checkpoint was written (pass a checkpoint "
                                       "path to be able to resume)")
        self.save()
        stdin = " (with the same corpus on stdin)" if "-" in self.corpus else ""
        return TrainingInterrupted(f"{where}; checkpoint written to {self.path}; resume with: "
                                   f"hsw2v train --resume {shlex.quote(self.path)}{stdin}")


def start_vectors(cfg: TrainConfig, init, vocab: Vocab, syn0: np.ndarray,
                  resume: Checkpoint | None) -> tuple[np.ndarray | None, dict | None]:
    """Set ``--init-vectors``' rows of ``syn0`` (in place) and say which rows
    ``--freeze-init`` keeps fixed (a resumed run: those its checkpoint names).

    Returns
    -------
    lockf : float32 (V,) or None     0 for a frozen row, 1 otherwise (the trainer's factor).
    cover : dict or None             words set and their share (the summary's ``init_vectors``).
    """
    found = cover = None
    if init is not None:
        found = apply_init_vectors(init, vocab, syn0)
        cover = {"words": int(found.sum()), "share": float(found.mean())}
        log.info("--init-vectors set %d of %d words (%.1f%%)%s", found.sum(), len(vocab),
                 100 * found.mean(), "; they stay fixed" if cfg.freeze_init else "")
    if not cfg.freeze_init:
        return None, cover
    if resume is not None:
        found = np.asarray(resume.meta["frozen"], dtype=bool)
    return np.where(found, 0.0, 1.0).astype(np.float32), cover


def corpus_summary(cfg: TrainConfig, corpus: list[str], stats: CorpusStats, vocab: Vocab,
                   tree) -> dict[str, Any]:
    """The first part of a run's summary (``OUT.json``): the options, the corpus, what was read
    and the vocabulary and tree built from it (the local and the cluster trainer alike)."""
    return {
        "config": dataclasses.asdict(cfg),
        "corpus": corpus,
        "tokens": stats.tokens,
        "bytes": stats.bytes,
        "invalid_utf8_bytes": stats.invalid_bytes,
        "vocab_size": len(vocab),
        "training_words_per_epoch": vocab.total,
        "huffman_mean_code_length": float(np.average(tree.lengths, weights=vocab.counts)),
        "huffman_max_code_length": int(tree.lengths.max()),
    }



def epoch_loss(cfg: TrainConfig, loss: float, pairs: float, loss_ns: float
               ) -> tuple[dict[str, float | None], str]:
    """An epoch's mean loss per prediction from its float64 sums: the record's fields
    (``loss``; with ``hs+ns`` also each objective's own, ``loss_hs`` and ``loss_ns``, since
    their sum is not a likelihood of anything) and how the epoch's line shows it. No
    prediction at all (a tiny corpus after subsampling) gives None, never NaN (not JSON)."""
    mean = float(loss / pairs) if pairs else None
    if cfg.loss != "hs+ns":
        return {"loss": mean}, "n/a" if mean is None else f"{mean:.4f}"
    if mean is None:
        return {"loss": None, "loss_hs": None, "loss_ns": None}, "n/a"
    mean_ns = float(loss_ns / pairs)
    return ({"loss": mean + mean_ns, "loss_hs": mean, "loss_ns": mean_ns},
            f"hs {mean:.4f} + ns {mean_ns:.4f}")


def check_model_fits(start: ModelData, cfg: TrainConfig) -> None:
    """Refuse options a model cannot be trained further with (another dimension or
    objective)."""
    dim = start.weights.dim
    if cfg.dim != dim:
        raise ConfigError(f"{cfg.spell('dim', cfg.dim)} differs from the model's {dim}: a model "
                          f"trains further with its own dimension (drop {cfg.spell('dim')})")
    sw = start.weights.subwords
    have = None if sw is None else ((sw.minn, sw.maxn), sw.nbuckets)
    want = None if cfg.subwords is None else (tuple(cfg.subwords), cfg.buckets)
    if have != want:
        mine = ("no subwords" if sw is None else
                f"subwords {sw.minn}-{sw.maxn} in {sw.nbuckets} buckets")
        raise ConfigError(f"the model has {mine}: a model trains further with its own "
                          f"(drop {cfg.spell('subwords')} and {cfg.spell('buckets')})")
    loss = start.config.get("loss", "hs")
    if cfg.loss != loss:
        raise ConfigError(f"{cfg.spell('loss', cfg.loss)} differs from the model's {loss}: a "
                          "model trains further with its own objective (drop "
                          f"{cfg.spell('loss')})")


def report_further(start: ModelData, vocab: Vocab, stats: CorpusStats, in_vocab: int,
                   carried: int, tree: HuffmanTree) -> dict[str, Any]:
    """What training a model further kept and left out; logged and returned for the summary.

    ``in_vocab`` is the number of the new text's tokens that are in the vocabulary.
    """
    out = {"model_words": len(start.words), "words": len(vocab),
           "new_words": len(vocab) - len(start.words), "inner_nodes_kept": carried,
           "inner_nodes": max(tree.n_words - 1, 0), "tokens": stats.tokens,
           "tokens_out_of_vocabulary": stats.tokens - in_vocab}
    share = out["tokens_out_of_vocabulary"] / max(stats.tokens, 1)
    log.info("training further: %d of the new text's %d tokens (%.1f%%) are not in the "
             "vocabulary and are left out%s", out["tokens_out_of_vocabulary"], stats.tokens,
             100 * share, "" if out["new_words"] == 0 else
             f"; the vocabulary grew by {out['new_words']} words (--grow-vocab), "
             f"{carried} of {out['inner_nodes']} inner nodes keep their rows")
    return out


def further_config(start: ModelData, config_file: str | os.PathLike | None = None, *,
                   origin: str = "cli", **options: Any) -> TrainConfig:
    """The configuration of training ``start`` further: its own options, with the ones given
    (in ``config_file`` and ``options``) applied. The learning-rate schedule starts again from
    ``alpha``; file options of the run that made the model (outputs, vocabulary files,
    checkpoints, init vectors) and its Dask cluster are not carried over.
    """
    from hsw2v.config import load_config

    base = {k: v for k, v in start.config.items() if k in TrainConfig.__dataclass_fields__}
    for key in ("save_vocab", "read_vocab", "checkpoint", "checkpoint_every", "init_vectors",
                "freeze_init", "save_model", "from_model", "grow_vocab", "format", "holdout",
                "dask"):
        base.pop(key, None)
    given = load_config(config_file) if config_file is not None else {}
    given.update((k, v) for k, v in options.items() if v is not None)
    base.update(given)
    return make_config(None, origin=origin, **base)


def warm_up_default() -> None:
    """Compile (or load from numba's cache) the kernels that a default ``hsw2v train FILE``
    runs: the tokenizer and the loop of skip-gram with hierarchical softmax at dim 100 (``hsw2v
    demo`` calls it, so that a first training after it starts at once)."""
    with tempfile.TemporaryDirectory(prefix="hsw2v-warm-") as tmp:
        path = os.path.join(tmp, "warm.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("the cat sat on the mat and the dog sat on the log\n" * 4)
        run([path], make_config(min_count=1, epochs=1, threads=1, quiet=True), tmp_dir=tmp)



def train_result(corpus, config: str | os.PathLike | None = None, resume: str | None = None,
                 output: str | os.PathLike | None = None, *, start: ModelData | None = None,
                 **options: Any) -> TrainResult:
    """:func:`train`'s work: the model and the summary (and the files, with ``output``).

    ``start`` trains that model further (as ``from_model=PATH`` does with a saved one).
    """
    if output is not None:
        return train_to_file(corpus, os.fspath(output), config_file=config, resume=resume,
                             mute_log=False, start=start, origin="python", **options)
    client = _client(options)
    ckpt, cfg, start = configure(config, resume, start=start, origin="python", **options)
    if ckpt is not None:
        corpus = corpus or ckpt.meta["corpus"]
    _check_paths(corpus, cfg, None, cfg.checkpoint, config, resume)
    result = run(corpus, cfg, resume=ckpt, start=start, client=client)
    if cfg.save_model:
        write_model(cfg.save_model, model_data(result))
    return result


def configure(config_file: str | os.PathLike | None, resume: str | None, *,
              start: ModelData | None = None, origin: str = "cli", **options: Any
              ) -> tuple[Checkpoint | None, TrainConfig, ModelData | None]:
    """The run's configuration: a checkpoint's (``resume``), a model's trained further
    (``start``, or ``from_model=PATH``), or new; the resolved options, and the model to start
    from. ``origin``: where ``options`` come from, ``"cli"`` or ``"python"`` (how a bad one is
    named)."""
    # Other tools' names (gensim's...) all at once, before anything is read
    check_keywords(options, call="model.train" if start is not None else "hsw2v.train",
                   fresh=resume is None and start is None)
    if resume is not None:
        ckpt, cfg = resume_config(resume, config_file, origin=origin, **options)
        return ckpt, cfg, None
    path = options.get("from_model")
    if start is None and path is None and config_file is not None:
        from hsw2v.config import load_config

        path = load_config(config_file).get("from_model")
    if start is None and path is not None:
        start = read_any_model(path)
    if start is not None:
        return None, further_config(start, config_file, origin=origin,
                                    **options).resolved(), start
    cfg = make_config(config_file, origin=origin, **options).resolved()
    if cfg.grow_vocab:
        raise ConfigError(f"{cfg.spell('grow_vocab')} adds words to a model trained further: "
                          f"give {cfg.spell('from_model', 'MODEL')} too")
    return None, cfg, None


def model_data(result: TrainResult) -> ModelData:
    """The model of a finished run, as a model file holds it."""
    m = result.model
    return ModelData(list(m.vocab.words), np.asarray(m.vocab.counts, np.int64),
                     m.weights.contiguous(), dict(result.summary["config"]),
                     dict(result.summary))


def _check_paths(corpus, cfg: TrainConfig, output: str | None, checkpoint: str | None,
                 config_file, resume: str | None) -> None:
    """Refuse, before anything is read, an output that is the same file as an input (the
    corpus, --read-vocab, --config, the checkpoint resumed from) or as another output."""
    if isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    corpus_paths = None  # sentences, or a cluster's corpus (the workers' paths: checked there)
    if is_paths(corpus) and getattr(cfg, "dask", None) is None:
        corpus_paths = expand_paths(corpus)
    inputs = {"the corpus file": corpus_paths, "--read-vocab": cfg.read_vocab,
              "--config": config_file, "--from-model": cfg.from_model,
              "--init-vectors": cfg.init_vectors}
    outputs = {"-o": output, "the summary": None if output is None else output + ".json",
               "--save-vocab": cfg.save_vocab, "--checkpoint": checkpoint,
               "--save-model": cfg.save_model}
    check_not_inputs(outputs, inputs)
    # The checkpoint of a resumed run may be the one it resumes from (it is rewritten there).
    check_not_inputs({k: v for k, v in outputs.items() if k != "--checkpoint"},
                     {"the checkpoint given to --resume": resume})


def train_to_file(corpus, output: str | None, config_file: str | None = None,
                  resume: str | None = None, *, mute_log: bool = True,
                  start: ModelData | None = None, origin: str = "cli",
                  **options: Any) -> TrainResult:
    """Train and write the vectors to ``output`` plus ``output + '.json'`` (the CLI's job).

    Both files are written to a temporary name and renamed, so a failed run leaves neither a
    truncated vectors file nor a summary of a run that did not finish.

    SIGINT/SIGTERM during training write a checkpoint (``--checkpoint``, default
    ``output + '.ckpt'``) and raise :class:`TrainingInterrupted`; ``resume`` continues from one
    (``corpus`` and ``output`` then default to the checkpoint's). The checkpoint is deleted once
    the vectors are written. ``dask`` may be a ``dask.distributed.Client`` (its cluster
    trains).

    With ``quiet`` and ``mute_log`` (the CLI's ``-q``), hsw2v's INFO log lines are silenced
    too; ``hsw2v.train(output=...)`` passes ``mute_log=False`` and leaves logging to the caller.
    """
    client = _client(options)
    ckpt, cfg, start = configure(config_file, resume, start=start, origin=origin, **options)
    if ckpt is not None:
        corpus = corpus or ckpt.meta["corpus"]
        output = output or ckpt.meta.get("output")
        if not output:
            raise ConfigError(f"checkpoint {resume!r} records no output file: give -o OUT")
    if not output:
        raise ConfigError("no output file: give -o OUT")
    checkpoint = cfg.checkpoint or output + ".ckpt"
    _check_paths(corpus, cfg, output, checkpoint, config_file, resume)
    check_output_path(output)
    if cfg.checkpoint:
        check_output_path(checkpoint)
    binary = {None: None, "text": False, "binary": True}[cfg.format]
    logger = logging.getLogger("hsw2v")
    level = logger.level
    if cfg.quiet and mute_log:
        logger.setLevel(logging.WARNING)
    try:  # (-q: quiet to the end, the line that says what was written included)
        result = run(corpus, cfg, resume=ckpt, checkpoint=checkpoint, output=output,
                     start=start, client=client)
        _write_outputs(result, cfg, output, binary, checkpoint, resume)
    finally:
        logger.setLevel(level)
    return result


def _client(options: dict[str, Any]) -> Any:
    """A ``dask.distributed.Client`` given as ``dask`` (taken out of ``options``), or None."""
    if options.get("dask") is not None and not isinstance(options["dask"], str):
        return options.pop("dask")
    return None


def _write_outputs(result: TrainResult, cfg: TrainConfig, output: str, binary: bool | None,
                   checkpoint: str, resume: str | None) -> None:
    """Write a finished run's vectors, model and summary (the checkpoint is then spent)."""
    t = time.perf_counter()
    words = result.model.vocab.words
    if os.path.isfile(checkpoint):
        lost = (f"training's result is lost, but the checkpoint {checkpoint} resumes the run "
                f"from its last save: hsw2v train --resume {shlex.quote(checkpoint)}")
    else:
        lost = "training's result is lost: run the command again"
    with phase(f"writing the vectors to {output}",
               f"{output} was not written (no partial file); {lost}"):
        write_word2vec(output, words, result.model.weights.word_vectors(words), binary=binary)
    if cfg.save_model:
        with phase(f"writing the model to {cfg.save_model}",
                   f"{output} was written; {cfg.save_model} and {output}.json were not "
                   "(no partial file)"):
            write_model(cfg.save_model, model_data(result))
    ours = result.summary.get("checkpoints_written") or (
        resume is not None and os.path.abspath(resume) == os.path.abspath(checkpoint))
    if ours and os.path.isfile(checkpoint):  # the run is complete: its checkpoint is spent
        os.unlink(checkpoint)
    result.summary["seconds_writing"] = round(time.perf_counter() - t, 3)
    result.summary["output"] = os.path.abspath(output)
    written = output if not cfg.save_model else f"{output} and {cfg.save_model}"
    with phase(f"writing the summary to {output}.json",
               f"{written} {'were' if cfg.save_model else 'was'} written; {output}.json was not "
               "(no partial file)"):
        write_json_atomic(output + ".json", result.summary)
    log.info("wrote %s (%d words x %d) and %s.json", output, len(result.model.vocab),
             cfg.dim, output)
