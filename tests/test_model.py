"""The full model: return_model, save/load, training further (--from-model, Model.train,
--grow-vocab), pre-trained starts (--init-vectors, --freeze-init)."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v
from hsw2v.cli import main
from hsw2v.errors import ConfigError
from hsw2v.huffman import build_huffman
from hsw2v.modelfile import ModelFileError, read_model, write_model
from hsw2v.vectors import Vectors
from hsw2v.vocab import Vocab
from hsw2v.weights import Weights, carried_nodes, carried_weights, grown_vocab

from conftest import make_corpus_text

OPTS = dict(threads=1, seed=5, dim=16, min_count=2, epochs=2)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    a, b = d / "a.txt", d / "b.txt"
    a.write_text(make_corpus_text(1500, seed=1))
    b.write_text(make_corpus_text(1500, seed=2) + "zebra quokka zebra quokka\n" * 6)
    return str(a), str(b)


@pytest.fixture(scope="module")
def model(corpora):
    return hsw2v.train(corpora[0], return_model=True, **OPTS)


def test_return_model_holds_everything(model, corpora):
    assert isinstance(model, hsw2v.Model)
    v = hsw2v.train(corpora[0], **OPTS)
    assert model.wv.words == v.words and np.array_equal(model.wv.vectors, v.vectors)
    assert len(model) == len(model.counts) == len(model.words)
    assert model.syn1.shape == (len(model) - 1, 16) and np.any(model.syn1)
    assert model.config["dim"] == 16 and model.config["loss"] == "hs"
    assert model.summary["epochs"][0]["loss"] > 0
    assert model.tree.n_words == len(model)


@pytest.mark.parametrize("loss", ["hs", "ns", "hs+ns", "softmax"])
def test_save_and_load_round_trip(tmp_path, corpora, loss):
    m = hsw2v.train(corpora[0], return_model=True, loss=loss, **OPTS)
    path = tmp_path / "m.npz"
    m.save(path)
    back = hsw2v.load_model(path)
    for name in ("syn1", "syn1neg", "syn1sm"):
        a, b = getattr(m, name), getattr(back, name)
        assert (a is None and b is None) or np.array_equal(a, b), name
    assert np.array_equal(back.wv.vectors, m.wv.vectors) and back.words == m.words
    assert np.array_equal(back.counts, m.counts) and back.config == m.config
    assert not list(tmp_path.glob("*.tmp*"))


def test_damaged_or_foreign_model_files_are_refused(tmp_path, model):
    good = tmp_path / "m.npz"
    model.save(good)
    raw = good.read_bytes()
    # (a file that starts like neither a model (a zip) nor a fastText .bin says both)
    cases = {"truncated": (raw[: len(raw) // 2], "not a readable hsw2v model"),
             "empty": (b"", "neither an hsw2v model .* nor a fastText .bin"),
             "text": (b"hello world\n", "neither an hsw2v model .* nor a fastText .bin")}
    for name, (data, msg) in cases.items():
        p = tmp_path / f"{name}.npz"
        p.write_bytes(data)
        with pytest.raises(ModelFileError, match=msg):
            hsw2v.load_model(p)
    vec = tmp_path / "v.npz"
    np.savez(vec, meta=np.frombuffer(b'{"format": "other"}', np.uint8))
    with pytest.raises(ModelFileError, match="is not an hsw2v model"):
        hsw2v.load_model(vec)
    data = read_model(good)
    future = tmp_path / "future.npz"
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(future, "w") as out:
        for item in z.namelist():
            body = z.read(item)
            if item == "meta.npy":
                meta = np.load(good)["meta"].tobytes().decode().replace('"version": 1',
                                                                        '"version": 99')
                np.save(tmp_path / "meta.npy", np.frombuffer(meta.encode(), np.uint8))
                body = (tmp_path / "meta.npy").read_bytes()
            out.writestr(item, body)
    with pytest.raises(ModelFileError, match="format version 99.*reads version 1"):
        hsw2v.load_model(future)
    data.weights.syn1 = data.weights.syn1[:-1]
    bad = tmp_path / "bad.npz"
    write_model(bad, data)
    with pytest.raises(ModelFileError, match="damaged.*wrong shape"):
        hsw2v.load_model(bad)
    r = CliRunner().invoke(main, ["train", str(tmp_path / "m.npz"), "--from-model",
                                  str(tmp_path / "truncated.npz"), "-o", str(tmp_path / "o.bin")])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "truncated.npz" in r.output
    assert not (tmp_path / "o.bin").exists()


def test_training_further_keeps_the_vocabulary_and_reports_new_tokens(tmp_path, model, corpora):
    path = tmp_path / "m.npz"
    model.save(path)
    out = tmp_path / "v2.bin"
    r = CliRunner().invoke(main, ["train", corpora[1], "--from-model", str(path), "-o", str(out),
                                  "--save-model", str(tmp_path / "m2.npz"), "-q"])
    assert r.exit_code == 0, r.output
    summary = json.loads(open(str(out) + ".json").read())
    further = summary["further"]
    assert further["new_words"] == 0 and further["words"] == len(model)
    assert further["tokens_out_of_vocabulary"] >= 24  # zebra, quokka: not in the model
    assert summary["config"]["dim"] == 16 and summary["config"]["from_model"] == str(path)
    v2 = Vectors.load(out)
    assert v2.words == model.words and not np.array_equal(v2.vectors, model.wv.vectors)
    # The same in Python, bit for bit (one thread, same seed).
    again = hsw2v.load_model(path).train(corpora[1])
    assert np.array_equal(again.wv.vectors, v2.vectors)
    assert np.array_equal(hsw2v.load_model(tmp_path / "m2.npz").wv.vectors, v2.vectors)


def test_training_further_refuses_another_dimension_or_objective(tmp_path, model, corpora):
    path = tmp_path / "m.npz"
    model.save(path)
    # (Python's keywords in the message, as given: issue 27)
    with pytest.raises(ConfigError, match="^dim=32 differs from the model's 16"):
        hsw2v.train(corpora[1], from_model=str(path), dim=32)
    with pytest.raises(ConfigError, match="^loss='ns' differs from the model's hs"):
        hsw2v.train(corpora[1], from_model=str(path), loss="ns")
    with pytest.raises(ConfigError, match="^grow_vocab .* from_model="):
        hsw2v.train(corpora[1], grow_vocab=True)
    with pytest.raises(ConfigError, match="^dim=32 differs from the model's 16"):
        hsw2v.load_model(path).train(corpora[1], dim=32)


def test_grow_vocab_adds_new_words_and_keeps_old_rows(tmp_path, model, corpora):
    m = hsw2v.train(corpora[0], return_model=True, **OPTS)
    old_vectors = m.wv.vectors.copy()
    old_words = list(m.words)
    m.train(corpora[1], grow_vocab=True, epochs=1, alpha=1e-12, min_alpha=1e-12)
    assert {"zebra", "quokka"} <= set(m.words) and len(m) > len(old_words)
    index = {w: i for i, w in enumerate(m.words)}
    rows = [index[w] for w in old_words]
    # With a learning rate of ~0 the old words' vectors are where they were.
    assert np.allclose(m.wv.vectors[rows], old_vectors, atol=1e-6)
    assert m.summary["further"]["new_words"] == len(m) - len(old_words)


def test_carried_nodes_identify_nodes_by_the_words_below_them():
    counts = np.array([50, 30, 20, 10, 5], np.int64)
    words = ["a", "b", "c", "d", "e"]
    tree = build_huffman(counts)
    same = carried_nodes(tree, words, tree, words)
    assert np.array_equal(same, np.arange(len(words) - 1))
    # Two rare words join at the bottom: (a, b) is merged as before and keeps its row; the
    # nodes above the new leaves (c, d with f, g below) do not.
    tree4 = build_huffman(np.array([50, 40, 30, 20], np.int64))
    grown = build_huffman(np.array([50, 40, 30, 20, 1, 1], np.int64))
    mapped = carried_nodes(tree4, ["a", "b", "c", "d"], grown, ["a", "b", "c", "d", "f", "g"])
    assert (mapped >= 0).sum() == 1
    kept = int(np.flatnonzero(mapped >= 0)[0])
    below = {w for w, k in zip("abcdfg", range(6))
             if kept in grown.points[grown.offsets[k]:grown.offsets[k + 1]]}
    assert below == {"a", "b"}
    old = Vocab(words, counts)
    weights = Weights(np.ones((5, 4), np.float32), np.arange(16, dtype=np.float32).reshape(4, 4))
    vocab = grown_vocab(old, ["f", "a"], np.array([1, 1]), 1)
    w, carried = carried_weights(old, weights, vocab, build_huffman(vocab.counts), tree, 3, 0, 0)
    assert vocab.words[:5] == words and vocab.words[5] == "f" and vocab.counts[0] == 51
    assert np.all(w.syn0[:5] == 1) and np.all(np.abs(w.syn0[5]) <= 0.5 / 4)
    assert carried == int((carried_nodes(tree, words, build_huffman(vocab.counts),
                                         vocab.words) >= 0).sum())


def test_init_vectors_set_rows_and_freeze_keeps_them_bit_for_bit(tmp_path, model, corpora):
    pre = tmp_path / "pre.bin"
    keep = model.words[: len(model) // 2]
    Vectors(keep, model.wv.vectors[: len(keep)]).save(pre)
    out = tmp_path / "v.bin"
    r = CliRunner().invoke(main, ["train", corpora[1], "-o", str(out), "--init-vectors", str(pre),
                                  "--freeze-init", "--threads", "1", "--dim", "16",
                                  "--min-count", "2", "-q"])
    assert r.exit_code == 0, r.output
    v = Vectors.load(out)
    cover = json.loads(open(str(out) + ".json").read())["init_vectors"]
    frozen = [w for w in v.words if w in set(keep)]
    assert cover["words"] == len(frozen) > 0 and 0 < cover["share"] < 1
    pre_v = Vectors.load(pre)
    for w in frozen:
        assert np.array_equal(v[w], pre_v[w]), w
    others = [w for w in v.words if w not in set(keep)]
    assert others
    # Without --freeze-init the same rows move.
    r = CliRunner().invoke(main, ["train", corpora[1], "-o", str(tmp_path / "u.bin"),
                                  "--init-vectors", str(pre), "--threads", "1", "--dim", "16",
                                  "--min-count", "2", "-q"])
    u = Vectors.load(tmp_path / "u.bin")
    assert any(not np.array_equal(u[w], pre_v[w]) for w in frozen)


def test_init_vectors_of_another_dimension_are_refused(tmp_path, model, corpora):
    pre = tmp_path / "pre.txt"
    Vectors(model.words[:5], np.ones((5, 3), np.float32)).save(pre)
    r = CliRunner().invoke(main, ["train", corpora[1], "-o", str(tmp_path / "v.bin"),
                                  "--init-vectors", str(pre), "--dim", "16"])
    assert r.exit_code == 2 and "3-dimensional" in r.output and "--dim 16" in r.output
    assert not (tmp_path / "v.bin").exists()
    r = CliRunner().invoke(main, ["train", corpora[1], "-o", str(tmp_path / "v.bin"),
                                  "--freeze-init"])
    assert r.exit_code == 2 and "--init-vectors" in r.output


def test_frozen_rows_stay_fixed_with_every_objective(tmp_path, model, corpora):
    pre = tmp_path / "pre.bin"
    Vectors(model.words[:10], model.wv.vectors[:10]).save(pre)
    for loss, m in (("ns", "sg"), ("hs", "cbow"), ("softmax", "cbow")):
        v = hsw2v.train(corpora[1], init_vectors=str(pre), freeze_init=True, loss=loss,
                        model=m, **OPTS)
        for w in model.words[:10]:
            if w in v:
                assert np.array_equal(v[w], model.wv[w]), (loss, m, w)


def test_query_commands_and_info_read_a_model_file(tmp_path, model):
    path = tmp_path / "m.npz"
    model.save(path)
    v = Vectors.load(path)  # its word vectors
    assert v.words == model.words and np.array_equal(v.vectors, model.wv.vectors)
    assert Vectors.load(path, limit=5).words == model.words[:5]
    r = CliRunner().invoke(main, ["info", str(path), "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["format"] == "model" and info["words"] == len(model.words)
    assert info["trained_with"]["loss"] == "hs" and info["trained_with"]["dim"] == 16
    r = CliRunner().invoke(main, ["similar", str(path), "cat", "-k", "3"])
    assert r.exit_code == 0 and "nearest to cat" in r.output, r.output
    # a zip that is not a model is refused by name, in one line
    other = tmp_path / "other.npz"
    np.savez(other, meta=np.frombuffer(b'{"format": "other"}', np.uint8))
    r = CliRunner().invoke(main, ["info", str(other)])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "not an hsw2v model" in r.output
