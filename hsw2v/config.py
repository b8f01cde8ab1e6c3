"""Training options: defaults, validation at the boundary, TOML configuration files.

Precedence is defaults < ``--config FILE.toml`` < command-line flags. Every value is checked
here, before any corpus is read, and a bad one is named in a :class:`ConfigError`.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from typing import Any

from hsw2v.errors import ConfigError

MODELS = ("sg", "cbow")
#: Training objectives: hierarchical softmax, negative sampling, both (their updates add, as the
#: word2vec C tool's ``-hs 1 -negative k``), the exact softmax.
LOSSES = ("hs", "ns", "hs+ns", "softmax")
#: Noise words per prediction when negative sampling is on and --negative is not given.
DEFAULT_NEGATIVE = 5
FORMATS = ("text", "binary")
#: How a distributed run combines its workers' changes to a row (see hsw2v.distributed).
COMBINES = ("sum", "average", "weighted", "mixed")


@dataclasses.dataclass
class TrainConfig:
    """Every option of ``hsw2v train`` (see the README for their meaning).

    ``alpha``, ``min_alpha`` and ``threads`` may be None: :meth:`resolved` fills them in
    (alpha 0.025 for sg and 0.05 for CBOW, min_alpha = alpha * 1e-4, threads = all cores).
    ``log_every`` None means :data:`hsw2v.progress.LOG_EVERY` seconds.
    """

    model: str = "sg"
    loss: str = "hs"
    negative: int | None = None
    ns_exponent: float = 0.75
    holdout: float = 0.0
    from_model: str | None = None
    grow_vocab: bool = False
    save_model: str | None = None
    init_vectors: str | None = None
    freeze_init: bool = False
    dim: int = 100
    window: int = 5
    min_count: int = 5
    max_vocab: int | None = None
    sample: float = 1e-3
    alpha: float | None = None
    min_alpha: float | None = None
    epochs: int = 5
    threads: int | None = None
    seed: int = 1
    max_sentence_length: int = 10000
    prune_at: int = 5_000_000
    shuffle: bool = True
    format: str | None = None
    save_vocab: str | None = None
    read_vocab: str | None = None
    checkpoint: str | None = None
    checkpoint_every: float | None = None
    log_every: float | None = None
    quiet: bool = False
    dask: str | None = None
    sync_words: int | None = None
    combine: str = "mixed"
    overlap: bool = False

    def resolved(self) -> "TrainConfig":
        """Return a validated copy with every derived default filled in."""
        cfg = dataclasses.replace(self)
        cfg.validate()
        if cfg.alpha is None:
            cfg.alpha = 0.025 if cfg.model == "sg" else 0.05
        if cfg.min_alpha is None:
            cfg.min_alpha = cfg.alpha * 1e-4
        if cfg.min_alpha > cfg.alpha:
            raise ConfigError(f"--min-alpha {cfg.min_alpha} is larger than --alpha {cfg.alpha}: "
                              "the learning rate decays from alpha down to min-alpha")
        if cfg.threads is None and cfg.dask is None:  # on a cluster: the workers' cores
            cfg.threads = default_threads()
        if cfg.negative is None and "ns" in cfg.objectives:
            cfg.negative = DEFAULT_NEGATIVE
        return cfg

    @property
    def objectives(self) -> tuple[str, ...]:
        """The objectives of ``loss``: ("hs",), ("ns",), ("hs", "ns") or ("softmax",)."""
        return tuple(self.loss.split("+"))

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first invalid value."""
        if self.model not in MODELS:
            raise ConfigError(f"unknown --model {self.model!r}: choose sg or cbow")
        if self.loss not in LOSSES:
            raise ConfigError(f"unknown --loss {self.loss!r}: choose hs (hierarchical softmax), "
                              "ns (negative sampling), hs+ns (both) or softmax (exact)")
        if self.negative is not None:
            if "ns" not in self.loss.split("+"):
                fix = ("the exact softmax draws no negatives: drop --negative"
                       if self.loss == "softmax" else
                       f"use --loss ns (or hs+ns) to train with {self.negative} negatives")
                raise ConfigError(f"--negative {self.negative} with --loss {self.loss}: {fix}")
            _check_int("negative", self.negative, 0)
            if self.negative == 0:
                raise ConfigError(f"--negative 0 with --loss {self.loss}: negative sampling needs "
                                  "at least 1 noise word per prediction (5 is the usual); for "
                                  "hierarchical softmax alone use --loss hs")
            if self.negative > 1000:
                raise ConfigError(f"--negative {self.negative} is too large (at most 1000)")
        if (isinstance(self.ns_exponent, bool)
                or not isinstance(self.ns_exponent, (int, float))):
            raise ConfigError(f"--ns-exponent must be a number, got {self.ns_exponent!r}")
        if not 0.0 <= self.ns_exponent <= 10.0:
            raise ConfigError(f"--ns-exponent {self.ns_exponent} is out of range: the noise "
                              "distribution is counts^exponent, with exponent in 0..10 (0.75 "
                              "is word2vec's; 0 is uniform, 1 the unigram distribution)")
        if (isinstance(self.holdout, bool) or not isinstance(self.holdout, (int, float))
                or not 0.0 <= self.holdout <= 0.5):
            raise ConfigError(f"--holdout {self.holdout!r} must be a share of the corpus in "
                              "0..0.5 (e.g. 0.005 holds out 0.5% of its chunks)")
        for name in ("grow_vocab", "freeze_init", "overlap"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.freeze_init and not self.init_vectors:
            raise ConfigError("--freeze-init keeps the --init-vectors rows fixed: give "
                              "--init-vectors VECTORS too")
        if self.format is not None and self.format not in FORMATS:
            raise ConfigError(f"unknown --format {self.format!r}: choose text or binary")
        _check_int("dim", self.dim, 1)
        _check_int("window", self.window, 1)
        _check_int("min-count", self.min_count, 1)
        _check_int("epochs", self.epochs, 1)
        _check_int("seed", self.seed, 0)
        _check_int("max-sentence-length", self.max_sentence_length, 1)
        _check_int("prune-at", self.prune_at, 2)
        if self.max_vocab is not None:
            _check_int("max-vocab", self.max_vocab, 2)
        if not isinstance(self.shuffle, bool):
            raise ConfigError(f"shuffle must be true or false, got {self.shuffle!r}")
        if self.threads is not None:
            _check_int("threads", self.threads, 1)
        _check_float("sample", self.sample, 0.0, 1.0)
        if self.alpha is not None:
            _check_float("alpha", self.alpha, 0.0, 1.0, open_low=True)
        if self.min_alpha is not None:
            _check_float("min-alpha", self.min_alpha, 0.0, 1.0)
        if self.checkpoint_every is not None:
            _check_float("checkpoint-every", self.checkpoint_every, 0.0, float("inf"),
                         open_low=True)
        if self.log_every is not None:
            _check_float("log-every", self.log_every, 0.0, float("inf"), open_low=True)
        if self.sync_words is not None:
            _check_int("sync-words", self.sync_words, 1)
        if self.combine not in COMBINES:
            raise ConfigError(f"unknown --combine {self.combine!r}: choose {', '.join(COMBINES)}")
        if self.dask is not None:
            _check_dask(self.dask)
        if self.dim > 100_000:
            raise ConfigError(f"--dim {self.dim} is too large (at most 100000)")
        if self.window > 10_000:
            raise ConfigError(f"--window {self.window} is too large (at most 10000)")


def _check_dask(value: Any) -> None:
    """``local:N`` (N >= 1) or a scheduler address (``tcp://host:port``, ``host:port``)."""
    ok = isinstance(value, str)
    if ok and value.startswith("local:"):
        n = value[len("local:"):]
        ok = n.isdigit() and int(n) >= 1
    elif ok:
        rest = value.split("://", 1)[-1]
        ok = bool(rest) and " " not in rest and (":" in rest or "://" in value)
    if not ok:
        raise ConfigError(f"--dask {value!r} is not a Dask scheduler address: give "
                          "tcp://HOST:PORT (as printed by 'dask scheduler') or local:N")


def default_threads() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"--{name} must be an integer, got {value!r}")
    if value < low:
        raise ConfigError(f"--{name} {value} is out of range: it must be at least {low}")


def _check_float(name: str, value: Any, low: float, high: float, open_low: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"--{name} must be a number, got {value!r}")
    if value != value or (value <= low if open_low else value < low) or value > high:
        bound = f"greater than {low}" if open_low else f"at least {low}"
        raise ConfigError(f"--{name} {value} is out of range: it must be {bound} and at most {high}")


FIELDS = {f.name for f in dataclasses.fields(TrainConfig)}


# ------------------------------------------------------------------ names other tools use
# One table for the command line, TOML files and Python keywords: (tool, name as that tool
# spells it, our option, {their value: our value} for switches). Our option is None where we
# have no such option or it needs words of its own (see _special). These are hints, not aliases
# (see the README): one spelling per option keeps config files, checkpoints and --help
# unambiguous, and several of these do not mean quite the same thing (gensim's default sg=0 is
# CBOW, its default hs=0 is negative sampling).
FOREIGN_NAMES: tuple[tuple[str, str, str | None, dict[str, str] | None], ...] = (
    ("word2vec", "-train", None, None),
    ("word2vec", "-output", "output", None),
    ("word2vec", "-size", "dim", None),
    ("word2vec", "-window", "window", None),
    ("word2vec", "-sample", "sample", None),
    ("word2vec", "-hs", None, None),
    ("word2vec", "-negative", None, None),
    ("word2vec", "-threads", "threads", None),
    ("word2vec", "-iter", "epochs", None),
    ("word2vec", "-min-count", "min_count", None),
    ("word2vec", "-alpha", "alpha", None),
    ("word2vec", "-binary", "format", {"1": "binary", "0": "text"}),
    ("word2vec", "-cbow", "model", {"1": "cbow", "0": "sg"}),
    ("word2vec", "-save-vocab", "save_vocab", None),
    ("word2vec", "-read-vocab", "read_vocab", None),
    ("gensim", "vector_size", "dim", None),
    ("gensim", "sg", "model", {"1": "sg", "0": "cbow"}),
    ("gensim", "hs", None, None),
    ("gensim", "negative", None, None),
    ("gensim", "workers", "threads", None),
    ("gensim", "max_vocab_size", None, None),
    ("gensim", "max_final_vocab", "max_vocab", None),
    ("gensim", "size", "dim", None),  # gensim 3's names
    ("gensim", "iter", "epochs", None),
    ("gensim", "sentences", None, None),
    ("gensim", "corpus_file", None, None),
)


def _norm(name: str) -> str:
    return name.lstrip("-").replace("_", "-").lower()


def _spell(field: str, style: str, value: object = None) -> str:
    """Our option ``field`` (with ``value``) as written on the command line, in TOML or in
    Python."""
    if style == "cli":
        flag = "-o" if field == "output" else "--" + field.replace("_", "-")
        return flag if value is None else f"{flag} {value}"
    if style == "toml":
        return field if value is None else f"{field} = {value!r}".replace("'", '"')
    return field if value is None else f"{field}={value!r}"


def _special(n: str, style: str, value: str | None) -> str:
    """What to say for the names that do not map to one option of ours."""
    if style == "cli":
        ns = "--loss ns --negative {}"
    elif style == "toml":
        ns = 'loss = "ns" and negative = {}'
    else:
        ns = "loss='ns', negative={}"
    if n in ("train", "sentences", "corpus-file"):
        if style == "python":
            return "the corpus is the first argument here: hsw2v.train(CORPUS, ...)"
        example = value if style == "cli" and value else "CORPUS"
        return f"the corpus is an argument here: hsw2v train {example} -o OUT"
    if n == "hs" and value == "1":
        return "hierarchical softmax is what hsw2v trains by default: drop it"
    if n == "hs":
        default = "" if value == "0" else " (drop it for hierarchical softmax, the default)"
        return f"for negative sampling use {ns.format('K')}{default}"
    if n == "negative" and value == "0":
        return "no negative sampling means hierarchical softmax, hsw2v's default: drop it"
    if n == "negative":
        return f"use {ns.format(value or 'K')}"
    assert n == "max-vocab-size", n
    return (f"the memory bound while counting is {_spell('prune_at', style)} here (distinct "
            f"tokens held); to keep the N most frequent words use {_spell('max_vocab', style)}")


def foreign_hint(name: str, style: str, value: object = None,
                 ours: set[str] | frozenset[str] = frozenset()) -> str | None:
    """A one-line hint for an option named as the word2vec C tool or gensim name it.

    Parameters
    ----------
    name : str
        As given: ``-size``, ``--iter``, ``vector_size``...
    style : {"cli", "toml", "python"}
        Where it was given (how our option is spelt in the hint).
    value : optional
        The value given with it, for switches (``-cbow 1``, ``sg=0``).
    ours : set of str
        Our options in this place (field names, e.g. ``min_count``): a name of ours given
        with one dash gets "two dashes".

    Returns
    -------
    str or None
        E.g. ``word2vec's -size is --dim here``; None when the name is nobody's we know.
    """
    n = _norm(name)
    single_dash = style == "cli" and name.startswith("-") and not name.startswith("--")
    w2v = {_norm(e[1]): e for e in FOREIGN_NAMES if e[0] == "word2vec"}
    gensim = {_norm(e[1]): e for e in FOREIGN_NAMES if e[0] == "gensim"}
    tables = (w2v, gensim) if style == "cli" else (gensim, w2v)
    entry = next((t[n] for t in tables if n in t), None)
    field = n.replace("-", "_")
    if single_dash and field in ours and (entry is None or (entry[2] is not None
                                                            and _spell(field, style) == f"--{n}")):
        who = "word2vec's " if n in w2v else ""
        return f"{who}-{n} is --{n} here (long options take two dashes)"
    if entry is None:
        return None
    tool, their, target, values = entry
    shown = None if value is None else str(int(value) if isinstance(value, bool) else value)
    if tool == "word2vec" and style == "cli":
        given = their if shown is None or (target and values is None) else f"{their} {shown}"
    else:
        their = their.lstrip("-")
        given = their if shown is None or (target and values is None) else f"{their}={shown}"
    if target is None:
        return f"{tool}'s {given}: {_special(n, style, shown)}"
    if values is None:
        return f"{tool}'s {their} is {_spell(target, style)} here"
    if shown in values:
        return f"{tool}'s {given} is {_spell(target, style, values[shown])} here"
    sep = " " if tool == "word2vec" and style == "cli" else "="
    both = " or ".join(f"{_spell(target, style, v)} ({their}{sep}{k})" for k, v in values.items())
    return f"{tool}'s {their} is {both} here"


def unknown_option(key: str, style: str, where: str = "", value: object = None) -> str:
    """The message for an option we do not have: a hint for other tools' names, else "did you
    mean" the closest of ours."""
    hint = foreign_hint(key, style, value)
    if hint is None:
        close = difflib.get_close_matches(key.replace("-", "_"), sorted(FIELDS), n=1)
        if close:
            hint = f"did you mean {_spell(close[0], style).rstrip('=')!r}?"
    return f"unknown option {key!r}{where}" + (f" ({hint})" if hint else "")


def load_config(path: str | os.PathLike) -> dict[str, Any]:
    """Read a TOML file of training options (keys spelt ``min_count`` or ``min-count``).

    Returns
    -------
    dict
        Option name -> value, only for keys present in the file.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path!r}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path!r} is not valid TOML: {exc}") from exc
    data = data.get("train", data)  # options may sit at top level or under [train]
    out: dict[str, Any] = {}
    bad = []
    for key, value in data.items():
        name = key.replace("-", "_")
        if name in ("corpus", "output"):
            raise ConfigError(f"config file {path!r}: {key!r} is not an option of the file: give "
                              f"the corpus and -o on the command line: hsw2v train CORPUS -o OUT "
                              f"--config {path}")
        if name not in FIELDS:
            bad.append(unknown_option(key, "toml", value=value))
            continue
        out[name] = value
    if bad:
        raise ConfigError(f"config file {path!r}: " + "; ".join(bad))
    return out


def check_keywords(options: dict[str, Any]) -> None:
    """Refuse keyword options we do not have, naming each with a hint (Python API)."""
    bad = [unknown_option(k, "python", value=v) for k, v in options.items() if k not in FIELDS]
    if bad:
        raise ConfigError("; ".join(bad))


def make_config(file: str | os.PathLike | None = None, **overrides: Any) -> TrainConfig:
    """Build a :class:`TrainConfig` from an optional TOML file and explicit overrides.

    ``None`` overrides are ignored, so unset command-line flags do not mask the file.
    """
    values: dict[str, Any] = load_config(file) if file is not None else {}
    check_keywords(overrides)
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    cfg = TrainConfig(**values)
    cfg.validate()
    return cfg
