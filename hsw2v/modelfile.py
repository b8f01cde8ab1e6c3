"""The full-model file: everything needed to query a model and to train it further.

One uncompressed ``.npz`` file (NumPy's zip of arrays), written atomically (temporary name,
fsync, rename) and read back with ``allow_pickle=False``. It holds

* ``meta``: UTF-8 JSON: ``format`` ("hsw2v-model"), ``version`` (:data:`VERSION`), the hsw2v
  version that wrote it, the training configuration (``config``: every option of
  ``hsw2v train``) and the run's summary (``summary``, as in ``OUT.json``; may be empty);
* ``words`` (UTF-8, newline-joined) and ``counts`` (int64 (V,)): the vocabulary, most frequent
  first; the Huffman tree is rebuilt from the counts (:func:`hsw2v.huffman.build_huffman` is
  deterministic);
* ``syn0`` float32 (V, D): the word vectors; ``syn1`` float32 (V - 1, D): the inner nodes of
  the tree (0 rows when the model was trained without hierarchical softmax); ``syn1neg``
  float32 (V, D) with negative sampling and ``syn1sm`` float32 (V, D) with the exact softmax.
"""
from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from typing import Any

import numpy as np

from hsw2v.errors import Hsw2vError
from hsw2v.outputs import json_default, write_npz_atomic
from hsw2v.version import __version__
from hsw2v.weights import Weights

FORMAT = "hsw2v-model"
VERSION = 1


class ModelFileError(Hsw2vError):
    """A model file cannot be used; the message names the file and what to do."""


@dataclasses.dataclass
class ModelData:
    """The contents of a model file.

    Attributes
    ----------
    words : list of str (V,)
    counts : int64 (V,)
    weights : Weights    syn0 float32 (V, D), syn1 float32 (V - 1, D) or (0, D), syn1neg and
                         syn1sm float32 (V, D) or None.
    config : dict        the training options.
    summary : dict       the run summary (may be empty).
    """

    words: list[str]
    counts: np.ndarray
    weights: Weights
    config: dict[str, Any]
    summary: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def objectives(self) -> list[str]:
        return str(self.config.get("loss", "hs")).split("+")


def write_model(path: str | os.PathLike, data: ModelData) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring for the layout)."""
    bad = next((w for w in data.words if not w or any(c.isspace() for c in w)), None)
    if bad is not None:
        raise ModelFileError(f"word {bad!r} is empty or holds whitespace: it cannot be saved")
    meta = {"format": FORMAT, "version": VERSION, "hsw2v": __version__, "config": data.config,
            "summary": data.summary}
    arrays = {
        "meta": np.frombuffer(json.dumps(meta, default=json_default).encode("utf-8"), np.uint8),
        "words": np.frombuffer("\n".join(data.words).encode("utf-8"), np.uint8),
        "counts": np.asarray(data.counts, dtype=np.int64),
        **data.weights.contiguous().arrays(),
    }
    write_npz_atomic(path, arrays)


def is_model_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` starts like a model file (a zip archive: ``.npz``), not like a word2vec
    vectors file (whose first bytes are a text header)."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def read_model(path: str | os.PathLike) -> ModelData:
    """Read and check a model file written by :func:`write_model`.

    Raises
    ------
    ModelFileError
        The file is missing, not a model, from an incompatible version, or damaged.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"model {path!r} does not exist: give a file written by "
                             "hsw2v train --save-model (or Model.save)")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile,
            RuntimeError) as exc:
        raise ModelFileError(f"{path!r} is not a readable hsw2v model ({exc}): give a file "
                             "written by hsw2v train --save-model") from exc
    bad = f"model {path!r} is damaged"
    try:
        meta = json.loads(data["meta"].tobytes().decode("utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ModelFileError(f"{path!r} is not an hsw2v model: give a file written by "
                                 "hsw2v train --save-model (vectors files load with "
                                 "hsw2v.vectors.Vectors.load)")
        if meta.get("version") != VERSION:
            raise ModelFileError(f"model {path!r} has format version {meta.get('version')} "
                                 f"(written by hsw2v {meta.get('hsw2v')}); this hsw2v reads "
                                 f"version {VERSION}: load it with the hsw2v that wrote it")
        words = data["words"].tobytes().decode("utf-8").split("\n")
        out = ModelData(words, data["counts"], Weights.from_arrays(data), dict(meta["config"]),
                        dict(meta.get("summary") or {}))
        v = len(words)
        ok = (out.counts.dtype == np.int64 and out.counts.shape == (v,) and v >= 2
              and bool(np.all(out.counts > 0)) and len(set(words)) == v
              and out.weights.problem(v, out.objectives) is None)
        if not ok:
            raise ModelFileError(f"{bad} (arrays of the wrong shape or type): save the model "
                                 "again")
        if not out.weights.finite():
            raise ModelFileError(f"{bad}: its weights hold NaN or infinity (the training that "
                                 "wrote it diverged): train again, e.g. with a smaller --alpha")
    except ModelFileError:
        raise
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{bad} ({type(exc).__name__}: {exc}): save the model again") from exc
    return out
