"""Text reports for the command line: vector-set summaries, neighbour tables, evaluation tables."""
from __future__ import annotations

import numpy as np

from hsw2v.evaluate import AnalogyReport, PairsReport
from hsw2v.vectors import Vectors


def describe(vectors: Vectors, top: int = 10) -> dict:
    """Summary of a vector set: size, norms, zero rows and the first `top` words.

    Returns
    -------
    dict
        ``words``, ``dim``, ``norm`` (min/mean/median/max of row lengths), ``zero_rows``,
        ``first_words`` (word2vec files list the most frequent words first).
    """
    norms = vectors.norms.astype(np.float64)
    return {
        "words": len(vectors),
        "dim": vectors.vector_size,
        "norm": {
            "min": float(norms.min()),
            "mean": float(norms.mean()),
            "median": float(np.median(norms)),
            "max": float(norms.max()),
        },
        "zero_rows": int(np.count_nonzero(norms == 0)),
        "first_words": vectors.words[:top],
    }


def format_table(title: str, results: list[tuple[str, float]]) -> str:
    """A numbered two-column table of (word, cosine) under `title`, as text without final newline."""
    width = max([len("word")] + [len(w) for w, _ in results])
    lines = [title, f"{'':>4} {'word':<{width}}   cosine"]
    lines += [f"{i:>4} {w:<{width}}  {s:7.4f}" for i, (w, s) in enumerate(results, start=1)]
    return "\n".join(lines)


def format_analogy_report(report: AnalogyReport) -> str:
    """Per-section and total accuracy as a text table (no final newline)."""
    width = max([len("total")] + [len(s.name) for s in report.sections])
    lines = [f"{'section':<{width}}  accuracy  correct/total  skipped"]
    for s in report.sections:
        lines.append(f"{s.name:<{width}}  {100 * s.accuracy:7.2f}%  {s.correct:>7}/{s.total:<5}"
                     f"  {s.skipped:>7}")
    lines.append(f"{'total':<{width}}  {100 * report.accuracy:7.2f}%  "
                 f"{report.correct:>7}/{report.total:<5}  {report.skipped:>7}")
    if report.restrict is None or report.searched < report.restrict:
        among = f"the {report.searched:,} words loaded"  # fewer than --restrict: say so
    else:
        among = f"the first {report.searched:,} words (--restrict)"
    lines.append(f"{report.skipped} questions skipped: a word is not among {among}"
                 + (f"; {report.invalid_lines} lines not 'a b c d' ignored"
                    if report.invalid_lines else ""))
    if report.subword:
        lines.append(f"{report.subword} of the {report.total} questions scored had an input "
                     "word outside those, looked up through its character n-grams (subwords)")
    return "\n".join(lines)


def format_pairs_report(report: PairsReport) -> str:
    """Spearman, Pearson and unknown-word share as text (no final newline)."""
    return (f"{report.path}: Spearman {report.spearman:.4f}  Pearson {report.pearson:.4f}  "
            f"pairs {report.pairs}  unknown-word pairs {report.oov_pairs} "
            f"({100 * report.oov:.1f}%)"
            + (f"  scored through n-grams {report.subword_pairs}" if report.subword_pairs
               else ""))
