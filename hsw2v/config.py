"""Training options: defaults, validation at the boundary, TOML configuration files.

Precedence is defaults < ``--config FILE.toml`` < command-line flags. Every value is checked
here, before any corpus is read, and a bad one is named in a :class:`ConfigError`.
"""
from __future__ import annotations

import codecs
import contextlib
import contextvars
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
    #: the corpus files' codec (any that reads ASCII as ASCII; see :func:`check_encoding`)
    encoding: str = "utf-8"
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
    #: with dask: the parts the corpus is cut into (each trained in its own slot); None: one
    #: per worker alive when the run starts
    dask_slots: int | None = None
    combine: str = "mixed"
    overlap: bool = False
    #: character n-gram lengths (MIN, MAX) of subword vectors, or None (plain word2vec);
    #: given as "3-6" or (3, 6), kept as a tuple (see :func:`subword_range`)
    subwords: Any = None
    buckets: int = 2_000_000

    def resolved(self) -> "TrainConfig":
        """Return a validated copy with every derived default filled in."""
        cfg = dataclasses.replace(self)
        cfg.__dict__.update({k: v for k, v in self.__dict__.items() if k in _SPELLING_ATTRS})
        cfg.validate()
        if cfg.alpha is None:
            cfg.alpha = 0.025 if cfg.model == "sg" else 0.05
        if cfg.min_alpha is None:
            cfg.min_alpha = cfg.alpha * 1e-4
        if cfg.min_alpha > cfg.alpha:
            with cfg.spelling():
                raise ConfigError(f"{_given('min_alpha', cfg.min_alpha)} is larger than "
                                  f"{_given('alpha', cfg.alpha)}: the learning rate decays from "
                                  f"alpha down to {_opt('min_alpha').lstrip('-')}")
        if cfg.threads is None and cfg.dask is None:  # on a cluster: the workers' cores
            cfg.threads = default_threads()
        if cfg.negative is None and "ns" in cfg.objectives:
            cfg.negative = DEFAULT_NEGATIVE
        return cfg

    @property
    def objectives(self) -> tuple[str, ...]:
        """The objectives of ``loss``: ("hs",), ("ns",), ("hs", "ns") or ("softmax",)."""
        return tuple(self.loss.split("+"))

    @contextlib.contextmanager
    def spelling(self):
        """While in it, options in messages are spelt as the user gave them: ``--min-count 0``
        on the command line, ``min_count=0`` in Python, ``min_count = 0`` in a TOML file (see
        :func:`make_config`)."""
        token = _SPELLING.set((self.__dict__.get("_sources", {}),
                               self.__dict__.get("_origin", "cli"),
                               self.__dict__.get("_file")))
        try:
            yield
        finally:
            _SPELLING.reset(token)

    def spell(self, field: str, value: Any = None, quote: bool = False) -> str:
        """Option ``field`` (with ``value``; ``quote``: in quotes on the command line) as the
        user gave it (see :meth:`spelling`)."""
        with self.spelling():
            return _opt(field) if value is None else _given(field, value, quote)

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first invalid value."""
        with self.spelling():
            self._validate()

    def _validate(self) -> None:
        if self.model not in MODELS:
            hint = " (fastText's skipgram is sg)" if self.model == "skipgram" else ""
            raise ConfigError(f"unknown {_given('model', self.model, True)}: choose sg or "
                              f"cbow{hint}")
        if self.loss not in LOSSES:
            raise ConfigError(f"unknown {_given('loss', self.loss, True)}: choose hs "
                              "(hierarchical softmax), ns (negative sampling), hs+ns (both) or "
                              "softmax (exact)")
        if self.negative is not None:
            if "ns" not in self.loss.split("+"):
                fix = (f"the exact softmax draws no negatives: drop {_opt('negative')}"
                       if self.loss == "softmax" else
                       f"use {_given('loss', 'ns')} (or hs+ns) to train with {self.negative} "
                       "negatives")
                raise ConfigError(f"{_given('negative', self.negative)} with "
                                  f"{_given('loss', self.loss)}: {fix}")
            _check_int("negative", self.negative, 0)
            if self.negative == 0:
                raise ConfigError(f"{_given('negative', 0)} with {_given('loss', self.loss)}: "
                                  "negative sampling needs at least 1 noise word per prediction "
                                  "(5 is the usual); for hierarchical softmax alone use "
                                  f"{_given('loss', 'hs')}")
            if self.negative > 1000:
                raise ConfigError(f"{_given('negative', self.negative)} is too large (at most "
                                  "1000)")
        if (isinstance(self.ns_exponent, bool)
                or not isinstance(self.ns_exponent, (int, float))):
            raise ConfigError(f"{_named('ns_exponent')} must be a number, got "
                              f"{self.ns_exponent!r}")
        if not 0.0 <= self.ns_exponent <= 10.0:
            raise ConfigError(f"{_given('ns_exponent', self.ns_exponent)} is out of range: the "
                              "noise distribution is counts^exponent, with exponent in 0..10 "
                              "(0.75 is word2vec's; 0 is uniform, 1 the unigram distribution)")
        if (isinstance(self.holdout, bool) or not isinstance(self.holdout, (int, float))
                or not 0.0 <= self.holdout <= 0.5):
            raise ConfigError(f"{_given('holdout', self.holdout, True)} must be a share of the "
                              "corpus in 0..0.5 (e.g. 0.005 holds out 0.5% of its chunks)")
        for name in ("grow_vocab", "freeze_init", "overlap"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.freeze_init and not self.init_vectors:
            raise ConfigError(f"{_opt('freeze_init')} keeps the {_opt('init_vectors')} rows "
                              f"fixed: give {_given('init_vectors', 'VECTORS')} too")
        if self.format is not None and self.format not in FORMATS:
            raise ConfigError(f"unknown {_given('format', self.format, True)}: choose text or "
                              "binary")
        _check_int("dim", self.dim, 1)
        _check_int("window", self.window, 1)
        _check_int("min_count", self.min_count, 1)
        _check_int("epochs", self.epochs, 1)
        _check_int("seed", self.seed, 0)
        _check_int("max_sentence_length", self.max_sentence_length, 1)
        _check_int("prune_at", self.prune_at, 2)
        check_encoding(self.encoding)
        if self.max_vocab is not None:
            _check_int("max_vocab", self.max_vocab, 2)
        if not isinstance(self.shuffle, bool):
            raise ConfigError(f"shuffle must be true or false, got {self.shuffle!r}")
        if self.threads is not None:
            _check_int("threads", self.threads, 1)
        _check_float("sample", self.sample, 0.0, 1.0)
        if self.alpha is not None:
            _check_float("alpha", self.alpha, 0.0, 1.0, open_low=True)
        if self.min_alpha is not None:
            _check_float("min_alpha", self.min_alpha, 0.0, 1.0)
        if self.checkpoint_every is not None:
            _check_float("checkpoint_every", self.checkpoint_every, 0.0, float("inf"),
                         open_low=True)
        if self.log_every is not None:
            _check_float("log_every", self.log_every, 0.0, float("inf"), open_low=True)
        if self.sync_words is not None:
            _check_int("sync_words", self.sync_words, 1)
        if self.dask_slots is not None:
            _check_int("dask_slots", self.dask_slots, 1)
        if self.combine not in COMBINES:
            raise ConfigError(f"unknown {_given('combine', self.combine, True)}: choose "
                              f"{', '.join(COMBINES)}")
        if self.dask is not None:
            _check_dask(self.dask)
        if self.subwords is not None:
            self.subwords = subword_range(self.subwords)
            if self.dask is not None:
                raise ConfigError(f"{_opt('subwords')} does not train on a cluster yet "
                                  f"({_opt('dask')}): train subword vectors locally (drop "
                                  f"{_opt('dask')})")
            if self.loss == "softmax":
                raise ConfigError(f"{_opt('subwords')} trains with the losses hs, ns or hs+ns, "
                                  f"not the exact softmax: choose one of those for "
                                  f"{_opt('loss')}")
        _check_int("buckets", self.buckets, 1)
        if self.buckets > 2**31 - 1:
            raise ConfigError(f"{_given('buckets', self.buckets)} is too large (at most 2147483647, "
                              "fastText's limit)")
        if self.dim > 100_000:
            raise ConfigError(f"{_given('dim', self.dim)} is too large (at most 100000)")
        if self.window > 10_000:
            raise ConfigError(f"{_given('window', self.window)} is too large (at most 10000)")


def subword_range(value: Any) -> tuple[int, int]:
    """``"3-6"``, ``"3"`` or ``(3, 6)`` as ``(3, 6)``: the n-gram lengths of ``--subwords``."""
    try:
        if isinstance(value, str):
            lo, _, hi = value.partition("-")
            minn, maxn = int(lo), int(hi or lo)
        elif isinstance(value, bool):
            raise TypeError
        else:
            minn, maxn = (int(x) for x in value)
    except (TypeError, ValueError):
        raise ConfigError(f"{_given('subwords', value, quote=True)} is not a range of n-gram "
                          "lengths: give MIN-MAX in characters, e.g. 3-6 (fastText's -minn 3 "
                          "-maxn 6)") from None
    if not 1 <= minn <= maxn <= 64:
        raise ConfigError(f"{_given('subwords', value, quote=True)}: the n-gram lengths must "
                          "satisfy 1 <= MIN <= MAX <= 64, e.g. 3-6")
    return minn, maxn


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
        raise ConfigError(f"{_given('dask', value, True)} is not a Dask scheduler address: give "
                          "tcp://HOST:PORT (as printed by 'dask scheduler') or local:N")


def check_encoding(name: Any) -> str:
    """The corpus codec ``name`` (``--encoding``) as Python names it (``latin-1`` ->
    ``iso8859-1``), after checking that it is a text codec Python knows that reads ASCII as
    ASCII: the corpus reader finds spaces, newlines and a cluster's shard boundaries as single
    ASCII bytes (UTF-16, UTF-32 and EBCDIC do not qualify)."""
    try:
        codec = codecs.lookup(name)
    except (LookupError, TypeError):
        raise ConfigError(f"{_given('encoding', name, True)} is not an encoding Python knows: "
                          "give e.g. utf-8 (the default), latin-1, cp1252 or shift_jis") from None
    ascii_bytes = bytes(range(128))
    try:
        ok = ascii_bytes.decode(codec.name) == ascii_bytes.decode("ascii")
    except LookupError:  # base64, rot13...: not text encodings
        raise ConfigError(f"{_given('encoding', name, True)} is not a text encoding: give "
                          "e.g. utf-8 (the default), latin-1, cp1252 or shift_jis") from None
    except UnicodeError:  # utf-7
        ok = False
    if not ok:
        raise ConfigError(f"{_given('encoding', name, True)} does not read ASCII as ASCII, which "
                          "the corpus reader needs (spaces and newlines as single bytes): "
                          f"convert the corpus to UTF-8 first, e.g. iconv -f {name} -t utf-8")
    return codec.name


def default_threads() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: How the options being checked were given (TrainConfig.spelling): {field: "cli", "toml" or
#: "python"}, the style of the others, the TOML file.
_SPELLING: contextvars.ContextVar[tuple[dict[str, str], str, str | None]] = (
    contextvars.ContextVar("hsw2v_spelling", default=({}, "cli", None)))
#: Where a TrainConfig keeps how its options were given (attributes, not options).
_SPELLING_ATTRS = ("_sources", "_origin", "_file")


def _style(field: str) -> str:
    sources, origin, _ = _SPELLING.get()
    return sources.get(field, origin)


def _opt(name: str) -> str:
    """Our option ``name`` (a field; dashes allowed) as the user gave it: ``--min-count``
    (command line) or ``min_count`` (Python keyword, TOML key)."""
    field = name.replace("-", "_")
    return _spell(field, "cli") if _style(field) == "cli" else field


def _named(name: str) -> str:
    """:func:`_opt`, and the file for a TOML key: ``min_count in 'c.toml'``."""
    field = name.replace("-", "_")
    file = _SPELLING.get()[2]
    return f"{field} in {file!r}" if _style(field) == "toml" and file else _opt(field)


def _given(name: str, value: Any, quote: bool = False) -> str:
    """Our option with its value as the user gave it: ``--min-count 0``, ``min_count=0``,
    ``min_count = 0 in 'c.toml'``; ``quote``: the command line's value in quotes (a word)."""
    field = name.replace("-", "_")
    style = _style(field)
    if style == "cli":
        return f"{_spell(field, 'cli')} {value!r}" if quote else f"{_spell(field, 'cli')} {value}"
    if style == "toml":
        file = _SPELLING.get()[2]
        return f"{field} = {_toml_value(value)}" + (f" in {file!r}" if file else "")
    return f"{field}={value!r}"


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{_named(name)} must be an integer, got {value!r}")
    if value < low:
        raise ConfigError(f"{_given(name, value)} is out of range: it must be at least {low}")


def _check_float(name: str, value: Any, low: float, high: float, open_low: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{_named(name)} must be a number, got {value!r}")
    if value != value or (value <= low if open_low else value < low) or value > high:
        bound = f"greater than {low}" if open_low else f"at least {low}"
        raise ConfigError(f"{_given(name, value)} is out of range: it must be {bound} and at "
                          f"most {high}")


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


# ------------------------------------------------------- another tool's whole line (issue 27)
# Every option of the word2vec C tool (word2vec.c's main(); each takes a value), of gensim's
# Word2Vec() and of fastText's skipgram/cbow (fastText's src/args.cc), and what it is here: a
# field of ours; "@what" for those translate() works out with others (the corpus, the output,
# the objective, the model, the output format, the verbosity, subwords); or "!why" for those
# we have nothing like (dropped, and the message says why). Names are compared as _norm()
# spells them (no leading dashes, "-" for "_", lower case).
WORD2VEC_OPTIONS: dict[str, str] = {
    "train": "@corpus", "output": "@output", "size": "dim", "window": "window",
    "sample": "sample", "hs": "@hs", "negative": "@negative", "threads": "threads",
    "iter": "epochs", "min-count": "min_count", "alpha": "alpha", "binary": "@binary",
    "cbow": "@cbow", "save-vocab": "save_vocab", "read-vocab": "read_vocab",
    "debug": "@verbosity",
    "classes": "!hsw2v writes vectors, not k-means word classes",
}
GENSIM_KEYWORDS: dict[str, str] = {
    "sentences": "@corpus", "corpus-file": "@corpus", "vector-size": "dim", "size": "dim",
    "iter": "epochs", "epochs": "epochs", "sg": "@sg", "hs": "@hs", "negative": "@negative",
    "workers": "threads", "window": "window", "alpha": "alpha", "min-alpha": "min_alpha",
    "min-count": "min_count", "sample": "sample", "seed": "seed", "ns-exponent": "ns_exponent",
    # gensim's max_vocab_size bounds the distinct words held while counting, as --prune-at does
    "max-vocab-size": "prune_at", "max-final-vocab": "max_vocab",
    "cbow-mean": "@cbow_mean", "shrink-windows": "@shrink_windows",
    "hashfxn": "!the seed alone fixes a run here",
    "null-word": "!hsw2v needs no padding word",
    "trim-rule": "!the minimum count and max_vocab choose the words here",
    "sorted-vocab": "!the vocabulary is always sorted here, most frequent word first",
    "batch-words": "!each thread takes chunks of ~10,000 words here",
    "compute-loss": "!every epoch's loss is in the summary here",
    "callbacks": "!hsw2v takes no callbacks; the summary lists each epoch's loss and time",
    "comment": "!hsw2v keeps no comment",
}
_SUPERVISED = "!it is for fastText's supervised classifier, which hsw2v does not train"
_QUANTIZE = "!it quantizes a classifier, which hsw2v does not train"
FASTTEXT_OPTIONS: dict[str, str] = {
    "input": "@corpus", "output": "@output", "dim": "dim", "ws": "window", "epoch": "epochs",
    "mincount": "min_count", "neg": "@negative", "loss": "@loss", "thread": "threads",
    "lr": "alpha", "t": "sample", "seed": "seed", "pretrainedvectors": "init_vectors",
    "minn": "@subwords", "maxn": "@subwords", "bucket": "@subwords", "verbose": "@verbosity",
    "lrupdaterate": "!the learning rate falls after every chunk of words here",
    "saveoutput": "!--save-model MODEL saves the whole model here, output weights too",
    "wordngrams": _SUPERVISED, "mincountlabel": _SUPERVISED, "label": _SUPERVISED,
    "cutoff": _QUANTIZE, "retrain": _QUANTIZE, "qnorm": _QUANTIZE, "qout": _QUANTIZE,
    "dsub": _QUANTIZE, "autotune-validation": _SUPERVISED, "autotune-metric": _SUPERVISED,
    "autotune-predictions": _SUPERVISED, "autotune-duration": _SUPERVISED,
    "autotune-modelsize": _SUPERVISED,
}
#: fastText's options that take no value.
FASTTEXT_SWITCHES = frozenset({"saveoutput", "qnorm", "retrain", "qout"})
#: fastText's first word: the model it trains.
FASTTEXT_COMMANDS = {"skipgram": "sg", "cbow": "cbow", "supervised": None}
TOOL_OPTIONS = {"word2vec": WORD2VEC_OPTIONS, "fastText": FASTTEXT_OPTIONS,
                "gensim": GENSIM_KEYWORDS}
# What a tool does for an option its line leaves out, where that differs from hsw2v's default
# (word2vec.c: cbow = 1, hs = 0, negative = 5, binary = 0, alpha 0.05 for CBOW as ours;
# gensim: sg=0, hs=0, negative=5, alpha=0.025 for CBOW too; fastText: -loss ns -neg 5,
# -lr 0.05, -t 1e-4, subwords -minn 3 -maxn 6): translate() spells these out. The same value
# everywhere else: dimension 100, window 5, min count 5, 5 epochs, sample 1e-3 (word2vec,
# gensim), ns_exponent 0.75. All three draw 5 noise words unless told otherwise, as we do.
#: Our fields that a gensim (or fastText) call spells as we do: given alone, they are still
#: that tool's call (its defaults hold for what it leaves out).
_SHARED = {"gensim": {"window", "alpha", "min_alpha", "min_count", "sample", "seed",
                      "negative", "ns_exponent", "epochs", "quiet"},
           "fastText": {"dim", "seed", "loss", "model", "quiet"}, "word2vec": {"quiet"}}


def tool_option(name: str, style: str) -> tuple[str, str] | None:
    """(tool, what it is here) for another tool's option ``name`` as given, or None.

    The command line looks in word2vec's options first, then fastText's, then gensim's; Python
    and TOML in gensim's first (``size``, ``iter``: gensim 3's, as word2vec's).
    """
    n = _norm(name)
    order = ("word2vec", "fastText", "gensim") if style == "cli" else (
        "gensim", "word2vec", "fastText")
    for tool in order:
        if n in TOOL_OPTIONS[tool]:
            return tool, TOOL_OPTIONS[tool][n]
    return None


@dataclasses.dataclass
class Given:
    """One option as the user gave it: ours (``field``) or another tool's (``tool``)."""

    name: str                   # as written: "-size", "vector_size", "--dim", "-o"
    value: Any = None           # its value (text on the command line); None for a switch
    field: str | None = None    # ours: the field ("format" for --format, "output" for -o)
    tool: str | None = None     # theirs: "word2vec", "gensim" or "fastText"
    raw: tuple[str, ...] = ()   # ours on the command line: the words to repeat as given


def _as_int(value: Any) -> int:
    """A number as the C tools read one (atoi: leading digits, else 0)."""
    if isinstance(value, (bool, int)):
        return int(value)
    if isinstance(value, float):
        return int(value)
    text = str(value).strip()
    sign = -1 if text.startswith("-") else 1
    digits = ""
    for ch in text.lstrip("+-"):
        if not ch.isdigit():
            break
        digits += ch
    return sign * int(digits) if digits else 0


def _same(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _is_binary_name(name: str) -> bool:
    """As hsw2v.formats.is_binary_name (below this module): OUT ending .bin (or .bin.gz)."""
    name = str(name).lower()
    return name.removesuffix(".gz").endswith(".bin")


class Translation:
    """The run that another tool's options describe, in hsw2v's words (see :func:`translate`).

    ``slots`` lists, in the order given, ``(field, value, given)``: ``given`` is the user's own
    option (repeated as written), else None (a translated one). ``notes`` say what was dropped,
    kept or assumed.
    """

    def __init__(self, style: str, tools: list[str]):
        self.style = style
        self.tools = tools
        self.corpus: list[Any] | None = None
        self.output: Any = None
        self.slots: list[tuple[str, Any, Given | None]] = []
        self.notes: list[str] = []

    # ------------------------------------------------------------ how things are spelt
    def ours(self, field: str, value: Any = None) -> str:
        """Our option (with its value) as this style writes it."""
        if self.style == "cli":
            return " ".join(_cli_words(field, value)) if value is not None else (
                "-q" if field == "quiet" else _spell(field, "cli"))
        if self.style == "toml":
            return field if value is None else f"{field} = {_toml_value(value)}"
        return field if value is None else f"{field}={value!r}"

    def theirs(self, given: Given) -> str:
        """Another tool's option as the user gave it."""
        if given.value is None:
            return given.name
        if self.style == "cli":
            return f"{given.name} {given.value}"
        if self.style == "toml":
            return f"{given.name} = {_toml_value(given.value)}"
        return f"{given.name}={given.value!r}"

    def tool_names(self) -> str:
        return " and ".join(f"{t}'s" for t in self.tools)

    # ------------------------------------------------------------------ the answer
    def render(self, call: str = "hsw2v.train", where: str = "") -> str:
        """The error: what was refused, the equivalent command, call or file, and the notes
        (as ``#`` comments, which the shell, Python and TOML all skip)."""
        if self.style == "cli":
            head = f"hsw2v train does not take {self.tool_names()} options; the same run is:"
            resume = any(f == "resume" for f, _, _ in self.slots)
            words = ["hsw2v", "train"] + [str(c) for c in (
                self.corpus or ([] if resume else ["CORPUS"]))]
            if self.output is not None or not resume:
                words += ["-o", str(self.output if self.output is not None else "OUT")]
            for field, value, given in self.slots:
                words += list(given.raw) if given is not None else _cli_words(field, value)
            body = ["  " + " ".join(_quote(w) for w in words)]
        elif self.style == "python":
            head = f"{call} does not take {self.tool_names()} keywords; the same call is:"
            args = [repr(self.corpus[0]) if self.corpus and isinstance(self.corpus[0], str)
                    else "corpus"]
            if self.output is not None:
                args.append(f"output={self.output!r}")
            args += [f"{field}={value!r}" for field, value, _ in self.slots]
            body = [f"  {call}({', '.join(args)})"]
        else:
            head = (f"config file{where} uses {self.tool_names()} names; in hsw2v's, the same "
                    "options are:")
            body = [f"  {field} = {_toml_value(value)}" for field, value, _ in self.slots]
            body = body or ["  (none)"]
        notes = list(self.notes)
        if self.style == "toml" and (self.corpus or self.output is not None):
            notes.append("the corpus and the output are given on the command line: hsw2v "
                         f"train {self.corpus[0] if self.corpus else 'CORPUS'} -o "
                         f"{self.output if self.output is not None else 'OUT'} --config FILE")
        return "\n".join([head] + body + [f"  # {note}" for note in notes])


def _cli_words(field: str, value: Any) -> list[str]:
    if field == "quiet":
        return ["-q"] if value else []
    if field == "output":
        return ["-o", str(value)]
    if isinstance(value, bool):
        flag = field.replace("_", "-")
        return [f"--{flag}" if value else f"--no-{flag}"]
    return [_spell(field, "cli"), str(value)]


def _quote(word: str) -> str:
    import shlex

    return shlex.quote(word)


def _line_tool(foreign: list[Given], style: str, command: str | None) -> str:
    """Whose line this is: the tool whose own names it uses (-output is word2vec's and
    fastText's: fastText's on a line with fastText's other names and none of word2vec's)."""
    tools = {g.tool for g in foreign}
    c_only = any(g.tool == "word2vec" and _norm(g.name) not in FASTTEXT_OPTIONS
                 for g in foreign)
    fasttext = command is not None or any(
        g.tool == "fastText" and _norm(g.name) not in WORD2VEC_OPTIONS for g in foreign)
    if style != "cli" and "gensim" in tools:
        return "gensim"
    if c_only:
        return "word2vec"
    if fasttext:
        return "fastText"
    return "gensim" if "gensim" in tools else "word2vec"


class _Line:
    """What translate() works with: the options given, ours among them, the line's tool."""

    def __init__(self, given: list[Given], style: str, command: str | None, fresh: bool,
                 fields: set[str] | frozenset[str] | None = None):
        #: our options where they were given (the command line may lack some of FIELDS)
        self.available = FIELDS if fields is None else fields
        self.line = _line_tool([g for g in given if g.tool not in (None, "hsw2v")], style,
                               command)
        # A name the line's tool has too is that tool's (-output on fastText's line, -window
        # on word2vec's, gensim 3's iter on word2vec's)
        own = TOOL_OPTIONS[self.line]
        given = [dataclasses.replace(g, tool=self.line)
                 if g.tool is not None and g.tool != self.line and _norm(g.name) in own else g
                 for g in given]
        self.given = given
        self.pos = {id(g): i for i, g in enumerate(given)}
        foreign = [g for g in given if g.tool not in (None, "hsw2v")]
        tools = [self.line] + [g.tool for g in foreign]
        self.t = Translation(style, list(dict.fromkeys(tools)))
        # ours: the user's choices (the last one counts, as in click and TOML), our names
        # given with one dash too; none of them is ever contradicted
        self.ours: dict[str, Given] = {}
        for g in given:
            if g.field or g.tool == "hsw2v":
                self.ours[self.field(g)] = g
        if style == "python" and "quiet" in self.ours and self.ours["quiet"].value is True:
            del self.ours["quiet"]  # hsw2v.train's own default
        shared = _SHARED[self.line] if style != "cli" else set()
        #: A new run (not one resumed or trained further, whose options are their own).
        self.fresh = fresh and not {"resume", "from_model"} & set(self.ours)
        #: No option in hsw2v's own spelling: the tool's whole run, its defaults hold.
        self.whole = self.fresh and not any(g.field and f not in shared
                                            for f, g in self.ours.items())
        self.by_target: dict[str, list[Given]] = {}
        for g in foreign:
            if g.value is not None or _norm(g.name) in FASTTEXT_SWITCHES:
                self.by_target.setdefault(self.target(g), []).append(g)
        self.placed: dict[int, list[tuple[str, Any]]] = {}
        self.front: list[tuple[str, Any]] = []
        self.end: list[tuple[str, Any]] = []
        self.emitted: set[str] = set()

    def field(self, g: Given) -> str:
        return g.field if g.field else _norm(g.name).replace("-", "_")

    def target(self, g: Given) -> str:
        if g.tool == "hsw2v":
            return self.field(g)
        if _norm(g.name) == "output" and self.line == "fastText":
            return "@prefix"  # fastText's -output is a prefix: OUT.bin and OUT.vec
        return TOOL_OPTIONS[g.tool][_norm(g.name)]

    def first(self, *targets: str) -> Given | None:
        found = [g for k in targets for g in self.by_target.get(k, [])]
        return min(found, key=lambda g: self.pos[id(g)]) if found else None

    def value(self, field: str) -> Any:
        return self.ours[field].value if field in self.ours else None

    def put(self, at: Given | None, field: str, value: Any, front: bool = False) -> None:
        """Add our ``field``: where ``at`` stood, or at the end (a default spelt out), or
        first (``front``: fastText's first word)."""
        self.emitted.add(field)
        slot = (self.placed.setdefault(self.pos[id(at)], []) if at is not None else
                self.front if front else self.end)
        slot.append((field, value))

    def their_default(self, *pairs: tuple[str, Any]) -> str:
        """The tool's default values, spelt as that tool's line would give them."""
        style = self.t.style
        if style == "cli" and self.line != "gensim":
            return " ".join(f"-{n} {v:g}" if isinstance(v, float) else f"-{n} {v}"
                            for n, v in pairs)
        if style == "toml":
            return ", ".join(f"{n} = {_toml_value(v)}" for n, v in pairs)
        return ", ".join(f"{n}={v!r}" for n, v in pairs)


def translate(given: list[Given], style: str, corpus: list[Any] | None = None,
              command: str | None = None, fresh: bool = True,
              fields: set[str] | frozenset[str] | None = None) -> Translation:
    """The hsw2v options of a run given (partly) in another tool's names.

    Parameters
    ----------
    given : list of Given
        Every option, ours and theirs, in the order given.
    style : {"cli", "toml", "python"}
        Where they were given.
    corpus : list, optional
        The corpus given as ours (the command line's arguments).
    command : str, optional
        fastText's first word (``skipgram``, ``cbow``), when given.
    fresh : bool
        False for a run resumed or trained further (its options are its own: no tool's
        defaults are assumed for them).
    fields : set of str, optional
        Our options there (default: every field of :class:`TrainConfig`).

    Returns
    -------
    Translation
        The options in hsw2v's words, the user's own ones kept as given and never contradicted.
        Where no option is in hsw2v's own spelling, the line is that tool's whole run, so what
        it leaves out is that tool's default: word2vec and gensim train CBOW with negative
        sampling (-cbow 1 -hs 0 -negative 5; sg=0, hs=0, negative=5), word2vec writes text
        (-binary 0), fastText trains negative sampling with -lr 0.05 and -t 1e-4. Those
        defaults are then spelt out, each with a note. Where the user has begun to write
        hsw2v's options, nothing they left out is added: a note names each default that
        differs, and how to ask for it.
    """
    ln = _Line(given, style, command, fresh, fields)
    t, say, their = ln.t, ln.t.ours, ln.t.theirs
    # ---- corpus and output
    if corpus:
        t.corpus = list(corpus)
    for g in ln.by_target.get("@corpus", []):
        if t.corpus is None:
            t.corpus = [g.value]
        elif [str(c) for c in t.corpus] != [str(g.value)]:
            t.notes.append(f"{their(g)} dropped: the corpus is given")
    t.output = ln.value("output")
    for g in ln.by_target.get("@output", []) + ln.by_target.get("@prefix", []):
        value = g.value
        if ln.target(g) == "@prefix":
            value = f"{g.value}.vec"
            t.notes.append(f"fastText's -output {g.value} writes {g.value}.bin (its model) and "
                           f"{value} (text vectors, as -o {value} does here); --save-model "
                           f"{g.value}.npz would keep hsw2v's whole model")
        if t.output is None:
            t.output = value
        elif str(t.output) != str(value):
            t.notes.append(f"{their(g)} dropped: {say('output', t.output)} is given")
    # ---- options that are one of ours, and those we have nothing like
    for g in ln.given:
        if g.tool is None:
            continue
        field = ln.target(g)
        if g.tool == "hsw2v":  # one of ours with one dash: as given, spelt right
            continue
        if g.value is None and _norm(g.name) not in FASTTEXT_SWITCHES:
            t.notes.append(f"{g.name} dropped: it needs a value")
            continue
        if field.startswith("!"):
            t.notes.append(f"{their(g)} dropped: {field[1:]}")
        if field[0] in "!@":
            continue
        value = g.value
        if field == "min_count" and _as_int(value) < 1:
            t.notes.append(f"{their(g)} keeps every word, as {say('min_count', 1)} does")
            value = 1 if style != "cli" else "1"
        if field in ln.ours:
            if not _same(ln.value(field), value):
                t.notes.append(f"{their(g)} dropped: {say(field, ln.value(field))} is given")
        elif field in ln.emitted:
            t.notes.append(f"{their(g)} dropped: {say(field)} is given by another option")
        else:
            ln.put(g, field, value)
            if field == "prune_at":
                t.notes.append(f"{their(g)} bounds the words held while counting, as "
                               f"{say('prune_at')} does; to keep the N most frequent words, "
                               f"use {say('max_vocab')}")
    _objective(ln)
    model = _model(ln, command)
    _rest(ln, model)
    # ---- in the order given (ours as written), then the defaults spelt out
    t.slots += [(field, value, None) for field, value in ln.front]
    for i, g in enumerate(ln.given):
        if (g.field or g.tool == "hsw2v") and ln.ours.get(ln.field(g)) is g and (
                g.field != "output"):
            t.slots.append((ln.field(g), g.value, g if g.field else None))
        for field, value in ln.placed.get(i, []):
            t.slots.append((field, value, None))
    t.slots += [(field, value, None) for field, value in ln.end]
    return t


def _objective(ln: _Line) -> None:
    """-hs/-negative (word2vec, gensim), -loss/-neg (fastText) -> --loss and --negative.

    Each tool's partner default fills in what is left out: -negative is 5 and -hs 0 unless
    given, so word2vec's -hs 1 alone trains both (hs+ns); where the user gave --loss or
    --negative, those are the partner instead.
    """
    t, say, their, line = ln.t, ln.t.ours, ln.t.theirs, ln.line
    hs_g, neg_g, loss_g = ln.first("@hs"), ln.first("@negative"), ln.first("@loss")
    at = ln.first("@hs", "@negative", "@loss")
    u_loss, u_neg = ln.value("loss"), ln.value("negative")
    u_objs = str(u_loss).split("+") if u_loss is not None else []
    if at is None and not ln.whole:
        if u_loss is None and ln.fresh:
            t.notes.append(f"{line} trains negative sampling unless told otherwise, hsw2v "
                           f"hierarchical softmax: add {say('loss', 'ns')}"
                           f"{' ' if t.style == 'cli' else ', '}{say('negative', 5)} for "
                           f"{line}'s")
        return
    if u_neg is not None:
        neg = _as_int(u_neg)
        if neg_g is not None and _as_int(neg_g.value) != neg:
            t.notes.append(f"{their(neg_g)} dropped: {say('negative', u_neg)} is given")
    elif neg_g is not None:
        neg = _as_int(neg_g.value)
    elif u_loss is not None:
        neg = DEFAULT_NEGATIVE if "ns" in u_objs else 0
    else:
        neg = DEFAULT_NEGATIVE  # each tool's default -negative / negative= / -neg
    if line == "fastText" or loss_g is not None:  # -loss hs|ns|softmax|one-vs-all, -neg K
        name = str(loss_g.value) if loss_g is not None else "ns"
        loss = {"hs": "hs", "ns": "ns", "softmax": "softmax"}.get(name)
        if loss is None:
            t.notes.append(f"{their(loss_g)} dropped: it is for fastText's supervised "
                           "classifier")
            return
        if loss_g is None and neg_g is None and u_loss is None:
            t.notes.append(f"{say('loss', loss)}: fastText's default "
                           f"({ln.their_default(('loss', 'ns'), ('neg', 5))})")
        if loss != "ns":
            neg = 0
        elif neg == 0:
            t.notes.append(f"{their(neg_g or loss_g)}: no noise words to sample, so no "
                           "objective: left out, hsw2v trains hierarchical softmax by default")
            return
    else:
        hs = (_as_int(hs_g.value) != 0 if hs_g is not None else "hs" in u_objs)
        loss = {(True, True): "hs+ns", (True, False): "hs", (False, True): "ns"}.get(
            (hs, neg > 0))
        if loss is None:
            named = " ".join(their(g) for g in (hs_g, neg_g) if g is not None)
            t.notes.append(f"{named} dropped: {say('loss', u_loss)} is given"
                           if u_loss is not None else
                           f"{named}: {line} then trains no objective (the vectors stay "
                           "random): left out, hsw2v trains hierarchical softmax by default")
            return
        if hs_g is None and neg_g is None and u_loss is None:
            t.notes.append(f"{say('loss', loss)}: {line}'s default "
                           f"({ln.their_default(('hs', 0), ('negative', 5))})")
        elif hs_g is not None and neg_g is None and u_neg is None and u_loss is None and hs:
            t.notes.append(f"{say('loss', loss)}: {their(hs_g)} adds hierarchical softmax to "
                           f"{line}'s default negative sampling; {say('loss', 'hs')} alone "
                           "is hsw2v's default")
    if u_loss is not None:
        named = " ".join(their(g) for g in (hs_g, neg_g, loss_g) if g is not None)
        if loss != u_loss and named:
            t.notes.append(f"{named} dropped: {say('loss', u_loss)} is given")
        if "ns" in u_objs and u_neg is None and neg > 0 and neg_g is not None:
            ln.put(neg_g, "negative", neg_g.value)
        return
    if loss != "hs":
        ln.put(at, "loss", loss)
    if loss in ("ns", "hs+ns") and u_neg is None:
        ln.put(neg_g or at, "negative",
               neg_g.value if neg_g is not None and t.style == "cli" else neg)


def _model(ln: _Line, command: str | None) -> str | None:
    """-cbow (word2vec), sg= (gensim), fastText's first word -> --model; returns the model
    the run trains."""
    t, say, their, line = ln.t, ln.t.ours, ln.t.theirs, ln.line
    g = ln.first("@cbow", "@sg")
    if g is not None:
        on = _as_int(g.value) != 0
        model = ("cbow" if on else "sg") if ln.target(g) == "@cbow" else (
            "sg" if on else "cbow")
        what = their(g)
    elif command is not None:
        model, what = FASTTEXT_COMMANDS[command], f"fastText's {command}"
        if model is None:
            t.notes.append("fastText's supervised classifier is not something hsw2v trains: "
                           "this trains word vectors")
    else:
        model = what = None
    u_model = ln.value("model")
    if u_model == "skipgram" and t.style != "cli":  # fastText's Python spelling
        u_model = None
        t.notes.append(f"{say('model', 'sg')}: fastText's model='skipgram'")
        ln.put(ln.ours.pop("model"), "model", "sg")
        return "sg"
    if u_model is not None:
        if model is not None and model != u_model:
            t.notes.append(f"{what} dropped: {say('model', u_model)} is given")
        return u_model
    if model is None and line in ("word2vec", "gensim") and ln.fresh:
        default = ln.their_default(("cbow", 1)) if line == "word2vec" else "sg=0"
        if ln.whole:
            model = "cbow"
            t.notes.append(f"{say('model', 'cbow')}: {line}'s default ({default}); hsw2v's "
                           "is skip-gram")
        else:
            t.notes.append(f"{line} trains CBOW unless told otherwise ({default}), hsw2v "
                           f"skip-gram: add {say('model', 'cbow')} for {line}'s")
    if model == "cbow":
        ln.put(g, "model", "cbow", front=g is None and command is not None)
    if line == "gensim" and model == "cbow" and ln.fresh and "alpha" not in ln.ours and (
            "alpha" not in ln.emitted):
        if ln.whole:
            ln.put(None, "alpha", 0.025)
            t.notes.append(f"{say('alpha', 0.025)}: gensim's for CBOW too (hsw2v's CBOW "
                           "default is 0.05)")
        else:
            t.notes.append(f"gensim's alpha is 0.025 for CBOW too, hsw2v's 0.05: add "
                           f"{say('alpha', 0.025)} for gensim's")
    return model or "sg"


def _subwords(ln: _Line) -> None:
    """fastText's -minn/-maxn/-bucket (subwords by default: -minn 3 -maxn 6) -> --subwords
    MIN-MAX and --buckets N, where this hsw2v has them (issue 28), else a note."""
    t, say, their = ln.t, ln.t.ours, ln.t.theirs
    subwords = ln.by_target.get("@subwords", [])
    sizes = {"minn": 3, "maxn": 6}
    for g in subwords:
        if _norm(g.name) in sizes:
            sizes[_norm(g.name)] = _as_int(g.value)
    on = sizes["maxn"] > 0 and sizes["maxn"] >= sizes["minn"]  # fastText: -maxn 0 is off
    if not on:
        return
    if "subwords" not in ln.available:  # a fastText line trains whole words here
        named = " ".join(their(g) for g in subwords) or (
            f"{ln.their_default(('minn', 3), ('maxn', 6))}, its default")
        if subwords or ln.whole:
            t.notes.append(f"subword vectors ({named}) are not supported yet: this trains "
                           f"whole words, as fastText with {ln.their_default(('maxn', 0))} "
                           "does")
        return
    value = f"{max(sizes['minn'], 1)}-{sizes['maxn']}"
    sized = [g for g in subwords if _norm(g.name) in sizes]
    if "subwords" in ln.ours:
        if sized and str(ln.value("subwords")) != value:
            t.notes.append(f"{' '.join(their(g) for g in sized)} dropped: "
                           f"{say('subwords', ln.value('subwords'))} is given")
    elif sized or ln.whole:
        ln.put(sized[0] if sized else None, "subwords", value)
        if not sized:
            t.notes.append(f"{say('subwords', value)}: fastText's default "
                           f"({ln.their_default(('minn', 3), ('maxn', 6))})")
    else:
        t.notes.append(f"fastText trains subword vectors unless told otherwise "
                       f"({ln.their_default(('minn', 3), ('maxn', 6))}): add "
                       f"{say('subwords', value)} for fastText's")
    for g in subwords:
        if _norm(g.name) == "bucket" and "buckets" in ln.available and (
                "buckets" not in ln.ours):
            ln.put(g, "buckets", g.value)


def _rest(ln: _Line, model: str | None) -> None:
    """-binary, -debug/-verbose, gensim's switches, fastText's defaults and subwords."""
    t, say, their, line = ln.t, ln.t.ours, ln.t.theirs, ln.line
    binary_g = ln.first("@binary")
    want = None
    if binary_g is not None:
        want = "binary" if _as_int(binary_g.value) != 0 else "text"
    elif (line == "word2vec" and ln.fresh and ln.first("@output") is not None
          and "output" not in ln.ours and "format" not in ln.ours
          and _is_binary_name(t.output)):
        # word2vec's -output v.bin without -binary 1 is a text file
        if ln.whole:
            want = "text"
            t.notes.append(f"{say('format', 'text')}: word2vec writes text unless -binary 1 "
                           f"(drop {say('format', 'text')} for a binary {t.output})")
        else:
            t.notes.append(f"word2vec writes text unless -binary 1: add "
                           f"{say('format', 'text')} for word2vec's {t.output}")
    if want is not None:
        if "format" in ln.ours:
            if ln.value("format") != want and binary_g is not None:
                t.notes.append(f"{their(binary_g)} dropped: "
                               f"{say('format', ln.value('format'))} is given")
        elif _is_binary_name(t.output or "OUT") != (want == "binary"):
            ln.put(binary_g, "format", want)
    for g in ln.by_target.get("@verbosity", []):
        if _as_int(g.value) == 0:
            if "quiet" not in ln.ours and "quiet" not in ln.emitted:
                ln.put(g, "quiet", True)
        else:
            t.notes.append(f"{their(g)} dropped: hsw2v shows its progress by default "
                           f"({say('quiet')} for none)")
    for g in ln.by_target.get("@cbow_mean", []):
        if _as_int(g.value) == 0:
            t.notes.append(f"{their(g)} dropped: hsw2v's CBOW takes the mean of the context, "
                           "not the sum")
    for g in ln.by_target.get("@shrink_windows", []):
        if not g.value:
            t.notes.append(f"{their(g)} dropped: hsw2v draws each window's size, as "
                           "word2vec does")
    if line != "fastText" or not ln.fresh:
        return
    _subwords(ln)
    defaults = [("sample", 1e-4, "t")] + ([("alpha", 0.05, "lr")] if model == "sg" else [])
    for field, value, name in defaults:
        if field in ln.ours or field in ln.emitted:
            continue
        if ln.whole:
            ln.put(None, field, value)
            t.notes.append(f"{say(field, value)}: fastText's default "
                           f"({ln.their_default((name, value))})")
        else:
            t.notes.append(f"fastText's default is {ln.their_default((name, value))}: add "
                           f"{say(field, value)} for fastText's")


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
    for key, value in data.items():
        name = key.replace("-", "_")
        if name in ("corpus", "output"):
            raise ConfigError(f"config file {path!r}: {key!r} is not an option of the file: give "
                              f"the corpus and -o on the command line: hsw2v train CORPUS -o OUT "
                              f"--config {path}")
        if name in FIELDS:
            out[name] = value
    _refuse_unknown(data, "toml", where=f" {path!r}")
    return out


def check_keywords(options: dict[str, Any], call: str = "hsw2v.train",
                   fresh: bool = True) -> None:
    """Refuse keyword options we do not have (Python API): other tools' names all at once,
    with the call in ours (see :func:`translate`), or "did you mean" for a misspelling.

    ``call`` names the function in the answer; ``fresh`` False for a run resumed or trained
    further (no tool's defaults are assumed for its options).
    """
    _refuse_unknown(options, "python", call=call, fresh=fresh)


def _refuse_unknown(options: dict[str, Any], style: str, where: str = "",
                    call: str = "hsw2v.train", fresh: bool = True) -> None:
    """Raise ConfigError for the keys of ``options`` (Python keywords or TOML keys) that are
    not ours."""
    given, unknown = [], []
    for key, value in options.items():
        name = key.replace("-", "_")
        found = None if name in FIELDS else tool_option(key, style)
        if name in FIELDS:
            given.append(Given(key, value, field=name))
        elif found is not None:
            given.append(Given(key, value, tool=found[0]))
        else:
            unknown.append(unknown_option(key, style, value=value))
    if not unknown and not any(g.tool for g in given):
        return
    if not any(g.tool for g in given):
        prefix = f"config file{where}: " if style == "toml" else ""
        raise ConfigError(prefix + "; ".join(unknown))
    t = translate(given, style, fresh=fresh)
    t.notes += [f"{u}: dropped" for u in unknown]
    raise ConfigError(t.render(call=call, where=where))


def make_config(file: str | os.PathLike | None = None, *, origin: str = "cli",
                **overrides: Any) -> TrainConfig:
    """Build a :class:`TrainConfig` from an optional TOML file and explicit overrides.

    ``None`` overrides are ignored, so unset command-line flags do not mask the file.
    ``origin`` says where the overrides come from, ``"cli"`` or ``"python"``: a bad value is
    named as it was given there (``--min-count 0``, ``min_count=0``), or in the file
    (``min_count = 0 in 'c.toml'``).
    """
    values: dict[str, Any] = load_config(file) if file is not None else {}
    sources = dict.fromkeys(values, "toml")
    check_keywords(overrides)
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
            sources[key] = origin
    cfg = TrainConfig(**values)
    cfg.__dict__.update(_sources=sources, _origin=origin,
                        _file=None if file is None else os.fspath(file))
    cfg.validate()
    return cfg
