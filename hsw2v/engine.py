"""What one run asks of the engine that trains it: the interface of :func:`hsw2v.train.run`.

A run (:mod:`hsw2v.train`) is the same whatever trains it: it chooses the vocabulary's origin
(counted, given, grown, resumed), the starting weights (fresh, carried from a model, from a
checkpoint), the ``--init-vectors`` rows; it drives the epochs with one progress display and
loss curve, writes the epoch records, periodic and final checkpoints, turns SIGINT/SIGTERM
into a checkpoint and a one-line message, and writes the summary. An :class:`Engine` does
what depends on where the work runs:

* :meth:`Engine.read` reads and counts the corpus and encodes it with the vocabulary;
* :meth:`Engine.start` takes the starting weights (and a checkpoint's position);
* :meth:`Engine.train_epoch` trains (the rest of) an epoch, calling ``tick`` at safe points,
  and stops at the next one once :attr:`Engine.stop` is set;
* :meth:`Engine.checkpoint` says what a checkpoint holds at the position reached;
* :meth:`Engine.summary` adds its own part to the run's summary.

Two engines exist: :class:`hsw2v.threads.ThreadsEngine` (threads of this process, Hogwild)
and :class:`hsw2v.distributed.ClusterEngine` (the workers of a Dask cluster, in synchronous
rounds). A third, say deterministic rounds of threads in one process, would subclass
:class:`Engine` the same way: read with :class:`hsw2v.threads.Trainer`'s stream (as
``ThreadsEngine.read``), and in ``train_epoch`` run each round's slots on private copies of
the weights and combine them with :func:`hsw2v.kernels.combine_rows` at each round's end;
the vocabulary, weights, progress, checkpoints, interruption and summary come from the run.
"""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from hsw2v.checkpoint import Checkpoint, TrainState
from hsw2v.corpus import CorpusStats
from hsw2v.huffman import HuffmanTree
from hsw2v.modelfile import ModelData
from hsw2v.vocab import Vocab
from hsw2v.weights import Weights


@dataclasses.dataclass
class Model:
    """Trained (or training) weights with the vocabulary and tree they belong to.

    Attributes
    ----------
    vocab : Vocab
    tree : HuffmanTree
    weights : Weights   (a trainer replaces its arrays by views of its padded kernel rows)
    """

    vocab: Vocab
    tree: HuffmanTree
    weights: Weights


@dataclasses.dataclass
class TrainResult:
    """What :func:`hsw2v.train.run` returns: the model and a JSON-ready summary of the run."""

    model: Model
    summary: dict[str, Any]


@dataclasses.dataclass
class Reading:
    """What :meth:`Engine.read` gives the run.

    Attributes
    ----------
    vocab : Vocab           the vocabulary the stream is encoded with.
    stats : CorpusStats     files, bytes, tokens... of the corpus.
    corpus : list of str    the corpus as a checkpoint records it (``--resume`` reads it again).
    """

    vocab: Vocab
    stats: CorpusStats
    corpus: list[str]


@dataclasses.dataclass
class CheckpointParts:
    """What a checkpoint holds at the engine's position (see :meth:`Engine.checkpoint`).

    Attributes
    ----------
    weights : Weights       the weights to save.
    state : TrainState      the position (its ``history``: the run's epoch records).
    meta : dict             the engine's own metadata (merged into the checkpoint's).
    extra : dict of arrays  the engine's own arrays (``extra`` of ``save_checkpoint``).
    """

    weights: Weights
    state: TrainState
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)
    extra: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)


class Engine:
    """Trains the epochs of one run (see the module docstring). A context manager: leaving it
    frees what the engine holds (files, threads, the cluster's job).

    Attributes (set by :meth:`read` and :meth:`start`)
    ----------
    stop : threading.Event      set: stop at the next safe point (a chunk's or a round's end).
    threads_total : int         threads training at once, all processes together.
    chunk : int                 stream entries per chunk (a checkpoint's positions count them).
    fingerprint : dict          what a checkpoint records of the corpus (checked on resume).
    epoch : int                 the epoch in progress (0-based; after :meth:`start`).
    words_per_epoch : int       in-vocabulary words an epoch trains (after :meth:`start`).
    words_in_vocab : int        in-vocabulary words of the corpus, held-out ones included.
    spare_rows : (int, int)     rows the engine wants after ``syn1`` and ``syn1neg`` (its
                                threads' private copies), so that the run's arrays are used in
                                place.
    """

    stop: threading.Event
    threads_total: int = 1
    chunk: int = 0
    fingerprint: dict[str, Any]
    epoch: int = 0
    words_per_epoch: int = 0
    words_in_vocab: int = 0
    spare_rows: tuple[int, int] = (0, 0)
    #: Added to an error that names the file sentences from Python were spooled to.
    sentences_hint: str = ""
    #: Whether :meth:`checkpoint` still holds a consistent position after
    #: :meth:`train_epoch` raised a :class:`~hsw2v.errors.DistributedError` (a cluster's
    #: position moves only when a round is combined), so the run can save it before it fails.
    checkpoint_after_failure: bool = False

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, fixed: Vocab | None, start: ModelData | None,
             resume: Checkpoint | None) -> Reading:
        """Read the corpus: count it and build the vocabulary (``fixed``: encode with that one;
        ``start`` with ``--grow-vocab``: grow that model's), encode it."""
        raise NotImplementedError

    def describe(self) -> str:
        """What the run's ``corpus:`` line adds about the engine (after :meth:`read`)."""
        return ""

    def start(self, model: Model, lockf: np.ndarray | None,
              resume: Checkpoint | None) -> None:
        """Take the starting weights (``lockf``: float32 (V,), 0 freezes a row) and, resumed,
        the checkpoint's position."""
        raise NotImplementedError

    def warm_up(self) -> None:
        """Load (or compile) the kernels, and make ready whatever else must be before the
        clock starts (a cluster's trainers on its workers); then :attr:`epoch`,
        :attr:`words_per_epoch`, :attr:`words_in_vocab`, :attr:`chunk` and
        :attr:`fingerprint` hold."""

    def train_epoch(self, epoch: int, tick: Callable[[], None]) -> np.ndarray | None:
        """Train (the rest of) ``epoch``, calling ``tick`` now and then (never after the
        epoch's last work: the run ticks after its record).

        Returns
        -------
        float64 (5,) or None
            [loss, predictions, words read, words trained, ns loss] of the epoch; None if
            :attr:`stop` ended it first.
        """
        raise NotImplementedError

    def epoch_sums(self) -> tuple[float, float, float]:
        """(loss, predictions, words read) of the epoch in progress so far (float64 sums)."""
        raise NotImplementedError

    def position(self) -> tuple[int, int]:
        """(epoch in progress, in-vocabulary words of it done)."""
        raise NotImplementedError

    def held_out(self) -> float | None:
        """Held-out loss per prediction after the last epoch (``--holdout``), or None."""
        return None

    def at_rest(self, fn: Callable[[], None]) -> bool:
        """Call ``fn`` (a checkpoint) where no work is in flight; False if stopped first."""
        fn()
        return True

    def checkpoint(self, history: list[dict[str, Any]]) -> CheckpointParts:
        """The checkpoint at the position reached (``history``: the epoch records)."""
        raise NotImplementedError

    def weights(self) -> Weights:
        """The trained weights, (V, D) float32 (``syn1neg``/``syn1sm`` None: unused)."""
        raise NotImplementedError

    def cpu_seconds(self) -> float:
        """CPU seconds spent outside this process so far (a cluster's workers), 0 here."""
        return 0.0

    def summary(self) -> dict[str, Any]:
        """The engine's own part of the run's summary."""
        return {}

    def close(self) -> None:
        """Free what the engine holds."""
