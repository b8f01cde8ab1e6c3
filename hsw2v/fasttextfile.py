"""fastText's ``.bin`` model files, read into and written from :class:`~hsw2v.modelfile.ModelData`.

The layout (fastText 0.9's ``FastText::saveModel``; every number little-endian)::

    magic int32 793712314, version int32 (12)
    args        dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
                lrUpdateRate (int32 each), t (float64)
                loss: 1 hs, 2 ns, 3 softmax, 4 ova;  model: 1 cbow, 2 sg (skip-gram), 3 supervised
    dictionary  size, nwords, nlabels (int32), ntokens, pruneidx_size (int64; -1: not pruned),
                then per entry: the word's bytes, a NUL byte, count int64, type int8 (0 word,
                1 label), then pruneidx_size pairs of int32
    input       quant flag (1 byte), rows m int64, columns n int64, m * n float32 (row-major):
                the nwords words' rows, then one row per hash bucket (m = nwords + bucket)
    output      qout flag (1 byte), m int64, n int64, m * n float32: one row per word

A word's vector is the mean of its own row and its character n-grams' bucket rows; a word
outside the vocabulary gets the mean of its n-grams' rows (see :mod:`hsw2v.subwords`, whose
n-grams and hash are fastText's). fastText's end-of-line word ``</s>`` is the one word it gives
no n-grams; hsw2v composes it like any other, so that one vector differs.

Writing (:func:`write_fasttext_bin`) puts every bucket's row in the input matrix: the model's
n-gram rows at their buckets and zeros elsewhere, so fastText computes the same vectors as hsw2v
(which counts a bucket without a row as a zero row). A model without subwords is written with
``minn = maxn = bucket = 0``: fastText then computes no n-grams (its loop over lengths 1..maxn
is empty) and its input matrix is the words' rows alone; fastText and gensim both load it.

The output matrix is negative sampling's rows (``ns``, and ``hs+ns``, which fastText lacks: its
hierarchical-softmax rows are not written), the exact softmax's, or hierarchical softmax's
inner nodes. fastText builds its Huffman tree from the dictionary's counts (:func:`fasttext_tree`)
as word2vec does, which breaks ties between a word and a merged node the other way from
:func:`hsw2v.huffman.build_huffman`; and its code bit ``c`` labels the branch that word2vec's
``1 - c`` does. So a node's row is carried between the two trees only where a node of each has
the same words below it, its sign set by which branch it scores (:func:`hs_rows`); the other
rows are zeros, so training further starts them again (on text8's first 3 MB, min-count 5,
3,672 of 8,852 rows carry). Only fastText's
own files are known to follow fastText's tree: gensim numbers its tree otherwise, so the
hierarchical-softmax rows of a file gensim wrote mean nothing to hsw2v or fastText. What is
promised across tools is the input matrix: the word vectors and the vectors of words outside
the vocabulary.

Reading (:func:`read_fasttext_bin`) keeps the bucket rows that are not all zero or that a
vocabulary word's n-grams reach, so the vectors of words outside the vocabulary equal fastText's
(fastText starts only the first ``thread``/10 of its input matrix at random numbers, the rest at
zero: a bucket no word trained may hold either). Refused in one line: another file, a newer
version, a supervised (classification) model, a quantized model (``.ftz``), a pruned
dictionary, a truncated or damaged file.
"""
from __future__ import annotations

import logging
import mmap
import os
import struct
from typing import Any, BinaryIO

import numpy as np

from hsw2v.huffman import HuffmanTree, build_huffman
from hsw2v.modelfile import ModelData, ModelFileError, is_model_file, read_model
from hsw2v.subwords import Subwords
from hsw2v.weights import Weights, carried_nodes

log = logging.getLogger(__name__)

__all__ = ["MAGIC", "VERSION", "FastTextFileError", "is_fasttext_bin", "read_fasttext_bin",
           "write_fasttext_bin", "read_any_model", "fasttext_tree"]

#: The int32 every fastText model file starts with.
MAGIC = 793712314
#: The newest format version read; the one written.
VERSION = 12
#: fastText's codes of ``-model`` and ``-loss``.
MODELS = {1: "cbow", 2: "sg", 3: "supervised"}
LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
#: The characters fastText splits text on: a word holding one could never be one of its words.
SEPARATORS = " \n\r\t\v\f\0"
#: fastText's end-of-line word, the one to which it gives no n-grams.
EOS = "</s>"

_ARGS = struct.Struct("<12id")
_DICT = struct.Struct("<3i2q")
_ENTRY = struct.Struct("<qb")
_MATRIX = struct.Struct("<2q")
_BLOCK_BYTES = 1 << 25  # bucket rows are read and written in blocks of ~32 MiB


class FastTextFileError(ModelFileError):
    """A fastText ``.bin`` cannot be read or written; the message names the file and what to
    do."""


def is_fasttext_bin(path: str | os.PathLike) -> bool:
    """Whether ``path`` starts with fastText's magic number (a fastText ``.bin`` or ``.ftz``)."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == struct.pack("<i", MAGIC)
    except OSError:
        return False


def read_any_model(path: str | os.PathLike) -> ModelData:
    """A model file: hsw2v's (``.npz``, :func:`hsw2v.modelfile.read_model`) or fastText's
    ``.bin`` (:func:`read_fasttext_bin`), told apart by their first bytes.

    Raises
    ------
    ModelFileError
        Missing, neither, or not readable (one line).
    """
    if is_fasttext_bin(path):
        return read_fasttext_bin(path)
    if os.path.isfile(path) and not is_model_file(path):
        raise ModelFileError(f"{os.fspath(path)!r} is neither an hsw2v model (.npz) nor a "
                             "fastText .bin: give a file written by hsw2v train --save-model "
                             "or by fastText")
    return read_model(path)


# ------------------------------------------------------------------------------------ writing

def write_fasttext_bin(path: str | os.PathLike, data: ModelData) -> None:
    """Write ``data`` as a fastText ``.bin`` at ``path``, atomically (see the module docstring).

    Raises
    ------
    FastTextFileError
        A word that fastText cannot hold (empty, or holding a space, tab, line break or NUL),
        or weights that are NaN or infinite; nothing is written.
    """
    from hsw2v.outputs import atomic_binary

    path = os.fspath(path)
    bad = next((w for w in data.words if not w or any(c in SEPARATORS for c in w)), None)
    if bad is not None:
        raise FastTextFileError(f"word {bad!r} is empty or holds whitespace, which fastText "
                                f"splits words on: {path!r} was not written")
    weights = data.weights.contiguous()
    if not weights.finite():
        raise FastTextFileError(f"the model's weights hold NaN or infinity (the training that "
                                f"made it diverged): {path!r} was not written; train again, e.g. "
                                "with a smaller --alpha")
    cfg = data.config
    objectives = data.objectives
    v, dim = weights.syn0.shape
    sw = weights.subwords
    minn, maxn, nbuckets = (0, 0, 0) if sw is None else (sw.minn, sw.maxn, sw.nbuckets)
    if "ns" in objectives:
        loss, output = 2, weights.syn1neg
    elif "hs" in objectives:  # fastText's tree and convention; its last row is never used
        rows = hs_rows(build_huffman(data.counts), weights.syn1, 0,
                       fasttext_tree(data.counts), 1, data.words, "written")
        loss, output = 1, np.concatenate([rows, np.zeros((1, dim), np.float32)])
    else:
        loss, output = 3, weights.syn1sm
    sample = float(cfg.get("sample", 1e-3) or 0.0)
    args = _ARGS.pack(
        dim, int(cfg.get("window", 5)), int(cfg.get("epochs", 5)), int(cfg.get("min_count", 5)),
        int(cfg.get("negative") or 5), 1, loss, 1 if cfg.get("model") == "cbow" else 2,
        nbuckets, minn, maxn, 100,
        sample if sample > 0 else 1.0)  # fastText's t = 0 would drop every word; 1 keeps all
    counts = np.asarray(data.counts, np.int64)
    # the tokens of the corpus (fastText's, read from a .bin, counts the ones dropped too)
    ntokens = int((data.summary.get("fasttext") or {}).get("ntokens") or counts.sum())
    entries = b"".join(w.encode("utf-8", "surrogateescape") + b"\0" + _ENTRY.pack(int(c), 0)
                       for w, c in zip(data.words, counts.tolist()))
    with atomic_binary(path) as f:
        f.write(struct.pack("<2i", MAGIC, VERSION) + args)
        f.write(_DICT.pack(v, v, 0, ntokens, -1) + entries)
        f.write(b"\0" + _MATRIX.pack(v + nbuckets, dim))
        f.write(memoryview(_little(weights.syn0)))
        if sw is not None:
            _write_buckets(f, weights.ngrams, np.asarray(sw.buckets, np.int64), nbuckets)
        f.write(b"\0" + _MATRIX.pack(len(output), dim))
        f.write(memoryview(_little(output)))
    log.debug("wrote a fastText .bin of %d words x %d dimensions (%d buckets) to %s", v, dim,
              nbuckets, path)


def _little(a: np.ndarray) -> np.ndarray:
    """``a`` as C-contiguous little-endian float32."""
    return np.ascontiguousarray(a, dtype="<f4")


def _write_buckets(f: BinaryIO, ngrams: np.ndarray, buckets: np.ndarray, nbuckets: int) -> None:
    """Every bucket's row, in blocks: ``ngrams[i]`` at bucket ``buckets[i]``, zeros elsewhere.

    Parameters
    ----------
    ngrams : float32 (U, D);  buckets : int64 (U,)
    """
    dim = ngrams.shape[1]
    order = np.argsort(buckets, kind="stable")
    ranked = buckets[order]
    step = max(1, _BLOCK_BYTES // (4 * dim))
    for a in range(0, nbuckets, step):
        b = min(a + step, nbuckets)
        block = np.zeros((b - a, dim), "<f4")
        lo, hi = np.searchsorted(ranked, [a, b])
        block[ranked[lo:hi] - a] = ngrams[order[lo:hi]]
        f.write(memoryview(block))


# ------------------------------------------------------------------------------------ reading

def read_fasttext_bin(path: str | os.PathLike) -> ModelData:
    """Read a fastText ``.bin`` (written by fastText, gensim or :func:`write_fasttext_bin`).

    Returns
    -------
    ModelData
        ``words`` and ``counts`` (int64 (V,)) of its dictionary; ``weights``: ``syn0`` float32
        (V, D) the words' rows, ``ngrams`` float32 (U, D) the kept bucket rows (``subwords``:
        their buckets, the file's minn, maxn and bucket; None when maxn is 0), and the output
        matrix as ``syn1neg``, ``syn1sm`` or ``syn1`` (see the module docstring); ``config``:
        model, loss, dim, window, epochs, min_count, negative, sample, subwords, buckets.

    Raises
    ------
    FastTextFileError
        Missing, not a fastText model, a newer version, supervised, quantized, pruned,
        truncated or damaged (one line naming the file and what to do).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FastTextFileError(f"model {path!r} does not exist: give a fastText .bin or a "
                                "file written by hsw2v train --save-model")
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 4 or struct.unpack("<i", head[:4])[0] != MAGIC:
            raise FastTextFileError(f"{path!r} is not a fastText .bin (it does not start with "
                                    "fastText's magic number): give a model saved by fastText")
        if len(head) < 8:
            raise _damaged(path, "it ends inside its header")
        version = struct.unpack("<i", head[4:])[0]
        if version > VERSION:
            raise FastTextFileError(f"{path!r} is a fastText model of format version {version}; "
                                    f"hsw2v reads versions up to {VERSION}: save it with "
                                    "fastText 0.9 (or print its vectors to a .vec file)")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            args, words, counts, pos = _read_header(mm, path)
        v, dim = len(words), args["dim"]
        rows, pos = _matrix_at(f, pos, size, path, "the input matrix")
        if rows != (v + args["bucket"], dim):
            raise _damaged(path, f"its input matrix is {rows[0]} x {rows[1]}, not the "
                                 f"{v} words + {args['bucket']} buckets x {dim} its header says")
        input_at = pos
        out_rows, pos = _matrix_at(f, pos + 4 * rows[0] * rows[1], size, path,
                                   "the output matrix")
        if out_rows != (v, dim):
            raise _damaged(path, f"its output matrix is {out_rows[0]} x {out_rows[1]}, not "
                                 f"{v} x {dim}")
        end = pos + 4 * v * dim
        if end != size:
            raise _damaged(path, f"{size - end} bytes follow its output matrix")
        syn0 = _floats(f, input_at, v, dim)
        output = _floats(f, pos, v, dim)
        subwords, ngrams = _read_subwords(f, input_at + 4 * v * dim, args, words)
    objective, weights = _outputs(args, output, words, counts)
    weights.syn0, weights.ngrams, weights.subwords = syn0, ngrams, subwords
    words, counts, weights = _sorted(words, counts, weights, path)
    config: dict[str, Any] = {
        "model": MODELS[args["model"]], "loss": objective, "dim": dim,
        "window": max(1, args["ws"]), "epochs": max(1, args["epoch"]),
        "min_count": max(1, args["minCount"]),
        "negative": (args["neg"] if 1 <= args["neg"] <= 1000 else 5) if objective == "ns"
        else None,
        "sample": args["t"] if 0 < args["t"] < 1 else 0.0,
        "subwords": None if subwords is None else [subwords.minn, subwords.maxn]}
    if subwords is not None:
        config["buckets"] = subwords.nbuckets
    out = ModelData(words, counts, weights, config,
                    {"fasttext": {"version": version, "ntokens": args["ntokens"],
                                  "loss": LOSSES[args["loss"]]}})
    if not weights.finite():
        raise FastTextFileError(f"fastText model {path!r} is damaged: its weights hold NaN or "
                                "infinity (the training that wrote it diverged): train it again")
    problem = weights.problem(v, out.objectives)
    if problem is not None:  # every size was checked above: a bug if this is reached
        raise _damaged(path, problem)
    return out


def _damaged(path: str, what: str) -> FastTextFileError:
    return FastTextFileError(f"fastText model {path!r} is damaged or truncated ({what}): get or "
                             "save the file again")


def _read_header(mm: mmap.mmap, path: str) -> tuple[dict[str, Any], list[str], np.ndarray, int]:
    """The args and the dictionary, checked; where the input matrix's quant flag is.

    Returns
    -------
    args : dict (fastText's names, plus ntokens);  words : list of str (V,);
    counts : int64 (V,);  pos : int
    """
    size = len(mm)
    pos = 8
    if pos + _ARGS.size + _DICT.size > size:
        raise _damaged(path, "it ends inside its header")
    names = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket",
             "minn", "maxn", "lrUpdateRate", "t")
    args = dict(zip(names, _ARGS.unpack_from(mm, pos)))
    pos += _ARGS.size
    n_entries, nwords, nlabels, ntokens, prune = _DICT.unpack_from(mm, pos)
    pos += _DICT.size
    args["ntokens"] = ntokens
    if args["model"] == 3 or nlabels > 0:
        raise FastTextFileError(f"{path!r}: a supervised (classification) model has no word "
                                "vectors to query: give a model trained with fastText skipgram "
                                "or cbow")
    if args["model"] not in MODELS or args["loss"] not in LOSSES:
        raise _damaged(path, f"unknown model {args['model']} or loss {args['loss']}")
    if not (args["dim"] >= 1 and args["bucket"] >= 0 and 0 <= nwords == n_entries
            and nlabels == 0 and prune >= -1 and np.isfinite(args["t"])):
        raise _damaged(path, "its header holds impossible values")
    if args["maxn"] > 0 and args["bucket"] == 0 and args["minn"] <= args["maxn"]:
        raise _damaged(path, f"it has n-grams of up to {args['maxn']} characters but 0 buckets")
    if nwords < 2:
        raise FastTextFileError(f"fastText model {path!r} has {nwords} word"
                                f"{'' if nwords == 1 else 's'}; hsw2v needs at least 2")
    words: list[str] = []
    counts = np.empty(nwords, np.int64)
    for i in range(nwords):
        end = mm.find(b"\0", pos)
        if end < 0 or end + 1 + _ENTRY.size > size:
            raise _damaged(path, f"it ends inside its dictionary, at word {i + 1} of {nwords}")
        word = mm[pos:end].decode("utf-8", "surrogateescape")
        count, kind = _ENTRY.unpack_from(mm, end + 1)
        if kind != 0 or count <= 0 or not word:
            raise _damaged(path, f"dictionary entry {i + 1} ({word!r}, count {count}, type "
                                 f"{kind}) is not a word seen in training")
        words.append(word)
        counts[i] = count
        pos = end + 1 + _ENTRY.size
    if len(set(words)) != nwords:
        raise _damaged(path, "its dictionary holds a word twice")
    pos += 8 * max(prune, 0)
    if pos + 1 > size:
        raise _damaged(path, "it ends after its dictionary")
    if mm[pos] != 0:
        raise FastTextFileError(f"{path!r} is quantized (.ftz): quantized models are not "
                                "supported: use the .bin it was quantized from")
    if prune != -1:
        raise FastTextFileError(f"{path!r} has a pruned dictionary (only quantized fastText "
                                "models have one): use the .bin it was quantized from")
    return args, words, counts, pos


def _matrix_at(f: BinaryIO, pos: int, size: int, path: str, what: str
               ) -> tuple[tuple[int, int], int]:
    """The (rows, columns) of the matrix whose flag byte is at ``pos``, and where its floats
    start; checked against the file's length before anything is allocated."""
    if pos + 1 + _MATRIX.size > size:
        raise _damaged(path, f"it ends before {what}")
    f.seek(pos)
    flag = f.read(1)
    if flag not in (b"\0", b"\1"):
        raise _damaged(path, f"the flag before {what} is {flag[0]}")
    if flag == b"\1":
        raise FastTextFileError(f"{path!r} holds a quantized output matrix: quantized models "
                                "are not supported: use the .bin it was quantized from")
    m, n = _MATRIX.unpack(f.read(_MATRIX.size))
    pos += 1 + _MATRIX.size
    if m < 0 or n < 0 or pos + 4 * m * n > size:
        raise _damaged(path, f"{what} of {m} x {n} floats does not fit in the file's "
                             f"{size:,} bytes")
    return (m, n), pos


def _floats(f: BinaryIO, pos: int, m: int, n: int) -> np.ndarray:
    """float32 (m, n) read at byte ``pos``."""
    f.seek(pos)
    out = np.fromfile(f, "<f4", m * n).reshape(m, n)
    return out.astype(np.float32, copy=False)


def _read_subwords(f: BinaryIO, pos: int, args: dict[str, Any], words: list[str]
                   ) -> tuple[Subwords | None, np.ndarray | None]:
    """The bucket rows starting at byte ``pos`` that are not all zero or that the vocabulary's
    n-grams reach, read in blocks (a model without n-grams: none).

    Returns
    -------
    Subwords or None;  ngrams : float32 (U, D) or None, U = ``len(subwords.buckets)``
    """
    minn, maxn, nbuckets, dim = max(args["minn"], 1), args["maxn"], args["bucket"], args["dim"]
    if maxn <= 0 or minn > maxn:
        return None, None
    reached = np.zeros(nbuckets, bool)
    reached[Subwords.build(words, minn, maxn, nbuckets).buckets] = True
    step = max(1, _BLOCK_BYTES // (4 * dim))
    for a in range(0, nbuckets, step):  # first pass: which rows to keep
        b = min(a + step, nbuckets)
        reached[a:b] |= _floats(f, pos + 4 * a * dim, b - a, dim).any(axis=1)
    buckets = np.flatnonzero(reached).astype(np.int64)
    ngrams = np.empty((len(buckets), dim), np.float32)
    at = 0
    for a in range(0, nbuckets, step):  # second pass: copy them
        b = min(a + step, nbuckets)
        keep = reached[a:b]
        k = int(keep.sum())
        if k:
            ngrams[at:at + k] = _floats(f, pos + 4 * a * dim, b - a, dim)[keep]
            at += k
    return Subwords(minn, maxn, nbuckets, buckets), ngrams


def _outputs(args: dict[str, Any], output: np.ndarray, words: list[str], counts: np.ndarray
             ) -> tuple[str, Weights]:
    """The objective and the output rows of the file's loss (``syn0`` left to the caller).

    ``ova`` (one-vs-all, a binary logistic per word, as negative sampling's) is read as
    ``ns``. Hierarchical softmax's rows are carried to hsw2v's tree (:func:`hs_rows`).
    """
    dim = output.shape[1]
    loss = LOSSES[args["loss"]]
    none = np.zeros((0, dim), np.float32)
    if loss in ("ns", "ova"):
        return "ns", Weights(none, none, syn1neg=output)
    if loss == "softmax":
        return "softmax", Weights(none, none, syn1sm=output)
    if np.any(counts[:-1] < counts[1:]):  # trees of another order: _sorted zeroes them
        return "hs", Weights(none, np.zeros((len(counts) - 1, dim), np.float32))
    return "hs", Weights(none, hs_rows(fasttext_tree(counts), output[:-1], 1,
                                       build_huffman(counts), 0, words, "read"))


def _sorted(words: list[str], counts: np.ndarray, weights: Weights, path: str
            ) -> tuple[list[str], np.ndarray, Weights]:
    """The words sorted by count, most frequent first (fastText and gensim write them so; a
    file that does not gets its rows reordered, and its hierarchical-softmax rows, built on
    another order, restart from zero)."""
    if not np.any(counts[:-1] < counts[1:]):
        return words, counts, weights
    order = np.argsort(-counts, kind="stable")
    log.warning("%s: the words are not sorted by count; reordered (the hierarchical-softmax "
                "rows restart from zero)", path)
    weights.syn0 = weights.syn0[order]
    for name in ("syn1neg", "syn1sm"):
        rows = getattr(weights, name)
        if rows is not None:
            setattr(weights, name, rows[order])
    weights.syn1 = np.zeros_like(weights.syn1)
    return [words[i] for i in order], counts[order], weights


# ------------------------------------------------------------------- hierarchical softmax's tree

def fasttext_tree(counts: np.ndarray) -> HuffmanTree | None:
    """The Huffman tree fastText builds from ``counts`` (its HierarchicalSoftmaxLoss::buildTree),
    or None if it cannot be computed here (counts too large, see below).

    fastText merges as word2vec and :func:`hsw2v.huffman.build_huffman` do, except on equal
    weights, where it takes the merged node before the leaf. Over the weights ``V * count - 1``
    (a merged node of ``n`` leaves weighs ``V * (its count) - n``) build_huffman makes exactly
    fastText's choices: an equal count is then lighter in the merged node, a smaller count
    still lighter in the leaf (``V * difference >= V > n - 1``), the order of the counts kept.

    Parameters
    ----------
    counts : int64 (V,)    positive, descending, ``V >= 2``.

    Returns
    -------
    HuffmanTree (inner node ``a``, the ``a``-th merge, is fastText's output row ``a``) or None
    """
    counts = np.asarray(counts, np.int64)
    v = len(counts)
    if v * int(counts.sum()) >= 2**62:  # the root's weight would overflow int64
        return None
    return build_huffman(v * counts - 1)


def hs_rows(src: HuffmanTree | None, rows: np.ndarray, src_positive: int,
            dst: HuffmanTree | None, dst_positive: int, words: list[str], what: str
            ) -> np.ndarray:
    """Hierarchical softmax's inner-node rows carried from one tree to another.

    A node's row gives ``sigmoid(h . row)`` as the probability of one of its two branches: the
    one of code bit ``src_positive`` (fastText: 1; word2vec and hsw2v: 0, their bit ``c``
    meaning the label ``1 - c``). A node of ``dst`` with the same words below it as a node of
    ``src`` (:func:`hsw2v.weights.carried_nodes`) gets that node's row, negated where the
    branch it scores is the other one; a node without one (the trees differ only where counts
    tie) gets zeros.

    Parameters
    ----------
    rows : float32 (V - 1, D)    the inner-node rows of ``src``.

    Returns
    -------
    float32 (V - 1, D)
    """
    out = np.zeros(rows.shape, np.float32)
    if src is None or dst is None:
        log.warning("the vocabulary's counts are too large to rebuild fastText's tree: the "
                    "hierarchical-softmax rows %s are zeros", what)
        return out
    if np.array_equal(src.points, dst.points) and np.array_equal(src.codes, dst.codes):
        np.multiply(rows, 1 if src_positive == dst_positive else -1, out=out)
        return out
    match = carried_nodes(src, words, dst, words)
    nodes, first = np.unique(dst.points, return_index=True)  # one word below each node
    word = np.searchsorted(dst.offsets, first, side="right") - 1
    ok = match[nodes] >= 0
    nodes, first, word, src_node = nodes[ok], first[ok], word[ok], match[nodes[ok]]
    depth = np.empty(len(rows), np.int64)  # each src node's depth (the root's is 0)
    owner = np.repeat(np.arange(src.n_words), src.lengths)
    depth[src.points] = np.arange(len(src.points)) - src.offsets[owner]
    src_code = src.codes[src.offsets[word] + depth[src_node]]
    same = (src_code == src_positive) == (dst.codes[first] == dst_positive)
    out[nodes] = rows[src_node] * np.where(same, 1, -1).astype(np.float32)[:, None]
    log.info("hierarchical softmax: %d of %d inner nodes have the same words below them in "
             "fastText's tree and hsw2v's; the others' rows are %s as zeros", len(nodes),
             len(rows), what)
    return out
