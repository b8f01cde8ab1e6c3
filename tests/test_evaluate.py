"""Evaluation (analogies, word pairs) and statistics (hsw2v.evaluate), checked against gensim."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsw2v.evaluate import EvaluationFileError, pearson, rankdata, spearman
from hsw2v.report import describe, format_analogy_report, format_pairs_report, format_table
from hsw2v.vectors import Vectors

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def case_variant_vectors(n_base: int = 360, dim: int = 8, seed: int = 1) -> Vectors:
    """Random vectors whose vocabulary has case variants (w5 / W5), as real corpora do."""
    base = [f"w{i}" for i in range(n_base)]
    words = base + [w.upper() for w in base[:20]] + [w.capitalize() + "x" for w in base[:20]]
    rng = np.random.default_rng(seed)
    return Vectors(words, rng.standard_normal((len(words), dim)).astype(np.float32))


def write_questions(path, v: Vectors, seed: int = 2, sections: int = 3, per_section: int = 120):
    """A questions file in which about half the answers are the model's own best answer."""
    rng = np.random.default_rng(seed)
    lines = []
    for s in range(sections):
        lines.append(f": section-{s}")
        for _ in range(per_section):
            a, b, c = (v.words[i] for i in rng.choice(len(v), 3, replace=False))
            best = v.analogy(a, b, c, topn=1)[0][0]
            quad = [a, b, c, best if rng.random() < 0.5 else v.words[rng.integers(len(v))]]
            if rng.random() < 0.25:
                quad = [w.lower() for w in quad]
            if rng.random() < 0.05:
                quad[rng.integers(4)] = "unknownword"
            if rng.random() < 0.03:
                quad = quad[:3]  # invalid line: ignored
            lines.append(" ".join(quad))
    lines.append(": section-0")  # a repeated section name
    lines.append("w1 w2 w3 w4")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def write_pairs(path, v: Vectors, seed: int = 3, n: int = 300):
    rng = np.random.default_rng(seed)
    lines = ["# a comment\twith\ttabs", "bad line without tabs", "w1\tw2\tnot-a-number"]
    for _ in range(n):
        a, b = (v.words[i] for i in rng.choice(len(v), 2))
        if rng.random() < 0.2:
            a, b = a.lower(), b.lower()
        if rng.random() < 0.05:
            a = "unknownword"
        lines.append(f"{a}\t{b}\t{rng.integers(0, 10) / 2}")  # many tied scores
    path.write_text("\r\n".join(lines) + "\r\n")
    return str(path)


def gensim_kv(v: Vectors):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    kv = keyedvectors.KeyedVectors(v.vector_size)
    kv.add_vectors(v.words, v.vectors)
    return kv


# ====================================================================== statistics


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=40))
def test_rankdata_averages_ties_like_scipy(values):
    stats = pytest.importorskip("scipy.stats")
    np.testing.assert_allclose(rankdata(values), stats.rankdata(values))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-6, 6), st.floats(-1, 1, width=32)), min_size=3, max_size=40))
def test_correlations_equal_scipy(pairs):
    stats = pytest.importorskip("scipy.stats")
    x = np.array([p[0] for p in pairs], dtype=np.float64)
    y = np.array([p[1] for p in pairs], dtype=np.float32)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        assert math.isnan(pearson(x, y)) and math.isnan(spearman(x, y))
        return
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-9)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-9)


def test_correlation_edge_cases():
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert math.isnan(pearson([1], [2]))
    with pytest.raises(ValueError):
        pearson([1, 2], [1, 2, 3])


# ====================================================================== agreement with gensim


@pytest.mark.parametrize("restrict", [30000, 300, 100])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogies_equal_gensim(tmp_path, restrict, case_insensitive):
    v = case_variant_vectors()
    kv = gensim_kv(v)
    path = write_questions(tmp_path / "questions.txt", v)
    ours = v.evaluate_analogies(path, restrict=restrict, case_insensitive=case_insensitive)
    score, sections = kv.evaluate_word_analogies(path, restrict_vocab=restrict,
                                                 case_insensitive=case_insensitive)
    assert round(ours.accuracy, 3) == round(score, 3)
    total = sections[-1]
    assert ours.correct == len(total["correct"])
    assert ours.total == len(total["correct"]) + len(total["incorrect"])
    assert len(ours.sections) == len(sections) - 1
    for mine, theirs in zip(ours.sections, sections):
        assert mine.name == theirs["section"]
        assert mine.correct == len(theirs["correct"])
        assert mine.total == len(theirs["correct"]) + len(theirs["incorrect"])
    assert ours.total > 0 and ours.skipped > 0 and ours.invalid_lines > 0


@pytest.mark.parametrize("restrict", [300000, 150])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_pairs_equal_gensim(tmp_path, restrict, case_insensitive):
    v = case_variant_vectors()
    kv = gensim_kv(v)
    path = write_pairs(tmp_path / "pairs.tsv", v)
    ours = v.evaluate_pairs(path, restrict=restrict, case_insensitive=case_insensitive)
    pearson_g, spearman_g, oov_percent = kv.evaluate_word_pairs(
        path, restrict_vocab=restrict, case_insensitive=case_insensitive)
    assert round(ours.spearman, 3) == round(float(spearman_g[0]), 3)
    assert round(ours.pearson, 3) == round(float(pearson_g[0]), 3)
    assert round(100 * ours.oov, 3) == round(oov_percent, 3)
    assert ours.invalid_lines == 2 and ours.oov_pairs > 0


def test_analogy_answer_skips_case_variants_of_the_inputs(tmp_path):
    # b - a + c lands exactly on "C2", a case variant of the input "c2": it is not an answer.
    words = ["a", "b", "c2", "C2", "d"]
    m = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [-1, 1, 1, 0], [-1, 1, 1, 0.1]],
                 dtype=np.float32)
    v = Vectors(words, m)
    path = tmp_path / "q.txt"
    path.write_text(": s\na b c2 d\n")
    assert v.evaluate_analogies(path).correct == 1  # C2 skipped, d is next
    assert v.evaluate_analogies(path, case_insensitive=False).correct == 0  # C2 counts
    kv = gensim_kv(v)
    assert kv.evaluate_word_analogies(str(path))[0] == 1.0
    assert kv.evaluate_word_analogies(str(path), case_insensitive=False)[0] == 0.0


# ====================================================================== reports and errors


def test_report_dictionaries_have_the_documented_shape(tmp_path):
    v = case_variant_vectors()
    report = v.evaluate_analogies(write_questions(tmp_path / "q.txt", v))
    d = report.to_dict()
    assert set(d) == {"accuracy", "correct", "total", "skipped", "subword", "sections"}
    assert d["subword"] == 0  # no subword vectors here
    assert set(d["sections"]) == {"section-0", "section-1", "section-2"}  # repeated name merged
    assert sum(s["total"] for s in d["sections"].values()) == d["total"]
    assert sum(s["skipped"] for s in d["sections"].values()) == d["skipped"]
    assert d["accuracy"] == pytest.approx(d["correct"] / d["total"])
    pairs = v.evaluate_pairs(write_pairs(tmp_path / "p.tsv", v)).to_dict()
    assert set(pairs) == {"spearman", "pearson", "oov", "subword_pairs"} and 0 < pairs["oov"] < 1
    assert "skipped" in format_analogy_report(report)
    assert "Spearman" in format_pairs_report(v.evaluate_pairs(str(tmp_path / "p.tsv")))


def test_blank_lines_before_the_first_section_are_ignored(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("\n  \n: s\nw1 w2 w3 w4\n")  # gensim refuses this; we need not
    assert case_variant_vectors().evaluate_analogies(path).total == 1


def test_everything_skipped_scores_zero(tmp_path):
    v = case_variant_vectors()
    path = tmp_path / "q.txt"
    path.write_text(": s\nw1 w2 w3 w399\n")  # w399 is beyond the first 10 words
    report = v.evaluate_analogies(path, restrict=10)
    assert (report.accuracy, report.total, report.skipped) == (0.0, 0, 1)


@pytest.mark.parametrize("content, message", [
    (b"w1 w2 w3 w4\n", "line 1: question before the first ': section' line"),
    (b"", "no analogy questions found"),
    (b": only a section\n", "no analogy questions found"),
    (b": s\nw1 w2 \xff w4\n", "line 2: not valid UTF-8"),
])
def test_bad_analogy_files(tmp_path, content, message):
    path = tmp_path / "q.txt"
    path.write_bytes(content)
    with pytest.raises(EvaluationFileError, match=message) as info:
        case_variant_vectors().evaluate_analogies(path)
    assert str(info.value).startswith(str(path))


@pytest.mark.parametrize("content, message", [
    (b"# only comments\n", "no usable word pair"),
    (b"nope\tnada\t1\n", "no usable word pair: 1 pairs have an unknown word"),
    (b"w1\tw2\t1\n\xff\n", "line 2: not valid UTF-8"),
])
def test_bad_pair_files(tmp_path, content, message):
    path = tmp_path / "p.tsv"
    path.write_bytes(content)
    with pytest.raises(EvaluationFileError, match=message):
        case_variant_vectors().evaluate_pairs(path)


def test_constant_model_scores_give_nan_and_json_null(tmp_path):
    v = Vectors(["a", "b", "c"], np.ones((3, 2), dtype=np.float32))
    path = tmp_path / "p.tsv"
    path.write_text("a\tb\t1\na\tc\t2\n")
    report = v.evaluate_pairs(path)
    assert math.isnan(report.spearman) and report.to_dict()["spearman"] is None


def test_restrict_must_be_positive(tmp_path):
    with pytest.raises(ValueError):
        case_variant_vectors().evaluate_pairs(tmp_path / "x", restrict=0)


def test_describe_and_table():
    v = Vectors(["a", "b", "z"], np.array([[3, 4], [0, 1], [0, 0]], dtype=np.float32))
    d = describe(v, top=2)
    assert d["words"] == 3 and d["dim"] == 2 and d["zero_rows"] == 1
    assert d["norm"] == {"min": 0.0, "mean": 2.0, "median": 1.0, "max": 5.0}
    assert d["first_words"] == ["a", "b"]
    table = format_table("t", [("queen", 0.5), ("x", -0.25)])
    assert table.splitlines()[2].split() == ["1", "queen", "0.5000"]


# ====================================================================== real data (opt-in)


@pytest.mark.slow
def test_real_benchmarks_equal_gensim_on_a_trained_model(tmp_path):
    """questions-words and WordSim-353 on vectors trained by gensim on the text8 prefix."""
    word2vec = pytest.importorskip("gensim.models.word2vec")
    questions = os.path.join(SHARED, "questions-words.txt")
    wordsim = os.path.join(SHARED, "wordsim353.tsv")
    corpus = os.path.join(SHARED, "text8-prefix.gz")
    if not all(os.path.exists(p) for p in (questions, wordsim, corpus)):
        pytest.fail(f"shared data missing under {SHARED}")
    import gzip

    with gzip.open(corpus, "rt") as f:
        tokens = f.read().split()[:2_000_000]
    sentences = [tokens[i:i + 1000] for i in range(0, len(tokens), 1000)]
    model = word2vec.Word2Vec(sentences, vector_size=50, min_count=5, workers=2, epochs=1,
                              hs=1, negative=0, seed=1)
    model.wv.save_word2vec_format(str(tmp_path / "v.bin"), binary=True)
    v = Vectors.load(tmp_path / "v.bin")
    kv = model.wv
    ours = v.evaluate_analogies(questions, restrict=30000)
    score, sections = kv.evaluate_word_analogies(questions, restrict_vocab=30000)
    assert round(ours.accuracy, 3) == round(score, 3)
    assert ours.total == len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    pairs = v.evaluate_pairs(wordsim)
    pearson_g, spearman_g, oov = kv.evaluate_word_pairs(wordsim)
    assert round(pairs.spearman, 3) == round(float(spearman_g[0]), 3)
    assert round(pairs.pearson, 3) == round(float(pearson_g[0]), 3)
    assert round(100 * pairs.oov, 3) == round(oov, 3)
