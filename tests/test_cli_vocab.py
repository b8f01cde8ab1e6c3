"""`hsw2v vocab`: counts, survivors per min-count, Huffman figures, vocabulary file."""
from __future__ import annotations

from click.testing import CliRunner

from hsw2v.cli import main


def test_vocab_command_reports_and_writes(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a a a a a b b b b b c c d\n" * 2)
    out = tmp_path / "vocab.txt"
    r = CliRunner().invoke(main, ["vocab", str(corpus), "--min-count", "5", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "tokens: 26   distinct: 4" in r.output
    rows = {int(line.split()[0]): line.split()[1:] for line in r.output.splitlines()
            if line.strip() and line.split()[0].isdigit()}
    assert rows[1] == ["4", "26"] and rows[5] == ["2", "20"] and rows[10] == ["2", "20"]
    assert rows[20] == ["0", "0"]
    assert "max 1" in r.output  # two words: one bit each
    assert out.read_text() == "a 10\nb 10\n"


def test_vocab_command_errors_are_one_line(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    r = CliRunner().invoke(main, ["vocab", str(corpus)])
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert "lower --min-count" in r.output
