"""Output paths: checked before any work starts, written atomically.

Every file hsw2v writes goes to a temporary name in the destination folder and is renamed into
place once complete, so a failed or interrupted run never leaves a half-written file.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from hsw2v.errors import ConfigError


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
