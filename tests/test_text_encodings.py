"""Corpora in other encodings than UTF-8 (``--encoding``), and the warning that suggests it."""
from __future__ import annotations

import gzip
import json
import logging
import os

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v
from hsw2v.cli import main
from hsw2v.config import check_encoding
from hsw2v.corpus import CorpusStats, iter_sentences, iter_text_blocks
from hsw2v.errors import ConfigError
from hsw2v.vectors import Vectors

# café, crème and naïve in Latin-1 (é, è, ï are single bytes: invalid UTF-8)
LINE = "le café et la crème du café naïve le café\n"
TEXT = LINE * 40 + "the cat sat on the mat\n" * 40
OPTS = ["--min-count", "2", "--dim", "8", "--epochs", "1", "--threads", "1", "--seed", "3"]


@pytest.fixture
def latin1(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes(TEXT.encode("latin-1"))
    return str(p)


def words_of(path) -> list[str]:
    return Vectors.load(path).words


# ---------------------------------------------------------------------------- train
@pytest.fixture(autouse=True)
def warnings(caplog):
    """hsw2v's warnings (the CLI logs them to the stderr of the first command run in a process,
    so click's runner does not see them after the first test)."""
    with caplog.at_level(logging.WARNING, logger="hsw2v"):
        yield caplog


def test_train_reads_a_latin1_corpus_with_its_encoding(tmp_path, latin1, warnings):
    out = tmp_path / "v.txt"
    r = CliRunner().invoke(main, ["train", latin1, "-o", str(out), "--encoding", "latin-1",
                                  *OPTS])
    assert r.exit_code == 0, r.output
    words = words_of(out)
    assert {"café", "crème", "naïve"} <= set(words)
    assert not any("\ufffd" in w for w in words)
    assert "U+FFFD" not in warnings.text
    summary = json.loads((tmp_path / "v.txt.json").read_text())
    assert summary["config"]["encoding"] == "latin-1" and summary["invalid_utf8_bytes"] == 0
    # the same vectors as the corpus converted to UTF-8 and read without --encoding
    utf8 = tmp_path / "utf8.txt"
    utf8.write_text(TEXT, encoding="utf-8")
    r = CliRunner().invoke(main, ["train", str(utf8), "-o", str(tmp_path / "u.txt"), *OPTS])
    assert r.exit_code == 0, r.output
    a, b = Vectors.load(out), Vectors.load(tmp_path / "u.txt")
    assert a.words == b.words and np.array_equal(a.vectors, b.vectors)


def test_without_it_the_warning_counts_the_words_with_ufffd_and_names_the_flag(tmp_path,
                                                                               latin1, warnings):
    out = tmp_path / "v.txt"
    r = CliRunner().invoke(main, ["train", latin1, "-o", str(out), *OPTS])
    assert r.exit_code == 0, r.output
    bad = [w for w in words_of(out) if "\ufffd" in w]
    assert sorted(bad) == ["caf\ufffd", "cr\ufffdme", "na\ufffdve"]
    warning = next(ln for ln in warnings.messages if "U+FFFD" in ln)
    assert warning.startswith("200 bytes of invalid UTF-8 were replaced by U+FFFD; 3 "
                              "vocabulary words carry it (caf\ufffd, "), warning
    assert "--encoding latin-1" in warning and "encoding='latin-1' in Python" in warning


def test_compressed_files_folders_and_stdin_are_transcoded_too(tmp_path, warnings):
    data = TEXT.encode("latin-1")
    folder = tmp_path / "corpus"
    folder.mkdir()
    with gzip.open(folder / "a.txt.gz", "wb") as f:
        f.write(data)
    (folder / "b.txt").write_bytes(data)
    for source, stdin in ((str(folder), None), ("-", data)):
        out = tmp_path / "v.txt"
        r = CliRunner().invoke(main, ["train", source, "-o", str(out), "--encoding", "latin-1",
                                      *OPTS], input=stdin)
        assert r.exit_code == 0, r.output
        assert "café" in words_of(out) and "U+FFFD" not in warnings.text


def test_python_keyword_and_toml_key(tmp_path, latin1):
    result = hsw2v.train(latin1, encoding="latin-1", min_count=2, dim=8, epochs=1, threads=1)
    assert "café" in result.words and not any("\ufffd" in w for w in result.words)
    toml = tmp_path / "c.toml"
    toml.write_text('encoding = "latin-1"\nmin_count = 2\ndim = 8\nepochs = 1\nthreads = 1\n')
    out = tmp_path / "v.txt"
    r = CliRunner().invoke(main, ["train", latin1, "-o", str(out), "--config", str(toml), "-q"])
    assert r.exit_code == 0, r.output
    assert "café" in words_of(out)


def test_resume_keeps_the_encoding_and_refuses_another(tmp_path, latin1, monkeypatch):
    from hsw2v.errors import TrainingInterrupted
    from hsw2v.threads import Trainer

    ckpt = str(tmp_path / "r.ckpt")
    real = Trainer.run_epoch

    def stop_in_epoch_2(self, epoch):
        if epoch == 1:
            self.stop.set()
        return real(self, epoch)

    monkeypatch.setattr(Trainer, "run_epoch", stop_in_epoch_2)
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(latin1, checkpoint=ckpt, encoding="latin-1", min_count=2, dim=8,
                    epochs=2, threads=1, quiet=True)
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="differs from the checkpoint's 'latin-1'"):
        hsw2v.train(None, resume=ckpt, encoding="utf-8")
    resumed = hsw2v.train(None, resume=ckpt, quiet=True)
    assert "café" in resumed.words
    whole = hsw2v.train(latin1, encoding="latin-1", min_count=2, dim=8, epochs=2, threads=1)
    assert np.array_equal(whole.vectors, resumed.vectors)


# ------------------------------------------------------------------------ other commands
def test_vocab_and_phrases_read_it_too(tmp_path, latin1, warnings):
    vocab = tmp_path / "vocab.txt"
    r = CliRunner().invoke(main, ["vocab", latin1, "--encoding", "latin-1", "--min-count", "2",
                                  "-o", str(vocab)])
    assert r.exit_code == 0, r.output
    assert "invalid latin-1 bytes: 0" in r.stdout
    assert "café 120" in vocab.read_text(encoding="utf-8").splitlines()
    r = CliRunner().invoke(main, ["vocab", latin1, "--min-count", "2"])
    assert r.exit_code == 0, r.output
    assert "invalid UTF-8 bytes: 200" in r.stdout
    assert ("3 vocabulary words (min-count 2) carry it" in warnings.text
            and "--encoding latin-1" in warnings.text), warnings.text
    warnings.clear()
    out = tmp_path / "p.txt"
    r = CliRunner().invoke(main, ["phrases", latin1, "-o", str(out), "--encoding", "latin-1",
                                  "--min-count", "2", "--threshold", "1"])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")  # written as UTF-8
    assert "café" in text and "\ufffd" not in text and "U+FFFD" not in warnings.text
    r = CliRunner().invoke(main, ["phrases", latin1, "-o", str(out), "--min-count", "2"])
    assert r.exit_code == 0, r.output
    assert "distinct words carry it" in warnings.text and "--encoding latin-1" in warnings.text
    model = hsw2v.Phrases.learn(latin1, encoding="latin-1", min_count=2, threshold=1)
    assert "café" in model.words


@pytest.mark.parametrize("command", ["train", "vocab", "phrases"])
@pytest.mark.parametrize("name,why", [("latin-9x", "is not an encoding Python knows"),
                                      ("utf-16", "does not read ASCII as ASCII"),
                                      ("base64", "is not a text encoding")])
def test_a_codec_that_cannot_read_a_corpus_is_one_line_exit_2(tmp_path, latin1, command, name,
                                                              why):
    out = tmp_path / "out" / "o.txt"
    out.parent.mkdir()
    r = CliRunner().invoke(main, [command, latin1, "-o", str(out), "--encoding", name])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"hsw2v: error: --encoding {name!r} {why}"), r.stderr
    assert "utf-8" in r.stderr  # (what to do)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert os.listdir(out.parent) == []


def test_sentences_from_python_refuse_an_encoding():
    with pytest.raises(ConfigError, match="encoding='latin-1' is for corpus files"):
        hsw2v.train([["a", "b"]] * 10, encoding="latin-1", min_count=1)
    with pytest.raises(ConfigError, match="encoding='latin-1' is for corpus files"):
        hsw2v.phrases([["a", "b"]] * 10, encoding="latin-1")


# ---------------------------------------------------------------------------- the reader
def test_check_encoding_names_python_codecs():
    assert check_encoding("latin-1") == "iso8859-1"
    assert check_encoding("UTF8") == "utf-8"
    assert check_encoding("shift_jis") == "shift_jis"
    for bad in ("utf-32", "cp037", "utf-7", "rot13", "", None):
        with pytest.raises(ConfigError):
            check_encoding(bad)


@pytest.mark.parametrize("encoding", ["shift_jis", "cp1252", "utf-8"])
def test_a_character_split_between_blocks_is_decoded_whole(tmp_path, encoding):
    text = ("東京 と 大阪 " * 50 + "\n") * 3 if encoding != "cp1252" else "€uro café " * 200
    path = tmp_path / "c.txt"
    path.write_bytes(text.encode(encoding))
    stats = CorpusStats()
    blocks = list(iter_text_blocks([str(path)], stats, block_bytes=7, encoding=encoding))
    assert "".join(t for t, _ in blocks).split() == text.split()
    assert stats.invalid_bytes == 0
    assert [w for s in iter_sentences([str(path)], encoding=encoding) for w in s] == text.split()


def test_undecodable_bytes_of_another_codec_are_counted(tmp_path, warnings):
    path = tmp_path / "c.txt"
    path.write_bytes(b"ok \x81bad ok\n" * 3)  # 0x81 is undefined in cp1252
    stats = CorpusStats()
    text = "".join(t for t, _ in iter_text_blocks([str(path)], stats, encoding="cp1252"))
    assert stats.invalid_bytes == 3 and text.count("\ufffd") == 3
    hsw2v.phrases(str(path), str(tmp_path / "o.txt"), encoding="cp1252", min_count=1)
    assert "3 bytes were not valid cp1252 and were replaced by U+FFFD; 1 distinct words " \
           "carry it (\ufffdbad)" in warnings.text


def test_a_cluster_run_reads_the_shards_with_the_encoding(latin1, warnings):
    """``--dask``: the workers read their shards with the run's encoding (the configuration
    they are sent carries it)."""
    pytest.importorskip("distributed")
    from conftest import cluster_client

    with cluster_client(2) as client:
        result = hsw2v.train(latin1, dask=client, encoding="latin-1", min_count=2, dim=8,
                             epochs=1, threads=1, sync_words=4096)
        plain = hsw2v.train(latin1, dask=client, min_count=2, dim=8, epochs=1, threads=1,
                            sync_words=4096)
    assert {"café", "crème", "naïve"} <= set(result.words)
    assert not any("\ufffd" in w for w in result.words)
    assert "caf\ufffd" in plain.words and "3 vocabulary words carry it" in warnings.text
