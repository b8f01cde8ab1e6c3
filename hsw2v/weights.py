"""A model's weights (:class:`Weights`, the one shape every stage holds them in) and the weights
a run starts from: fresh (word2vec's initialisation), a saved model's (trained further, on its
vocabulary or a grown one), and pre-trained vectors for some words.

Every array made here is made as kernel rows (:func:`hsw2v.kernels.aligned_rows`), so training
uses it in place.
"""
from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from hsw2v import kernels
from hsw2v.errors import ConfigError
from hsw2v.formats import read_word2vec
from hsw2v.huffman import HuffmanTree
from hsw2v.subwords import Subwords, composed_vectors
from hsw2v.vocab import Vocab, build_vocab

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Weights:
    """A model's matrices: what the trainers train, a model file and a checkpoint hold, the
    cluster engine combines and :class:`hsw2v.Model` shows.

    Attributes
    ----------
    syn0 : float32 (V, D)              input vectors (the word vectors).
    syn1 : float32 (V - 1, D)          inner-node vectors of hierarchical softmax; (0, D) without.
    syn1neg : float32 (V, D) or None   output vectors of negative sampling.
    syn1sm : float32 (V, D) or None    output vectors of the exact softmax.
    ngrams : float32 (U, D) or None    character n-gram rows (``--subwords``), one per bucket
                                       of ``subwords.buckets``; a word's vector is then the mean
                                       of its ``syn0`` row and its n-grams' rows.
    subwords : Subwords or None        the n-gram settings and each row's bucket.
    """

    syn0: np.ndarray
    syn1: np.ndarray
    syn1neg: np.ndarray | None = None
    syn1sm: np.ndarray | None = None
    ngrams: np.ndarray | None = None
    subwords: Subwords | None = None
    #: the kernel rows ``syn0`` and ``ngrams`` are views of (:meth:`input_rows`)
    _rows: np.ndarray | None = dataclasses.field(default=None, repr=False, compare=False,
                                                 kw_only=True)

    #: The matrices' names, in a file or a checkpoint too.
    NAMES: ClassVar[tuple[str, ...]] = ("syn0", "syn1", "syn1neg", "syn1sm")

    def arrays(self) -> dict[str, np.ndarray]:
        """The matrices by name (``syn1neg``/``syn1sm`` only where present; with subwords
        also ``ngrams``, ``ngram_buckets`` int64 (U,) and ``ngram_settings`` int64 [minn,
        maxn, buckets])."""
        out = {n: a for n in self.NAMES if (a := getattr(self, n)) is not None}
        if self.subwords is not None and self.ngrams is not None:
            sw = self.subwords
            out["ngrams"] = self.ngrams
            out["ngram_buckets"] = np.asarray(sw.buckets, np.int64)
            out["ngram_settings"] = np.array([sw.minn, sw.maxn, sw.nbuckets], np.int64)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Weights:
        """The matrices of a mapping that holds them by name (a file's arrays)."""
        subwords = None
        if "ngram_settings" in arrays:
            minn, maxn, nbuckets = (int(x) for x in arrays["ngram_settings"])
            subwords = Subwords(minn, maxn, nbuckets, arrays["ngram_buckets"])
        return cls(arrays["syn0"], arrays["syn1"], arrays.get("syn1neg"), arrays.get("syn1sm"),
                   arrays.get("ngrams") if subwords is not None else None, subwords)

    def word_vectors(self, words: Sequence[str]) -> np.ndarray:
        """The vocabulary's vectors: ``syn0``, or with subwords each word's mean of its row
        and its n-grams' rows (what fastText writes to its ``.vec``).

        Returns
        -------
        float32 (V, D)
        """
        if self.subwords is None or self.ngrams is None:
            return self.syn0
        offsets, rows = self.subwords.word_rows(words)
        return composed_vectors(self.syn0, self.ngrams, offsets, rows)

    def input_rows(self) -> np.ndarray:
        """The kernel rows of the input vectors: ``syn0``'s V rows, then the n-gram rows (the
        array the kernels train; see :func:`hsw2v.kernels.train_chunk`'s ``subwords``).
        ``syn0`` and ``ngrams`` become views of them (no copy when they already are).

        Returns
        -------
        float32 (V + U, S)
        """
        if self.ngrams is None:
            self.syn0, rows = kernels.padded_rows(self.syn0)
            return rows
        v, u = len(self.syn0), len(self.ngrams)
        rows = self._rows
        if (rows is not None and len(rows) == v + u and self.syn0.ctypes.data == rows.ctypes.data
                and self.ngrams.ctypes.data == rows[v:].ctypes.data):
            return rows
        view, rows = kernels.aligned_rows(v + u, self.dim)
        view[:v] = self.syn0
        view[v:] = self.ngrams
        self.syn0, self.ngrams = view[:v], view[v:]
        self._rows = rows
        return rows

    @property
    def dim(self) -> int:
        return int(self.syn0.shape[1])

    def problem(self, n_words: int, objectives: Sequence[str]) -> str | None:
        """What is wrong with these matrices as a model of ``n_words`` words trained with
        ``objectives`` (``hs``, ``ns``, ``softmax``): None if nothing.

        Each must be float32 and two-dimensional with D >= 1 columns; ``syn1`` has V - 1 rows
        with hierarchical softmax and none without; ``syn1neg`` and ``syn1sm`` are there exactly
        when their objective is, with V rows.
        """
        v = n_words
        if (self.ngrams is None) != (self.subwords is None):
            return "ngrams and their buckets come together"
        if self.subwords is not None:
            sw, d = self.subwords, self.syn0.shape[1] if self.syn0.ndim == 2 else -1
            b = np.asarray(sw.buckets)
            if not (b.dtype == np.int64 and b.ndim == 1 and 1 <= sw.minn <= sw.maxn
                    and sw.nbuckets >= 1 and (len(b) == 0 or 0 <= b.min() <= b.max() <
                                              sw.nbuckets) and len(np.unique(b)) == len(b)):
                return "the n-gram buckets or settings are invalid"
            if not (self.ngrams.dtype == np.float32 and self.ngrams.shape == (len(b), d)):
                return (f"ngrams is {self.ngrams.dtype} {self.ngrams.shape}, not float32 "
                        f"{(len(b), d)}")
        if not (self.syn0.dtype == np.float32 and self.syn0.ndim == 2
                and self.syn0.shape[0] == v and self.syn0.shape[1] >= 1):
            return f"syn0 is {self.syn0.dtype} {self.syn0.shape}, not float32 ({v}, D)"
        d = self.dim
        want1 = (v - 1 if "hs" in objectives else 0, d)
        if not (self.syn1.dtype == np.float32 and self.syn1.shape == want1):
            return f"syn1 is {self.syn1.dtype} {self.syn1.shape}, not float32 {want1}"
        for name, objective in (("syn1neg", "ns"), ("syn1sm", "softmax")):
            rows = getattr(self, name)
            if (rows is None) != (objective not in objectives):
                return (f"{name} is {'missing' if rows is None else 'present'} with the "
                        f"objectives {'+'.join(objectives)}")
            if rows is not None and not (rows.dtype == np.float32 and rows.shape == (v, d)):
                return f"{name} is {rows.dtype} {rows.shape}, not float32 {(v, d)}"
        return None

    def finite(self) -> bool:
        """Whether every weight is a finite number (a diverged run's are not)."""
        return all(bool(np.isfinite(a).all()) for a in self.arrays().values()
                   if a.dtype == np.float32)

    def contiguous(self) -> Weights:
        """The matrices as C-contiguous (V, D) arrays (views of padded kernel rows copied)."""
        return Weights(*(None if a is None else np.ascontiguousarray(a, dtype=np.float32)
                         for a in (self.syn0, self.syn1, self.syn1neg, self.syn1sm,
                                   self.ngrams)), self.subwords)


def init_weights(n_words: int, dim: int, seed: int, spare_rows: int = 0, hs: bool = True,
                 width: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """word2vec's initialisation: ``syn0`` uniform in ±``width``/dim (word2vec 0.5; gensim
    1, which :func:`init_width` gives negative sampling), ``syn1`` zeros.

    Both are views of kernel rows (:func:`kernels.aligned_rows`), so training uses them in
    place; ``syn1``'s rows have ``spare_rows`` more zero rows after it (room for the threads'
    private copies of the top rows, see :func:`kernels.private_hot_rows`).

    Returns
    -------
    syn0 : float32 (n_words, dim)
    syn1 : float32 (n_words - 1, dim), (0, dim) without hierarchical softmax
    """
    syn0, _ = kernels.aligned_rows(n_words, dim)
    fill_random(syn0, seed, width)
    syn1, _ = kernels.aligned_rows(n_words - 1 if hs else 0, dim, spare_rows if hs else 0)
    return syn0, syn1


def init_subwords(weights: Weights, words: Sequence[str], cfg) -> Weights:
    """``weights`` with fresh n-gram rows for the buckets the n-grams of ``words`` reach
    (``cfg.subwords``, ``cfg.buckets``), drawn as the input rows are (a stream of their own)."""
    minn, maxn = cfg.subwords
    sw = Subwords.build(words, minn, maxn, cfg.buckets)
    ngrams = np.empty((len(sw.buckets), weights.dim), np.float32)
    fill_random(ngrams, cfg.seed + 1, init_width(cfg.objectives))
    out = dataclasses.replace(weights, ngrams=ngrams, subwords=sw)
    out.input_rows()  # one array of kernel rows for both
    return out


def fill_random(rows: np.ndarray, seed: int, width: float = 0.5) -> None:
    """Fill float32 (n, dim) ``rows`` uniform in ±``width``/dim (word2vec: 0.5), in blocks.

    The numbers of width 0.5 scaled by ``2 * width`` (width 1: exactly twice them)."""
    n, dim = rows.shape
    rng = np.random.default_rng(seed)
    scale = np.float32(2.0 * width)
    step = 4096  # rows at a time: no (n, dim) temporaries; the same numbers as at once
    for i in range(0, n, step):
        block = rng.random((min(step, n - i), dim), dtype=np.float32)
        block -= np.float32(0.5)
        block /= np.float32(dim)
        if scale != 1:
            block *= scale
        rows[i:i + step] = block


def init_width(objectives: Sequence[str]) -> float:
    """The half-width (times 1/dim) of the input vectors' uniform start for some objectives.

    Negative sampling alone starts from gensim's ±1/dim: paired runs on the benchmark job
    (text8-prefix, 40 seeds skip-gram, 32 CBOW) scored +0.0040 ± 0.0007 and +0.0048 ± 0.0009
    analogy over word2vec's ±0.5/dim (scripts/README.md, "Negative sampling"). Hierarchical
    softmax (alone or with NS) and the exact softmax keep word2vec's ±0.5/dim, on which their
    figures were measured.
    """
    return 1.0 if list(objectives) == ["ns"] else 0.5


def init_output(n_words: int, dim: int, spare_rows: int = 0) -> np.ndarray:
    """Zeroed output rows for negative sampling or the exact softmax (word2vec's start).

    Returns
    -------
    float32 (n_words, dim), a view of kernel rows with ``spare_rows`` zero rows after it.
    """
    return kernels.aligned_rows(n_words, dim, spare_rows)[0]


def grown_vocab(old: Vocab, words: list[str], counts: np.ndarray, min_count: int) -> Vocab:
    """A model's vocabulary ``old`` with a new corpus's counts added and its new words that
    reach ``min_count`` (as gensim's ``build_vocab(update=True)``: counts add up).

    Parameters
    ----------
    words : list of str;  counts : int64 (len(words),)   the new corpus's distinct tokens.
    """
    index = {w: i for i, w in enumerate(old.words)}
    merged = np.asarray(old.counts, dtype=np.int64).copy()
    extra_words, extra_counts = [], []
    for w, c in zip(words, np.asarray(counts, dtype=np.int64).tolist()):
        i = index.get(w)
        if i is not None:
            merged[i] += c
        elif c >= min_count:
            extra_words.append(w)
            extra_counts.append(c)
    all_words = list(old.words) + extra_words
    all_counts = np.concatenate([merged, np.asarray(extra_counts, dtype=np.int64)])
    return build_vocab(all_words, all_counts, 1)


def carried_weights(old: Vocab, model: Weights, vocab: Vocab, tree: HuffmanTree,
                    old_tree: HuffmanTree, seed: int, spare_hs: int, spare_neg: int,
                    width: float = 0.5) -> tuple[Weights, int]:
    """A model's weights (``model``, of the vocabulary ``old`` and its tree ``old_tree``) laid
    out for ``vocab`` (the same, or grown from ``old``).

    Each word keeps its rows; a new word gets a fresh input row (as a fresh model would, of
    half-width ``width`` / dim) and zero output rows. An inner node of the new tree keeps the
    old row of the inner node with exactly the same words below it (so the words under it
    keep their decisions), and starts from zero otherwise (see :func:`carried_nodes`).

    Returns
    -------
    weights : Weights       (``syn1neg``/``syn1sm`` None for an objective the model lacks)
    carried_nodes : int     inner-node rows kept.
    """
    v, dim = len(vocab), model.syn0.shape[1]
    place = {w: i for i, w in enumerate(old.words)}
    src = np.array([place.get(w, -1) for w in vocab.words], dtype=np.int64)
    kept = src >= 0
    syn0 = kernels.aligned_rows(v, dim)[0]
    if not kept.all():
        fresh = np.empty((int((~kept).sum()), dim), np.float32)
        fill_random(fresh, seed, width)
        syn0[~kept] = fresh
    syn0[kept] = model.syn0[src[kept]]
    outputs: dict[str, np.ndarray | None] = {"syn1neg": None, "syn1sm": None}
    for name, spare in (("syn1neg", spare_neg), ("syn1sm", 0)):
        rows = getattr(model, name)
        if rows is not None:
            new = init_output(v, dim, spare)
            new[kept] = rows[src[kept]]
            outputs[name] = new
    hs = model.syn1.shape[0] > 0
    syn1 = kernels.aligned_rows(v - 1 if hs else 0, dim, spare_hs if hs else 0)[0]
    carried = 0
    if hs:
        if len(vocab) == len(old.words) and kept.all() and np.array_equal(src, np.arange(v)):
            syn1[:] = model.syn1
            carried = v - 1
        else:
            new_of_old = carried_nodes(old_tree, old.words, tree, vocab.words)
            has = new_of_old >= 0
            syn1[has] = model.syn1[new_of_old[has]]
            carried = int(has.sum())
    ngrams, subwords = None, model.subwords
    if subwords is not None:  # every n-gram row kept; rows for the new words' new buckets
        subwords = subwords.extended(vocab.words)
        u_old = len(model.subwords.buckets)
        ngrams = np.empty((len(subwords.buckets), dim), np.float32)
        ngrams[:u_old] = model.ngrams
        fill_random(ngrams[u_old:], seed + 1, width)
    out = Weights(syn0, syn1, outputs["syn1neg"], outputs["syn1sm"], ngrams, subwords)
    if subwords is not None:
        out.input_rows()
    return out, carried


def carried_nodes(old_tree: HuffmanTree, old_words: list[str], tree: HuffmanTree,
                  words: list[str]) -> np.ndarray:
    """For each inner node of ``tree``, the inner node of ``old_tree`` with the same words below
    it, or -1.

    A node is identified by the set of words below it: each word gets a random 64-bit key and
    a node the sum of its words' keys (wrapping; a collision of two different sets has a chance
    of about 2^-64 per pair).

    Returns
    -------
    int64 (V_new - 1,)
    """
    rng = np.random.default_rng(0x5EED)
    keys: dict[str, int] = {}
    for w in list(old_words) + list(words):
        if w not in keys:
            keys[w] = int(rng.integers(0, 2**63 - 1, dtype=np.int64)) * 2 + 1

    def node_sums(t: HuffmanTree, ws: list[str]) -> np.ndarray:
        k = np.array([keys[w] for w in ws], dtype=np.uint64)
        per_entry = np.repeat(k, np.diff(t.offsets))
        sums = np.zeros(max(len(ws) - 1, 0), dtype=np.uint64)
        np.add.at(sums, t.points, per_entry)  # uint64 wraps: a sum modulo 2^64
        return sums

    old_sums = {int(h): i for i, h in enumerate(node_sums(old_tree, old_words))}
    return np.array([old_sums.get(int(h), -1) for h in node_sums(tree, words)], dtype=np.int64)


def read_init_vectors(path: str, dim: int, quiet: bool = True) -> tuple[list[str], np.ndarray]:
    """Read the vectors of ``--init-vectors`` (before the corpus is read: a bad file fails
    early; unless ``quiet``, a large file's reading shows on stderr) and check their
    dimension.

    Returns
    -------
    words : list of str;  matrix : float32 (n, dim)

    Raises
    ------
    ConfigError
        The file is missing or its dimension is not ``dim``.
    """
    if not os.path.isfile(path):
        raise ConfigError(f"--init-vectors {path!r} does not exist: give a vectors file "
                          "(word2vec text or binary)")
    words, matrix = read_word2vec(path, quiet=quiet)[:2]
    if matrix.shape[1] != dim:
        raise ConfigError(f"--init-vectors {path!r} holds {matrix.shape[1]}-dimensional vectors "
                          f"but the model has --dim {dim}: train with --dim {matrix.shape[1]} "
                          f"or give vectors of {dim} dimensions")
    return words, matrix


def apply_init_vectors(init: tuple[list[str], np.ndarray], vocab: Vocab,
                       syn0: np.ndarray) -> np.ndarray:
    """Set the input rows of the words that ``init`` (from :func:`read_init_vectors`) holds.

    Returns
    -------
    bool (V,)
        Which words got a pre-trained row.
    """
    words, matrix = init
    index = {w: i for i, w in enumerate(words)}
    src = np.array([index.get(w, -1) for w in vocab.words], dtype=np.int64)
    found = src >= 0
    syn0[found] = matrix[src[found]]
    return found
