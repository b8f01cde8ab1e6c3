"""The embedded demo (hsw2v.demo, ``hsw2v demo``): generator, evaluation, end-to-end recovery."""
from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v
from hsw2v import demo
from hsw2v.cli import main
from hsw2v.demo import DemoDesign, generate_corpus, generate_ids, measure_recovery, run_demo
from hsw2v.errors import Hsw2vError
from hsw2v.vectors import Vectors

TINY = DemoDesign(rows=3, cols=2, markers=2, fillers=2, sentences_per_cell=2, sentence_length=6)


# ------------------------------------------------------------------------------------ generator
def test_same_seed_same_bytes_other_seed_other_bytes():
    a = generate_corpus(1)
    assert a == generate_corpus(1)
    assert a != generate_corpus(2)
    assert generate_corpus(2) != generate_corpus(3)


def test_corpus_bytes_are_pinned():
    """The generator is pure integer arithmetic: the bytes must not depend on platform or NumPy."""
    text = generate_corpus(5, TINY)
    assert text.startswith("c1b c1a r2b r2b r2b w2_1\nc1b r0a w0_1 c1a r0b r0b\n")
    assert hashlib.sha256(text.encode()).hexdigest() == (
        "edcbb109f63935a7e6a4a90d492361da420ecbe17bf185ce00f0f835f6d1ef81")


def test_text_matches_ids_and_design():
    d = DemoDesign()
    text = generate_corpus(3, d)
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == d.n_sentences
    words = d.words()
    ids = generate_ids(3, d)
    assert ids.shape == (d.n_sentences, d.sentence_length) and ids.dtype == np.int64
    assert lines[:-1] == [" ".join(words[i] for i in row) for row in ids]
    counts = Counter(text.split())
    assert sum(counts.values()) == d.n_tokens
    assert set(counts) == set(words)  # every planted word appears, nothing else does
    assert min(counts.values()) >= 5  # survives the trainer's default --min-count


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_planted_structure(seed):
    d = DemoDesign()
    R, C, M, L = d.rows, d.cols, d.markers, d.sentence_length
    ids = generate_ids(seed, d)
    n_cells = R * C
    row_base, col_base, filler_base = n_cells, n_cells + R * M, n_cells + (R + C) * M
    is_cell = ids < n_cells
    assert (is_cell.sum(axis=1) == d.cell_repeats).all()
    cell = np.where(is_cell, ids, -1).max(axis=1)  # the one cell word of each sentence
    # every cell gets exactly its share of sentences
    assert (np.bincount(cell, minlength=n_cells) == d.sentences_per_cell).all()
    row, col = cell // C, cell % C
    ctx = ids[~is_cell].reshape(len(ids), L - d.cell_repeats)
    is_row = (ctx >= row_base) & (ctx < col_base)
    is_col = (ctx >= col_base) & (ctx < filler_base)
    is_filler = ctx >= filler_base
    assert (is_row | is_col | is_filler).all()
    # a sentence about cell (i, j) holds only markers of row i and of column j
    assert ((ctx - row_base) // M == row[:, None])[is_row].all()
    assert ((ctx - col_base) // M == col[:, None])[is_col].all()
    n_ctx = ctx.size
    assert abs(is_filler.sum() / n_ctx - d.filler_rate) < 0.01
    assert abs(is_row.sum() / (is_row.sum() + is_col.sum()) - 0.5) < 0.01
    # markers of a row are used evenly, and the cell word moves around the sentence
    marker_use = np.bincount((ctx[is_row] - row_base) % M, minlength=M)
    assert marker_use.min() > 0.9 * marker_use.mean()
    positions = np.bincount(np.argmax(is_cell, axis=1), minlength=L)
    assert positions.min() > 0.5 * positions.mean()


def test_design_groups_and_analogies():
    d = DemoDesign(rows=3, cols=4, markers=2, fillers=1)
    words = d.words()
    assert len(words) == len(set(words)) == 3 * 4 + (3 + 4) * 2 + 1
    groups = d.groups()
    assert groups["w2_3"] == {"row 2", "col 3"}
    assert groups["r1b"] == {"row 1"} and groups["c3a"] == {"col 3"} and groups["f0"] == set()
    quads = d.analogies()
    assert len(quads) == len(set(quads)) == 3 * 2 * 4 * 3
    for a, b, c, e in quads:
        (ia, ja), (ib, jb), (ic, jc), (ie, je) = (map(int, w[1:].split("_")) for w in (a, b, c, e))
        assert ia == ib and ja == jc and ic == ie and jb == je  # a-b share a row, a-c a column
        assert ia != ic and ja != jb
    with pytest.raises(ValueError):
        DemoDesign(rows=1)
    with pytest.raises(ValueError):
        generate_ids(-1, TINY)


# ------------------------------------------------------------------------------------ evaluation
def oracle_vectors(d: DemoDesign, seed: int = 0) -> Vectors:
    """Vectors with exactly the planted structure: one axis per row and per column."""
    rng = np.random.default_rng(seed)
    dim = d.rows + d.cols + d.fillers
    vecs = {}
    for i in range(d.rows):
        for j in range(d.cols):
            v = np.zeros(dim)
            v[i] = v[d.rows + j] = 1.0
            vecs[d.cell_word(i, j)] = v
        for k in range(d.markers):
            vecs[d.row_marker(i, k)] = np.eye(dim)[i] + 0.01 * rng.standard_normal(dim)
    for j in range(d.cols):
        for k in range(d.markers):
            vecs[d.col_marker(j, k)] = np.eye(dim)[d.rows + j] + 0.01 * rng.standard_normal(dim)
    for k in range(d.fillers):
        vecs[d.filler_word(k)] = np.eye(dim)[d.rows + d.cols + k]
    words = d.words()
    return Vectors(words, np.array([vecs[w] for w in words], dtype=np.float32))


def test_measure_recovery_oracle_passes_and_noise_fails():
    d = DemoDesign()
    oracle = measure_recovery(oracle_vectors(d), d)
    assert oracle.analogies_total == d.rows * (d.rows - 1) * d.cols * (d.cols - 1)
    assert oracle.analogies_solved == oracle.analogies_total
    assert oracle.neighbour_precision == 1.0 and oracle.passed()
    rng = np.random.default_rng(0)
    noise = Vectors(d.words(), rng.standard_normal((len(d.words()), 32)).astype(np.float32))
    rec = measure_recovery(noise, d)
    assert rec.analogy_accuracy < 0.05 and rec.neighbour_precision < 0.25
    assert not rec.passed()
    assert 0.05 < rec.neighbour_chance < 0.2


def test_solve_analogies_matches_vectors_analogy():
    d = TINY
    rng = np.random.default_rng(1)
    v = Vectors(d.words(), rng.standard_normal((len(d.words()), 5)).astype(np.float32))
    for row in demo.solve_analogies(v, d.analogies()):
        (answer, score), = v.analogy(row.a, row.b, row.c, topn=1)
        assert row.answer == answer and row.score == pytest.approx(score, abs=1e-5)


def test_measure_recovery_names_missing_words():
    d = TINY
    v = Vectors(d.words()[1:], np.ones((len(d.words()) - 1, 3), dtype=np.float32))
    with pytest.raises(Hsw2vError, match="w0_0"):
        measure_recovery(v, d)


# ------------------------------------------------------------------------------------ end to end
@pytest.mark.parametrize("model", ["sg", "cbow"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_demo_recovers_planted_structure(model, seed):
    r = run_demo(model=model, seed=seed, threads=2)
    rec = r.recovery
    assert r.model == model and r.vocab_size == len(r.design.words())
    assert r.tokens == r.design.n_tokens
    # bars of the demo are 80%; measured minima over 10 seeds are 99.7% (sg), 94.9% (CBOW)
    assert rec.analogy_accuracy >= 0.90, rec
    assert rec.neighbour_precision >= 0.95, rec
    assert r.passed
    assert r.epochs[-1]["loss"] < r.epochs[0]["loss"]


def test_shuffled_corpus_does_not_pass(tmp_path):
    """Control: the same words with the structure destroyed must fail the same measurement."""
    d = DemoDesign()
    ids = generate_ids(1, d).ravel()
    ids = ids[np.random.default_rng(0).permutation(ids.size)].reshape(-1, d.sentence_length)
    words = d.words()
    path = tmp_path / "shuffled.txt"
    path.write_text("".join(" ".join(words[i] for i in row) + "\n" for row in ids))
    v = hsw2v.train(str(path), dim=32, threads=2, seed=1)
    rec = measure_recovery(v, d)
    assert rec.analogy_accuracy < 0.1 and rec.neighbour_precision < 0.3
    assert not rec.passed()


def test_corpus_out_kept_and_temporary_corpus_removed(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    run_demo(seed=4, threads=1, epochs=1)
    assert os.listdir(tmp_path) == []  # the temporary corpus is gone
    kept = tmp_path / "corpus.txt"
    r = run_demo(seed=4, threads=1, epochs=1, corpus_out=kept)
    assert r.corpus_path == str(kept)
    assert kept.read_text() == generate_corpus(4)
    assert r.corpus_bytes == kept.stat().st_size


# ------------------------------------------------------------------------------------ CLI
def test_cli_demo_passes_and_saves(tmp_path):
    out, corpus = tmp_path / "demo.bin", tmp_path / "demo.txt"
    result = CliRunner().invoke(main, ["demo", "--threads", "2", "--seed", "2", "-o", str(out),
                                       "--corpus-out", str(corpus)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-2].startswith("PASS"), result.stdout
    assert "nearest neighbours" in result.stdout and "w0_0" in result.stdout
    assert corpus.read_text() == generate_corpus(2)
    v = Vectors.load(out)
    assert len(v) == len(DemoDesign().words()) and v.vector_size == 32


def test_cli_demo_quiet_cbow_prints_only_the_verdict():
    hsw2v_logger = logging.getLogger("hsw2v")
    level = hsw2v_logger.level
    result = CliRunner().invoke(main, ["demo", "--model", "cbow", "--threads", "2", "-q",
                                       "--dim", "24", "--epochs", "4", "--seed", "9"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith("neighbours:")
    assert lines[1].startswith("analogies:") and lines[2].startswith("PASS")
    assert hsw2v_logger.level == level  # --quiet does not leak into later commands


def test_cli_demo_fail_exits_1(monkeypatch):
    monkeypatch.setattr(demo, "ANALOGY_BAR", 1.01)  # no run can solve more than all
    result = CliRunner().invoke(main, ["demo", "--threads", "1", "--epochs", "1", "-q"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1].startswith("FAIL")
    assert "analogies below the bar" in result.stdout


def test_cli_demo_help_and_bad_option():
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--help"])
    assert result.exit_code == 0 and "Examples:" in result.output and "hsw2v demo" in result.output
    result = runner.invoke(main, ["demo", "--model", "glove"])
    assert result.exit_code == 2 and "glove" in result.output
