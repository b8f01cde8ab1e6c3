"""fastText's .bin both ways (issue 28): the layout written (checked by a parser of its own
here), round trips, gensim reading our files and us reading gensim's, the hierarchical-softmax
rows against fastText's tree, the files refused, and the commands."""
from __future__ import annotations

import os
import random
import struct

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v
from hsw2v.cli import main
from hsw2v.fasttextfile import (MAGIC, FastTextFileError, fasttext_tree, is_fasttext_bin,
                                read_any_model, read_fasttext_bin, write_fasttext_bin)
from hsw2v.huffman import build_huffman
from hsw2v.modelfile import ModelData, read_model
from hsw2v.subwords import Subwords
from hsw2v.vectors import Vectors
from hsw2v.weights import Weights

SYLLABLES = ["ka", "ri", "to", "mo", "na", "le", "su", "pi", "do", "ve"]
#: words outside the vocabulary whose n-grams the vocabulary shares
OOV = ["karitomo", "lesupido", "nalevesu", "zzkarizz"]


def corpus_text(n_tokens: int = 12000, seed: int = 0) -> str:
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
                    for _ in range(90)} - set(OOV))
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    words = rng.choices(vocab, weights, k=n_tokens)
    return "\n".join(" ".join(words[i:i + 12]) for i in range(0, n_tokens, 12)) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("ft") / "corpus.txt"
    p.write_text(corpus_text())
    return p


def trained(corpus, folder, **options) -> ModelData:
    """A model trained by hsw2v (quick, deterministic), as its model file holds it."""
    model = hsw2v.train(str(corpus), dim=12, epochs=1, threads=1, min_count=2, seed=3,
                        return_model=True, quiet=True, **options)
    path = folder / "m.npz"
    model.save(path)
    return read_model(path)


@pytest.fixture(scope="module")
def sub_model(corpus, tmp_path_factory):
    """skip-gram, hierarchical softmax, subwords 3-5 in 5000 buckets."""
    return trained(corpus, tmp_path_factory.mktemp("sub"), subwords=(3, 5), buckets=5000)


@pytest.fixture(scope="module")
def sub_bin(sub_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("bin") / "m.bin"
    write_fasttext_bin(path, sub_model)
    return path


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.atleast_2d(a).astype(np.float64), np.atleast_2d(b).astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def synthetic(v: int = 40, dim: int = 6, loss: str = "hs", subwords=(2, 4), nbuckets=300,
              seed: int = 0) -> ModelData:
    """A model with random weights (no training): for the objectives and the refused files."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}o{'x' * (i % 3)}" for i in range(v)]
    counts = np.sort(rng.integers(5, 500, v))[::-1].astype(np.int64)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731
    objectives = loss.split("+")
    sw = None if subwords is None else Subwords.build(words, *subwords, nbuckets)
    weights = Weights(f32(v, dim), f32(v - 1, dim) if "hs" in objectives else f32(0, dim),
                      f32(v, dim) if "ns" in objectives else None,
                      f32(v, dim) if "softmax" in objectives else None,
                      None if sw is None else f32(len(sw.buckets), dim), sw)
    config = {"model": "cbow", "loss": loss, "dim": dim, "window": 4, "epochs": 3,
              "min_count": 2, "negative": 7 if "ns" in objectives else None, "sample": 1e-4,
              "subwords": None if sw is None else list(subwords), "buckets": nbuckets}
    return ModelData(words, counts, weights, config)


# ------------------------------------------------------------------------------------------
# the layout, parsed here independently of hsw2v.fasttextfile
# ------------------------------------------------------------------------------------------

def parse(path) -> dict:
    """Every field of a fastText .bin (unquantized), and each part's byte offset."""
    buf = open(path, "rb").read()
    out: dict = {"magic_version": struct.unpack_from("<2i", buf, 0)}
    names = ("dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate "
             "t").split()
    out["args"] = dict(zip(names, struct.unpack_from("<12id", buf, 8)))
    out["dict_at"] = pos = 8 + 12 * 4 + 8
    size, nwords, nlabels, ntokens, prune = struct.unpack_from("<3i2q", buf, pos)
    out.update(size=size, nwords=nwords, nlabels=nlabels, ntokens=ntokens, prune=prune)
    pos += 4 * 3 + 8 * 2
    out["entries"] = []
    for _ in range(size):
        end = buf.index(b"\0", pos)
        count, kind = struct.unpack_from("<qb", buf, end + 1)
        out["entries"].append((buf[pos:end].decode(), count, kind))
        pos = end + 1 + 9
    pos += 8 * max(prune, 0)
    for name in ("input", "output"):
        out[f"{name}_flag_at"] = pos
        m, n = struct.unpack_from("<2q", buf, pos + 1)
        pos += 17
        out[f"{name}_at"] = pos
        out[name] = np.frombuffer(buf, "<f4", m * n, pos).reshape(m, n)
        pos += 4 * m * n
    out["end"] = pos
    out["size_bytes"] = len(buf)
    return out


def test_the_layout_is_fasttexts(sub_model, sub_bin):
    p = parse(sub_bin)
    w, sw = sub_model.weights, sub_model.weights.subwords
    v, d = w.syn0.shape
    assert p["magic_version"] == (MAGIC, 12) and p["end"] == p["size_bytes"]
    a = p["args"]
    assert (a["dim"], a["ws"], a["epoch"], a["minCount"], a["loss"], a["model"]) == (
        12, 5, 1, 2, 1, 2)  # hs = 1, skip-gram = 2
    assert (a["bucket"], a["minn"], a["maxn"], a["t"]) == (5000, 3, 5, 1e-3)
    assert (p["size"], p["nwords"], p["nlabels"], p["prune"]) == (v, v, 0, -1)
    assert p["ntokens"] == int(sub_model.counts.sum())
    assert p["entries"] == [(x, int(c), 0) for x, c in zip(sub_model.words, sub_model.counts)]
    rows = p["input"]
    assert rows.shape == (v + 5000, d)
    np.testing.assert_array_equal(rows[:v], w.syn0)
    np.testing.assert_array_equal(rows[v + sw.buckets], w.ngrams)
    others = np.ones(5000, bool)
    others[sw.buckets] = False
    assert others.sum() > 0 and not rows[v:][others].any()  # buckets without a row: zeros
    # hierarchical softmax: inner-node rows in fastText's tree, each one of syn1's rows or its
    # negation, or zeros (see the tests of the tree below), then a zero row
    out = p["output"]
    assert out.shape == (v, d) and not out[v - 1].any()
    found = [r for r in out[:v - 1] if r.any()]
    assert out[v - 2].any() and len(found) > 0.3 * (v - 1)  # the root, and more
    for r in found:
        assert min(np.abs(w.syn1 - r).max(1).min(), np.abs(w.syn1 + r).max(1).min()) == 0


def fasttext_tree_reference(counts: list[int]) -> tuple[list[list[int]], list[list[bool]]]:
    """fastText's HierarchicalSoftmaxLoss::buildTree, in Python: each word's inner-node rows
    (node - V) and code bits, leaf to root."""
    v = len(counts)
    count = list(counts) + [10**15] * (v - 1)
    parent, binary = [-1] * (2 * v - 1), [False] * (2 * v - 1)
    leaf, node = v - 1, v
    for i in range(v, 2 * v - 1):
        mini = []
        for _ in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini.append(leaf)
                leaf -= 1
            else:
                mini.append(node)
                node += 1
        count[i] = count[mini[0]] + count[mini[1]]
        parent[mini[0]] = parent[mini[1]] = i
        binary[mini[1]] = True
    paths, codes = [], []
    for w in range(v):
        path, code, j = [], [], w
        while parent[j] != -1:
            path.append(parent[j] - v)
            code.append(binary[j])
            j = parent[j]
        paths.append(path)
        codes.append(code)
    return paths, codes


def test_fasttext_tree_is_fasttexts(tmp_path):
    rng = np.random.default_rng(0)
    differ = 0
    for _ in range(60):
        v = int(rng.integers(2, 120))
        counts = np.sort(rng.integers(1, rng.choice([3, 10, 1000]), v))[::-1].astype(np.int64)
        paths, codes = fasttext_tree_reference(counts.tolist())
        tree = fasttext_tree(counts)
        for w in range(v):  # hsw2v lists paths root first
            assert tree.path(w).tolist() == paths[w][::-1]
            assert tree.code(w).tolist() == [int(c) for c in codes[w][::-1]]
        plain = build_huffman(counts)
        differ += not np.array_equal(plain.codes, tree.codes)
    assert differ > 10  # hsw2v's own tree breaks ties otherwise: the trees do differ


def path_probabilities(tree_paths, tree_codes, rows, positive, h):
    """Each word's probability (for each hidden vector of ``h``): the product over its path of
    sigmoid(+-h . row), + for code bit ``positive``."""
    sig = lambda s: 1 / (1 + np.exp(-s))  # noqa: E731
    return np.array([np.prod([sig(h @ rows[p]) if c == positive else 1 - sig(h @ rows[p])
                              for p, c in zip(ps, cs)], axis=0)
                     for ps, cs in zip(tree_paths, tree_codes)])


@pytest.mark.parametrize("ties", [False, True])
def test_hs_rows_give_words_fasttexts_probabilities(tmp_path, ties):
    """The output rows written, used as fastText uses them (its tree; P(branch) = sigmoid(s) for
    code 1), give a word the probability that hsw2v's syn1 gives it (word2vec's convention:
    sigmoid(s) for code 0); and reading gives syn1 back."""
    data = synthetic(v=30, dim=5, loss="hs", subwords=None, seed=4)
    if ties:  # a leaf's count equal to a merged node's (3 + 3): the tools merge them otherwise
        data.counts[:] = list(range(400, 130, -10)) + [6, 3, 3]
    path = tmp_path / "hs.bin"
    write_fasttext_bin(path, data)
    out = parse(path)["output"]
    ft_paths, ft_codes = fasttext_tree_reference(data.counts.tolist())
    tree = build_huffman(data.counts)
    h = np.random.default_rng(1).standard_normal((3, 5))
    theirs = path_probabilities(ft_paths, ft_codes, out, True, h)
    ours = path_probabilities([tree.path(w) for w in range(30)],
                              [tree.code(w) for w in range(30)], data.weights.syn1, 0, h)
    same = np.array([len(ft_paths[w]) == len(tree.path(w))
                     and all(out[p].any() for p in ft_paths[w]) for w in range(30)])
    assert same.all() if not ties else 10 <= same.sum() < 30
    np.testing.assert_allclose(theirs[same], ours[same], rtol=1e-5)
    back = read_fasttext_bin(path).weights.syn1
    kept = back.any(axis=1)
    np.testing.assert_array_equal(back[kept], data.weights.syn1[kept])
    assert kept.all() if not ties else 0.5 * len(kept) <= kept.sum() < len(kept)
    assert kept[-1]  # the root (all words below it) always


# ------------------------------------------------------------------------------------------
# round trips
# ------------------------------------------------------------------------------------------

def test_round_trip_keeps_words_counts_vectors_and_oov(sub_model, sub_bin):
    back = read_fasttext_bin(sub_bin)
    assert back.words == sub_model.words
    np.testing.assert_array_equal(back.counts, sub_model.counts)
    ours, theirs = Vectors.from_model(sub_model), Vectors.from_model(back)
    np.testing.assert_array_equal(theirs.vectors, ours.vectors)
    for w in OOV:
        assert w not in ours
        np.testing.assert_allclose(theirs[w], ours[w], rtol=1e-6, atol=1e-7)
    kept = back.weights.syn1.any(axis=1)  # inner nodes fastText's tree has too (see above)
    np.testing.assert_array_equal(back.weights.syn1[kept], sub_model.weights.syn1[kept])
    assert kept[-1] and kept.mean() > 0.3  # the root, and more
    assert back.config["loss"] == "hs" and back.config["model"] == "sg"
    assert back.config["subwords"] == [3, 5] and back.config["buckets"] == 5000
    for key in ("dim", "window", "epochs", "min_count", "sample"):
        assert back.config[key] == sub_model.config[key], key
    # the buckets no word reaches and no row holds are not kept
    assert sorted(back.weights.subwords.buckets) == sorted(sub_model.weights.subwords.buckets)


@pytest.mark.parametrize("loss, kept", [("ns", "syn1neg"), ("softmax", "syn1sm"),
                                        ("hs+ns", "syn1neg")])
def test_each_objective_writes_its_output_rows(tmp_path, loss, kept):
    data = synthetic(loss=loss)
    path = tmp_path / "o.bin"
    write_fasttext_bin(path, data)
    assert parse(path)["args"]["loss"] == {"ns": 2, "softmax": 3, "hs+ns": 2}[loss]
    back = read_fasttext_bin(path)
    assert back.config["loss"] == ("ns" if loss == "hs+ns" else loss)  # fastText has no hs+ns
    assert back.config["negative"] == (7 if "ns" in loss else None)
    assert back.config["model"] == "cbow" and back.config["window"] == 4
    np.testing.assert_array_equal(getattr(back.weights, kept), getattr(data.weights, kept))
    np.testing.assert_array_equal(Vectors.from_model(back).vectors,
                                  Vectors.from_model(data).vectors)


def test_a_model_without_subwords_is_written_without_buckets(tmp_path):
    data = synthetic(loss="ns", subwords=None)
    path = tmp_path / "plain.bin"
    write_fasttext_bin(path, data)
    p = parse(path)
    assert (p["args"]["minn"], p["args"]["maxn"], p["args"]["bucket"]) == (0, 0, 0)
    assert p["input"].shape == data.weights.syn0.shape
    back = read_fasttext_bin(path)
    assert back.weights.subwords is None and back.config["subwords"] is None
    np.testing.assert_array_equal(back.weights.syn0, data.weights.syn0)
    gensim_ft = pytest.importorskip("gensim.models.fasttext")
    g = gensim_ft.load_facebook_model(str(path))
    np.testing.assert_allclose(g.wv[data.words[3]], data.weights.syn0[3], rtol=1e-6)


def test_sample_zero_is_written_as_a_t_that_drops_nothing(tmp_path):
    data = synthetic()
    data.config["sample"] = 0.0
    path = tmp_path / "s.bin"
    write_fasttext_bin(path, data)
    assert parse(path)["args"]["t"] == 1.0  # fastText's t = 0 would discard every word
    assert read_fasttext_bin(path).config["sample"] == 0.0


# ------------------------------------------------------------------------------------------
# gensim
# ------------------------------------------------------------------------------------------

def test_gensim_reads_our_file(sub_model, sub_bin):
    gensim_ft = pytest.importorskip("gensim.models.fasttext")
    g = gensim_ft.load_facebook_model(str(sub_bin))
    ours = Vectors.from_model(sub_model)
    assert g.wv.index_to_key == ours.words
    assert cosines(g.wv.vectors, ours.vectors).min() >= 0.9999
    assert cosines(np.array([g.wv[w] for w in OOV]),
                   np.array([ours[w] for w in OOV])).min() >= 0.9999


@pytest.mark.parametrize("hs", [0, 1])
def test_we_read_gensims_file(corpus, tmp_path, hs):
    gensim_ft = pytest.importorskip("gensim.models.fasttext")
    tokens = corpus.read_text().split()
    sentences = [tokens[i:i + 12] for i in range(0, len(tokens), 12)]
    g = gensim_ft.FastText(sentences, vector_size=10, min_count=3, min_n=2, max_n=4,
                           bucket=3000, epochs=1, workers=1, seed=2, sg=1, hs=hs,
                           negative=0 if hs else 5)
    path = tmp_path / "g.bin"
    gensim_ft.save_facebook_model(g, str(path))
    assert is_fasttext_bin(path)
    data = read_fasttext_bin(path)
    assert data.config["loss"] == ("hs" if hs else "ns") and data.config["subwords"] == [2, 4]
    ours = Vectors.from_model(data)
    assert ours.words == g.wv.index_to_key
    assert cosines(ours.vectors, g.wv.vectors).min() >= 0.9999
    assert cosines(np.array([ours[w] for w in OOV]),
                   np.array([g.wv[w] for w in OOV])).min() >= 0.9999
    if not hs:  # written back, gensim's file is the same to the byte (ntokens kept too)
        write_fasttext_bin(tmp_path / "again.bin", data)
        assert (tmp_path / "again.bin").read_bytes() == path.read_bytes()


# ------------------------------------------------------------------------------------------
# files refused
# ------------------------------------------------------------------------------------------

def edited(src, dst, at: int, fmt: str, *values) -> str:
    buf = bytearray(open(src, "rb").read())
    struct.pack_into(fmt, buf, at, *values)
    open(dst, "wb").write(bytes(buf))
    return str(dst)


@pytest.fixture(scope="module")
def small_bin(tmp_path_factory):
    path = tmp_path_factory.mktemp("small") / "s.bin"
    write_fasttext_bin(path, synthetic(v=12, dim=4, nbuckets=50))
    return path


def damaged_files(small_bin, folder):
    """(what, path, words its one-line error holds)."""
    p = parse(small_bin)
    raw = open(small_bin, "rb").read()

    def cut(n: int, name: str) -> str:
        (folder / name).write_bytes(raw[:n])
        return str(folder / name)

    args_at = 8
    yield "wrong magic", edited(small_bin, folder / "magic.bin", 0, "<i", 1234), \
        ["not a fastText .bin"]
    yield "newer version", edited(small_bin, folder / "v13.bin", 4, "<i", 13), ["version 13"]
    yield "supervised", edited(small_bin, folder / "sup.bin", args_at + 7 * 4, "<i", 3), \
        ["a supervised (classification) model has no word vectors to query"]
    yield "labels", edited(small_bin, folder / "labels.bin", p["dict_at"] + 8, "<i", 2), \
        ["a supervised (classification) model has no word vectors to query"]
    yield "quantized", edited(small_bin, folder / "q.ftz", p["input_flag_at"], "<b", 1), \
        ["quantized models are not supported: use the .bin it was quantized from"]
    yield "pruned", edited(small_bin, folder / "pruned.bin", p["dict_at"] + 20, "<q", 0), \
        ["pruned dictionary"]
    for name, n in (("header", 30), ("dictionary", p["dict_at"] + 40),
                    ("input", p["input_at"] + 10), ("output", len(raw) - 3)):
        yield f"truncated in the {name}", cut(n, f"cut-{name}.bin"), ["damaged or truncated"]
    (folder / "tail.bin").write_bytes(raw + b"\0\0")
    yield "bytes after the end", str(folder / "tail.bin"), ["damaged or truncated", "2 bytes"]
    yield "input columns", edited(small_bin, folder / "cols.bin", p["input_flag_at"] + 9, "<q",
                                  5), ["damaged or truncated", "input matrix"]
    yield "huge rows", edited(small_bin, folder / "huge.bin", p["output_at"] - 16, "<q",
                              2**60), ["damaged or truncated", "does not fit"]
    yield "NaN", edited(small_bin, folder / "nan.bin", p["input_at"] + 4, "<f", float("nan")), \
        ["NaN"]


def test_damaged_and_unsupported_files_get_one_line_each(small_bin, tmp_path):
    runner = CliRunner()
    cases = list(damaged_files(small_bin, tmp_path))
    assert len(cases) == 14
    for what, path, fragments in cases:
        if what != "wrong magic":
            with pytest.raises(FastTextFileError) as err:
                read_fasttext_bin(path)
            assert "\n" not in str(err.value) and all(f in str(err.value) for f in fragments), \
                (what, str(err.value))
            command = ["similar", path, "w1o"]
        else:  # not told apart from a word2vec file by the commands: read it as a model
            with pytest.raises(FastTextFileError, match="not a fastText .bin"):
                read_fasttext_bin(path)
            command = ["train", os.devnull, "--from-model", path, "-o", str(tmp_path / "o")]
            fragments = ["neither an hsw2v model", "nor a fastText .bin"]
        result = runner.invoke(main, command)
        assert result.exit_code == 2, (what, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hsw2v: error:"), (what, result.stderr)
        assert all(f in lines[0] for f in fragments), (what, lines[0])
        assert "Traceback" not in result.output


@pytest.mark.parametrize("word", ["new york", "tab\there", "line\nbreak", ""])
def test_words_fasttext_cannot_hold_are_refused_and_nothing_is_written(tmp_path, word):
    data = synthetic(v=5, subwords=None)
    data.words[2] = word
    path = tmp_path / "w.bin"
    path.write_bytes(b"old")
    with pytest.raises(FastTextFileError, match="was not written"):
        write_fasttext_bin(path, data)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["w.bin"]


def test_weights_that_diverged_are_refused(tmp_path):
    data = synthetic(v=5)
    data.weights.ngrams[0, 1] = np.inf
    with pytest.raises(FastTextFileError, match="NaN or infinity"):
        write_fasttext_bin(tmp_path / "d.bin", data)
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------------
# the commands
# ------------------------------------------------------------------------------------------

def test_convert_then_query_an_oov_word(sub_model, tmp_path):
    runner = CliRunner()
    npz = tmp_path / "m.npz"
    hsw2v.Model(sub_model).save(npz)
    out = tmp_path / "m.bin"
    result = runner.invoke(main, ["convert", str(npz), str(out), "--to", "fasttext"])
    assert result.exit_code == 0, result.output
    assert "fastText .bin, subwords 3-5, 5000 buckets" in result.output
    assert is_fasttext_bin(out)
    result = runner.invoke(main, ["similar", str(out), OOV[0], "-k", "3"])
    assert result.exit_code == 0, result.output
    assert "not in the vocabulary" in result.output
    nearest = result.output.splitlines()[2].split()[1]
    assert nearest == Vectors.from_model(sub_model).most_similar(OOV[0], topn=1)[0][0]
    result = runner.invoke(main, ["info", str(out), "--json"])
    assert result.exit_code == 0 and '"format": "fastText model"' in result.output
    # a fastText .bin converts to fastText again (the same file) and to word2vec text
    again = tmp_path / "again.bin"
    assert runner.invoke(main, ["convert", str(out), str(again), "--to", "fasttext",
                                "-q"]).exit_code == 0
    assert again.read_bytes() == out.read_bytes()
    text = tmp_path / "v.txt"
    assert runner.invoke(main, ["convert", str(out), str(text)]).exit_code == 0
    back = Vectors.load(text)
    np.testing.assert_array_equal(back.vectors, Vectors.from_model(sub_model).vectors)


def test_convert_to_fasttext_wants_a_model(tmp_path):
    runner = CliRunner()
    vec = tmp_path / "v.txt"
    Vectors(["a", "b"], np.eye(2, dtype=np.float32)).save(vec)
    result = runner.invoke(main, ["convert", str(vec), str(tmp_path / "o.bin"), "--to",
                                  "fasttext"])
    assert result.exit_code == 2 and "needs a model" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.bin").exists()


def test_train_further_from_a_fasttext_bin(corpus, sub_bin, tmp_path):
    model = hsw2v.load_model(sub_bin)
    start = read_any_model(sub_bin)
    assert model.words == start.words
    runner = CliRunner()
    out = tmp_path / "more.npz"
    result = runner.invoke(main, ["train", str(corpus), "--from-model", str(sub_bin), "-o",
                                  str(tmp_path / "v.bin"), "--save-model", str(out),
                                  "--epochs", "1", "--threads", "1", "-q"])
    assert result.exit_code == 0, result.output
    further = read_model(out)
    assert further.words == model.words and further.config["subwords"] == [3, 5]
    assert not np.array_equal(further.weights.syn0, start.weights.syn0)
