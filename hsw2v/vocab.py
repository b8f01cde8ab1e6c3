"""Vocabulary: counting tokens with bounded memory, selecting and sorting words, vocab files.

Counting gives every distinct token a provisional id (its order of first appearance) so the
corpus can be encoded in the same pass (see :mod:`hsw2v.encoding`). Tokens are held as UTF-8
bytes in a :class:`TokenTable`, filled block by block by a jitted tokenizer
(:func:`hsw2v.kernels.scan_tokens`), so reading makes no Python object per token. Memory is
bounded the way word2vec bounds it: when more than ``prune_at`` distinct tokens are held,
every token seen at most ``min_reduce`` times is dropped and ``min_reduce`` grows by one.
Pruning makes counts of rare words approximate (a warning says so) and invalidates provisional
ids, so the corpus is then encoded in a second pass with the final vocabulary.
"""
from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from hsw2v import kernels
from hsw2v.corpus import BLOCK_BYTES, CorpusStats, iter_utf8_blocks
from hsw2v.errors import VocabError
from hsw2v.interrupt import phase
from hsw2v.progress import Meter

log = logging.getLogger(__name__)


class TokenTable:
    """Distinct tokens as UTF-8 bytes, with ids in order of first appearance and counts.

    The owner of the arrays of :func:`hsw2v.kernels.scan_tokens`: an open-addressing hash
    index over flat per-id arrays and an arena of token bytes, so a block of text is tokenized,
    counted and encoded without a Python object per token. The arrays grow by doubling when a
    scan stops for room, so they hold at most about twice what the table needs: memory stays
    bounded by the distinct tokens held plus one block's new ones.

    Parameters
    ----------
    capacity : int
        Distinct tokens the first arrays hold.
    """

    def __init__(self, capacity: int = 1024):
        capacity = max(1, capacity)
        self._used = np.zeros(2, dtype=np.int64)  # ids, arena bytes
        self._hashes = np.zeros(capacity, dtype=np.uint64)
        self._heads = np.zeros(capacity, dtype=np.uint64)
        self._offsets = np.zeros(capacity, dtype=np.int64)
        self._lengths = np.zeros(capacity, dtype=np.int32)
        self._counts = np.zeros(capacity, dtype=np.int64)
        self._arena = np.zeros(8 * capacity, dtype=np.uint8)
        self._slots = np.full(_pow2_at_least(2 * capacity), -1, dtype=np.int32)
        self._words: list[str] | None = None

    def __len__(self) -> int:
        return int(self._used[0])

    @property
    def counts(self) -> np.ndarray:
        """Count of each id, int64 (n,) (a view: it changes as tokens are added)."""
        return self._counts[:len(self)]

    @property
    def words(self) -> list[str]:
        """Tokens in id order (made once per change of the table)."""
        if self._words is None:
            n = len(self)
            raw = self._arena[:self._used[1]]
            text = raw.tobytes().decode("utf-8", "surrogatepass")
            starts = self._offsets[:n]
            ends = starts + self._lengths[:n]
            if len(text) != len(raw):
                # Byte offsets -> character offsets: count the bytes that start a character.
                chars = np.zeros(len(raw) + 1, dtype=np.int64)
                np.cumsum((raw & 0xC0) != 0x80, out=chars[1:])
                starts, ends = chars[starts], chars[ends]
            self._words = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
        return list(self._words)

    def token_bytes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each token's UTF-8 bytes are: id ``t`` is ``arena[offsets[t]:offsets[t] +
        lengths[t]]``.

        Returns
        -------
        offsets : int64 (n,), lengths : int32 (n,), arena : uint8 (A,)
            Views, valid until the table next changes (a scan may reallocate them).
        """
        n = len(self)
        return self._offsets[:n], self._lengths[:n], self._arena

    def scan(self, buf: np.ndarray, insert: bool, file_end: bool = False,
             max_sentence_length: int = 1 << 62, run: int = 0
             ) -> tuple[np.ndarray, int, int, int]:
        """Tokenize a block of UTF-8 and map its tokens to ids (see
        :func:`hsw2v.kernels.scan_tokens`).

        Parameters
        ----------
        buf : uint8 (n,)
            Valid UTF-8 that ends at a token boundary.
        insert : bool
            True: count the tokens, new ones get the next ids. False: look up only and leave
            out tokens not in the table.
        file_end : bool
            The block is the last of its file (its end ends the sentence piece).
        max_sentence_length : int
            Longest sentence piece, in tokens.
        run : int
            Tokens of the unfinished piece carried from the blocks before.

        Returns
        -------
        ids : int32 (m,)
            Token ids, -1 after each sentence piece.
        tokens, pieces, run : int
            Tokens and piece ends read, and the tokens of the piece left unfinished.
        """
        if insert:
            self._words = None
        out = np.empty(len(buf) + 3, dtype=np.int32)
        m = tokens = pieces = pos = 0
        while True:
            m, t, p, run, pos = kernels.scan_tokens(
                buf, pos, file_end, max_sentence_length, run, insert,
                (self._slots, self._hashes, self._heads, self._offsets, self._lengths,
                 self._counts, self._arena, self._used), out, m)
            tokens += t
            pieces += p
            if pos >= len(buf):
                return out[:m], tokens, pieces, run
            self._grow(len(buf) - pos)

    def add(self, tokens: list[str]) -> np.ndarray:
        """Count ``tokens``; return their ids, int32 (len(tokens),).

        Tokens are what the corpus reader makes: non-empty, without whitespace (else
        ``ValueError``); lone surrogates are kept (encoded with ``surrogatepass``).
        """
        return self.scan(_token_bytes(tokens), True)[0]

    def keep(self, ids: np.ndarray) -> None:
        """Drop every id not in ``ids`` (increasing); the kept ones are renumbered in order."""
        top = kernels.table_compact(np.asarray(ids, dtype=np.int64), self._hashes, self._heads,
                                    self._offsets, self._lengths, self._counts, self._arena)
        self._used[:] = len(ids), top
        self._rehash(len(self._slots))
        self._words = None

    def _grow(self, nbytes: int) -> None:
        """Make room for one more token of at most ``nbytes`` bytes (doubling what is full)."""
        n = len(self)
        cap = len(self._hashes)
        if n >= cap:
            for name in ("_hashes", "_heads", "_offsets", "_lengths", "_counts"):
                old = getattr(self, name)
                grown = np.zeros(2 * cap, dtype=old.dtype)
                grown[:cap] = old
                setattr(self, name, grown)
        top = int(self._used[1])
        if top + nbytes > len(self._arena):
            grown = np.zeros(max(top + nbytes, 2 * len(self._arena)), dtype=np.uint8)
            grown[:top] = self._arena[:top]
            self._arena = grown
        if 2 * (n + 1) > len(self._slots):  # linear probing stays short up to half full
            self._rehash(2 * len(self._slots))

    def _rehash(self, size: int) -> None:
        if size != len(self._slots):
            self._slots = np.empty(size, dtype=np.int32)
        self._slots.fill(-1)
        kernels.table_rehash(self._slots, self._hashes, len(self))


def _pow2_at_least(n: int) -> int:
    return 1 << max(0, int(n) - 1).bit_length()


def _token_bytes(tokens: list[str]) -> np.ndarray:
    """``tokens`` joined by spaces as UTF-8, uint8 (n,); each must be a corpus-style token."""
    text = " ".join(tokens)
    if text.split() != tokens:
        bad = next(t for t in tokens if t.split() != [t])
        raise ValueError(f"{bad!r} is not a token: tokens are non-empty and hold no whitespace")
    return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)


class WordCounter:
    """Counts tokens and assigns provisional ids, with word2vec-style pruning.

    Parameters
    ----------
    prune_at : int
        Largest number of distinct tokens held before rare ones are pruned.
    """

    def __init__(self, prune_at: int = 5_000_000):
        self.prune_at = prune_at
        self.table = TokenTable()
        self.min_reduce = 1
        self.prunings = 0
        self.pruned_words = 0

    def __len__(self) -> int:
        return len(self.table)

    @property
    def counts(self) -> np.ndarray:
        """Count of each provisional id, int64 (n_distinct,)."""
        return self.table.counts

    @property
    def words(self) -> list[str]:
        """Distinct tokens in provisional-id order."""
        return self.table.words

    def add(self, tokens: list[str]) -> np.ndarray:
        """Count ``tokens`` (non-empty, without whitespace); return their provisional ids,
        int32 (len(tokens),).

        The ids are valid for encoding only while :attr:`prunings` is 0.
        """
        ids = self.table.add(tokens)
        self._maybe_prune()
        return ids

    def scan(self, buf: np.ndarray, file_end: bool, max_sentence_length: int,
             run: int) -> tuple[np.ndarray, int, int, int]:
        """Count the tokens of a block of UTF-8 (see :meth:`TokenTable.scan`), then prune if
        more than ``prune_at`` distinct tokens are held.

        The returned provisional ids are valid for encoding only while :attr:`prunings` is 0.
        """
        result = self.table.scan(buf, True, file_end, max_sentence_length, run)
        self._maybe_prune()
        return result

    def _maybe_prune(self) -> None:
        if len(self) > self.prune_at:
            self._prune()

    def _prune(self) -> None:
        before = len(self)
        counts = self.counts
        survivors = before
        while survivors > self.prune_at:
            survivors = int(np.count_nonzero(counts > self.min_reduce))
            self.min_reduce += 1
        # min_reduce only rises, so the last round's survivors are those of every round
        self.table.keep(np.flatnonzero(counts > self.min_reduce - 1))
        self.prunings += 1
        self.pruned_words += before - len(self)
        # Warn once; later prunings are summed up by the caller and logged at debug level.
        (log.warning if self.prunings == 1 else log.debug)(
            "vocabulary pruned: more than %d distinct tokens held, dropped %d tokens seen "
            "fewer than %d times (counts of rare words are now approximate; raise "
            "--prune-at to avoid)", self.prune_at, before - len(self), self.min_reduce)


def iter_id_blocks(paths: Sequence[str], scan: Callable, max_sentence_length: int = 10000,
                   stats: CorpusStats | None = None, block_bytes: int | None = None,
                   encoding: str = "utf-8") -> Iterator[np.ndarray]:
    """Read a corpus and map each block's tokens to ids with ``scan``.

    Parameters
    ----------
    paths : sequence of str
        Expanded paths.
    scan : callable
        ``scan(buf, file_end, max_sentence_length, run) -> (ids, tokens, pieces, run)``, such
        as :meth:`WordCounter.scan` (see :meth:`TokenTable.scan`).
    max_sentence_length : int
        Longest sentence piece, in tokens.
    stats : CorpusStats, optional
        Receives file, byte, invalid-byte, token and piece counts.
    block_bytes : int, optional
        Bytes read at a time (default :data:`hsw2v.corpus.BLOCK_BYTES`).
    encoding : str
        The files' codec (read as UTF-8 for the tokenizer whatever it is).

    Yields
    ------
    int32 (m,)
        Each block's ids with -1 after each sentence piece: the tokens and pieces of
        :func:`hsw2v.corpus.iter_token_blocks`.
    """
    stats = stats if stats is not None else CorpusStats()
    run = 0  # tokens in the current, unfinished piece
    for buf, file_end in iter_utf8_blocks(paths, stats, block_bytes or BLOCK_BYTES, encoding):
        ids, tokens, pieces, run = scan(buf, file_end, max_sentence_length, run)
        stats.tokens += tokens
        stats.pieces += pieces
        yield ids


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
    keep = np.flatnonzero(counts >= min_count).tolist()
    # Ties by word: order by word, then a stable sort by count (one Python sort, of words only).
    by_word = np.asarray(sorted(keep, key=words.__getitem__), dtype=np.int64)
    order = by_word[np.argsort(-counts[by_word], kind="stable")]
    if max_vocab is not None:
        order = order[:max_vocab]
    return Vocab(words=[words[i] for i in order.tolist()], counts=counts[order])


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
        with phase(f"writing the vocabulary to {path}",
                   f"{path} was not written (no partial file)"), \
                open(tmp, "w", encoding="utf-8") as f:
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
                 prune_at: int = 5_000_000, stats=None, *, quiet: bool = True,
                 log_every: float | None = None, encoding: str = "utf-8") -> WordCounter:
    """Count every token of a corpus in ``encoding`` (streamed, memory bounded by
    ``prune_at``); unless ``quiet``, the tokens counted show on stderr
    (:class:`hsw2v.progress.Meter`)."""
    counter = WordCounter(prune_at)
    stats = stats if stats is not None else CorpusStats()
    with phase("reading the corpus (counting the vocabulary)", abortable=True), \
            Meter("counting the corpus", quiet=quiet, log_every=log_every) as meter:
        for _ in iter_id_blocks(paths, counter.scan, max_sentence_length, stats,
                                encoding=encoding):
            meter.moveto(stats.tokens)
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
