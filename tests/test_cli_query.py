"""The query commands: similar, analogy, evaluate, convert, info (driven through click's CliRunner)."""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from hsw2v.cli import main
from hsw2v.vectors import Vectors

COMMANDS = ["similar", "analogy", "evaluate", "convert", "info"]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def vec_path(tmp_path):
    """Vectors with a known geometry: king - man + woman is closest to queen."""
    words = ["the", "king", "queen", "man", "woman", "apple", "pear", "Paris"]
    m = np.array([
        [0.1, 0.1, 0.1, 0.9],
        [1.0, 1.0, 0.0, 0.0],
        [1.0, 0.0, 1.0, 0.0],
        [0.0, 1.0, 0.0, 0.1],
        [0.0, 0.0, 1.0, 0.1],
        [-1.0, 0.0, 0.2, 0.3],
        [-1.0, 0.1, 0.1, 0.3],
        [0.5, -1.0, 0.5, 0.0],
    ], dtype=np.float32)
    path = tmp_path / "v.bin"
    Vectors(words, m).save(path)
    return str(path)


def run(runner, *args, input=None):
    return runner.invoke(main, [str(a) for a in args], input=input)


def assert_one_line_error(result, *fragments):
    """Exit 2, one 'hsw2v: error:' line on stderr, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hsw2v: error:"), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_an_example(runner, command):
    result = run(runner, command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and f"hsw2v {command} " in result.output


# ====================================================================== similar


def test_similar_prints_one_table_per_word(runner, vec_path):
    result = run(runner, "similar", vec_path, "apple", "king", "-k", "2")
    assert result.exit_code == 0, result.output
    assert "nearest to apple:" in result.stdout and "nearest to king:" in result.stdout
    apple_table = result.stdout.split("nearest to king:")[0]
    assert "pear" in apple_table and "apple " not in apple_table.split("\n", 1)[1]
    assert len([l for l in result.stdout.splitlines() if l.strip()[:1].isdigit()]) == 4


def test_similar_reports_unknown_words_and_keeps_going(runner, vec_path):
    result = run(runner, "similar", vec_path, "zzz", "apple")
    assert result.exit_code == 1
    assert "hsw2v: unknown word: 'zzz' (not among the 8 words loaded)" in result.stderr
    assert "nearest to apple:" in result.stdout


def test_similar_negative(runner, vec_path):
    # king - man points away from "man": to Paris, whose man-coordinate is -1.
    plain = run(runner, "similar", vec_path, "king", "-k", "1")
    result = run(runner, "similar", vec_path, "king", "--negative", "man", "-k", "1")
    assert result.exit_code == 0, result.output
    assert "Paris" in result.stdout and "Paris" not in plain.stdout


def test_similar_interactive_reads_stdin_until_eof(runner, vec_path):
    result = run(runner, "similar", vec_path, "-k", "3",
                 input="apple\n\nnope\nman woman\n")
    assert result.exit_code == 0, result.output
    assert "nearest to apple:" in result.stdout
    assert "nearest to man + woman:" in result.stdout
    assert "unknown word: 'nope'" in result.stderr
    assert ">" not in result.output  # no prompt when stdin is not a terminal


def test_similar_interactive_with_no_input(runner, vec_path):
    result = run(runner, "similar", vec_path, input="")
    assert result.exit_code == 0 and result.stdout == ""


# ====================================================================== analogy


def test_analogy_words(runner, vec_path):
    result = run(runner, "analogy", vec_path, "man", "king", "woman", "-k", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "man is to king as woman is to:"
    assert lines[2].split()[:2] == ["1", "queen"]
    assert not any(w in result.stdout.split(":", 1)[1] for w in (" man ", " king ", " woman "))


def test_analogy_interactive(runner, vec_path):
    result = run(runner, "analogy", vec_path, input="man king woman\nman king\nman king zzz\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("is to:") == 1
    assert "need three words" in result.stderr and "unknown word: 'zzz'" in result.stderr


def test_analogy_wrong_number_of_words_is_a_usage_error(runner, vec_path):
    result = run(runner, "analogy", vec_path, "man", "king")
    assert result.exit_code == 2 and "three words" in result.output


def test_analogy_unknown_word_is_an_error(runner, vec_path):
    assert_one_line_error(run(runner, "analogy", vec_path, "man", "king", "zzz"), "'zzz'")


# ====================================================================== evaluate


@pytest.fixture
def eval_files(tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text(": royals\nman king woman queen\nMAN KING WOMAN QUEEN\napple pear man woman\n"
                         ": missing\nman king woman princess\n")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# w1\tw2\tscore\nking\tqueen\t8\napple\tpear\t9\nking\tapple\t1\n"
                     "man\twoman\t7\nprince\tking\t9\n")
    return str(questions), str(pairs)


def test_evaluate_json_has_the_documented_shape(runner, vec_path, eval_files):
    questions, pairs = eval_files
    result = run(runner, "evaluate", vec_path, "--analogies", questions, "--pairs", pairs, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"analogy", "pairs"}
    analogy = report["analogy"]
    assert set(analogy) == {"accuracy", "correct", "total", "skipped", "subword", "sections"}
    assert (analogy["total"], analogy["skipped"]) == (3, 1)
    assert analogy["sections"]["royals"]["total"] == 3
    assert analogy["sections"]["missing"] == {"accuracy": 0.0, "correct": 0, "total": 0,
                                              "skipped": 1, "subword": 0}
    assert set(report["pairs"]) == {"spearman", "pearson", "oov", "subword_pairs"}
    assert report["pairs"]["oov"] == pytest.approx(1 / 5)
    only_pairs = json.loads(run(runner, "evaluate", vec_path, "--pairs", pairs, "--json").stdout)
    assert set(only_pairs) == {"pairs"}


def test_evaluate_tables(runner, vec_path, eval_files):
    questions, pairs = eval_files
    result = run(runner, "evaluate", vec_path, "--analogies", questions, "--pairs", pairs)
    assert result.exit_code == 0, result.output
    assert "royals" in result.stdout and "total" in result.stdout
    assert "1 questions skipped" in result.stdout and "Spearman" in result.stdout


def test_evaluate_restrict_counts_skipped(runner, vec_path, eval_files):
    questions, _ = eval_files
    result = run(runner, "evaluate", vec_path, "--analogies", questions, "--restrict", "3", "--json")
    analogy = json.loads(result.stdout)["analogy"]
    assert analogy["total"] == 0 and analogy["skipped"] == 4


def test_evaluate_needs_a_file(runner, vec_path):
    result = run(runner, "evaluate", vec_path)
    assert result.exit_code == 2 and "--analogies" in result.output


def test_evaluate_bad_question_file(runner, vec_path, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("man king woman queen\n")
    assert_one_line_error(run(runner, "evaluate", vec_path, "--analogies", bad),
                          str(bad), "line 1")


# ====================================================================== convert and info


@pytest.mark.parametrize("target, option, binary", [
    ("out.txt", [], False), ("out.bin", [], True), ("out.dat", ["--to", "binary"], True),
    ("out.bin", ["--to", "text"], False), ("out.txt.gz", [], False),
])
def test_convert(runner, vec_path, tmp_path, target, option, binary):
    out = tmp_path / target
    result = run(runner, "convert", vec_path, out, *option)
    assert result.exit_code == 0, result.output
    assert f"({'binary' if binary else 'text'})" in result.stdout
    original, converted = Vectors.load(vec_path), Vectors.load(out)
    assert converted.words == original.words
    np.testing.assert_array_equal(converted.vectors, original.vectors)
    raw = out.read_bytes()
    if not target.endswith(".gz"):
        assert (b"\x00" in raw) == binary


def test_convert_limit_and_back(runner, vec_path, tmp_path):
    assert run(runner, "convert", vec_path, tmp_path / "a.txt", "--limit", "3").exit_code == 0
    assert run(runner, "convert", tmp_path / "a.txt", tmp_path / "b.bin").exit_code == 0
    assert Vectors.load(tmp_path / "b.bin").words == ["the", "king", "queen"]


def test_info(runner, vec_path):
    result = run(runner, "info", vec_path, "--top", "3")
    assert result.exit_code == 0, result.output
    assert "binary" in result.stdout and "words       8" in result.stdout
    assert "first 3 words: the king queen" in result.stdout
    data = json.loads(run(runner, "info", vec_path, "--json").stdout)
    assert data["words"] == 8 and data["dim"] == 4 and data["format"] == "binary"


# ====================================================================== broken inputs: exit 2


def _broken_files(tmp_path):
    good = struct.pack("<2f", 1.0, 2.0)
    cases = {
        "empty.txt": (b"", "the file is empty"),
        "header.txt": (b"hello\n", "line 1"),
        "truncated.txt": (b"3 2\na 1 2\nb 3 4\n", "line 3"),
        "floats.txt": (b"2 2\na 1 2\nb 1\n", "line 3"),
        "nonnumeric.txt": (b"1 2\na 1 x\n", "line 2"),
        "nan.txt": (b"1 2\na nan 1\n", "line 2"),
        "extra.txt": (b"1 2\na 1 2\nb 3 4\n", "line 3"),
        "truncated.bin": (b"2 2\na " + good + b"\nb " + good[:5], "row 2"),
        "extra.bin": (b"1 2\na " + good + b"\nb " + good + b"\n", "row 2"),
        "inf.bin": (b"1 2\na " + struct.pack("<2f", 1.0, float("inf")) + b"\n", "row 1"),
    }
    for name, (data, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    return cases


@pytest.mark.parametrize("command", ["similar", "info", "convert", "evaluate"])
def test_broken_vector_files_give_one_line_and_exit_2(runner, tmp_path, command):
    for name, (_, where) in _broken_files(tmp_path).items():
        path = tmp_path / name
        extra = {"similar": ["a"], "convert": [tmp_path / "out.txt"],
                 "evaluate": ["--pairs", path], "info": []}[command]
        result = run(runner, command, path, *extra)
        assert_one_line_error(result, str(path), where)
    assert not (tmp_path / "out.txt").exists()


def test_strict_encoding_errors_option(runner, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"1 2\ncaf\xe9 1 2\n")
    assert_one_line_error(run(runner, "info", path, "--encoding-errors", "strict"),
                          "line 2", "--encoding-errors")
    result = run(runner, "info", path, "--json")
    assert json.loads(result.stdout)["first_words"] == ["caf\ufffd"]


def test_missing_file_and_bad_option_values(runner, tmp_path, vec_path):
    missing = tmp_path / "nope.bin"
    for command in COMMANDS:
        extra = {"similar": ["king"], "analogy": ["man", "king", "woman"],
                 "evaluate": ["--pairs", vec_path], "convert": [tmp_path / "o.txt"],
                 "info": []}[command]
        assert_one_line_error(run(runner, command, missing, *extra),
                              f"File '{missing}' does not exist")
    assert_one_line_error(run(runner, "evaluate", vec_path, "--analogies", missing),
                          "--analogies", f"File '{missing}' does not exist")
    assert_one_line_error(run(runner, "similar", vec_path, "king", "-k", "0"),
                          "'-k' / '--topn': 0 is not in the range x>=1")
    assert_one_line_error(run(runner, "info", vec_path, "--limit", "0"),
                          "'--limit': 0 is not in the range x>=1")
    assert not (tmp_path / "o.txt").exists()


def test_unwritable_word_on_convert(runner, tmp_path):
    path = tmp_path / "spaces.txt"
    path.write_bytes(b"1 2\nNew York 1 2\n")
    out = tmp_path / "out.bin"
    assert_one_line_error(run(runner, "convert", path, out), "whitespace")
    assert not out.exists()


# ============================================================ first-contact messages (issue 12)


def test_similar_with_negative_words_is_headed_by_the_query(runner, vec_path):
    result = run(runner, "similar", vec_path, "king", "--negative", "man", "--negative", "the")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "nearest to king - man - the:"
    piped = run(runner, "similar", vec_path, "--negative", "man", input="king woman\n")
    assert piped.stdout.splitlines()[0] == "nearest to king + woman - man:"


def test_an_unknown_word_that_differs_by_case_names_the_known_spelling(runner, vec_path):
    result = run(runner, "similar", vec_path, "King", "paris", "apple")
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors == [
        "hsw2v: unknown word: 'King' (not among the 8 words loaded); words are case-sensitive: "
        "did you mean 'king'?",
        "hsw2v: unknown word: 'paris' (not among the 8 words loaded); words are "
        "case-sensitive: did you mean 'Paris'?"]
    assert "nearest to apple:" in result.stdout
    with pytest.raises(KeyError, match="did you mean 'king' for 'KING', 'Paris' for 'paris'"):
        Vectors.load(vec_path).most_similar(["KING", "paris", "zzz"])
    plain = run(runner, "similar", vec_path, "zzz")
    assert plain.stderr.strip() == "hsw2v: unknown word: 'zzz' (not among the 8 words loaded)"


def test_evaluate_names_how_many_words_questions_were_matched_against(runner, vec_path,
                                                                     eval_files):
    questions, _ = eval_files
    result = run(runner, "evaluate", vec_path, "--analogies", questions)  # restrict 30000 > 8
    assert "1 questions skipped: a word is not among the 8 words loaded" in result.stdout
    assert "30000" not in result.stdout
    result = run(runner, "evaluate", vec_path, "--analogies", questions, "--restrict", "3")
    assert "4 questions skipped: a word is not among the first 3 words (--restrict)" \
        in result.stdout


def test_evaluate_case_sensitive(runner, vec_path, tmp_path):
    # The vectors hold "Paris" and lower-case words; by default case is ignored.
    questions = tmp_path / "q.txt"
    questions.write_text(": s\nman king woman queen\nMAN KING WOMAN QUEEN\n")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("king\tqueen\t8\nPARIS\tking\t3\nparis\tapple\t1\nman\twoman\t7\n")
    default = json.loads(run(runner, "evaluate", vec_path, "--analogies", questions,
                             "--pairs", pairs, "--json").stdout)
    assert (default["analogy"]["total"], default["analogy"]["skipped"]) == (2, 0)
    assert default["analogy"]["correct"] == 2 and default["pairs"]["oov"] == 0.0
    result = run(runner, "evaluate", vec_path, "--analogies", questions, "--pairs", pairs,
                 "--json", "--case-sensitive")
    assert result.exit_code == 0, result.output
    strict = json.loads(result.stdout)
    assert (strict["analogy"]["total"], strict["analogy"]["skipped"]) == (1, 1)
    assert strict["analogy"]["correct"] == 1
    assert strict["pairs"]["oov"] == pytest.approx(2 / 4)  # PARIS and paris are unknown


def test_evaluate_pairs_restrict(runner, vec_path, eval_files):
    _, pairs = eval_files
    # The first 5 words are the, king, queen, man, woman: of the 5 pairs only king-queen and
    # man-woman are inside; --restrict (of the analogies) does not apply to pairs.
    result = run(runner, "evaluate", vec_path, "--pairs", pairs, "--pairs-restrict", "5",
                 "--restrict", "1", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["pairs"]
    assert report["oov"] == pytest.approx(3 / 5)
    everything = json.loads(run(runner, "evaluate", vec_path, "--pairs", pairs, "--restrict",
                                "1", "--json").stdout)["pairs"]
    assert everything["oov"] == pytest.approx(1 / 5)  # only 'prince' is unknown


def test_a_reader_that_stops_early_gets_no_error_line(vec_path):
    """`hsw2v info v.bin | head -1`: the pipe closes before hsw2v writes; it stops quietly."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        proc = subprocess.run([sys.executable, "-m", "hsw2v", "info", str(vec_path)],
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert proc.stderr == "" and proc.returncode == 141  # as a tool SIGPIPE ended
