"""The bad-input matrix of issue 5, through the CLI.

Every case: exit status 2, one line on stderr that names the problem and the fix, no traceback,
and nothing left at the output path (no vectors, no summary, no temporary file).
"""
from __future__ import annotations

import importlib

import bz2
import errno
import gzip
import lzma
import os

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import make_corpus_text
from hsw2v import formats as vectors_mod
from hsw2v.cli import main

threads_mod = importlib.import_module("hsw2v.threads")

TEXT = make_corpus_text(200).encode()


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_user_error(result, *needles, out=None):
    """Exit 2, one line, each needle in it, no traceback, no file at ``out``."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("hsw2v: error: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    if out is not None:
        folder = os.path.dirname(out)
        left = [f for f in os.listdir(folder) if os.path.basename(out) in f] if os.path.isdir(
            folder) else []
        assert not left, left


def train_fails(tmp_path, corpus_args, *needles, extra=()):
    out = str(tmp_path / "out" / "vec.txt")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    r = run_cli("train", *corpus_args, "-o", out, "-q", *extra)
    assert_user_error(r, *needles, out=out)
    assert not os.listdir(os.path.dirname(out))


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ------------------------------------------------------------------------------------- corpus
def test_missing_corpus_path(tmp_path):
    train_fails(tmp_path, [tmp_path / "nope.txt"], "does not exist", "check the path")


def test_folder_with_no_files(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    train_fails(tmp_path, [tmp_path / "d"], "holds no files", "point at a folder")


def test_empty_corpus(tmp_path):
    train_fails(tmp_path, [write(tmp_path, "e.txt", b"")], "is empty", "pass a text corpus")


def test_whitespace_only_corpus(tmp_path):
    train_fails(tmp_path, [write(tmp_path, "w.txt", b" \n\t\n  \r\n")], "only whitespace")


def test_every_word_below_min_count(tmp_path):
    p = write(tmp_path, "f.txt", b"a b c a b a\n")
    train_fails(tmp_path, [p], "--min-count 5", "3 distinct words", "seen 3 times",
                "lower --min-count")


def test_fewer_than_two_words(tmp_path):
    p = write(tmp_path, "one.txt", b"a a a a a a\n")
    train_fails(tmp_path, [p], "only 1 word", "at least 2", extra=["--min-count", "1"])


def test_binary_garbage(tmp_path):
    rng = np.random.default_rng(0)
    p = write(tmp_path, "g.txt", rng.integers(0, 256, 20000, dtype=np.uint8).tobytes())
    train_fails(tmp_path, [p], "looks binary", "pass text files")


def test_binary_garbage_without_nul_bytes(tmp_path):
    rng = np.random.default_rng(1)
    p = write(tmp_path, "g.txt", rng.integers(0x80, 0x100, 20000, dtype=np.uint8).tobytes())
    train_fails(tmp_path, [p], "looks binary", "not UTF-8")


@pytest.mark.parametrize("suffix,compress", [(".gz", gzip.compress), (".bz2", bz2.compress),
                                             (".xz", lzma.compress)])
@pytest.mark.parametrize("damage", ["truncated", "flipped", "not_compressed"])
def test_corrupt_compressed_corpus_is_detected(tmp_path, suffix, compress, damage):
    data = compress(TEXT * 20)
    if damage == "truncated":
        data = data[:len(data) // 2]
    elif damage == "flipped":
        b = bytearray(data)
        for i in range(len(b) // 3, len(b) // 3 + 64):
            b[i] ^= 0x5A
        data = bytes(b)
    else:
        data = TEXT
    p = write(tmp_path, "c" + suffix, data)
    train_fails(tmp_path, [p], "corrupt or truncated", "re-download or recompress")


def test_invalid_utf8_follows_the_documented_policy(tmp_path):
    """Not an error: bad bytes become U+FFFD, are counted in the summary, training goes on."""
    p = write(tmp_path, "u.txt", TEXT + b"cat \xff\xfe dog \xc3\n" * 3)
    out = tmp_path / "v.txt"
    r = run_cli("train", p, "-o", out, "-q", "--min-count", "2", "--dim", "8", "--epochs", "1")
    assert r.exit_code == 0, r.output
    import json
    summary = json.loads((tmp_path / "v.txt.json").read_text())
    assert summary["invalid_utf8_bytes"] == 9


# ------------------------------------------------------------------------------------ options
@pytest.mark.parametrize("flag,value,needle", [
    ("--dim", "0", "--dim 0 is out of range"),
    ("--window", "0", "--window 0 is out of range"),
    ("--alpha", "-0.1", "--alpha -0.1 is out of range"),
    ("--alpha", "1.5", "--alpha 1.5 is out of range"),
    ("--sample", "-1", "--sample -1.0 is out of range"),
    ("--threads", "0", "--threads 0 is out of range"),
    ("--epochs", "0", "--epochs 0 is out of range"),
    ("--min-count", "0", "--min-count 0 is out of range"),
    ("--model", "skipgram", "unknown --model 'skipgram': choose sg or cbow"),
    ("--format", "csv", "unknown --format 'csv'"),
    ("--dim", "ten", "'ten' is not a valid integer"),
    ("--checkpoint-every", "0", "--checkpoint-every 0.0 is out of range"),
])
def test_option_out_of_range(tmp_path, flag, value, needle):
    train_fails(tmp_path, [write(tmp_path, "c.txt", TEXT)], needle, extra=[flag, value])


@pytest.mark.parametrize("toml,needle", [
    ("min_cont = 3\n", "unknown option 'min_cont'"),
    ("[train]\nwindw = 3\n", "did you mean 'window'"),
    ("dim = 'big'\n", "c.toml' must be an integer, got 'big'"),
    ("dim = \n", "not valid TOML"),
])
def test_bad_config_file(tmp_path, toml, needle):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml)
    train_fails(tmp_path, [write(tmp_path, "c.txt", TEXT)], needle, extra=["--config", cfg])


def test_missing_config_file(tmp_path):
    train_fails(tmp_path, [write(tmp_path, "c.txt", TEXT)], "cannot read config file",
                extra=["--config", tmp_path / "none.toml"])


# ------------------------------------------------------------------------------------- output
def test_output_folder_missing_is_found_before_reading(tmp_path, monkeypatch):
    import hsw2v.corpus
    monkeypatch.setattr(hsw2v.corpus, "iter_text_blocks", None)  # reading would crash
    r = run_cli("train", write(tmp_path, "c.txt", TEXT), "-o", tmp_path / "no" / "v.txt")
    assert_user_error(r, "does not exist", "create it first")


@pytest.mark.parametrize("folder", ["/proc", "/sys"])
def test_output_folder_not_writable_even_for_root(tmp_path, folder):
    r = run_cli("train", write(tmp_path, "c.txt", TEXT), "-o", f"{folder}/v.txt")
    assert_user_error(r, "is not writable", "choose another -o path")


def test_output_folder_read_only_mode(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    corpus = write(tmp_path, "c.txt", TEXT)
    args = ("-q", "--min-count", "2", "--dim", "8", "--epochs", "1")
    try:
        if os.access(ro, os.W_OK):
            # Root (as in CI): permission bits do not bind it, so the folder is writable and
            # must not be refused: the vectors are written there.
            r = run_cli("train", corpus, "-o", ro / "v.txt", *args)
            assert r.exit_code == 0, r.output
            assert (ro / "v.txt").is_file() and (ro / "v.txt.json").is_file()
            # What an unprivileged user is told: os.access answers for them as it would.
            real = os.access

            def access(path, mode, *a, **k):
                if os.fspath(path) == str(ro) and mode & os.W_OK:
                    return False
                return real(path, mode, *a, **k)

            monkeypatch.setattr(os, "access", access)
        out = ro / "w.txt"
        r = run_cli("train", corpus, "-o", out, *args)
        assert_user_error(r, f"output folder '{ro}' is not writable", "choose another -o path",
                          out=str(out))
    finally:
        ro.chmod(0o755)


def test_output_folder_is_a_file(tmp_path):
    # A path under a file cannot be created, whoever runs it (root included).
    corpus = write(tmp_path, "c.txt", TEXT)
    r = run_cli("train", corpus, "-o", corpus / "v.txt")
    assert_user_error(r, f"output folder '{corpus}' is a file, not a folder",
                      "choose another output path")


def test_output_is_a_folder(tmp_path):
    r = run_cli("train", write(tmp_path, "c.txt", TEXT), "-o", tmp_path)
    assert_user_error(r, "is a folder", "give a file name")


@pytest.mark.parametrize("name", ["v.txt", "v.bin"])
def test_disk_full_while_writing_leaves_no_partial_file(tmp_path, monkeypatch, name):
    real = vectors_mod._write_rows

    def fill_then_fail(out, words_b, matrix, binary):
        out.write(b"12 8\nsome partial rows ")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(vectors_mod, "_write_rows", fill_then_fail)
    corpus = write(tmp_path, "c.txt", TEXT)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_cli("train", corpus, "-o", out_dir / name, "-q", "--min-count", "2", "--dim", "8",
                "--epochs", "1")
    assert_user_error(r, "No space left on device")
    assert os.listdir(out_dir) == []
    monkeypatch.setattr(vectors_mod, "_write_rows", real)


def test_disk_full_while_checkpointing_leaves_no_partial_checkpoint(tmp_path, monkeypatch):
    import hsw2v.checkpoint as ck
    import signal
    from hsw2v import kernels

    real = kernels.train_chunk
    calls = [0]

    def signal_once(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)

    def full(f, **arrays):
        f.write(b"PK partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    monkeypatch.setattr(kernels, "train_chunk", signal_once)
    monkeypatch.setattr(ck.np, "savez", full)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_cli("train", write(tmp_path, "c.txt", TEXT), "-o", out_dir / "v.txt", "-q",
                "--min-count", "2", "--dim", "8", "--threads", "1")
    assert_user_error(r, "No space left on device")
    assert os.listdir(out_dir) == []


# ------------------------------------------------------------------------------ vectors files
GOOD_TEXT = b"2 3\ncat 0.1 0.2 0.3\ndog 0.4 0.5 0.6\n"


@pytest.mark.parametrize("content,needles", [
    (b"", ["the file is empty"]),
    (GOOD_TEXT[:-12], ["line 3: expected 3 numbers after the word", "found 0"]),  # mid-row
    (b"3 3\ncat 0.1 0.2 0.3\ndog 0.4 0.5 0.6\n",           # header lies (too few rows)
     ["line 3: the file ends after 2 rows but its header says 3", "--limit 2"]),
    (b"2 3\ncat 0.1 0.2\ndog 0.4 0.5 0.6\n",                # dims disagree
     ["line 2: expected 3 numbers after the word", "found 2"]),
    (b"2 3\ncat 0.1 zero 0.33\ndog 0.4 0.5 0.6\n",          # non-numeric value
     ["line 2: expected 3 numbers", "'zero' is not a number"]),
    (b"two 3\ncat 0.1 0.2 0.3\n",                           # non-numeric header
     ["line 1: expected the word2vec header 'V D'", "found 'two 3'"]),
    (b"2 3\ncat 0.1 0.2 0.3\n" + b"\x00\x01" * 5,           # binary garbage after a text row
     ["line 3: expected 3 numbers after the word", "found 0", "--format binary"]),
])
def test_broken_vectors_files_are_one_line_errors(tmp_path, content, needles):
    p = write(tmp_path, "v.txt", content)
    r = run_cli("info", p)
    assert_user_error(r, f"{p}: ", *needles)


def test_truncated_binary_vectors_file(tmp_path):
    body = b"2 3\n" + b"cat " + np.arange(3, dtype="<f4").tobytes() + b"\n" + b"dog " + \
        np.arange(3, dtype="<f4").tobytes()[:7]
    p = write(tmp_path, "v.bin", body)
    r = run_cli("info", p, "--format", "binary")
    assert_user_error(r, f"{p}: row 2: the file ends inside this row", "header says 2",
                      "--limit 1")




# ------------------------------------------------------------- outputs that are inputs (issue 12)
def _refused_untouched(r, path, before, *needles):
    assert_user_error(r, "is the same file as", "would destroy that input",
                      "choose a different output path", *needles)
    assert path.read_bytes() == before


@pytest.fixture
def reading_fails(monkeypatch):
    """Refusals must come before any corpus is read: reading would crash."""
    import hsw2v.corpus
    monkeypatch.setattr(hsw2v.corpus, "iter_text_blocks", None)


@pytest.mark.parametrize("spell", ["same", "dot", "symlink", "hardlink", "parent"])
def test_output_that_is_the_corpus_is_refused(tmp_path, monkeypatch, reading_fails, spell):
    corpus = write(tmp_path, "copy.txt", TEXT)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    out = {"same": "copy.txt", "dot": "./copy.txt", "parent": "sub/../copy.txt",
           "symlink": "link.txt", "hardlink": "hard.txt"}[spell]
    if spell == "symlink":
        os.symlink("copy.txt", "link.txt")
    if spell == "hardlink":
        os.link("copy.txt", "hard.txt")
    r = run_cli("train", "copy.txt", "-o", out, "-q")
    _refused_untouched(r, corpus, TEXT, f"-o {out!r}", "the corpus file 'copy.txt'")


def test_output_inside_a_corpus_folder_is_refused(tmp_path, reading_fails):
    folder = tmp_path / "corpus"
    folder.mkdir()
    inner = write(folder, "part.txt", TEXT)
    r = run_cli("train", folder, "-o", inner, "-q")
    _refused_untouched(r, inner, TEXT, "the corpus file", "part.txt")


def test_symlinked_corpus_is_refused_as_output(tmp_path, reading_fails):
    corpus = write(tmp_path, "c.txt", TEXT)
    os.symlink(corpus, tmp_path / "link.txt")
    r = run_cli("train", tmp_path / "link.txt", "-o", corpus, "-q")
    _refused_untouched(r, corpus, TEXT, "link.txt")


@pytest.mark.parametrize("option", ["--save-vocab", "--checkpoint"])
def test_other_outputs_that_are_the_corpus_are_refused(tmp_path, reading_fails, option):
    corpus = write(tmp_path, "c.txt", TEXT)
    r = run_cli("train", corpus, "-o", tmp_path / "v.txt", option, corpus, "-q")
    _refused_untouched(r, corpus, TEXT, option)
    assert sorted(os.listdir(tmp_path)) == ["c.txt"]


def test_summary_that_is_the_corpus_is_refused(tmp_path, reading_fails):
    corpus = write(tmp_path, "v.txt.json", TEXT)
    r = run_cli("train", corpus, "-o", tmp_path / "v.txt", "-q")
    _refused_untouched(r, corpus, TEXT, "the summary")


@pytest.mark.parametrize("option", ["--read-vocab", "--config"])
@pytest.mark.parametrize("output", ["-o", "--save-vocab"])
def test_outputs_that_are_read_vocab_or_config_are_refused(tmp_path, reading_fails, option,
                                                           output):
    data = {"--read-vocab": b"cat 10\ndog 9\n", "--config": b"dim = 8\n"}[option]
    given = write(tmp_path, "given.txt", data)
    args = ["-o", tmp_path / "v.txt", output, given] if output != "-o" else ["-o", given]
    r = run_cli("train", write(tmp_path, "c.txt", TEXT), option, given, "-q", *args)
    _refused_untouched(r, given, data, f"{output} ", f"{option} ")


def test_outputs_naming_one_file_are_refused(tmp_path, reading_fails):
    r = run_cli("train", write(tmp_path, "c.txt", TEXT), "-o", tmp_path / "v.txt",
                "--checkpoint", tmp_path / "v.txt", "-q")
    assert_user_error(r, "-o and --checkpoint both name", "give them different paths")
    assert sorted(os.listdir(tmp_path)) == ["c.txt"]


def test_vocab_output_that_is_the_corpus_is_refused(tmp_path, reading_fails):
    corpus = write(tmp_path, "c.txt", TEXT)
    r = run_cli("vocab", corpus, "--min-count", "1", "-o", tmp_path / "." / "c.txt")
    _refused_untouched(r, corpus, TEXT, "-o ", "the corpus file")


def test_convert_refuses_to_write_over_its_input(tmp_path, monkeypatch):
    import hsw2v.vectors
    src = write(tmp_path, "v.txt", GOOD_TEXT)
    os.symlink(src, tmp_path / "v.link")
    monkeypatch.setattr(hsw2v.vectors.Vectors, "load", None)  # refused before reading
    for out in (src, tmp_path / "v.link"):
        r = run_cli("convert", src, out, "--to", "binary")
        _refused_untouched(r, src, GOOD_TEXT, "OUT ", "IN ")


def test_demo_refuses_one_path_for_corpus_and_vectors(tmp_path):
    r = run_cli("demo", "--corpus-out", tmp_path / "d.txt", "-o", tmp_path / "d.txt")
    assert_user_error(r, "--corpus-out and -o both name")
    assert os.listdir(tmp_path) == []


def test_resume_refuses_output_that_is_its_checkpoint(tmp_path, monkeypatch, reading_fails):
    import importlib

    from hsw2v.checkpoint import Checkpoint
    from hsw2v.config import TrainConfig

    train_mod = importlib.import_module("hsw2v.train")
    ckpt = write(tmp_path, "run.ckpt", b"not read: resume_config is replaced")
    corpus = write(tmp_path, "c.txt", TEXT)

    def fake_resume_config(path, config_file=None, **options):
        meta = {"corpus": [str(corpus)], "output": None}
        return Checkpoint(str(path), meta, [], None, None, None), TrainConfig().resolved()

    monkeypatch.setattr(train_mod, "resume_config", fake_resume_config)
    r = run_cli("train", "--resume", ckpt, "-o", ckpt)
    _refused_untouched(r, ckpt, b"not read: resume_config is replaced",
                       "the checkpoint given to --resume")


# ------------------------------------------------- a corpus or a GloVe file given as vectors (12)
@pytest.mark.parametrize("name", ["corpus.txt", "corpus.txt.gz"])
@pytest.mark.parametrize("first_line", [b"the king and the queen met a man\n",
                                        b"in 1984 the king met 2 queens " * 400 + b"\n"])
def test_a_corpus_given_as_vectors_says_so(tmp_path, name, first_line):
    data = first_line + TEXT
    p = write(tmp_path, name, gzip.compress(data) if name.endswith(".gz") else data)
    before = p.read_bytes()
    r = run_cli("similar", p, "king")
    assert_user_error(r, "this looks like a text corpus, not a vectors file",
                      f"train vectors with hsw2v train {p}")
    assert "sed" not in r.output and "header (GloVe)" not in r.output
    assert p.read_bytes() == before


@pytest.mark.parametrize("name", ["glove.txt", "glove.txt.gz"])
def test_headerless_vectors_get_a_command_that_writes_a_new_file(tmp_path, name):
    import subprocess
    data = b"cat 0.1 0.2 0.3\ndog 0.4 0.5 0.6\nemu 0.7 0.8 0.9\n"
    p = write(tmp_path, name, gzip.compress(data) if name.endswith(".gz") else data)
    before = p.read_bytes()
    r = run_cli("info", p)
    assert_user_error(r, "looks like a vectors file without a header",
                      "write a copy with one and use that")
    line = r.output.strip()
    assert "sed" not in line and "-i" not in line.split()
    if name.endswith(".gz"):  # never a text tool on the compressed bytes
        assert f"cat {p}" not in line.replace("zcat", "") and "| gzip >" in line
    command = line.split("write a copy with one and use that: ", 1)[1]
    subprocess.run(["bash", "-c", command], cwd=tmp_path, check=True)
    assert p.read_bytes() == before
    new = tmp_path / name.replace("glove.txt", "glove.w2v.txt")
    r = run_cli("info", new, "--json")
    assert r.exit_code == 0, r.output
    import json
    info = json.loads(r.output)
    assert (info["words"], info["dim"], info["first_words"]) == (3, 3, ["cat", "dog", "emu"])


def test_headerless_vectors_with_a_very_long_first_row_leave_the_dimension_to_fill(tmp_path):
    row = b"cat " + b" ".join(b"0.123456789" for _ in range(1000)) + b"\n"
    r = run_cli("info", write(tmp_path, "big.txt", row * 2))
    assert_user_error(r, "without a header", 'echo "$(wc -l <', ' D"', "D: the numbers per row")


def test_other_first_lines_get_no_corpus_or_header_advice(tmp_path):
    r = run_cli("info", write(tmp_path, "v.txt", b"hello\x00\x01\n" + TEXT))
    assert_user_error(r, "expected the word2vec header", "give a word2vec vectors file")
    assert "corpus" not in r.output and "echo" not in r.output


# --------------------------------------------------- names from word2vec and gensim (issue 12)
# (other tools' options, which get the whole hsw2v command at once: tests/test_foreign.py)
@pytest.mark.parametrize("args,needles", [
    (["-window", "5"], ["word2vec's -window is --window here", "two dashes"]),
    (["-sample", "1e-4"], ["word2vec's -sample is --sample here", "two dashes"]),
    (["-threads", "2"], ["word2vec's -threads is --threads here", "two dashes"]),
    (["-min-count", "1"], ["word2vec's -min-count is --min-count here", "two dashes"]),
    (["-alpha", "0.1"], ["word2vec's -alpha is --alpha here", "two dashes"]),
    (["-save-vocab", "v.txt"], ["word2vec's -save-vocab is --save-vocab here"]),
    (["-read-vocab", "v.txt"], ["word2vec's -read-vocab is --read-vocab here"]),
    (["--negative", "5"], ["--negative 5 with --loss hs", "use --loss ns"]),
    (["-dim", "8"], ["-dim is --dim here", "two dashes"]),
    (["-epochs", "2"], ["-epochs is --epochs here", "two dashes"]),
])
def test_word2vec_and_gensim_options_name_ours(tmp_path, reading_fails, args, needles):
    corpus = str(write(tmp_path, "c.txt", TEXT))
    args = [a.format(corpus=corpus) for a in args]
    r = run_cli("train", corpus, "-o", tmp_path / "v.bin", *args)
    assert_user_error(r, *[n.format(corpus=corpus) for n in needles])
    assert "No such option" not in r.output and "Did you mean" not in r.output
    assert sorted(os.listdir(tmp_path)) == ["c.txt"]


def test_our_own_options_are_not_taken_for_foreign_ones(tmp_path):
    corpus = write(tmp_path, "c.txt", TEXT)
    r = run_cli("train", corpus, "-o", tmp_path / "v.txt", "-q", "--min-count", "2", "--dim",
                "4", "--epochs", "1", "--window", "2", "--alpha", "0.03", "--threads", "1")
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("toml,needles", [
    ("vector_size = 50\n", ["uses gensim's names", "\n  dim = 50\n"]),
    ("sg = 0\n", ["\n  model = \"cbow\"\n"]),
    ("[train]\nworkers = 2\nnegative = 5\n", ["\n  threads = 2\n"]),
    ("max_vocab_size = 100000\n", ["\n  prune_at = 100000\n", "use max_vocab"]),
    ("iter = 3\nmin_cont = 2\n", ["\n  epochs = 3\n", "did you mean 'min_count'"]),
])
def test_config_file_keys_from_gensim_name_ours(tmp_path, reading_fails, toml, needles):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml)
    out = tmp_path / "out" / "vec.txt"
    out.parent.mkdir()
    r = run_cli("train", write(tmp_path, "c.txt", TEXT), "-o", out, "-q", "--config", cfg)
    assert r.exit_code == 2 and r.output.startswith("hsw2v: error: config file ")
    assert "Traceback" not in r.output and not os.listdir(out.parent)
    for needle in needles:
        assert needle in r.output, r.output


def test_config_file_corpus_key_says_where_the_corpus_goes(tmp_path, reading_fails):
    cfg = tmp_path / "c.toml"
    cfg.write_text('corpus = "text8"\n')
    train_fails(tmp_path, [write(tmp_path, "c.txt", TEXT)], "'corpus' is not an option of the file",
                "hsw2v train CORPUS -o OUT --config", extra=["--config", cfg])


def test_python_keywords_from_gensim_name_ours_and_typos_get_did_you_mean(tmp_path,
                                                                           reading_fails):
    import hsw2v
    from hsw2v.errors import ConfigError
    corpus = write(tmp_path, "c.txt", TEXT)
    with pytest.raises(ConfigError) as exc:
        hsw2v.train(corpus, vector_size=100, sg=1, min_cout=5, workers=2, negative=5, hs=0)
    msg = str(exc.value)
    for needle in ["hsw2v.train does not take gensim's keywords; the same call is:",
                   "hsw2v.train(corpus, dim=100, threads=2, negative=5, loss='ns')",
                   "unknown option 'min_cout' (did you mean 'min_count'?)"]:
        assert needle in msg, msg


def test_python_keywords_are_checked_before_a_checkpoint_is_read(tmp_path):
    import hsw2v
    from hsw2v.errors import ConfigError
    with pytest.raises(ConfigError) as exc:
        hsw2v.train(None, resume=tmp_path / "missing.ckpt", workers=2)
    msg = str(exc.value)
    # a resumed run keeps its own options: none of gensim's defaults is added to them
    assert "hsw2v.train(corpus, threads=2)" in msg and "cbow" not in msg, msg


def test_config_without_corpus_says_how_to_give_one(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("dim = 8\n")
    r = run_cli("train", "--config", cfg)
    assert_user_error(r, "missing argument CORPUS", "holds options only",
                      f"hsw2v train CORPUS -o OUT --config {cfg}")
