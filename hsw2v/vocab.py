"""Vocabulary: counting tokens with bounded memory, selecting and sorting words, vocab files.

Counting gives every distinct token a provisional id (its order of first appearance) so the
corpus can be encoded in the same pass (see :mod:`hsw2v.encoding`). Memory is bounded the way
word2vec bounds it: when more than ``prune_at`` distinct tokens are held, every token seen at
most ``min_reduce`` times is dropped and ``min_reduce`` grows by one. Pruning makes counts of
rare words approximate (a warning says so) and invalidates provisional ids, so the corpus is
then encoded in a second pass with the final vocabulary.
"""
from __future__ import annotations

import dataclasses
import logging
import os

import numpy as np

from hsw2v.errors import VocabError

log = logging.getLogger(__name__)


class _Ids(dict):
    """Token -> provisional id; looking up a new token gives it the next id."""

    def __missing__(self, token: str) -> int:
        i = self[token] = len(self)
        return i


class WordCounter:
    """Counts tokens and assigns provisional ids, with word2vec-style pruning.

    Parameters
    ----------
    prune_at : int
        Largest number of distinct tokens held before rare ones are pruned.
    """

    def __init__(self, prune_at: int = 5_000_000):
        self.prune_at = prune_at
        self.index: dict[str, int] = _Ids()
        self._counts = np.zeros(1024, dtype=np.int64)
        self.min_reduce = 1
        self.prunings = 0
        self.pruned_words = 0

    @property
    def counts(self) -> np.ndarray:
        """Count of each provisional id, int64 (n_distinct,)."""
        return self._counts[:len(self.index)]

    @property
    def words(self) -> list[str]:
        """Distinct tokens in provisional-id order."""
        return list(self.index)

    def add(self, tokens: list[str]) -> np.ndarray:
        """Count ``tokens``; return their provisional ids, int32 (len(tokens),).

        The ids are valid for encoding only while :attr:`prunings` is 0.
        """
        # New tokens get the next id inside the lookup (_Ids.__missing__): one C-level pass
        # over the block, ids in order of first appearance.
        ids = np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int32,
                          count=len(tokens))
        n = len(self.index)
        if n > len(self._counts):
            grown = np.zeros(max(n, 2 * len(self._counts)), dtype=np.int64)
            grown[:len(self._counts)] = self._counts
            self._counts = grown
        self._counts[:n] += np.bincount(ids, minlength=n)
        if n > self.prune_at:
            self._prune()
        return ids

    def _prune(self) -> None:
        before = len(self.index)
        while len(self.index) > self.prune_at:
            counts = self.counts
            survivors = [(w, c) for w, c in zip(self.index, counts.tolist()) if c > self.min_reduce]
            self.index = _Ids((w, i) for i, (w, _) in enumerate(survivors))
            self._counts = np.zeros(max(1024, 2 * len(survivors)), dtype=np.int64)
            self._counts[:len(survivors)] = [c for _, c in survivors]
            self.min_reduce += 1
        self.prunings += 1
        self.pruned_words += before - len(self.index)
        # Warn once; later prunings are summed up by the caller and logged at debug level.
        (log.warning if self.prunings == 1 else log.debug)(
            "vocabulary pruned: more than %d distinct tokens held, dropped %d tokens seen "
            "fewer than %d times (counts of rare words are now approximate; raise "
            "--prune-at to avoid)", self.prune_at, before - len(self.index), self.min_reduce)


@dataclasses.dataclass
class Vocab:
    """The training vocabulary, sorted by count descending (ties by word).

    Attributes
    ----------
    words : list of str   (V,)
    counts : int64 (V,)
    """

    words: list[str]
    counts: np.ndarray
    _index: dict[str, int] | None = dataclasses.field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.words)

    @property
    def index(self) -> dict[str, int]:
        """Word -> id."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    @property
    def total(self) -> int:
        """Sum of the counts (the words one epoch trains over)."""
        return int(self.counts.sum())

    def remap(self, words: list[str]) -> np.ndarray:
        """Map the provisional ids of ``words`` to vocabulary ids.

        Returns
        -------
        int32 (len(words),)
            Vocabulary id of each word, -1 where it is not in the vocabulary.
        """
        get = self.index.get
        return np.fromiter((get(w, -1) for w in words), dtype=np.int32, count=len(words))


def build_vocab(words: list[str], counts: np.ndarray, min_count: int = 5,
                max_vocab: int | None = None) -> Vocab:
    """Select the words seen at least ``min_count`` times, most frequent first.

    Parameters
    ----------
    words : list of str
        Distinct tokens.
    counts : int64 (len(words),)
        Their counts.
    min_count : int
        Smallest count kept.
    max_vocab : int, optional
        Keep exactly this many of the most frequent words (fewer if fewer pass ``min_count``).

    Returns
    -------
    Vocab
    """
    counts = np.asarray(counts, dtype=np.int64)
    keep = np.flatnonzero(counts >= min_count)
    clist = counts.tolist()
    order = sorted(keep.tolist(), key=lambda i: (-clist[i], words[i]))
    if max_vocab is not None:
        order = order[:max_vocab]
    return Vocab(words=[words[i] for i in order],
                 counts=np.asarray([clist[i] for i in order], dtype=np.int64))


def check_vocab_size(vocab: Vocab, counts: np.ndarray, min_count: int) -> None:
    """Raise :class:`VocabError` if fewer than 2 words survive, saying what the corpus held."""
    if len(vocab) >= 2:
        return
    distinct = len(counts)
    largest = int(counts.max()) if distinct else 0
    raise VocabError(
        f"only {len(vocab)} word{'s' if len(vocab) != 1 else ''} reach --min-count {min_count} "
        f"(the corpus has {distinct} distinct words, the most frequent seen {largest} times); "
        "training needs at least 2: lower --min-count or use a larger corpus")


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Probability of keeping each occurrence under word2vec's frequent-word subsampling.

    ``p = (sqrt(f / (sample * T)) + 1) * sample * T / f`` for a word seen ``f`` times among
    ``T`` training words, capped at 1; ``sample == 0`` keeps everything.

    Parameters
    ----------
    counts : int64 (V,)
    sample : float

    Returns
    -------
    float64 (V,)
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()
    p = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.minimum(p, 1.0)


def save_vocab(path: str | os.PathLike, vocab: Vocab) -> None:
    """Write ``vocab`` as ``word count`` lines (the word2vec C tool's format), atomically."""
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(f"{w} {c}\n" for w, c in zip(vocab.words, vocab.counts.tolist()))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_vocab(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """Read a ``word count`` per line vocabulary file (as written by word2vec or hsw2v).

    Returns
    -------
    words : list of str
    counts : int64 (n,)
    """
    path = os.fspath(path)
    words: list[str] = []
    counts: list[int] = []
    seen: set[str] = set()
    try:
        f = open(path, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise VocabError(f"cannot read vocabulary file {path!r}: {exc.strerror or exc}") from exc
    with f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise VocabError(f"{path}:{lineno}: expected 'word count', got {line.strip()[:60]!r}")
            word, count = parts
            try:
                c = int(count)
            except ValueError:
                raise VocabError(f"{path}:{lineno}: count {count!r} is not an integer") from None
            if c < 0:
                raise VocabError(f"{path}:{lineno}: count {c} is negative")
            if word in seen:
                raise VocabError(f"{path}:{lineno}: word {word!r} appears twice")
            seen.add(word)
            words.append(word)
            counts.append(c)
    if not words:
        raise VocabError(f"vocabulary file {path!r} is empty: write one with --save-vocab")
    return words, np.asarray(counts, dtype=np.int64)


def count_corpus(paths: list[str], max_sentence_length: int = 10000,
                 prune_at: int = 5_000_000, stats=None) -> WordCounter:
    """Count every token of a corpus (streamed, memory bounded by ``prune_at``)."""
    from hsw2v.corpus import iter_token_blocks

    counter = WordCounter(prune_at)
    for tokens, _ in iter_token_blocks(paths, max_sentence_length, stats):
        counter.add(tokens)
    return counter


def survivors_by_min_count(counts: np.ndarray, min_counts: list[int]) -> dict[int, tuple[int, int]]:
    """For each min-count, how many distinct words and how many tokens survive.

    Returns
    -------
    dict
        ``min_count -> (words, tokens)``.
    """
    counts = np.asarray(counts, dtype=np.int64)
    return {m: (int(np.count_nonzero(counts >= m)), int(counts[counts >= m].sum()))
            for m in min_counts}
