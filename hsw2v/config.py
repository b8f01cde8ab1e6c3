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
FORMATS = ("text", "binary")
#: How a distributed run combines its workers' changes to a row (see hsw2v.distributed).
COMBINES = ("sum", "average", "weighted", "mixed")


@dataclasses.dataclass
class TrainConfig:
    """Every option of ``hsw2v train`` (see the README for their meaning).

    ``alpha``, ``min_alpha`` and ``threads`` may be None: :meth:`resolved` fills them in
    (alpha 0.025 for sg and 0.05 for CBOW, min_alpha = alpha * 1e-4, threads = all cores).
    """

    model: str = "sg"
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
    quiet: bool = False
    dask: str | None = None
    sync_words: int | None = None
    combine: str = "mixed"

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
        return cfg

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first invalid value."""
        if self.model not in MODELS:
            raise ConfigError(f"unknown --model {self.model!r}: choose sg or cbow")
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
        if name not in FIELDS:
            close = difflib.get_close_matches(name, sorted(FIELDS), n=1)
            hint = f" (did you mean {close[0].replace('_', '-')!r}?)" if close else ""
            raise ConfigError(f"unknown option {key!r} in config file {path!r}{hint}")
        out[name] = value
    return out


def make_config(file: str | os.PathLike | None = None, **overrides: Any) -> TrainConfig:
    """Build a :class:`TrainConfig` from an optional TOML file and explicit overrides.

    ``None`` overrides are ignored, so unset command-line flags do not mask the file.
    """
    values: dict[str, Any] = load_config(file) if file is not None else {}
    for key, value in overrides.items():
        if key not in FIELDS:
            raise ConfigError(f"unknown option {key!r}")
        if value is not None:
            values[key] = value
    cfg = TrainConfig(**values)
    cfg.validate()
    return cfg
