"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is one uncompressed ``.npz`` file (NumPy's zip of arrays, read back with
``allow_pickle=False``), written to a temporary name beside the target, flushed to disk and
renamed over it, so a crash or a full disk never leaves a half-written checkpoint behind.

It holds

* ``meta``: UTF-8 JSON — format version, the resolved configuration, the chunk size of the
  run (positions below are chunk boundaries), the corpus paths (with
  their sizes), the output path, the corpus fingerprint, the finished epochs' summaries;
* ``words`` (UTF-8, newline-joined) and ``counts``: the vocabulary; the Huffman tree is rebuilt
  from the counts (:func:`hsw2v.huffman.build_huffman` is deterministic);
* ``syn0``, ``syn1``: the weights (``syn1`` has 0 rows without hierarchical softmax), and
  ``syn1neg`` (negative sampling) or ``syn1sm`` (exact softmax) when the run trains them;
* the position in the schedule: ``epoch``; per thread's range of chunks, taken in the epoch's
  order (see :mod:`hsw2v.train`), ``front`` (chunks trained from the front of that order),
  ``back`` (where the chunks other threads took from its back start) and ``done``
  (in-vocabulary words of its trained chunks); per thread ``rng`` (xorshift64* state) and
  ``stats`` (the epoch's loss accumulators).

On resume the corpus is read and encoded again (the id stream is not stored: it can be as large
as the corpus) and must match the fingerprint: same bytes, tokens, stream length, vocabulary
and a digest of the id stream. Any difference is refused with a :class:`CheckpointError`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import zipfile
from typing import Any

import numpy as np

from hsw2v.config import TrainConfig, check_keywords, load_config
from hsw2v.errors import CheckpointError, ConfigError
from hsw2v.outputs import json_default, write_npz_atomic
from hsw2v.weights import Weights

FORMAT = "hsw2v-checkpoint"
VERSION = 3  # 3: objectives (syn1neg, syn1sm; 5 stats); 2: ranges of chunks in a per-epoch order
#: Versions this hsw2v resumes (2 is a hierarchical-softmax run with 4 stats per thread).
READABLE = (2, 3)
EXTRA = "extra_"  # prefix of a trainer's own arrays in the file


@dataclasses.dataclass
class TrainState:
    """Position of a run in its schedule (see the module docstring).

    Attributes
    ----------
    epoch : int                0-based epoch in progress.
    front : int64 (T,)         per range: chunks of its order trained from the front.
    back : int64 (T,)          per range: index in its order where the chunks other threads
                               took from its back start (its length if none were).
    done : int64 (T,)          per range: in-vocabulary words of its trained chunks.
    rng : uint64 (T,)          each thread's generator state.
    stats : float64 (T, 5)     each thread's [loss, predictions, words read, words trained,
                               negative-sampling loss].
    history : list of dict     summaries of the finished epochs.
    """

    epoch: int
    front: np.ndarray
    back: np.ndarray
    done: np.ndarray
    rng: np.ndarray
    stats: np.ndarray
    history: list[dict[str, Any]]


@dataclasses.dataclass
class Checkpoint:
    """A loaded checkpoint."""

    path: str
    meta: dict[str, Any]
    words: list[str]
    counts: np.ndarray
    weights: Weights
    state: TrainState
    #: arrays a trainer saved besides the model (``extra`` of :func:`save_checkpoint`)
    extra: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)

    @property
    def chunk(self) -> int:
        """Stream entries per chunk of work in the run that wrote it (positions are counted in
        its chunks)."""
        return int(self.meta["chunk"])


def stream_digest(stream, chunk: int = 1 << 22) -> str:
    """BLAKE2b digest (hex) of an id stream's entries, read in bounded chunks."""
    h = hashlib.blake2b(digest_size=16)
    for pos in range(0, stream.n, chunk):
        h.update(stream.read(pos, chunk).tobytes())
    return h.hexdigest()


def vocab_digest(words: list[str], counts: np.ndarray) -> str:
    """BLAKE2b digest (hex) of a vocabulary's words and counts."""
    h = hashlib.blake2b(digest_size=16)
    h.update("\n".join(words).encode("utf-8"))
    h.update(np.ascontiguousarray(counts, dtype="<i8").tobytes())
    return h.hexdigest()


def corpus_files(paths: list[str]) -> list[list]:
    """``[path, size]`` of each corpus file (size None for stdin)."""
    out = []
    for p in paths:
        out.append([p, None if p == "-" else os.path.getsize(p)])
    return out


def save_checkpoint(path: str, meta: dict[str, Any], words: list[str], counts: np.ndarray,
                    weights: Weights, state: TrainState,
                    extra: dict[str, np.ndarray] | None = None) -> None:
    """Write a checkpoint atomically (temporary file, fsync, rename).

    ``extra``: more arrays of the trainer's own (a distributed run's changes not yet in the
    model), given back as :attr:`Checkpoint.extra` under the same names.
    """
    path = os.fspath(path)
    meta = dict(meta, format=FORMAT, version=VERSION, epoch=state.epoch, history=state.history)
    arrays = {
        "meta": np.frombuffer(json.dumps(meta, default=json_default).encode("utf-8"), np.uint8),
        "words": np.frombuffer("\n".join(words).encode("utf-8"), np.uint8),
        "counts": np.asarray(counts, dtype=np.int64),
        **weights.arrays(),
        "front": np.asarray(state.front, dtype=np.int64),
        "back": np.asarray(state.back, dtype=np.int64),
        "done": np.asarray(state.done, dtype=np.int64),
        "rng": np.asarray(state.rng, dtype=np.uint64),
        "stats": np.asarray(state.stats, dtype=np.float64),
    }
    for name, a in (extra or {}).items():
        arrays[EXTRA + name] = np.asarray(a)
    write_npz_atomic(path, arrays)


def load_checkpoint(path: str) -> Checkpoint:
    """Read and check a checkpoint written by :func:`save_checkpoint`.

    Raises
    ------
    CheckpointError
        The file is missing, not a checkpoint, corrupt or inconsistent.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path!r} does not exist: give the file written by the "
                              "interrupted run (its path was printed when it stopped)")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile,
            RuntimeError) as exc:
        raise CheckpointError(f"checkpoint {path!r} is not a readable hsw2v checkpoint ({exc}): "
                              "use another checkpoint or start the run again") from exc
    bad = f"checkpoint {path!r} is corrupt"
    try:
        meta = json.loads(data["meta"].tobytes().decode("utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise CheckpointError(f"{path!r} is not an hsw2v checkpoint: give a file written by "
                                  "hsw2v train --checkpoint (or on interrupt)")
        if meta.get("version") not in READABLE:
            raise CheckpointError(f"checkpoint {path!r} has format version {meta.get('version')}, "
                                  f"this hsw2v reads version {VERSION}: resume with the hsw2v "
                                  "version that wrote it")
        words = data["words"].tobytes().decode("utf-8").split("\n")
        counts, weights = data["counts"], Weights.from_arrays(data)
        stats = data["stats"]
        if meta["version"] == 2 and stats.ndim == 2 and stats.shape[1] == 4:
            stats = np.concatenate([stats, np.zeros((len(stats), 1))], axis=1)
        state = TrainState(epoch=int(meta["epoch"]), front=data["front"], back=data["back"],
                           done=data["done"],
                           rng=data["rng"], stats=stats, history=list(meta["history"]))
        v, t = len(words), len(state.front)
        objectives = str(meta.get("config", {}).get("loss", "hs")).split("+")
        ok = (counts.dtype == np.int64 and counts.shape == (v,) and v >= 2
              and weights.problem(v, objectives) is None
              and state.front.dtype == np.int64 and state.done.shape == (t,)
              and state.back.dtype == np.int64 and state.back.shape == (t,)
              and state.rng.dtype == np.uint64 and state.rng.shape == (t,)
              and state.stats.shape == (t, 5) and t >= 1
              and isinstance(meta.get("chunk"), int) and meta["chunk"] >= 1)
        if not ok:
            raise CheckpointError(f"{bad} (arrays of the wrong shape or type): use another "
                                  "checkpoint or start the run again")
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{bad} ({type(exc).__name__}: {exc}): use another checkpoint or "
                              "start the run again") from exc
    extra = {k[len(EXTRA):]: v for k, v in data.items() if k.startswith(EXTRA)}
    return Checkpoint(path, meta, words, counts, weights, state, extra)


def corpus_fingerprint(files, stats, stream, vocab) -> dict[str, Any]:
    """What a resumed run checks of its corpus: file sizes, bytes, tokens, stream length, vocab.

    ``stats`` is a :class:`hsw2v.corpus.CorpusStats`, ``stream`` an
    :class:`hsw2v.encoding.IdStream`, ``vocab`` a :class:`hsw2v.vocab.Vocab`.
    """
    return {"files": files, "bytes": stats.bytes, "tokens": stats.tokens,
            "stream_entries": stream.n, "vocab": vocab_digest(vocab.words, vocab.counts)}


def check_files(ckpt: Checkpoint, files: list[list]) -> None:
    """Refuse a corpus whose file sizes differ from the checkpoint's (before reading it)."""
    old = ckpt.meta.get("fingerprint", {}).get("files", [])
    sizes_old = [s for _, s in old]
    sizes_new = [s for _, s in files]
    if sizes_old != sizes_new:
        raise CheckpointError(
            f"the corpus differs from the one checkpoint {ckpt.path!r} was trained on "
            f"({len(files)} file(s) of sizes {sizes_new[:5]} vs {len(old)} of sizes "
            f"{sizes_old[:5]}): resume with the same corpus")


def check_fingerprint(ckpt: Checkpoint, fp: dict[str, Any], stream) -> None:
    """Refuse to resume unless the corpus was read exactly as in the checkpointed run."""
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


#: Options that may differ between a run and its resumption (they do not change the vectors).
RESUME_MAY_CHANGE = ("quiet", "log_every", "checkpoint", "checkpoint_every", "format",
                     "save_vocab", "save_model", "dask")


def resume_config(path: str, config_file: str | os.PathLike | None = None, *,
                  origin: str = "cli", **options: Any) -> tuple[Checkpoint, TrainConfig]:
    """Load a checkpoint and its configuration, with the options that may change applied.

    Any other option given must equal the checkpoint's (a resumed run keeps its schedule).
    ``origin``: where ``options`` come from, ``"cli"`` or ``"python"`` (how one is named).
    """
    check_keywords(options)
    ckpt = load_checkpoint(path)
    try:
        cfg = TrainConfig(**ckpt.meta["config"]).resolved()
    except (TypeError, KeyError, ConfigError) as exc:
        raise CheckpointError(f"checkpoint {path!r} holds an unusable configuration ({exc}): "
                              "resume with the hsw2v version that wrote it") from exc
    given = load_config(config_file) if config_file is not None else {}
    sources = dict.fromkeys(given, "toml")
    given.update((k, v) for k, v in options.items() if v is not None)
    sources.update((k, origin) for k, v in options.items() if v is not None)
    cfg.__dict__.update(_sources=sources, _origin=origin,
                        _file=None if config_file is None else os.fspath(config_file))
    for key, value in given.items():
        if key in RESUME_MAY_CHANGE:
            setattr(cfg, key, value)
        elif value != getattr(cfg, key):
            may = [cfg.spell(k) for k in ("quiet", "log_every", "checkpoint",
                                          "checkpoint_every", "format", "save_vocab")]
            raise ConfigError(
                f"{cfg.spell(key, value, quote=True)} differs from the checkpoint's "
                f"{getattr(cfg, key)!r}: a resumed run keeps its options (only "
                f"{', '.join(may[:-1])} and {may[-1]} may change); drop {cfg.spell(key)}")
    cfg.validate()
    return ckpt, cfg
