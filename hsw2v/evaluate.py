"""Evaluation of word vectors (analogies, word-pair similarity), summaries and result tables.

The two evaluations reproduce gensim 4's ``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs`` question by question, so their numbers agree:

* Case-insensitive matching upper-cases both the file and the vocabulary; a word that occurs in
  several case variants takes the vector of its first (most frequent) variant.
* Only the first `restrict` words of the vocabulary count; a question (or pair) with a word outside
  them is *skipped* (counted, reported, left out of the score), never scored as wrong.
* Analogy ``a b c d``: the candidates are the 5 words nearest to unit(b) - unit(a) + unit(c) among
  the first `restrict` words, without a, b and c; the answer is the first candidate whose
  upper-cased form is not one of the three inputs.  Lines that are not four words are ignored.
* Pairs ``w1<TAB>w2<TAB>score``: lines starting with ``#`` are comments, lines that are not three
  tab-separated fields with a numeric score are ignored; Spearman is Pearson's r on average ranks.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from hsw2v.errors import Hsw2vError

log = logging.getLogger(__name__)

# Neighbours examined per analogy question, as gensim does.
_ANALOGY_CANDIDATES = 5
# Analogy questions scored per matrix product.
_ANALOGY_BATCH = 2048


class EvaluationFileError(Hsw2vError):
    """An analogy or word-pair file cannot be used; the message names the file and line."""


class Vectors(Protocol):
    """What evaluation needs of a set of word vectors (:class:`hsw2v.vectors.Vectors` has it)."""

    words: list[str]
    unit: np.ndarray  # float32 (V, D), rows of length 1 (or 0)

    def top_k(self, queries: np.ndarray, topn: int = 10, exclude=None,
              restrict_vocab: int | None = None) -> tuple[np.ndarray, np.ndarray]: ...


# ====================================================================== statistics


def rankdata(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of `values`, ties getting the mean of the ranks they span.

    Parameters
    ----------
    values : numpy.ndarray
        Real, shape (n,).

    Returns
    -------
    numpy.ndarray
        float64, shape (n,).
    """
    x = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    # Start of each run of equal values, then each run's mean rank ((first + last) / 2, 1-based).
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    mean_rank = (starts + 1 + ends) / 2.0
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of two equally long real vectors (float64 arithmetic).

    Returns NaN when there are fewer than two values or either vector is constant.
    """
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"need two 1-D arrays of equal length, got {a.shape} and {b.shape}")
    if len(a) < 2:
        return math.nan
    a = a - a.mean()
    b = b - b.mean()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return math.nan
    return float(np.clip(np.dot(a / na, b / nb), -1.0, 1.0))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation: :func:`pearson` of the average ranks (NaN if undefined)."""
    return pearson(rankdata(x), rankdata(y))


# ====================================================================== evaluation


@dataclass
class SectionScore:
    """Analogy results of one ``: section`` of a questions file."""

    name: str
    correct: int = 0
    total: int = 0  # questions scored (all four words known)
    skipped: int = 0  # questions with a word outside the first `restrict` words
    subword: int = 0  # of `total`: questions with such a word, scored through its n-grams

    @property
    def accuracy(self) -> float:
        """correct / total; 0.0 when nothing was scored (as gensim reports it)."""
        return self.correct / self.total if self.total else 0.0


@dataclass
class AnalogyReport:
    """Analogy accuracy per section and overall."""

    path: str
    restrict: int | None
    sections: list[SectionScore] = field(default_factory=list)
    invalid_lines: int = 0
    searched: int = 0  # words the questions were matched against: min(restrict, V)

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sections)

    @property
    def subword(self) -> int:
        """Questions scored with a word outside the vocabulary (through its n-grams)."""
        return sum(s.subword for s in self.sections)

    @property
    def accuracy(self) -> float:
        """Overall correct / total; 0.0 when nothing was scored (as gensim reports it)."""
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        """``{"accuracy", "correct", "total", "skipped", "sections": {name: {...}}}``.

        Sections that share a name are merged.
        """
        merged: dict[str, SectionScore] = {}
        for s in self.sections:
            m = merged.setdefault(s.name, SectionScore(s.name))
            m.correct += s.correct
            m.total += s.total
            m.skipped += s.skipped
            m.subword += s.subword
        return {
            "accuracy": self.accuracy,
            "correct": self.correct,
            "total": self.total,
            "skipped": self.skipped,
            "subword": self.subword,
            "sections": {
                name: {"accuracy": s.accuracy, "correct": s.correct, "total": s.total,
                       "skipped": s.skipped, "subword": s.subword}
                for name, s in merged.items()
            },
        }


@dataclass
class PairsReport:
    """Correlation of model cosine similarities with human scores."""

    path: str
    spearman: float
    pearson: float
    pairs: int  # pairs scored
    oov_pairs: int  # pairs with a word outside the first `restrict` words
    invalid_lines: int = 0
    subword_pairs: int = 0  # of `pairs`: with such a word, scored through its n-grams

    @property
    def oov(self) -> float:
        """Share (0..1) of valid pairs that were skipped for an unknown word (gensim: percent)."""
        return self.oov_pairs / (self.pairs + self.oov_pairs)

    def to_dict(self) -> dict:
        """``{"spearman", "pearson", "oov"}``; an undefined correlation is None (JSON null)."""
        return {
            "spearman": None if math.isnan(self.spearman) else self.spearman,
            "pearson": None if math.isnan(self.pearson) else self.pearson,
            "oov": self.oov,
            "subword_pairs": self.subword_pairs,
        }


def _vocab_index(vectors: Vectors, restrict: int | None, case_insensitive: bool) -> dict[str, int]:
    """Word (upper-cased if `case_insensitive`) -> row of its first variant among the first rows."""
    if restrict is not None and (isinstance(restrict, bool) or int(restrict) < 1):
        raise ValueError(f"restrict must be a positive integer or None, got {restrict!r}")
    index: dict[str, int] = {}
    for i, w in enumerate(vectors.words[:restrict]):
        index.setdefault(w.upper() if case_insensitive else w, i)
    return index


def _subword_unit(vectors, word: str, case_insensitive: bool) -> np.ndarray | None:
    """The unit vector of a word outside the first ``restrict`` words when ``vectors`` have
    subwords (float32 (D,)): its own, or its n-grams' if it is not in the vocabulary at all;
    lower-cased when matching ignores case. None without subwords (the question or pair is
    then skipped, as gensim does)."""
    if getattr(vectors, "subwords", None) is None:
        return None
    word = word.lower() if case_insensitive else word
    # (a word of the vocabulary past ``restrict`` keeps its own vector)
    v = vectors[word] if word in vectors else vectors.oov_vector(word)
    if v is None:
        return None
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else None  # (no n-gram has a row: unknown)


def _unit_rows(unit: np.ndarray, more: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Rows ``unit[i]`` for ids ``i >= 0`` and ``more[-1 - i]`` (subword vectors of words
    outside the vocabulary) for ``i < 0``: float32 (n, D)."""
    out = unit[np.maximum(ids, 0)]
    out[ids < 0] = more[-1 - ids[ids < 0]]
    return out


def _read_lines(path: str):
    """Yield (line number, text line) of a UTF-8 file; refuse other encodings naming the line."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError:
                raise EvaluationFileError(
                    f"{path}: line {number}: not valid UTF-8; convert the file to UTF-8 "
                    "(e.g. iconv -f latin1 -t utf-8)"
                ) from None


def evaluate_analogies(
    vectors: Vectors, path: str | os.PathLike, restrict: int | None = 30000,
    case_insensitive: bool = True,
) -> AnalogyReport:
    """Analogy accuracy on a questions-words file (``: section`` lines, then ``a b c d`` lines).

    Equals gensim's ``evaluate_word_analogies(path, restrict_vocab=restrict,
    case_insensitive=case_insensitive)``; the rules are in the module docstring.

    Parameters
    ----------
    vectors : Vectors
        The vectors, most frequent words first.
    path : str or os.PathLike
        UTF-8 questions file.
    restrict : int or None
        Only the first `restrict` words are known (None: all).
    case_insensitive : bool
        Compare upper-cased words.

    Returns
    -------
    AnalogyReport

    Raises
    ------
    EvaluationFileError
        If the file is not UTF-8, has a question before its first section line, or has no questions.
    """
    p = os.fspath(path)
    report = AnalogyReport(p, restrict, searched=len(vectors.words[:restrict]))
    questions = _read_questions(vectors, p, restrict, case_insensitive, report)
    _score_questions(vectors, questions, restrict, case_insensitive)
    for s in report.sections:
        log.debug("%s: %.1f%% (%d/%d), %d skipped", s.name, 100 * s.accuracy, s.correct, s.total,
                 s.skipped)
    if report.total == 0:
        log.warning("%s: every question has a word outside the first %d words; nothing scored",
                    p, report.searched)
    return report


@dataclass
class _Questions:
    """The questions of a file that can be scored, in file order."""

    sections: list[SectionScore] = field(default_factory=list)
    #: (a, b, c) rows: >= 0 a vocabulary row, < 0 ``-1 - k`` the k-th of ``extra``
    rows: list[tuple[int, int, int]] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # as compared
    #: unit subword vectors of inputs outside the vocabulary
    extra: list[np.ndarray] = field(default_factory=list)


def _read_questions(vectors: Vectors, p: str, restrict: int | None, case_insensitive: bool,
                    report: AnalogyReport) -> _Questions:
    """Read a questions file into ``report``'s sections (their skipped and subword counts)
    and the questions to score."""
    known = _vocab_index(vectors, restrict, case_insensitive)
    q = _Questions()
    subword_ids: dict[str, int | None] = {}  # a word outside the vocabulary -> -1 - its place
    section = None
    for number, line in _read_lines(p):
        if line.startswith(": "):
            section = SectionScore(line.lstrip(": ").strip())
            report.sections.append(section)
            continue
        if section is None:
            if not line.strip():
                continue
            raise EvaluationFileError(
                f"{p}: line {number}: question before the first ': section' line; "
                "a questions-words file starts with a line like ': capital-common-countries'"
            )
        fields = line.split()
        if len(fields) != 4:
            report.invalid_lines += 1
            log.debug("%s: line %d: not four words, ignored", p, number)
            continue
        raw = fields
        if case_insensitive:
            fields = [w.upper() for w in fields]
        ids: list[int | None] = [known.get(w) for w in fields[:3]]
        if fields[3] not in known:  # an answer outside the vocabulary can never be found
            section.skipped += 1
            continue
        if None in ids:
            # with subword vectors an input outside the vocabulary is looked up by its n-grams
            for k, w in enumerate(raw[:3]):
                if ids[k] is None:
                    if w not in subword_ids:
                        vec = _subword_unit(vectors, w, case_insensitive)
                        subword_ids[w] = None if vec is None else -1 - len(q.extra)
                        if vec is not None:
                            q.extra.append(vec)
                    ids[k] = subword_ids[w]
            if None in ids:
                section.skipped += 1
                continue
            section.subword += 1
        a, b, c, d = fields
        q.sections.append(section)
        q.rows.append((ids[0], ids[1], ids[2]))
        q.expected.append(d)
        q.inputs.append((a, b, c))
    if not report.sections or not (q.rows or report.skipped):
        raise EvaluationFileError(
            f"{p}: no analogy questions found; expected ': section' lines followed by lines of "
            "four words 'a b c d' (a is to b as c is to d)"
        )
    return q


def _score_questions(vectors: Vectors, q: _Questions, restrict: int | None,
                     case_insensitive: bool) -> None:
    """Answer every question (3CosAdd over the first ``restrict`` words, inputs excluded) and
    count it in its section."""
    unit = vectors.unit
    words = vectors.words
    more = np.asarray(q.extra, np.float32).reshape(len(q.extra), unit.shape[1])
    for start in range(0, len(q.rows), _ANALOGY_BATCH):
        batch = np.asarray(q.rows[start:start + _ANALOGY_BATCH], dtype=np.int64)
        queries = (_unit_rows(unit, more, batch[:, 1]) - _unit_rows(unit, more, batch[:, 0])
                   + _unit_rows(unit, more, batch[:, 2]))
        norms = np.linalg.norm(queries, axis=1, keepdims=True)
        queries /= np.where(norms > 0, norms, 1)
        exclude = [[r for r in row if r >= 0] for row in batch.tolist()]
        top, scores = vectors.top_k(queries, _ANALOGY_CANDIDATES, exclude, restrict)
        for j, (cands, cand_scores) in enumerate(zip(top.tolist(), scores)):
            k = start + j
            predicted = None
            for cand, score in zip(cands, cand_scores):
                if score == -np.inf:  # fewer candidates than asked for: an excluded input
                    break
                predicted = words[cand].upper() if case_insensitive else words[cand]
                if predicted not in q.inputs[k]:  # a case variant of an input does not count
                    break
            q.sections[k].total += 1
            q.sections[k].correct += predicted == q.expected[k]


def evaluate_pairs(
    vectors: Vectors, path: str | os.PathLike, restrict: int | None = 300000,
    case_insensitive: bool = True,
) -> PairsReport:
    """Spearman and Pearson correlation of cosine similarity with human scores.

    Equals gensim's ``evaluate_word_pairs(path, restrict_vocab=restrict,
    case_insensitive=case_insensitive)`` (its default restrict is 300000); the file has
    ``w1<TAB>w2<TAB>score`` lines and ``#`` comments.

    Returns
    -------
    PairsReport
        ``oov`` is a share (0..1); gensim reports the same number as a percentage.

    Raises
    ------
    EvaluationFileError
        If the file is not UTF-8 or no pair has both words known.
    """
    p = os.fspath(path)
    known = _vocab_index(vectors, restrict, case_insensitive)
    gold: list[float] = []
    pair_rows: list[tuple[int, int]] = []
    extra: list[np.ndarray] = []  # unit subword vectors of words outside the vocabulary
    oov = invalid = subword = 0
    # Universal newlines and unstripped word fields, exactly as gensim reads the file.
    for number, line in _read_lines(p):
        line = line.replace("\r\n", "\n").replace("\r", "\n")
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        try:
            if len(fields) != 3:
                raise ValueError
            score = float(fields[2])
        except ValueError:
            invalid += 1
            log.debug("%s: line %d: not 'word<TAB>word<TAB>score', ignored", p, number)
            continue
        a, b = (fields[0].upper(), fields[1].upper()) if case_insensitive else fields[:2]
        if a not in known or b not in known:
            # with subword vectors a word outside the vocabulary is looked up by its n-grams
            ab: list[int | None] = [known.get(x) for x in (a, b)]
            for k, w in enumerate(fields[:2]):
                if ab[k] is None and (vec := _subword_unit(vectors, w, case_insensitive)) \
                        is not None:
                    extra.append(vec)
                    ab[k] = -len(extra)  # -1 - its place in extra
            if None in ab:
                oov += 1
                continue
            subword += 1
            gold.append(score)
            pair_rows.append((ab[0], ab[1]))
            continue
        gold.append(score)
        pair_rows.append((known[a], known[b]))
    if not gold:
        raise EvaluationFileError(
            f"{p}: no usable word pair: {oov} pairs have an unknown word and {invalid} lines are "
            "not 'word<TAB>word<TAB>score'"
        )
    idx = np.asarray(pair_rows, dtype=np.int64)
    unit = vectors.unit
    more = np.asarray(extra, np.float32).reshape(len(extra), unit.shape[1])
    model = np.einsum("ij,ij->i", _unit_rows(unit, more, idx[:, 0]),
                      _unit_rows(unit, more, idx[:, 1]))  # float32 cosines
    report = PairsReport(p, spearman(gold, model), pearson(gold, model), len(gold), oov, invalid,
                         subword)
    log.debug("%s: Spearman %.4f, Pearson %.4f, %d pairs, %.1f%% with unknown words",
             p, report.spearman, report.pearson, report.pairs, 100 * report.oov)
    return report


# ====================================================================== summaries and tables
