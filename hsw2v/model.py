"""The full model in Python: vectors, vocabulary, tree, output weights, options; saved,
loaded and trained further.

>>> model = hsw2v.train(sentences, return_model=True)          # doctest: +SKIP
>>> model.wv.most_similar("king")                               # doctest: +SKIP
>>> model.save("m.npz"); model = hsw2v.load_model("m.npz")      # doctest: +SKIP
>>> model.train(more_sentences)                                 # doctest: +SKIP
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from hsw2v.fasttextfile import read_any_model
from hsw2v.huffman import HuffmanTree, build_huffman
from hsw2v.modelfile import ModelData, write_model
from hsw2v.train import model_data, train_result
from hsw2v.vectors import Vectors


class Model:
    """A trained model (see :mod:`hsw2v.modelfile` for what it holds).

    Attributes
    ----------
    wv : Vectors
        The word vectors (gensim's ``model.wv``): float32 (V, D), most frequent word first.
    words : list of str;  counts : int64 (V,)
        The vocabulary and its counts.
    config : dict
        The training options.
    summary : dict
        The last run's summary (as ``OUT.json``): per-epoch loss, counts, timings.
    """

    def __init__(self, data: ModelData):
        self._data = data
        self._wv: Vectors | None = None
        self._tree: HuffmanTree | None = None

    @property
    def wv(self) -> Vectors:
        if self._wv is None:
            self._wv = Vectors.of_weights(self._data.words, self._data.weights)
        return self._wv

    @property
    def words(self) -> list[str]:
        return self._data.words

    @property
    def counts(self) -> np.ndarray:
        return self._data.counts

    @property
    def config(self) -> dict[str, Any]:
        return self._data.config

    @property
    def summary(self) -> dict[str, Any]:
        return self._data.summary

    @property
    def tree(self) -> HuffmanTree:
        """The Huffman tree (rebuilt from the counts, deterministically)."""
        if self._tree is None:
            self._tree = build_huffman(self._data.counts)
        return self._tree

    @property
    def syn1(self) -> np.ndarray:
        """float32 (V - 1, D): the inner-node vectors (0 rows without hierarchical softmax)."""
        return self._data.weights.syn1

    @property
    def syn1neg(self) -> np.ndarray | None:
        """float32 (V, D): negative sampling's output vectors, or None."""
        return self._data.weights.syn1neg

    @property
    def syn1sm(self) -> np.ndarray | None:
        """float32 (V, D): the exact softmax's output vectors, or None."""
        return self._data.weights.syn1sm

    def __len__(self) -> int:
        return len(self._data.words)

    def __repr__(self) -> str:
        c = self.config
        return (f"<hsw2v.Model {len(self)} words x {self._data.weights.syn0.shape[1]}, "
                f"{c.get('model')} {c.get('loss', 'hs')}>")

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to one file, atomically (``hsw2v.load_model`` reads it back)."""
        write_model(path, self._data)

    def train(self, corpus, *, grow_vocab: bool = False, **options: Any) -> Model:
        """Train further on ``corpus`` (paths or tokenised sentences), in place.

        The model keeps its vocabulary and tree (``grow_vocab=True`` adds the new words that
        reach ``min_count``) and its options; ``options`` change them (not ``dim`` nor
        ``loss``). The learning rate starts again from ``alpha``. Returns the model.
        """
        options.setdefault("quiet", True)
        result = train_result(corpus, start=self._data, grow_vocab=grow_vocab, **options)
        self.__init__(model_data(result))
        return self


def load_model(path: str | os.PathLike) -> Model:
    """Read a model saved by :meth:`Model.save` or ``hsw2v train --save-model``, or a fastText
    ``.bin`` (:func:`hsw2v.fasttextfile.read_fasttext_bin`).

    Raises
    ------
    hsw2v.modelfile.ModelFileError
        Missing, not a model, damaged, or from an incompatible version (one line).
    """
    return Model(read_any_model(path))


def train(corpus, config: str | os.PathLike | None = None, resume: str | None = None,
          output: str | os.PathLike | None = None, *, return_model: bool = False,
          **options: Any) -> Vectors | Model:
    """Train word vectors and return them (the Python API).

    Parameters
    ----------
    corpus : path, sequence of paths, or iterable of sequences of str
        Files, folders (every file below), ``-`` for stdin; ``.gz``/``.bz2``/``.xz`` work. Or
        tokenised sentences (``[["the", "cat"], ...]``, a generator, a re-iterable class):
        consumed once, trained on as a file with one sentence per line would be.
    config : path, optional
        TOML file of options; ``options`` override it.
    resume : path, optional
        Continue the run saved in this checkpoint (``corpus`` may then be None; a run on
        sentences needs the same sentences again).
    output : path, optional
        Also write the vectors there and the summary to ``output + '.json'``, as
        ``hsw2v train -o`` does (see :func:`hsw2v.train.train_to_file`).
    return_model : bool
        Return the whole :class:`Model` (vectors, vocabulary, tree, output weights, options
        and summary) instead of the :class:`~hsw2v.vectors.Vectors`.
    **options
        Any option of ``hsw2v train`` with underscores (``min_count=5``, ``model="cbow"``...).
        With ``checkpoint=PATH``, an interrupted run (SIGINT/SIGTERM) saves a checkpoint there
        and raises :class:`hsw2v.errors.TrainingInterrupted`. ``quiet`` defaults to True (no
        progress bar); the epoch lines are then logged at INFO on the ``hsw2v`` logger.
        ``dask`` (an address, ``"local:N"`` or a ``dask.distributed.Client``) trains on a Dask
        cluster (:mod:`hsw2v.distributed`).

    Returns
    -------
    hsw2v.vectors.Vectors or Model
        The words (most frequent first) and their float32 (V, D) vectors; its ``summary``
        attribute is the run summary that ``OUT.json`` holds (a dict: ``epochs`` lists each
        epoch's loss, words and seconds; also counts, timings and the configuration).
    """
    options.setdefault("quiet", True)
    result = train_result(corpus, config, resume, output, **options)
    if return_model:
        return Model(model_data(result))
    vectors = Vectors.of_weights(result.model.vocab.words, result.model.weights)
    vectors.summary = result.summary
    return vectors
