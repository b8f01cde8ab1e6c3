"""Phrases: join word pairs that occur together more often than chance ("new york" -> new_york).

The word2vec C tool's ``word2phrase`` and gensim's ``Phrases``, over the same fast reading as
training: the corpus is read at most twice, as UTF-8 blocks tokenized by the jitted tokenizer
into word ids (:class:`hsw2v.vocab.TokenTable`).

1. **Count** every word and every adjacent pair of words, in one pass. Only a newline (or the
   end of a file) ends a sentence here: a long line such as text8's is never cut into pieces,
   so pairs count across what training would call piece boundaries, and never across
   sentences. Memory is bounded as word2phrase and gensim bound it: when more than
   ``prune_at`` distinct words and pairs are held, every word and pair seen at most
   ``min_reduce`` times is dropped and ``min_reduce`` grows (counts of rare words and pairs
   are then approximate; a warning says so).
2. **Score** each pair ``(a, b)`` seen ``n_ab`` times, for words seen ``n_a`` and ``n_b`` times
   among ``N`` tokens:

   * ``word2vec`` (default): ``(n_ab - min_count) * N / (n_a * n_b)``, word2phrase's score
     (its ``train_words`` is N). Unbounded; word2phrase's default threshold is 100. Only pairs
     seen more than ``min_count`` times can pass a threshold >= 0. (gensim's ``'default'``
     scorer multiplies by its vocabulary size, distinct words plus distinct pairs, instead of
     N: gensim threshold ``t`` is hsw2v threshold ``t * N / len(phrases.vocab)``.)
   * ``npmi``: normalized pointwise mutual information
     ``ln(p_ab / (p_a * p_b)) / -ln(p_ab)`` with ``p = n / N``, for pairs seen at least
     ``min_count`` times (gensim's ``npmi_scorer``). Bounded in -1..1 (clamped, as rounding
     can exceed 1 by an ulp): 1 when the two words only ever occur together, 0 when they are
     independent, negative when they occur together less often than chance. Threshold 1
     joins nothing, -1 every pair seen ``min_count`` times; default 0.5.

   A pair whose score is strictly greater than the threshold is a phrase.
3. **Rewrite** the corpus, joining phrases with the delimiter greedily from left to right: a
   token joined to the one before it is not joined to the one after (word2phrase's and
   gensim's rule). Tokens are written separated by one space, one sentence per line (blank
   lines are left out). Running the rewrite's output through again joins phrases with a
   third word (``new_york city`` -> ``new_york_city``).

Pairs are counted as pairs of word ids, not as the joined string (word2phrase and gensim count
``"a_b"``, so a corpus token that already reads ``a_b`` adds to the pair ``a b`` there).
Counting follows gensim at sentence starts: word2phrase's counting pass (``LearnVocab``) skips
each sentence's first pair and instead pairs the previous sentence's last word with the
second word (its ``last_word`` is not updated after a sentence start); its rewriting pass
does respect sentence ends. On a one-line corpus such as text8 the two agree.
"""
from __future__ import annotations

import gzip
import logging
import math
import os
import secrets
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from hsw2v.config import check_encoding
from hsw2v.corpus import CorpusStats, expand_paths, iter_utf8_blocks, warn_invalid
from hsw2v.encoding import spool_stdin
from hsw2v.errors import ConfigError, CorpusError, Hsw2vError
from hsw2v.interrupt import phase
from hsw2v.kernels import phrases as pk
from hsw2v.progress import Meter
from hsw2v.sentences import is_paths, sentence_blocks, spool_blocks
from hsw2v.vocab import TokenTable

log = logging.getLogger(__name__)

SCORINGS = ("word2vec", "npmi")
#: Default threshold of each scoring (word2phrase's 100; npmi: 0.5).
DEFAULT_THRESHOLD = {"word2vec": 100.0, "npmi": 0.5}
#: Default bound on distinct words plus pairs held while counting. Measured: about 60 bytes of
#: peak memory per word or pair held (pairs sit in a quarter- to half-full table of 16-byte
#: rows, rebuilt when it grows), so ~1.2 GB at this bound, plus ~0.2 GB of start-up.
DEFAULT_PRUNE_AT = 20_000_000

_NO_CUT = 1 << 62  # sentences are never cut into pieces here: only newlines end them


class PhrasesError(Hsw2vError):
    """Sentences given from Python that cannot be read as tokens."""


# ----------------------------------------------------------------------------------- options
def check_options(min_count: int, threshold: float | None, scoring: str, delimiter: str,
                  prune_at: int) -> float:
    """Validate the options; return the threshold (the scoring's default if None)."""
    if scoring not in SCORINGS:
        raise ConfigError(f"--scoring {scoring!r} is not one of {', '.join(SCORINGS)}")
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) \
            or min_count < 1:
        raise ConfigError(f"--min-count {min_count!r} must be a whole number >= 1")
    if threshold is None:
        threshold = DEFAULT_THRESHOLD[scoring]
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise ConfigError(f"--threshold {threshold!r} is not a number") from None
    if scoring == "npmi" and not -1.0 <= threshold <= 1.0:
        raise ConfigError(f"--threshold {threshold:g} is outside -1..1, the range of npmi "
                          "scores: give e.g. 0.5 (higher means fewer phrases)")
    if scoring == "word2vec" and not (math.isfinite(threshold) and threshold >= 0):
        raise ConfigError(f"--threshold {threshold:g} must be a finite number >= 0 for word2vec "
                          "scoring (word2phrase's default is 100; higher means fewer phrases)")
    if not isinstance(delimiter, str) or not delimiter or delimiter.split() != [delimiter]:
        raise ConfigError(f"--delimiter {delimiter!r} must be non-empty and hold no whitespace "
                          "(joined phrases must stay one token)")
    if isinstance(prune_at, bool) or not isinstance(prune_at, (int, np.integer)) or prune_at < 2:
        raise ConfigError(f"--prune-at {prune_at!r} must be a whole number >= 2")
    return threshold


# ----------------------------------------------------------------------------------- counting
class _PairCounter:
    """Counts words and adjacent pairs of words with bounded memory (see the module's step 1)."""

    def __init__(self, prune_at: int):
        self.prune_at = prune_at
        self.words = TokenTable()
        self.pairs = np.full((1024, 2), -1, dtype=np.int64)
        self.used = np.zeros(1, dtype=np.int64)
        self.prev = -1  # last id of the block before, if its sentence goes on
        self.run = 0
        self.tokens = 0
        self.min_reduce = 1
        self.prunings = 0

    def add(self, buf: np.ndarray, file_end: bool) -> int:
        """Count a block of UTF-8 (one of :func:`hsw2v.corpus.iter_utf8_blocks`); return its
        tokens."""
        ids, tokens, _, self.run = self.words.scan(buf, True, file_end, _NO_CUT, self.run)
        need = 2 * (int(self.used[0]) + len(ids))
        if need > len(self.pairs):
            self._rehash(_pow2_at_least(need), 0, np.empty(0, np.int64))
        self.prev = pk.pair_count(ids, self.prev, self.pairs, self.used)
        self.tokens += tokens
        if len(self.words) + int(self.used[0]) > self.prune_at:
            self._prune()
        return tokens

    def _rehash(self, size: int, keep_above: int, remap: np.ndarray) -> None:
        new = np.full((size, 2), -1, dtype=np.int64)
        self.used[0] = pk.pair_reinsert(self.pairs, new, keep_above, remap)
        self.pairs = new

    def _prune(self) -> None:
        words = self.words.counts
        pairs = self.pairs[self.pairs[:, 0] >= 0, 1]
        before = len(words) + len(pairs)
        r = self.min_reduce
        while np.count_nonzero(words > r) + np.count_nonzero(pairs > r) > self.prune_at:
            r += 1
        keep = np.flatnonzero(words > r)
        remap = np.full(len(words), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        kept_pairs = int(np.count_nonzero(pairs > r))
        self.words.keep(keep)
        self._rehash(_pow2_at_least(max(1024, 4 * kept_pairs)), r, remap)
        if self.prev >= 0:
            self.prev = int(remap[self.prev])
        self.min_reduce = r + 1
        self.prunings += 1
        (log.warning if self.prunings == 1 else log.debug)(
            "phrases: more than %d distinct words and pairs held, dropped %d seen at most %d "
            "times (counts of rare words and pairs are now approximate; raise --prune-at to "
            "avoid)", self.prune_at, before - len(keep) - kept_pairs, r)


def _pow2_at_least(n: int) -> int:
    return 1 << max(0, int(n) - 1).bit_length()


def _pair_table(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A pair table (see :mod:`hsw2v.kernels.phrases`) holding the pairs ``(a[i], b[i])``."""
    keys = np.full((len(a), 2), 0, dtype=np.int64)
    keys[:, 0] = (np.asarray(a, np.int64) << 32) | np.asarray(b, np.int64)
    table = np.full((_pow2_at_least(max(16, 2 * len(a) + 1)), 2), -1, dtype=np.int64)
    pk.pair_reinsert(keys, table, -1, np.empty(0, np.int64))
    return table


# ------------------------------------------------------------------------------------- model
class Phrases:
    """The phrases of a corpus: word pairs whose score passes the threshold.

    Made by :meth:`learn` (or :func:`phrases`); applied with :meth:`apply` / ``model[sentence]``
    (Python sentences) or :meth:`rewrite` (files). Only what joining needs is kept: the words
    that take part in a phrase and the phrases, with their counts and scores.

    Attributes
    ----------
    words : list of str (W,)
        Words that are part of at least one phrase.
    word_counts : int64 (W,)
        Their counts in the corpus.
    pairs : int32 (P, 2)
        Each phrase as two indices into ``words``, highest score first (ties: the more
        frequent first, then in order of the words' first appearance).
    pair_counts : int64 (P,)
        Times each pair occurred (adjacent, within a sentence).
    scores : float64 (P,)
        Their scores.
    total_words : int
        Tokens in the corpus (N of the scores).
    min_count, threshold, scoring, delimiter
        The options used.
    distinct_words, distinct_pairs : int
        Distinct words and pairs held after counting (after any pruning).
    prunings : int
        Times counting pruned rare words and pairs (0: every count is exact).
    """

    def __init__(self, words: list[str], word_counts: np.ndarray, pairs: np.ndarray,
                 pair_counts: np.ndarray, scores: np.ndarray, total_words: int, *,
                 min_count: int, threshold: float, scoring: str, delimiter: str,
                 distinct_words: int = 0, distinct_pairs: int = 0, prunings: int = 0):
        pairs = np.asarray(pairs, dtype=np.int32).reshape(-1, 2)
        # highest score first; ties: more frequent first, then by word ids (first appearance)
        order = np.lexsort((pairs[:, 1], pairs[:, 0], -np.asarray(pair_counts, np.int64),
                            -np.asarray(scores, np.float64)))
        self.words = list(words)
        self.word_counts = np.asarray(word_counts, dtype=np.int64)
        self.pairs = pairs[order]
        self.pair_counts = np.asarray(pair_counts, dtype=np.int64)[order]
        self.scores = np.asarray(scores, dtype=np.float64)[order]
        self.total_words = int(total_words)
        self.min_count = int(min_count)
        self.threshold = float(threshold)
        self.scoring = scoring
        self.delimiter = delimiter
        self.distinct_words = int(distinct_words)
        self.distinct_pairs = int(distinct_pairs)
        self.prunings = int(prunings)
        self._table = _pair_table(self.pairs[:, 0], self.pairs[:, 1])
        self._index: dict[tuple[str, str], int] | None = None

    # -------------------------------------------------------------------------- learning
    @classmethod
    def learn(cls, corpus, *, min_count: int = 5, threshold: float | None = None,
              scoring: str = "word2vec", delimiter: str = "_",
              prune_at: int = DEFAULT_PRUNE_AT, quiet: bool = True,
              encoding: str = "utf-8") -> Phrases:
        """Count words and pairs of ``corpus`` (one pass) and keep the pairs that pass.

        Parameters
        ----------
        corpus : path, list of paths, or iterable of sentences
            Files, folders (``.gz``/``.bz2``/``.xz`` read directly; ``-`` is stdin), or any
            iterable of tokenised sentences (each a list or tuple of str tokens, non-empty and
            without whitespace), iterated once.
        min_count : int
            word2vec scoring: subtracted from the pair's count; npmi: fewest occurrences.
        threshold : float, optional
            Score a pair must exceed (default 100 for word2vec scoring, 0.5 for npmi).
        scoring : {"word2vec", "npmi"}
        delimiter : str
            Joins the two words of a phrase.
        prune_at : int
            Distinct words plus pairs held while counting before rare ones are dropped.
        quiet : bool
            No progress bar.
        encoding : str
            The corpus files' codec (e.g. ``"latin-1"``; default UTF-8).
        """
        threshold = check_options(min_count, threshold, scoring, delimiter, prune_at)
        _check_encoding_of(corpus, encoding)
        counter = _PairCounter(prune_at)
        stats = CorpusStats()
        if is_paths(corpus):
            blocks = iter_utf8_blocks(expand_paths([corpus] if isinstance(
                corpus, (str, os.PathLike)) else corpus), stats, encoding=encoding)
        else:
            blocks = ((buf, True) for buf, _, _ in sentence_blocks(corpus, error=PhrasesError))
        _count(counter, blocks, quiet)
        warn_invalid(stats, counter.words.words, encoding, "distinct words")
        return cls._from_counter(counter, min_count, threshold, scoring, delimiter)

    @classmethod
    def _from_counter(cls, counter: _PairCounter, min_count: int, threshold: float,
                      scoring: str, delimiter: str) -> Phrases:
        if counter.tokens == 0:
            raise CorpusError("the corpus holds no words: give a non-empty corpus")
        if counter.prunings > 1:
            log.warning("phrases: counting pruned %d times in all; words and pairs seen fewer "
                        "than %d times by then may be missing or under-counted",
                        counter.prunings, counter.min_reduce)
        n_pairs = int(counter.used[0])
        out = [np.empty(n_pairs, np.int64) for _ in range(3)] + [np.empty(n_pairs, np.float64)]
        code = pk.WORD2VEC if scoring == "word2vec" else pk.NPMI
        k = pk.pair_scores(counter.pairs, counter.words.counts, counter.tokens, min_count,
                           threshold, code, *out)
        a, b, counts, scores = (x[:k] for x in out)
        distinct_words = len(counter.words)
        # Keep only the words of a phrase, renumbered in id order.
        used = np.unique(np.concatenate([a, b]))
        counter.words.keep(used)
        words = counter.words.words
        model = cls(words, counter.words.counts.copy(), np.stack(
            [np.searchsorted(used, a), np.searchsorted(used, b)], axis=1), counts, scores,
            counter.tokens, min_count=min_count, threshold=threshold, scoring=scoring,
            delimiter=delimiter, distinct_words=distinct_words, distinct_pairs=n_pairs,
            prunings=counter.prunings)
        log.info("phrases: %d tokens, %d distinct words, %d distinct pairs; %d phrases pass "
                 "(%s score > %g, min-count %d)", model.total_words, distinct_words, n_pairs,
                 len(model), scoring, threshold, min_count)
        return model

    # ------------------------------------------------------------------------ inspecting
    def __len__(self) -> int:
        return len(self.pairs)

    def __repr__(self) -> str:
        return (f"Phrases({len(self)} phrases, scoring={self.scoring!r}, "
                f"threshold={self.threshold:g}, min_count={self.min_count}, "
                f"total_words={self.total_words})")

    @property
    def phrases(self) -> dict[str, float]:
        """Each phrase joined with the delimiter -> its score, highest score first (as
        gensim's ``export_phrases()``)."""
        w, d = self.words, self.delimiter
        return {w[a] + d + w[b]: s for (a, b), s in zip(self.pairs.tolist(), self.scores.tolist())}

    def top(self, n: int = 20) -> list[tuple[str, int, float]]:
        """The ``n`` highest-scoring phrases as ``(phrase, count, score)``."""
        w, d = self.words, self.delimiter
        return [(w[a] + d + w[b], c, s) for (a, b), c, s in
                zip(self.pairs[:n].tolist(), self.pair_counts[:n].tolist(),
                    self.scores[:n].tolist())]

    def score(self, a: str, b: str) -> float | None:
        """Score of the pair ``a b`` if it is a phrase, else None."""
        if self._index is None:
            w = self.words
            self._index = {(w[x], w[y]): i for i, (x, y) in enumerate(self.pairs.tolist())}
        i = self._index.get((a, b))
        return None if i is None else float(self.scores[i])

    def save_phrases(self, path: str | os.PathLike) -> None:
        """Write ``phrase count score`` lines, highest score first, atomically."""
        with phase(f"writing the phrases to {os.fspath(path)}",
                   f"{os.fspath(path)} was not written (no partial file)"), \
                _AtomicOutput(os.fspath(path)) as f:
            f.writelines(f"{p} {c} {s:.6g}\n".encode("utf-8", "surrogatepass")
                         for p, c, s in self.top(len(self)))

    # -------------------------------------------------------------------------- applying
    def __getitem__(self, sentence: Sequence[str]) -> list[str]:
        """One sentence (a list of str tokens) with its phrases joined."""
        if isinstance(sentence, str) or not isinstance(sentence, Sequence):
            raise TypeError("model[sentence] takes one sentence, a list of str tokens; "
                            "use model.apply(sentences) for many")
        return next(self.apply([sentence]))

    def apply(self, sentences: Iterable[Sequence[str]]) -> Iterator[list[str]]:
        """Yield each sentence with its phrases joined (gensim's ``phrases[sentences]``).

        Streamed in batches of about 1 MB of text; an empty sentence gives an empty list.
        """
        joiner = _Joiner(self)
        for buf, empties, n in sentence_blocks(sentences, error=PhrasesError):
            text = joiner.block(buf, True).tobytes().decode("utf-8", "surrogatepass")
            lines = iter(text.split("\n"))
            skip = set(empties)
            for i in range(n):
                yield [] if i in skip else next(lines).split(" ")

    def rewrite(self, corpus, output: str, *, quiet: bool = True,
                encoding: str = "utf-8") -> int:
        """Write ``corpus`` (paths, ``-`` for stdin; files in ``encoding``) to ``output`` with
        its phrases joined, in UTF-8.

        ``output`` ending in ``.gz`` is gzip-compressed, ``-`` is standard output; a file is
        written to a temporary name and renamed when complete. Returns the pairs joined.
        """
        paths = expand_paths([corpus] if isinstance(corpus, (str, os.PathLike)) else corpus)
        check_output(output, paths)
        return self._rewrite_blocks(iter_utf8_blocks(paths, encoding=encoding), output, quiet)

    def _rewrite_blocks(self, blocks: Iterable[tuple[np.ndarray, bool]], output: str,
                        quiet: bool, total: int | None = None) -> int:
        joiner = _Joiner(self)
        where = "standard output" if output == "-" else output
        left = ("what was joined so far went to standard output" if output == "-" else
                f"{output} was not written (no partial file)")
        with phase(f"writing the corpus with phrases joined to {where}", left), \
                Meter("phrases: joining", total, quiet=quiet) as meter:
            if output == "-":
                sink = sys.stdout.buffer
                for buf, file_end in blocks:
                    sink.write(joiner.block(buf, file_end))
                    meter.update(joiner.last_tokens)
                sink.flush()
            else:
                with _AtomicOutput(output) as sink:
                    for buf, file_end in blocks:
                        sink.write(joiner.block(buf, file_end))
                        meter.update(joiner.last_tokens)
        log.info("phrases: joined %d pairs; wrote %s", joiner.joins,
                 "standard output" if output == "-" else output)
        return joiner.joins


class _Joiner:
    """Rewrites UTF-8 blocks with a model's phrases joined (the module's step 3).

    Every token is looked up in a table that starts with the model's words (ids below
    ``n_words``); others get ids past them for as long as one block needs them (their bytes
    are written from the table), and are dropped again once more than ``limit`` are held, so
    memory stays bounded.
    """

    def __init__(self, model: Phrases, limit: int = 1 << 20):
        self.table = TokenTable(max(1024, 2 * len(model.words)))
        if model.words:
            self.table.add(model.words)
        self.n_words = len(model.words)
        self.pairs = model._table
        self.delimiter = np.frombuffer(model.delimiter.encode("utf-8", "surrogatepass"),
                                       dtype=np.uint8)
        self.limit = limit
        self.state = np.array([-1, 1, 0], dtype=np.int64)
        self.run = 0
        self.last_tokens = 0

    @property
    def joins(self) -> int:
        return int(self.state[2])

    def block(self, buf: np.ndarray, file_end: bool) -> np.ndarray:
        """The block's text with phrases joined, uint8 (m,)."""
        ids, self.last_tokens, _, self.run = self.table.scan(buf, True, file_end, _NO_CUT,
                                                             self.run)
        offsets, lengths, arena = self.table.token_bytes()
        out = np.empty(len(buf) + len(ids) * max(1, len(self.delimiter)) + 1, dtype=np.uint8)
        m = pk.join_pairs(ids, self.n_words, self.pairs, offsets, lengths, arena,
                          self.delimiter, out, self.state)
        if len(self.table) > self.n_words + self.limit:
            self.table.keep(np.arange(self.n_words))
        return out[:m]


# ------------------------------------------------------------------------------ sentences in
# ------------------------------------------------------------------------------------ output
def check_output(output: str, inputs: Sequence[str]) -> None:
    """Refuse an output that is an input or cannot be written, before any reading."""
    if output == "-":
        return
    from hsw2v.outputs import check_output_path

    check_output_path(output)
    if os.path.exists(output):
        for p in inputs:
            if p != "-" and os.path.exists(p) and os.path.samefile(p, output):
                raise ConfigError(f"output {output!r} is also an input: write to another file")


class _AtomicOutput:
    """A binary file written under a temporary name in the same folder, renamed on success
    (gzip-compressed when the name ends in ``.gz``); removed on failure."""

    def __init__(self, path: str):
        self.path = path
        folder, name = os.path.split(os.path.abspath(path))
        self.tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        self._raw = None
        self._gz = None

    def __enter__(self):
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._raw = open(fd, "wb", buffering=1 << 20)
        if self.path.lower().endswith(".gz"):
            name = os.path.basename(self.path)[:-3]
            self._gz = gzip.GzipFile(filename=name, mode="wb", fileobj=self._raw,
                                     compresslevel=6)
            return self._gz
        return self._raw

    def __exit__(self, exc_type, exc, tb):
        try:
            if self._gz is not None:
                self._gz.close()
            if exc_type is None:
                self._raw.flush()
                os.fsync(self._raw.fileno())
            self._raw.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)


def _count(counter: _PairCounter, blocks: Iterable[tuple[np.ndarray, bool]], quiet: bool
           ) -> None:
    with phase("reading the corpus (counting words and pairs)"), \
            Meter("phrases: counting", quiet=quiet) as meter:
        for buf, file_end in blocks:
            meter.update(counter.add(buf, file_end))


def _blocks(paths: list[str], spooled_sentences: bool, stats: CorpusStats | None = None,
            encoding: str = "utf-8") -> Iterator[tuple[np.ndarray, bool]]:
    """The UTF-8 blocks of ``paths`` (files in ``encoding``); a spool of Python sentences is
    read as the bytes it holds (it may carry lone surrogates, which decoding would replace)."""
    if not spooled_sentences:
        return iter_utf8_blocks(paths, stats, encoding=encoding)
    return spool_blocks(paths[0], stats)


def _check_encoding_of(corpus, encoding: str) -> None:
    """Refuse an ``encoding`` for sentences from Python (they are text already) or one that
    cannot read a corpus (see :func:`hsw2v.config.check_encoding`)."""
    check_encoding(encoding)
    if not is_paths(corpus) and check_encoding(encoding) != "utf-8":
        raise ConfigError(f"encoding={encoding!r} is for corpus files; sentences from Python "
                          "are text already: drop encoding=")


# ---------------------------------------------------------------------------------- one call
def phrases(corpus, output: str | None = None, *, min_count: int = 5,
            threshold: float | None = None, scoring: str = "word2vec", delimiter: str = "_",
            prune_at: int = DEFAULT_PRUNE_AT, save_phrases: str | None = None,
            quiet: bool = True, tmp_dir: str | None = None, encoding: str = "utf-8"):
    """Learn the phrases of ``corpus`` and join them, reading the corpus twice at most.

    Parameters
    ----------
    corpus : path, list of paths, or iterable of sentences
        Files, folders (``.gz``/``.bz2``/``.xz`` read directly; ``-`` is stdin, spooled to a
        temporary file), or any iterable of tokenised sentences (lists or tuples of str),
        iterated once: they are spooled to a temporary file as text, one line each.
    output : str, optional
        Where to write the rewritten corpus (``.gz`` compresses, ``-`` is stdout), written
        to a temporary name and renamed; it may not be an input. Without it the rewritten
        sentences are returned.
    min_count, threshold, scoring, delimiter, prune_at, quiet
        As for :meth:`Phrases.learn`.
    save_phrases : str, optional
        Also write ``phrase count score`` lines, highest score first.
    tmp_dir : str, optional
        Folder for the spool of stdin or of sentences.
    encoding : str
        The corpus files' codec (e.g. ``"latin-1"``; default UTF-8); the output is UTF-8.

    Returns
    -------
    Phrases, or list of list of str
        With ``output``: the learnt model. Without: the sentences with phrases joined (for
        sentences given from Python, one list per sentence, empty ones included; for files,
        one list per non-empty line).

    Examples
    --------
    >>> hsw2v.phrases("text8.gz", "text8-phrases.gz")                  # doctest: +SKIP
    >>> hsw2v.phrases([["new", "york", "is"], ["in", "new", "york"]] * 50, min_count=1,
    ...               threshold=1)                                      # doctest: +SKIP
    """
    threshold = check_options(min_count, threshold, scoring, delimiter, prune_at)
    _check_encoding_of(corpus, encoding)
    spools: list[str] = []
    empties: list[int] = []
    n_sentences = 0
    from_sentences = not is_paths(corpus)
    if (output is not None and save_phrases is not None and output != "-"
            and os.path.abspath(output) == os.path.abspath(save_phrases)):
        raise ConfigError(f"--save-phrases {save_phrases!r} is also the output: give another file")
    try:
        if not from_sentences:
            paths = expand_paths([corpus] if isinstance(corpus, (str, os.PathLike)) else corpus)
            if output is not None:
                check_output(output, paths)
            if save_phrases is not None:
                check_output(save_phrases, paths)
            if "-" in paths:
                paths, spools = spool_stdin(paths, tmp_dir)
        else:
            for path in (output, save_phrases):
                if path is not None:
                    check_output(path, [])
            fd, spool = tempfile.mkstemp(prefix="hsw2v-sentences-", suffix=".txt", dir=tmp_dir)
            spools.append(spool)
            with os.fdopen(fd, "wb") as f:
                for buf, batch_empties, n in sentence_blocks(corpus, error=PhrasesError):
                    f.write(buf)
                    empties.extend(n_sentences + i for i in batch_empties)
                    n_sentences += n
            paths = [spool]
        counter = _PairCounter(prune_at)
        stats = CorpusStats()
        _count(counter, _blocks(paths, from_sentences, stats, encoding), quiet)
        warn_invalid(stats, counter.words.words, encoding, "distinct words")
        model = Phrases._from_counter(counter, min_count, threshold, scoring, delimiter)
        del counter
        blocks = _blocks(paths, from_sentences, encoding=encoding)
        if output is not None:
            model._rewrite_blocks(blocks, output, quiet, model.total_words)
        if save_phrases is not None:
            model.save_phrases(save_phrases)
        if output is not None:
            return model
        joiner = _Joiner(model)
        text = b"".join(joiner.block(buf, end).tobytes() for buf, end in blocks)
        lines = [line.split(" ") for line in
                 text.decode("utf-8", "surrogatepass").split("\n")[:-1]]
        if not from_sentences or not empties:
            return lines
        # sentences given from Python: put the empty ones back in place
        result: list[list[str]] = []
        it = iter(lines)
        skip = set(empties)
        for i in range(n_sentences):
            result.append([] if i in skip else next(it))
        return result
    finally:
        for s in spools:
            os.unlink(s)


def phrases_to_file(corpus: Sequence[str], output: str, **options: Any) -> Phrases:
    """The ``hsw2v phrases`` command: :func:`phrases` over paths, written to ``output``."""
    if not output:
        raise ConfigError("no output given: pass -o OUT (- for standard output)")
    return phrases(list(corpus), output, **options)


__all__ = ["Phrases", "phrases", "phrases_to_file", "check_options", "SCORINGS",
           "DEFAULT_THRESHOLD"]
