"""Numba kernels: every jitted function of hsw2v lives in this package, one module per concern.

The package imports nothing else from hsw2v and takes arrays and numbers only, so the math can
be read (and tested against NumPy references) on its own. Names follow the word2vec C tool where
that helps: ``syn0`` input vectors, ``syn1`` inner-node vectors, ``codes`` and ``points`` the
Huffman code bits and inner-node indices of each word's path.

Modules
-------
``policy``    the one fastmath policy and the JIT options (:data:`jit`) every kernel uses.
``rows``      the weight layout (rows padded to SIMD blocks) and the row intrinsics.
``rng``       per-thread xorshift64* random numbers.
``logistic``  the sigmoid and its loss, exact and tabulated.
``context``   CBOW's context mean and error row, and saturated decisions' exact loss.
``hot``       threads' private copies of the most visited rows, and their merge.
``hs``        hierarchical softmax: the skip-gram and CBOW steps.
``ns``        negative sampling; ``sampling`` its exact (alias-table) noise sampler.
``softmax``   the exact softmax over the whole vocabulary (the reference, O(V) a prediction).
``subwords``  fastText's character n-gram buckets, and the steps over a word's n-gram rows.
``loop``      the training loop over a chunk of the id stream, for every objective.
``tree``      the Huffman merge and paths.
``chunks``    the chunk table of the id stream.
``tokens``    the UTF-8 tokenizer and its token table.
``phrases``   counting adjacent word pairs and joining phrases (``hsw2v phrases``).
``rounds``    training on a cluster: the rows a round changed, and their combination.

Every public name is also importable from the package itself (``kernels.train_chunk``).

Numba caches compiled code per source file and does not notice a change in a module that a
cached kernel calls into (a kernel of ``loop.py`` inlines ``ns.py``'s row step, say), so it
would run stale code. :func:`_drop_stale_cache` guards the default cache (``__pycache__`` beside
these files): the first import after any kernel module changed empties it. With
``NUMBA_CACHE_DIR`` set, clear that folder after editing a kernel.
"""
import hashlib as _hashlib
import os as _os


def _drop_stale_cache() -> None:
    """Remove numba's cached kernels when any module of this package changed since they were
    cached (a digest of every module's source, kept in ``__pycache__/kernels.digest``)."""
    here = _os.path.dirname(_os.path.abspath(__file__))
    cache = _os.path.join(here, "__pycache__")
    digest = _hashlib.blake2b(digest_size=16)
    for name in sorted(f for f in _os.listdir(here) if f.endswith(".py")):
        with open(_os.path.join(here, name), "rb") as f:
            digest.update(name.encode() + b"\0" + f.read())
    stamp = _os.path.join(cache, "kernels.digest")
    try:
        with open(stamp, encoding="ascii") as f:
            if f.read() == digest.hexdigest():
                return
    except OSError:
        pass
    try:
        _os.makedirs(cache, exist_ok=True)
        for name in _os.listdir(cache):
            if name.endswith((".nbi", ".nbc")):
                _os.unlink(_os.path.join(cache, name))
        with open(stamp + ".tmp", "w", encoding="ascii") as f:
            f.write(digest.hexdigest())
        _os.replace(stamp + ".tmp", stamp)
    except OSError:  # a read-only install: numba then caches elsewhere or not at all
        pass


_drop_stale_cache()

from hsw2v.kernels.chunks import chunk_cuts
from hsw2v.kernels.hot import (
                               HOT_NEG_ROWS,
                               HOT_ROWS,
                               HOT_SYNC_UPDATES,
                               merge_hot_rows,
                               private_hot_rows,
                               private_neg_rows,
)
from hsw2v.kernels.hs import cbow_update, hs_row, hs_step, sg_update, sg_update_streamed
from hsw2v.kernels.logistic import (
                               MAX_EXP,
                               NLL_PAIR,
                               NLL_TABLE,
                               SIGMOID_TABLE,
                               TABLE_SIZE,
                               sigmoid_and_nll,
                               table_nll,
)
from hsw2v.kernels.loop import (
    Noise, Path, Rate, Reading, Scratch, Softmax, mixed_update, train_chunk, train_rows)
from hsw2v.kernels.ns import cbow_ns_update, draw_negatives, ns_row, sg_ns_update
from hsw2v.kernels.policy import FASTMATH, JIT_OPTIONS, jit
from hsw2v.kernels.rounds import combine_rows, path_counts, take_changed, take_delta
from hsw2v.kernels.rng import next_u64, next_uniform, splitmix64
from hsw2v.kernels.rows import (
                               ALIGN,
                               LANES,
                               PRIVATE_BLOCK,
                               aligned_rows,
                               blocks_of,
                               padded_rows,
                               private_zeros,
                               radd,
                               rdot,
                               rfma,
                               rload,
                               row_stride,
                               rprefetch,
                               rscale,
                               rstore,
                               rzero,
)
from hsw2v.kernels.sampling import alias_build, alias_draw
from hsw2v.kernels.softmax import softmax_inplace, softmax_row
from hsw2v.kernels.subwords import (mean_rows, ngram_buckets, ring_compose, ring_flush,
                                    subword_cbow_update, subword_sg_update)
from hsw2v.kernels.tokens import (
                               scan_tokens,
                               table_compact,
                               table_rehash,
                               wide_space_width,
)
from hsw2v.kernels.tree import huffman_merge, huffman_paths

__all__ = [
    "ALIGN", "FASTMATH", "HOT_NEG_ROWS", "HOT_ROWS", "HOT_SYNC_UPDATES", "JIT_OPTIONS", "LANES", "MAX_EXP",
    "NLL_PAIR", "NLL_TABLE", "PRIVATE_BLOCK", "SIGMOID_TABLE", "TABLE_SIZE", "aligned_rows",
    "blocks_of", "cbow_update", "chunk_cuts", "hs_step", "sg_update_streamed", "huffman_merge", "huffman_paths", "jit",
    "merge_hot_rows", "next_u64", "next_uniform", "padded_rows", "private_hot_rows",
    "private_zeros", "radd", "rdot", "rfma", "rload", "row_stride", "rprefetch", "rscale",
    "rstore", "rzero", "scan_tokens", "sg_update", "sigmoid_and_nll", "splitmix64",
    "table_compact", "table_nll", "table_rehash", "train_chunk", "train_rows",
    "wide_space_width", "hs_row", "mixed_update", "draw_negatives", "ns_row", "sg_ns_update",
    "cbow_ns_update", "private_neg_rows", "alias_build", "alias_draw", "softmax_inplace",
    "softmax_row", "combine_rows", "path_counts", "take_changed", "take_delta",
    "mean_rows", "ngram_buckets", "ring_compose", "ring_flush", "subword_cbow_update",
    "subword_sg_update", "Noise", "Path", "Rate", "Reading", "Scratch", "Softmax",
]
