"""The embedded demo: a synthetic corpus with planted structure, trained and checked end to end.

``hsw2v demo`` needs no download. :func:`generate_corpus` writes (deterministically, from a
seed) a corpus built on a factorial design, :func:`run_demo` trains on it with the real trainer
(:func:`hsw2v.train.run`) and measures how much of the planted structure the vectors recovered.

The design
----------
A ``rows x cols`` grid of *cell words* ``w{i}_{j}`` (think of row ``i`` as a country, column
``j`` as a kind of thing, and ``w{i}_{j}`` as "the capital of country ``i``"). Row ``i`` owns ``markers`` context words ``r{i}a``, ``r{i}b``, ...
and column ``j`` owns ``c{j}a``, ``c{j}b``, ...; a few *filler* words ``f0``, ``f1``, ... are
noise shared by everything. Each sentence is about one cell ``(i, j)``: the cell word appears
``cell_repeats`` times among context words drawn half from row ``i``'s markers and half from
column ``j``'s (each slot is a filler instead with probability ``filler_rate``), in random order.
Every cell gets exactly ``sentences_per_cell`` sentences.

So a cell word's contexts are the sum of a "row" part and a "column" part, which plants

* **groups**: row ``i``'s group is its cell words and markers (``w{i}_*``, ``r{i}*``), column
  ``j``'s group likewise (``w*_{j}``, ``c{j}*``); words sharing a group share contexts, so the
  nearest neighbours of a word should share a group with it;
* **analogies**: ``w{i}_{j} - w{i}_{k} + w{l}_{k} ~ w{l}_{j}`` for every ``i != l``, ``j != k``
  (``rows (rows-1) cols (cols-1)`` quadruples, 3,136 for the default 8 x 8 grid), asked as
  "``w{i}_{k}`` is to ``w{i}_{j}`` as ``w{l}_{k}`` is to ?" (3CosAdd, inputs excluded, top-1).

Random numbers come from a counter-based splitmix64 stream computed with NumPy integer
arithmetic, so a seed gives the same corpus bytes on every platform and NumPy version.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from hsw2v.config import make_config
from hsw2v.errors import Hsw2vError

log = logging.getLogger(__name__)

#: The demo passes when at least this share of the planted analogies is solved (top-1) ...
ANALOGY_BAR = 0.80
#: ... and at least this share of the top-``NEIGHBOURS`` neighbours share a group with the word.
NEIGHBOUR_BAR = 0.80
#: Neighbours checked per word.
NEIGHBOURS = 5

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


# ------------------------------------------------------------------------------------ the design
@dataclasses.dataclass(frozen=True)
class DemoDesign:
    """Shape of the synthetic corpus (see the module docstring).

    Attributes
    ----------
    rows, cols : int
        Size of the grid of cell words (>= 2 each).
    markers : int
        Context words owned by each row and by each column (1..26).
    fillers : int
        Noise words shared by every sentence (>= 0).
    sentences_per_cell : int
        Sentences about each cell (each gets exactly this many).
    sentence_length : int
        Tokens per sentence, ``cell_repeats`` of them the cell word.
    cell_repeats : int
        Occurrences of the cell word in each of its sentences. One (the default) keeps the
        cell word out of its own contexts; with two, CBOW's analogy score drops to ~85%.
    filler_rate : float
        Probability that a context slot holds a filler word instead of a marker.
    """

    rows: int = 8
    cols: int = 8
    markers: int = 6
    fillers: int = 8
    sentences_per_cell: int = 100
    sentence_length: int = 12
    cell_repeats: int = 1
    filler_rate: float = 0.15

    def __post_init__(self):
        if self.rows < 2 or self.cols < 2:
            raise ValueError(f"need at least a 2 x 2 grid, got {self.rows} x {self.cols}")
        if not 1 <= self.markers <= 26:
            raise ValueError(f"markers must be in 1..26, got {self.markers}")
        if self.fillers < 0 or self.sentences_per_cell < 1:
            raise ValueError("fillers must be >= 0 and sentences_per_cell >= 1")
        if not 1 <= self.cell_repeats < self.sentence_length:
            raise ValueError("need 1 <= cell_repeats < sentence_length")
        if not 0.0 <= self.filler_rate < 1.0 or (self.fillers == 0 and self.filler_rate > 0):
            raise ValueError(f"filler_rate must be in [0, 1) (0 without fillers), "
                             f"got {self.filler_rate}")

    # Words. Ids (positions in :meth:`words`): cells row-major, then row markers, column
    # markers, fillers.
    @staticmethod
    def cell_word(i: int, j: int) -> str:
        """The cell word of row ``i``, column ``j``."""
        return f"w{i}_{j}"

    @staticmethod
    def row_marker(i: int, k: int) -> str:
        """Context word ``k`` of row ``i``."""
        return f"r{i}{chr(97 + k)}"

    @staticmethod
    def col_marker(j: int, k: int) -> str:
        """Context word ``k`` of column ``j``."""
        return f"c{j}{chr(97 + k)}"

    @staticmethod
    def filler_word(k: int) -> str:
        """Noise word ``k``."""
        return f"f{k}"

    def words(self) -> list[str]:
        """Every word of the design, in id order (cells, row markers, column markers, fillers)."""
        R, C, M = self.rows, self.cols, self.markers
        return ([self.cell_word(i, j) for i in range(R) for j in range(C)]
                + [self.row_marker(i, k) for i in range(R) for k in range(M)]
                + [self.col_marker(j, k) for j in range(C) for k in range(M)]
                + [self.filler_word(k) for k in range(self.fillers)])

    def groups(self) -> dict[str, frozenset[str]]:
        """Planted groups of each word: ``{"row 3", "col 1"}`` for ``w3_1``, ``{"row 3"}`` for
        ``r3a``, ``{"col 1"}`` for ``c1a``, empty for fillers."""
        out: dict[str, frozenset[str]] = {}
        for i in range(self.rows):
            for j in range(self.cols):
                out[self.cell_word(i, j)] = frozenset({f"row {i}", f"col {j}"})
            for k in range(self.markers):
                out[self.row_marker(i, k)] = frozenset({f"row {i}"})
        for j in range(self.cols):
            for k in range(self.markers):
                out[self.col_marker(j, k)] = frozenset({f"col {j}"})
        for k in range(self.fillers):
            out[self.filler_word(k)] = frozenset()
        return out

    def analogies(self) -> list[tuple[str, str, str, str]]:
        """Every planted quadruple ``(a, b, c, d)``: "a is to b as c is to d".

        ``a = w{i}_{k}``, ``b = w{i}_{j}``, ``c = w{l}_{k}``, ``d = w{l}_{j}`` for all
        ``i != l`` and ``j != k``.
        """
        w = self.cell_word
        R, C = self.rows, self.cols
        return [(w(i, k), w(i, j), w(l, k), w(l, j))
                for i in range(R) for l in range(R) if l != i
                for j in range(C) for k in range(C) if k != j]

    @property
    def n_sentences(self) -> int:
        """Sentences in the corpus."""
        return self.rows * self.cols * self.sentences_per_cell

    @property
    def n_tokens(self) -> int:
        """Tokens in the corpus."""
        return self.n_sentences * self.sentence_length


# ------------------------------------------------------------------------------------ generator
def _random_u64(seed: int, stream: int, n: int) -> np.ndarray:
    """``n`` random 64-bit words: splitmix64 of a counter keyed by ``(seed, stream)``.

    Returns
    -------
    uint64 (n,)
    """
    key = (int(seed) * 0x9E3779B97F4A7C15 + int(stream) * 0xD1B54A32D192ED03 + 1) % 2**64
    with np.errstate(over="ignore"):
        z = np.uint64(key) + np.arange(1, n + 1, dtype=np.uint64) * _GAMMA
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _random_below(seed: int, stream: int, n: int, high: int) -> np.ndarray:
    """``n`` integers uniform in ``[0, high)`` (int64 (n,)), by multiply-shift of 53-bit draws."""
    u = (_random_u64(seed, stream, n) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return np.minimum((u * high).astype(np.int64), high - 1)


def _random_unit(seed: int, stream: int, n: int) -> np.ndarray:
    """``n`` floats uniform in ``[0, 1)`` (float64 (n,))."""
    return (_random_u64(seed, stream, n) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def generate_ids(seed: int, design: DemoDesign = DemoDesign()) -> np.ndarray:
    """The demo corpus as word ids (indices into ``design.words()``).

    Parameters
    ----------
    seed : int
        Any non-negative integer; the same seed gives the same corpus.
    design : DemoDesign

    Returns
    -------
    int64 (n_sentences, sentence_length)
        One sentence per row.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    d = design
    R, C, M, L = d.rows, d.cols, d.markers, d.sentence_length
    S = d.n_sentences
    n_ctx = L - d.cell_repeats
    # Cells: each exactly sentences_per_cell times, in a random order (argsort of random keys).
    cells = np.repeat(np.arange(R * C, dtype=np.int64), d.sentences_per_cell)
    cells = cells[np.argsort(_random_u64(seed, 0, S), kind="stable")]
    row, col = cells // C, cells % C
    # Context slots: half row markers, half column markers; some fillers instead.
    use_row = _random_unit(seed, 1, S * n_ctx).reshape(S, n_ctx) < 0.5
    marker = _random_below(seed, 2, S * n_ctx, M).reshape(S, n_ctx)
    row_ids = R * C + row[:, None] * M + marker
    col_ids = R * C + R * M + col[:, None] * M + marker
    ctx = np.where(use_row, row_ids, col_ids)
    if d.fillers:
        filler = _random_unit(seed, 3, S * n_ctx).reshape(S, n_ctx) < d.filler_rate
        filler_ids = (R * C + (R + C) * M
                      + _random_below(seed, 4, S * n_ctx, d.fillers).reshape(S, n_ctx))
        ctx = np.where(filler, filler_ids, ctx)
    tokens = np.concatenate([np.repeat(cells[:, None], d.cell_repeats, axis=1), ctx], axis=1)
    # Shuffle each sentence: argsort of random keys along the row.
    order = np.argsort(_random_u64(seed, 5, S * L).reshape(S, L), axis=1, kind="stable")
    return np.take_along_axis(tokens, order, axis=1)


def generate_corpus(seed: int, design: DemoDesign = DemoDesign()) -> str:
    """The demo corpus as text: one sentence per line, words separated by single spaces.

    Parameters
    ----------
    seed : int
    design : DemoDesign

    Returns
    -------
    str
        ``design.n_sentences`` lines, each ending in a newline.
    """
    words = np.array(design.words(), dtype=object)
    ids = generate_ids(seed, design)
    return "".join(" ".join(line) + "\n" for line in words[ids].tolist())


def write_corpus(path: str | os.PathLike, seed: int, design: DemoDesign = DemoDesign()) -> int:
    """Write :func:`generate_corpus` to ``path`` (UTF-8); return the number of bytes written."""
    data = generate_corpus(seed, design).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


# ------------------------------------------------------------------------------------ evaluation
@dataclasses.dataclass
class NeighbourRow:
    """Nearest neighbours of one word, each marked with whether it shares a planted group.

    Attributes
    ----------
    word : str
    groups : list of str
        The word's planted groups, rows first, e.g. ``["row 3", "col 0"]``.
    neighbours : list of (str, float, bool)
        (neighbour, cosine similarity, shares a group with ``word``), best first.
    """

    word: str
    groups: list[str]
    neighbours: list[tuple[str, float, bool]]

    @property
    def hits(self) -> int:
        """Neighbours that share a group with the word."""
        return sum(ok for _, _, ok in self.neighbours)


@dataclasses.dataclass
class AnalogyRow:
    """One planted analogy "a is to b as c is to expected"; ``answer`` is the model's top-1."""

    a: str
    b: str
    c: str
    expected: str
    answer: str
    score: float

    @property
    def solved(self) -> bool:
        """Whether the top-1 answer is the planted one."""
        return self.answer == self.expected


@dataclasses.dataclass
class Recovery:
    """How much of the planted structure a set of vectors shows (see :func:`measure_recovery`).

    Attributes
    ----------
    neighbour_precision : float
        Share of the top-``topn`` neighbours of every grouped word (cells and markers) that share
        a planted group with it.
    neighbour_chance : float
        The same share expected if neighbours were drawn at random from the vocabulary.
    topn : int
        Neighbours checked per word.
    neighbour_examples : list of NeighbourRow
        Neighbours of a few words, for display.
    analogies_solved, analogies_total : int
        Planted analogies answered right (top-1), and how many were asked.
    analogy_chance : float
        Top-1 accuracy of random answers: ``1 / (V - 3)``.
    analogy_examples : list of AnalogyRow
        A few analogies for display (the first unsolved one among them, if any).
    """

    neighbour_precision: float
    neighbour_chance: float
    topn: int
    neighbour_examples: list[NeighbourRow]
    analogies_solved: int
    analogies_total: int
    analogy_chance: float
    analogy_examples: list[AnalogyRow]

    @property
    def analogy_accuracy(self) -> float:
        """Share of the planted analogies solved (top-1)."""
        return self.analogies_solved / max(self.analogies_total, 1)

    def passed(self, analogy_bar: float | None = None, neighbour_bar: float | None = None) -> bool:
        """Whether both figures reach their bars (default :data:`ANALOGY_BAR`,
        :data:`NEIGHBOUR_BAR`)."""
        analogy_bar = ANALOGY_BAR if analogy_bar is None else analogy_bar
        neighbour_bar = NEIGHBOUR_BAR if neighbour_bar is None else neighbour_bar
        return self.analogy_accuracy >= analogy_bar and self.neighbour_precision >= neighbour_bar


def neighbour_rows(vectors, design: DemoDesign, words: Sequence[str],
                   topn: int = NEIGHBOURS) -> list[NeighbourRow]:
    """Top-``topn`` neighbours of each of ``words``, marked by whether they share a group.

    Parameters
    ----------
    vectors : hsw2v.vectors.Vectors
    design : DemoDesign
    words : sequence of str
        Words of the design that are in ``vectors``.
    topn : int

    Returns
    -------
    list of NeighbourRow
    """
    groups = design.groups()
    rows = []
    for word, nbrs in zip(words, vectors.most_similar_many(list(words), topn=topn)):
        mine = groups[word]
        rows.append(NeighbourRow(word, sorted(mine, key=lambda g: (g.startswith("col"), g)),
                                 [(n, s, bool(mine & groups.get(n, frozenset())))
                                  for n, s in nbrs]))
    return rows


def neighbour_chance(design: DemoDesign, vocab: Sequence[str]) -> float:
    """Mean share of the other words of ``vocab`` that share a group with a grouped word."""
    groups = design.groups()
    grouped = [w for w in vocab if groups.get(w)]
    if not grouped or len(vocab) < 2:
        return 0.0
    shares = [sum(1 for v in vocab if v != w and groups[w] & groups.get(v, frozenset()))
              / (len(vocab) - 1) for w in grouped]
    return float(np.mean(shares))


def solve_analogies(vectors, quads: Sequence[tuple[str, str, str, str]]) -> list[AnalogyRow]:
    """Top-1 3CosAdd answer to each quadruple, in one batch.

    The same answers as ``vectors.analogy(a, b, c, topn=1)``: nearest word to the normalised
    ``unit(b) - unit(a) + unit(c)``, the three inputs excluded.

    Parameters
    ----------
    vectors : hsw2v.vectors.Vectors
    quads : sequence of (a, b, c, expected)

    Returns
    -------
    list of AnalogyRow
    """
    if not quads:
        return []
    idx = np.array([[vectors.get_index(w) for w in q[:3]] for q in quads], dtype=np.int64)
    unit = vectors.unit
    query = (unit[idx[:, 1]].astype(np.float64) - unit[idx[:, 0]] + unit[idx[:, 2]])
    norms = np.linalg.norm(query, axis=1, keepdims=True)
    query = np.divide(query, norms, out=np.zeros_like(query), where=norms > 0)
    top, score = vectors.top_k(query.astype(np.float32), 1, exclude=idx.tolist())
    words = vectors.words
    return [AnalogyRow(a, b, c, d, words[int(t)], float(s))
            for (a, b, c, d), t, s in zip(quads, top[:, 0], score[:, 0])]


def measure_recovery(vectors, design: DemoDesign, topn: int = NEIGHBOURS) -> Recovery:
    """Measure the planted structure in ``vectors``: neighbour groups and analogies.

    Parameters
    ----------
    vectors : hsw2v.vectors.Vectors
        Must hold every word of ``design`` (other words are allowed and count as candidates).
    design : DemoDesign
    topn : int
        Neighbours checked per word.

    Returns
    -------
    Recovery

    Raises
    ------
    Hsw2vError
        If a word of the design is missing from ``vectors``.
    """
    missing = [w for w in design.words() if w not in vectors]
    if missing:
        raise Hsw2vError(f"{len(missing)} planted words are missing from the trained vocabulary "
                         f"(e.g. {missing[0]!r}): the options dropped them")
    groups = design.groups()
    order = design.words()
    grouped = [w for w in order if groups[w]]
    rows = neighbour_rows(vectors, design, grouped, topn)
    precision = sum(r.hits for r in rows) / max(1, sum(len(r.neighbours) for r in rows))
    shown = [design.cell_word(0, 0), design.cell_word(design.rows - 1, 1),
             design.row_marker(1, 0), design.col_marker(2, 0)]
    by_word = {r.word: r for r in rows}
    answers = solve_analogies(vectors, design.analogies())
    examples = answers[:: max(1, len(answers) // 3)][:3]
    failed = next((a for a in answers if not a.solved), None)
    if failed is not None and failed not in examples:
        examples.append(failed)
    return Recovery(
        neighbour_precision=precision,
        neighbour_chance=neighbour_chance(design, vectors.words),
        topn=topn,
        neighbour_examples=[by_word[w] for w in shown],
        analogies_solved=sum(a.solved for a in answers),
        analogies_total=len(answers),
        analogy_chance=1.0 / max(1, len(vectors) - 3),
        analogy_examples=examples,
    )


# ------------------------------------------------------------------------------------ the demo
@dataclasses.dataclass
class DemoResult:
    """What :func:`run_demo` did and measured.

    Attributes
    ----------
    model : str
        ``"sg"`` or ``"cbow"``.
    seed : int
    design : DemoDesign
    corpus_path : str or None
        Where the corpus was kept (None: it went to a temporary file, now deleted).
    corpus_bytes, sentences, tokens : int
    vocab_size : int
        Words in the trained vocabulary.
    config : dict
        The trainer's effective configuration (``hsw2v.config.TrainConfig`` as a dict).
    epochs : list of dict
        The trainer's per-epoch figures (``loss``, ``words``, ``trained_words``, ``seconds``).
    recovery : Recovery
    passed : bool
        ``recovery.passed(analogy_bar, neighbour_bar)``.
    analogy_bar, neighbour_bar : float
    seconds : dict of str to float
        ``generate``, ``train`` (including JIT compilation when the Numba cache is cold) and
        ``evaluate``.
    vectors : hsw2v.vectors.Vectors
        The trained vectors (float32 (V, D)).
    """

    model: str
    seed: int
    design: DemoDesign
    corpus_path: str | None
    corpus_bytes: int
    sentences: int
    tokens: int
    vocab_size: int
    config: dict[str, Any]
    epochs: list[dict[str, Any]]
    recovery: Recovery
    passed: bool
    analogy_bar: float
    neighbour_bar: float
    seconds: dict[str, float]
    vectors: Any = dataclasses.field(repr=False)


def run_demo(model: str = "sg", seed: int = 1, dim: int = 32, epochs: int = 5,
             threads: int | None = None, quiet: bool = True,
             corpus_out: str | os.PathLike | None = None,
             design: DemoDesign | None = None, **options: Any) -> DemoResult:
    """Generate the planted corpus, train on it with the real trainer, measure the recovery.

    Parameters
    ----------
    model : {"sg", "cbow"}
    seed : int
        Seeds both the corpus and the trainer.
    dim, epochs : int
        Trainer options.
    threads : int, optional
        Trainer threads (default: all cores).
    quiet : bool
        No progress bar or epoch lines from the trainer.
    corpus_out : path, optional
        Keep the corpus in this file; by default it goes to a temporary file that is deleted.
    design : DemoDesign, optional
        The corpus design (default ``DemoDesign()``).
    **options
        Any other option of ``hsw2v train`` (``window=3``, ``sample=0``, ...).

    Returns
    -------
    DemoResult
        ``.passed`` tells whether both recovery figures reached their bars.
    """
    from hsw2v.train import run
    from hsw2v.vectors import Vectors

    design = design or DemoDesign()
    cfg = make_config(model=model, seed=seed, dim=dim, epochs=epochs, threads=threads,
                      quiet=quiet, **options)
    t0 = time.perf_counter()
    tmp = None
    if corpus_out is None:
        fd, tmp = tempfile.mkstemp(prefix="hsw2v-demo-", suffix=".txt")
        os.close(fd)
    path = os.fspath(corpus_out) if corpus_out is not None else tmp
    try:
        n_bytes = write_corpus(path, seed, design)
        log.info("demo corpus: %d sentences, %d tokens, %d distinct words, seed %d%s",
                 design.n_sentences, design.n_tokens, len(design.words()), seed,
                 f" (kept in {path})" if corpus_out is not None else "")
        t1 = time.perf_counter()
        result = run(path, cfg)
    finally:
        if tmp is not None:
            os.unlink(tmp)
    t2 = time.perf_counter()
    vectors = Vectors(result.model.vocab.words, result.model.weights.syn0)
    recovery = measure_recovery(vectors, design)
    t3 = time.perf_counter()
    summary = result.summary
    log.debug("demo: %.1f%% of top-%d neighbours share a group, %d/%d analogies solved",
             100 * recovery.neighbour_precision, recovery.topn, recovery.analogies_solved,
             recovery.analogies_total)
    return DemoResult(
        model=summary["config"]["model"], seed=seed, design=design,
        corpus_path=path if corpus_out is not None else None, corpus_bytes=n_bytes,
        sentences=design.n_sentences, tokens=int(summary["tokens"]), vocab_size=len(vectors),
        config=summary["config"], epochs=summary["epochs"], recovery=recovery,
        passed=recovery.passed(ANALOGY_BAR, NEIGHBOUR_BAR),
        analogy_bar=ANALOGY_BAR, neighbour_bar=NEIGHBOUR_BAR,
        seconds={"generate": t1 - t0, "train": t2 - t1, "evaluate": t3 - t2},
        vectors=vectors,
    )


# ------------------------------------------------------------------------------------ the report
def _names(first: str, last: str) -> str:
    return first if first == last else f"{first}..{last}"


def format_report(result: DemoResult, details: bool = True) -> list[str]:
    """The lines ``hsw2v demo`` prints for ``result``.

    Parameters
    ----------
    result : DemoResult
    details : bool
        Include the corpus and training description and the example tables; without them only
        the two figures and the PASS/FAIL line remain.

    Returns
    -------
    list of str
        Lines without newlines; the last one starts with ``PASS`` or ``FAIL``.
    """
    d, rec, cfg = result.design, result.recovery, result.config
    lines: list[str] = []
    if details:
        name = {"sg": "skip-gram", "cbow": "CBOW"}.get(result.model, result.model)
        lines.append(f"hsw2v demo: {name} with hierarchical softmax, seed {result.seed}, "
                     f"dim {cfg['dim']}, window {cfg['window']}, {cfg['epochs']} epochs, "
                     f"{cfg['threads']} thread(s)")
        where = result.corpus_path or "a temporary file"
        lines.append(f"corpus: {result.sentences:,} sentences, {result.tokens:,} tokens, "
                     f"{len(d.words())} distinct words, generated from seed {result.seed} "
                     f"({where})")
        m = d.markers - 1
        parts = [f"{d.rows} x {d.cols} grid of cell words "
                 f"{_names(d.cell_word(0, 0), d.cell_word(d.rows - 1, d.cols - 1))}",
                 f"row i's context words r{{i}}a..r{{i}}{chr(97 + m)}",
                 f"column j's c{{j}}a..c{{j}}{chr(97 + m)}"]
        if d.fillers:
            parts.append(f"noise {_names(d.filler_word(0), d.filler_word(d.fillers - 1))}")
        lines.append("  " + "; ".join(parts))
        lines.append(f"  planted: groups row i = {{w{{i}}_*, r{{i}}*}} and column j = "
                     f"{{w*_{{j}}, c{{j}}*}}; {rec.analogies_total:,} analogies "
                     f"w{{i}}_{{j}} - w{{i}}_{{k}} + w{{l}}_{{k}} = w{{l}}_{{j}}")
        losses = [e["loss"] for e in result.epochs]
        s = result.seconds
        lines.append(f"training: loss {losses[0]:.3f} -> {losses[-1]:.3f} per prediction; "
                     f"{s['generate']:.2f} s corpus, {s['train']:.2f} s training (a first "
                     f"run includes JIT compilation), {s['evaluate']:.2f} s evaluation")
        lines.append("")
        lines.append(f"nearest neighbours (top {rec.topn}; + shares a planted group with the "
                     f"word, - does not):")
        width = max(len(r.word) for r in rec.neighbour_examples)
        gwidth = max(len(", ".join(r.groups)) for r in rec.neighbour_examples)
        for r in rec.neighbour_examples:
            cells = "  ".join(f"{'+' if ok else '-'}{n} {s:.2f}" for n, s, ok in r.neighbours)
            lines.append(f"  {r.word:<{width}}  [{', '.join(r.groups):<{gwidth}}]  {cells}")
        lines.append(f"planted analogies (a : b :: c : ?, top-1 by 3CosAdd among all "
                     f"{result.vocab_size} words):")
        for a in rec.analogy_examples:
            verdict = "ok" if a.solved else f"MISSED (planted: {a.expected})"
            lines.append(f"  {a.a} : {a.b} :: {a.c} : {a.answer:<6} {verdict}")
        lines.append("")
    lines.append(f"neighbours: {100 * rec.neighbour_precision:.1f}% of the top-{rec.topn} "
                 f"neighbours share a planted group (chance {100 * rec.neighbour_chance:.1f}%, "
                 f"bar {100 * result.neighbour_bar:.0f}%)")
    lines.append(f"analogies:  {rec.analogies_solved:,} of {rec.analogies_total:,} solved = "
                 f"{100 * rec.analogy_accuracy:.1f}% (chance {100 * rec.analogy_chance:.1f}%, "
                 f"bar {100 * result.analogy_bar:.0f}%)")
    if result.passed:
        lines.append("PASS: the trainer recovered the planted structure")
    else:
        short = []
        if rec.analogy_accuracy < result.analogy_bar:
            short.append("analogies")
        if rec.neighbour_precision < result.neighbour_bar:
            short.append("neighbours")
        lines.append(f"FAIL: the planted structure was not recovered ({' and '.join(short)} "
                     f"below the bar)")
    return lines
