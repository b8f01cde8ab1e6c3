"""Word vectors in memory: the :class:`Vectors` class, nearest-neighbour search and analogies.

The files they come from and go to are :mod:`hsw2v.formats` (word2vec text and binary);
evaluation on analogy and word-pair files is :mod:`hsw2v.evaluate`.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from hsw2v.errors import Hsw2vError
from hsw2v.evaluate import AnalogyReport, PairsReport, evaluate_analogies, evaluate_pairs
from hsw2v.formats import (ENCODING_ERRORS, read_word2vec_indexed, detect_binary, is_binary_name,
                           read_word2vec, write_word2vec)
from hsw2v.fasttextfile import is_fasttext_bin, read_fasttext_bin
from hsw2v.modelfile import ModelData, is_model_file, read_model
from hsw2v.subwords import Subwords, compose

log = logging.getLogger(__name__)

__all__ = ["Vectors", "UnknownWordError", "top_k_rows", "ENCODING_ERRORS", "detect_binary",
           "is_binary_name", "read_word2vec", "write_word2vec"]

# Scores of one batch of queries are a (batch, V) float32 matrix; cap it at ~128 MiB.
_SCORE_BUDGET = 1 << 25

# Columns per strided group in top_k_rows.
_GROUP = 256


class UnknownWordError(Hsw2vError, KeyError):
    """One or more words are not in the vocabulary.

    It is a :class:`KeyError` (as in gensim) and an :class:`~hsw2v.errors.Hsw2vError` (so the CLI
    reports it as one line).  ``.words`` lists the missing words in the order they were asked for.
    """

    def __init__(self, words: Sequence[str], n_vocab: int,
                 known: Mapping[str, object] | None = None):
        self.words = list(words)
        self.n_vocab = n_vocab
        listed = ", ".join(repr(w) for w in self.words)
        plural = "s" if len(self.words) > 1 else ""
        msg = f"unknown word{plural}: {listed} (not among the {n_vocab:,} words loaded)"
        # Words differ by case only ('King' / 'king'): say which spelling the vectors have.
        hints = {w: h for w in self.words if (h := _case_variant(w, known or {})) is not None}
        if hints:
            if len(hints) == 1 and len(self.words) == 1:
                listed = repr(next(iter(hints.values())))
            else:
                listed = ", ".join(f"{h!r} for {w!r}" for w, h in hints.items())
            msg += f"; words are case-sensitive: did you mean {listed}?"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def _case_variant(word: str, known: Mapping[str, object]) -> str | None:
    """A spelling of ``word`` in another case that ``known`` holds (lower case first), or None."""
    for variant in (word.lower(), word.capitalize(), word.title(), word.upper()):
        if variant != word and variant in known:
            return variant
    return None


class Vectors:
    """Word vectors: an ordered vocabulary and a float32 matrix with one row per word.

    Parameters
    ----------
    words : list of str
        The vocabulary, unique, in row order (word2vec files list the most frequent words first).
    vectors : numpy.ndarray
        Real array of shape (V, D), V = ``len(words)`` >= 1 and D >= 1.  It is converted to
        C-contiguous float32; an array that already is one is used as is, not copied, so do not
        modify it after the first query (the normalised copy used for search is computed once).

    Attributes
    ----------
    summary : dict or None
        For vectors returned by :func:`hsw2v.train`, the summary of the run (what ``OUT.json``
        holds: configuration, counts, per-epoch loss, timings); None otherwise.

    Raises
    ------
    ValueError, TypeError
        On shape, dtype, non-string or duplicate words (programming errors, not file errors).

    Examples
    --------
    >>> v = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> "a" in v, len(v), v["b"].tolist()
    (True, 2, [0.0, 1.0])
    """

    summary: dict | None = None
    #: ``(Subwords, float32 (U, D) n-gram rows)`` of a model trained with ``--subwords``: a word
    #: not in the vocabulary then gets the mean of its n-grams' rows (:meth:`__getitem__`).
    subwords: tuple[Subwords, np.ndarray] | None = None

    def __init__(self, words: Sequence[str], vectors: np.ndarray):
        words = list(words)
        arr = np.asarray(vectors)
        if arr.ndim != 2:
            raise ValueError(f"vectors must be a 2-D array (V, D), got shape {arr.shape}")
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise TypeError(f"vectors must be a real array, got dtype {arr.dtype}")
        if arr.shape[0] != len(words):
            raise ValueError(f"{len(words)} words but {arr.shape[0]} vector rows")
        if arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ValueError(f"need at least one word and one dimension, got shape {arr.shape}")
        key_to_index: dict[str, int] = {}
        for i, w in enumerate(words):
            if not isinstance(w, str):
                raise TypeError(f"word #{i} is {type(w).__name__} {w!r}, expected str")
            if key_to_index.setdefault(w, i) != i:
                raise ValueError(f"duplicate word {w!r} at rows {key_to_index[w]} and {i}")
        self._words = words
        self._vectors = np.ascontiguousarray(arr, dtype=np.float32)
        self._key_to_index = key_to_index
        self._norms: np.ndarray | None = None
        self._unit: np.ndarray | None = None

    @classmethod
    def _trusted(cls, words: list[str], matrix: np.ndarray, key_to_index: dict[str, int]) -> Vectors:
        """Build without re-validating what the file reader has already checked."""
        self = cls.__new__(cls)
        self._words, self._vectors, self._key_to_index = words, matrix, key_to_index
        self._norms = self._unit = None
        return self

    # ------------------------------------------------------------------ container protocol
    @property
    def words(self) -> list[str]:
        """list of str: the vocabulary in row order."""
        return self._words

    index_to_key = words  # gensim's name

    @property
    def vectors(self) -> np.ndarray:
        """numpy.ndarray: float32, shape (V, D), C-contiguous; row i belongs to ``words[i]``."""
        return self._vectors

    @property
    def key_to_index(self) -> dict[str, int]:
        """dict: word -> row index."""
        return self._key_to_index

    @property
    def vector_size(self) -> int:
        """int: the dimension D."""
        return int(self._vectors.shape[1])

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, word: object) -> bool:
        """Whether ``word`` is in the vocabulary (with subwords, other words have vectors
        too: see :meth:`__getitem__`)."""
        return word in self._key_to_index

    def __getitem__(self, word: str) -> np.ndarray:
        """Return a copy of the vector of `word`: float32, shape (D,).

        With subword vectors (a model trained with ``--subwords``), a word not in the
        vocabulary gets the mean of its character n-grams' rows, as fastText gives it.

        Raises
        ------
        UnknownWordError
            `word` is not in the vocabulary (and has no n-gram, or there are no subwords).
        """
        i = self._key_to_index.get(word)
        if i is not None:
            return self._vectors[i].copy()
        vec = self.oov_vector(word)
        if vec is None:
            raise UnknownWordError([word], len(self), self._key_to_index)
        return vec

    def oov_vector(self, word: str) -> np.ndarray | None:
        """The subword vector of a word outside the vocabulary (float32 (D,)), or None without
        subwords or when the word is too short for any n-gram."""
        if self.subwords is None or not isinstance(word, str):
            return None
        sw, ngrams = self.subwords
        _, positions = sw.oov_rows([word])
        return compose(ngrams, positions)

    def has_vector(self, word: str) -> bool:
        """Whether ``word`` has a vector: in the vocabulary, or through its n-grams."""
        return word in self._key_to_index or self.oov_vector(word) is not None

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words, {self.vector_size} dimensions)"

    def get_index(self, word: str) -> int:
        """Row index of `word`; raises :class:`UnknownWordError` if it is not in the vocabulary."""
        try:
            return self._key_to_index[word]
        except KeyError:
            raise UnknownWordError([word], len(self), self._key_to_index) from None

    def _indices(self, words: Iterable[str]) -> list[int]:
        """Row indices of `words`; one UnknownWordError naming every missing word."""
        words = list(words)
        missing = [w for w in words if w not in self._key_to_index]
        if missing:
            raise UnknownWordError(missing, len(self), self._key_to_index)
        return [self._key_to_index[w] for w in words]

    # ------------------------------------------------------------------ normalised matrix
    @property
    def norms(self) -> np.ndarray:
        """numpy.ndarray: float32, shape (V,), Euclidean length of each row (computed once)."""
        if self._norms is None:
            squares = np.einsum("ij,ij->i", self._vectors, self._vectors)  # no (V, D) temporary
            self._norms = np.sqrt(squares).astype(np.float32, copy=False)
        return self._norms

    @property
    def unit(self) -> np.ndarray:
        """numpy.ndarray: float32, shape (V, D), rows scaled to length 1 (zero rows stay zero).

        Computed on first use and kept; it is the only second copy of the matrix, and loading,
        saving or converting never build it.
        """
        if self._unit is None:
            norms = self.norms
            inverse = np.divide(1, norms, out=np.zeros_like(norms), where=norms > 0)
            self._unit = np.multiply(self._vectors, inverse[:, None], dtype=np.float32)
        return self._unit

    # ------------------------------------------------------------------ search
    def _query_vector(self, positive, negative) -> tuple[np.ndarray, list[int]]:
        """Unit query vector (float32, (D,)) from words and/or raw vectors, and the word rows used."""
        pos = _as_list(positive)
        neg = _as_list(negative)
        if not pos and not neg:
            raise ValueError("most_similar needs at least one positive or negative word or vector")
        words = [x for x in pos + neg if isinstance(x, str)]
        oov = {w: v for w in words if w not in self._key_to_index
               and (v := self.oov_vector(w)) is not None}
        rows = self._indices(w for w in words if w not in oov)
        row_of = dict(zip((w for w in words if w not in oov), rows))
        total = np.zeros(self.vector_size, dtype=np.float64)
        for sign, items in ((1.0, pos), (-1.0, neg)):
            for item in items:
                if isinstance(item, str) and item in oov:  # a subword vector, unit length
                    total += sign * _unit_vector(oov[item].astype(np.float64))
                elif isinstance(item, str):
                    total += sign * self.unit[row_of[item]]
                else:
                    vec = np.asarray(item, dtype=np.float64)
                    if vec.shape != (self.vector_size,):
                        raise ValueError(
                            f"query vector has shape {vec.shape}, expected ({self.vector_size},)"
                        )
                    total += sign * vec
        return _unit_vector(total), rows

    def top_k(
        self,
        queries: np.ndarray,
        topn: int = 10,
        exclude: Sequence[Sequence[int]] | None = None,
        restrict_vocab: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cosine top-k for a batch of query vectors: one matrix product per batch of queries.

        Parameters
        ----------
        queries : numpy.ndarray
            Shape (B, D); should have unit length (the scores are then cosines).
        topn : int
            k >= 1; at most the number of candidate rows is returned.
        exclude : sequence of sequences of int, optional
            For query i, the rows in ``exclude[i]`` are never returned (score set to -inf).
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` rows.

        Returns
        -------
        indices : numpy.ndarray
            int64, shape (B, k), k = min(topn, rows searched), best first, ties to the lower row
            (see :func:`top_k_rows`).  Excluded rows appear (with score -inf) only when fewer
            than k other rows exist.
        scores : numpy.ndarray
            float32, shape (B, k), the cosine of each returned row.
        """
        if int(topn) < 1:
            raise ValueError(f"topn must be >= 1, got {topn}")
        unit = self.unit if restrict_vocab is None else self.unit[: int(restrict_vocab)]
        n = unit.shape[0]
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != self.vector_size:
            raise ValueError(f"queries must have shape (B, {self.vector_size}), got {q.shape}")
        if exclude is not None and len(exclude) != len(q):
            raise ValueError(f"exclude has {len(exclude)} entries for {len(q)} queries")
        k = min(int(topn), n)
        out_idx = np.empty((len(q), k), dtype=np.int64)
        out_sc = np.empty((len(q), k), dtype=np.float32)
        batch = max(1, min(len(q), _SCORE_BUDGET // max(n, 1)))
        buffer = np.empty((batch, n), dtype=np.float32)  # reused: no page faults per batch
        for start in range(0, len(q), batch):
            stop = min(start + batch, len(q))
            scores = buffer[: stop - start]
            np.matmul(q[start:stop], unit.T, out=scores)  # one BLAS call for the whole batch
            if exclude is not None:
                for i, rows in enumerate(exclude[start:stop]):
                    rows = [r for r in rows if r < n]
                    if rows:
                        scores[i, rows] = -np.inf
            out_idx[start:stop], out_sc[start:stop] = top_k_rows(scores, k)
        return out_idx, out_sc

    def _as_pairs(self, idx: np.ndarray, sc: np.ndarray, topn: int) -> list[tuple[str, float]]:
        return [(self._words[i], float(s)) for i, s in zip(idx, sc) if s != -np.inf][:topn]

    def most_similar(
        self,
        positive: str | np.ndarray | Sequence[str | np.ndarray] | None = None,
        topn: int = 10,
        negative: str | np.ndarray | Sequence[str | np.ndarray] | None = None,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words nearest (cosine) to the mean of the positive minus the negative words/vectors.

        As in gensim and the C tool's ``distance``: words are unit-normalised before averaging,
        vectors are used as given, the mean is normalised, and the input words are not returned.

        Parameters
        ----------
        positive : str or numpy.ndarray or list of them
            A word, a float vector of shape (D,), or a list of words and vectors.
        topn : int
            Number of neighbours, >= 1.
        negative : str or numpy.ndarray or list of them, optional
            Words/vectors subtracted from the query.
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` rows (the most frequent words).

        Returns
        -------
        list of (str, float)
            (word, cosine similarity), best first.

        Raises
        ------
        UnknownWordError
            Naming every input word that is not in the vocabulary.
        """
        query, rows = self._query_vector(positive, negative)
        idx, sc = self.top_k(query[None, :], topn + len(rows), [rows], restrict_vocab)
        return self._as_pairs(idx[0], sc[0], topn)

    def similar_by_vector(self, vector: np.ndarray, topn: int = 10) -> list[tuple[str, float]]:
        """Words nearest to `vector` (float, shape (D,)); no word is excluded."""
        return self.most_similar(np.asarray(vector), topn=topn)

    def most_similar_many(
        self, words: Sequence[str], topn: int = 10, restrict_vocab: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """Nearest neighbours of each word in `words` (the word itself excluded), batched.

        One matrix product per batch of queries instead of one per word.

        Returns
        -------
        list of list of (str, float)
            One neighbour list per input word, in input order.

        Raises
        ------
        UnknownWordError
            Naming every word of `words` not in the vocabulary.
        """
        rows = self._indices(words)
        if not rows:
            return []
        idx, sc = self.top_k(self.unit[rows], topn + 1, [[r] for r in rows], restrict_vocab)
        return [self._as_pairs(i, s, topn) for i, s in zip(idx, sc)]

    def analogy(
        self, a: str, b: str, c: str, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Answers to "`a` is to `b` as `c` is to ?": 3CosAdd, nearest to b - a + c on unit vectors.

        The three input words are excluded from the answers (as in gensim and word2vec).

        Returns
        -------
        list of (str, float)
            (word, cosine similarity to the normalised b - a + c), best first.
        """
        return self.most_similar([b, c], topn=topn, negative=[a], restrict_vocab=restrict_vocab)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words (0.0 if either vector is zero; with subwords a word
        outside the vocabulary is given its n-grams' vector)."""
        if self.subwords is not None and (w1 not in self or w2 not in self):
            a, b = (_unit_vector(self[w].astype(np.float64)) for w in (w1, w2))
            return float(np.dot(a, b))
        i, j = self._indices([w1, w2])
        return float(np.dot(self.unit[i], self.unit[j]))

    # ------------------------------------------------------------------ evaluation
    def evaluate_analogies(
        self, path: str | os.PathLike, restrict: int | None = 30000, case_insensitive: bool = True
    ) -> AnalogyReport:
        """Analogy accuracy on a questions-words file; same numbers as gensim's
        ``evaluate_word_analogies(path, restrict_vocab=restrict)``.  See
        :func:`hsw2v.evaluate.evaluate_analogies`."""
        return evaluate_analogies(self, path, restrict=restrict, case_insensitive=case_insensitive)

    def evaluate_pairs(
        self, path: str | os.PathLike, restrict: int | None = 300000, case_insensitive: bool = True
    ) -> PairsReport:
        """Spearman/Pearson against human similarity scores; same numbers as gensim's
        ``evaluate_word_pairs(path)``.  See :func:`hsw2v.evaluate.evaluate_pairs`."""
        return evaluate_pairs(self, path, restrict=restrict, case_insensitive=case_insensitive)

    # ------------------------------------------------------------------ files
    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        binary: bool | None = None,
        limit: int | None = None,
        encoding_errors: str = "replace",
        quiet: bool = True,
    ) -> Vectors:
        """Read a word2vec text or binary file; see :func:`read_word2vec` (``quiet=False``
        shows the rows read on stderr). A model file (``hsw2v train --save-model``) or a
        fastText ``.bin`` (told by its magic number) gives its word vectors and, with subwords,
        vectors for words outside the vocabulary (``binary`` None, the default)."""
        if binary is None and is_model_file(path):
            return cls.from_model(read_model(path), limit)
        if binary is None and is_fasttext_bin(path):
            return cls.from_model(read_fasttext_bin(path), limit)
        words, matrix, key_to_index = read_word2vec_indexed(path, binary, limit, encoding_errors,
                                                             quiet)
        return cls._trusted(words, matrix, key_to_index)

    @classmethod
    def from_model(cls, model: ModelData, limit: int | None = None) -> Vectors:
        """The word vectors of a model file's contents (:func:`hsw2v.modelfile.read_model`),
        its first ``limit`` words if given."""
        n = len(model.words) if limit is None else min(limit, len(model.words))
        return cls.of_weights(model.words, model.weights, n)

    @classmethod
    def of_weights(cls, words: Sequence[str], weights, limit: int | None = None) -> Vectors:
        """The word vectors of ``weights`` (:class:`hsw2v.weights.Weights`) for ``words``:
        ``syn0``, or with subwords each word's composed vector, and the n-gram rows for words
        outside the vocabulary."""
        n = len(words) if limit is None else min(limit, len(words))
        out = cls(list(words)[:n], weights.word_vectors(words)[:n])
        if weights.subwords is not None:
            out.subwords = (weights.subwords, np.ascontiguousarray(weights.ngrams))
        return out

    def save(self, path: str | os.PathLike, binary: bool | None = None) -> None:
        """Write a word2vec text or binary file atomically; see :func:`write_word2vec`."""
        write_word2vec(path, self._words, self._vectors, binary=binary)


def top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the `k` largest values of each row, largest first.

    Ties are broken by the lower column index (the more frequent word).  Instead of an
    ``argpartition`` of every row (~10 ns per value here), the columns are split into G strided
    groups and the k-th largest group maximum is taken as a threshold: at least k values reach it,
    so every top-k value lies in a group whose maximum reaches it, and only those few groups are
    looked at again.  Rows too short for that use the k-th largest value itself as the threshold.

    Parameters
    ----------
    scores : numpy.ndarray
        float32, shape (B, n), n >= k >= 1.  -inf marks excluded entries; NaN counts as -inf.
    k : int

    Returns
    -------
    indices : numpy.ndarray
        int64, shape (B, k).
    values : numpy.ndarray
        float32, shape (B, k).
    """
    b, n = scores.shape
    n_groups = n // _GROUP
    if n_groups >= 4 * k:
        full = n_groups * _GROUP
        # Group j = columns j, j + G, j + 2G, ...: its maximum is a reduction over contiguous rows.
        grid = scores[:, :full].reshape(b, _GROUP, n_groups)
        group_max = grid.max(axis=1)  # (b, G)
        threshold = np.partition(group_max, n_groups - k, axis=1)[:, n_groups - k]
        rows, groups = np.nonzero(group_max >= threshold[:, None])
        cols = (np.arange(_GROUP)[None, :] * n_groups + groups[:, None]).ravel()
        vals = grid[rows, :, groups].ravel()
        rows = np.repeat(rows, _GROUP)
        if full < n:  # the last n - full columns belong to no group: always candidates
            tail = n - full
            rows = np.concatenate([rows, np.repeat(np.arange(b), tail)])
            cols = np.concatenate([cols, np.tile(np.arange(full, n), b)])
            vals = np.concatenate([vals, scores[:, full:].ravel()])
        keep = vals >= threshold[rows]
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    else:
        threshold = np.partition(scores, n - k, axis=1)[:, n - k]
        rows, cols = np.nonzero(scores >= threshold[:, None])
        vals = scores[rows, cols]
    counts = np.bincount(rows, minlength=b)
    if (counts < k).any():  # NaN compares false: retry with NaN as -inf
        return top_k_rows(np.where(np.isnan(scores), np.float32(-np.inf), scores), k)
    order = np.lexsort((cols, -vals, rows))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pick = order[first[:, None] + np.arange(k)]
    return cols[pick], vals[pick]


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, (str, np.ndarray)):
        return [x]
    return list(x)


def _unit_vector(v: np.ndarray) -> np.ndarray:
    """float32 copy of `v` scaled to length 1 (unchanged if zero)."""
    norm = float(np.linalg.norm(v))
    return (v / norm if norm > 0 else v).astype(np.float32)
