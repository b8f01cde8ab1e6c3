"""Output paths: checked before any work starts, written atomically.

Every file hsw2v writes goes to a temporary name in the destination folder and is renamed into
place once complete, so a failed or interrupted run never leaves a half-written file.
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

import numpy as np

from hsw2v.errors import ConfigError


def check_output_path(path: str) -> None:
    """Fail before training if ``path`` cannot be written (missing or read-only folder)."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise ConfigError(f"output {path!r} is a folder: give a file name, e.g. {path}/vectors.bin")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ConfigError(f"output folder {folder!r} is a file, not a folder: choose another "
                          "output path")
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


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether paths ``a`` and ``b`` name the same file.

    Two existing paths are the same file if they have the same (device, inode): this catches
    symbolic links, hard links and spellings such as ``./x`` or ``dir/../x``. Otherwise (one of
    them does not exist yet) their real paths are compared, with symbolic links resolved, so
    two spellings of one output still match.
    """
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def check_not_inputs(outputs: Mapping[str, str | os.PathLike | None],
                     inputs: Mapping[str, Iterable[str | os.PathLike] | str | os.PathLike | None]
                     ) -> None:
    """Refuse, before anything is read or written, an output that would overwrite an input or
    another output.

    Parameters
    ----------
    outputs : mapping
        What the option is called (e.g. ``"-o"``) -> the path it would write (None: not set).
    inputs : mapping
        What the input is called (e.g. ``"the corpus"``) -> one path or several (None: not
        set; ``-``, standard input, is skipped). A corpus folder is given as the files below it.

    Raises
    ------
    ConfigError
        Naming the option and the input, e.g. ``-o 'c.txt' is the same file as the corpus
        file './c.txt'; ...``.
    """
    outs = [(k, os.fspath(v)) for k, v in outputs.items() if v is not None]
    for name, path in outs:
        for what, paths in inputs.items():
            if paths is None:
                continue
            if isinstance(paths, (str, os.PathLike)):
                paths = [paths]
            for p in map(os.fspath, paths):
                if p != "-" and same_file(path, p):
                    raise ConfigError(
                        f"{name} {path!r} is the same file as {what} {p!r}; writing it would "
                        "destroy that input: choose a different output path")
    for i, (name, path) in enumerate(outs):
        for other, other_path in outs[i + 1:]:
            if same_file(path, other_path):
                raise ConfigError(f"{name} and {other} both name {path!r}; one would overwrite "
                                  f"the other: give them different paths")


def write_json_atomic(path: str, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` atomically (temporary name, then rename)."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, default=json_default)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def json_default(x):
    """``json.dump``'s ``default``: NumPy scalars as Python numbers."""
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def write_npz_atomic(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` as an uncompressed ``.npz`` at ``path`` through :func:`atomic_binary`.

    A crash or a full disk never leaves a half-written file at ``path`` (nor the temporary).
    """
    with atomic_binary(path) as f:
        np.savez(f, **arrays)


@contextlib.contextmanager
def atomic_binary(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary name in the same folder, fsynced and
    renamed onto ``path`` when the block ends without an exception, removed when it raises
    (a failed or interrupted write leaves ``path`` as it was)."""
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}"  # (the name every atomic write here uses)
    try:
        with open(tmp, "wb", buffering=1 << 20) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
