"""The bad-input matrix of issue 5, through the CLI.

Every case: exit status 2, one line on stderr that names the problem and the fix, no traceback,
and nothing left at the output path (no vectors, no summary, no temporary file).
"""
from __future__ import annotations

import bz2
import errno
import gzip
import lzma
import os

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import make_corpus_text
from hsw2v import vectors as vectors_mod
from hsw2v.cli import main

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
    ("dim = 'big'\n", "--dim must be an integer"),
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
    assert_user_error(r, f"output folder '{corpus}' does not exist")


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
    import importlib
    import signal
    train_mod = importlib.import_module("hsw2v.train")
    from hsw2v import kernels

    real = kernels.train_chunk
    calls = [0]

    def signal_once(*args):
        calls[0] += 1
        if calls[0] == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return real(*args)

    def full(f, **arrays):
        f.write(b"PK partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(train_mod, "CHUNK", 64)
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
