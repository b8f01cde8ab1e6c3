"""Subword vectors: fastText's n-grams and hash, the training steps over a word's n-gram rows
against a NumPy reference, and runs with ``--subwords``."""
from __future__ import annotations

import numpy as np
import pytest

from hsw2v import kernels as K
from hsw2v.subwords import Subwords, composed_vectors, ngrams_of

from test_kernels import RefRng, ref_hs, tree_of
from test_objectives import ref_ns


# ------------------------------------------------------------------------------------------
# n-grams
# ------------------------------------------------------------------------------------------

def ref_fasttext_hash(data: bytes) -> int:
    """FNV-1a over bytes sign-extended to 32 bits, as fastText's Dictionary::hash."""
    h = 2166136261
    for byte in data:
        h ^= byte if byte < 128 else (byte | 0xFFFFFF00)
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def ref_ngrams(word: str, minn: int, maxn: int, nbuckets: int) -> list[int]:
    """fastText's computeSubwords in Python: characters of ``<word>``, by start then length."""
    chars = list("<" + word + ">")
    out = []
    for i in range(len(chars)):
        for n in range(1, maxn + 1):
            if i + n > len(chars):
                break
            if n >= minn and not (n == 1 and (i == 0 or i + n == len(chars))):
                out.append(ref_fasttext_hash("".join(chars[i:i + n]).encode()) % nbuckets)
    return out


WORDS = ["a", "café", "naïve", "日本語", "banana", "straße", "x" * 25, "ab", ""]


@pytest.mark.parametrize("minn, maxn, nbuckets", [(3, 6, 2_000_000), (1, 2, 1000), (2, 4, 7),
                                                  (5, 5, 2**31 - 1)])
def test_ngram_buckets_match_the_reference(minn, maxn, nbuckets):
    offsets, buckets = ngrams_of(WORDS, minn, maxn, nbuckets)
    for i, w in enumerate(WORDS):
        assert buckets[offsets[i]:offsets[i + 1]].tolist() == ref_ngrams(w, minn, maxn, nbuckets)


def test_hash_sign_extends_bytes_from_0x80_on():
    # the bug gensim once had (#2059): without sign extension non-ASCII n-grams hash elsewhere
    data = "é".encode()
    plain = 2166136261
    for byte in data:
        plain = ((plain ^ byte) * 16777619) & 0xFFFFFFFF
    assert ref_fasttext_hash(data) != plain
    offsets, buckets = ngrams_of(["é"], 3, 3, 2**31 - 1)
    assert buckets.tolist() == [ref_fasttext_hash("<é>".encode()) % (2**31 - 1)]


def test_ngrams_agree_with_gensim():
    ft = pytest.importorskip("gensim.models.fasttext")
    offsets, buckets = ngrams_of(WORDS, 3, 6, 2_000_000)
    for i, w in enumerate(WORDS):
        assert buckets[offsets[i]:offsets[i + 1]].tolist() == list(
            ft.ft_ngram_hashes(w, 3, 6, 2_000_000))


def test_subwords_rows_cover_the_vocabulary_and_grow():
    sw = Subwords.build(["apple", "apply"], 3, 4, 1000)
    assert len(np.unique(sw.buckets)) == len(sw.buckets)
    offsets, rows = sw.word_rows(["apple", "apply"])
    assert rows[offsets[0]] == 0 and rows[offsets[1]] == 1  # each word's own row first
    assert rows[offsets[0] + 1:offsets[1]].min() >= 2  # then n-gram rows after the words
    grown = sw.extended(["apple", "apply", "pineapple"])
    assert grown.buckets[:len(sw.buckets)].tolist() == sw.buckets.tolist()
    assert len(grown.buckets) > len(sw.buckets)
    with pytest.raises(ValueError):
        sw.word_rows(["pineapple"])
    _, pos = sw.oov_rows(["applz"])
    assert (pos >= 0).any() and (pos < 0).any()  # "<ap" is known, "plz>" is not


def test_word_rows_are_computed_once_per_vocabulary():
    sw = Subwords.build(["cat", "cats", "dog"], 3, 5, 97)
    first = sw.word_rows(["cat", "cats", "dog"])
    assert sw.word_rows(["cat", "cats", "dog"]) is first  # (a run asks to train, then to write)
    other = sw.word_rows(["cat", "dog"])
    assert other is not first and len(other[0]) == 3
    assert np.array_equal(sw.word_rows(["cat", "cats", "dog"])[1], first[1])


def test_composed_vectors_are_the_mean_of_each_words_rows():
    sw = Subwords.build(["cat", "cats", "dog"], 3, 4, 50)
    rng = np.random.default_rng(0)
    syn0 = rng.random((3, 5), dtype=np.float32)
    ngr = rng.random((len(sw.buckets), 5), dtype=np.float32)
    offsets, rows = sw.word_rows(["cat", "cats", "dog"])
    got = composed_vectors(syn0, ngr, offsets, rows)
    both = np.concatenate([syn0, ngr])
    for i in range(3):
        assert np.allclose(got[i], both[rows[offsets[i]:offsets[i + 1]]].mean(axis=0), atol=1e-6)


# ------------------------------------------------------------------------------------------
# The training step against a reference
# ------------------------------------------------------------------------------------------

def ref_predict(x, target, alpha, codes, points, offsets, syn1, noise, loss):
    """One prediction of ``target`` from ``x`` (float64): hierarchical softmax, or negative
    sampling alone when ``noise`` is given. Returns the error row; adds to ``loss[0]``."""
    e = np.zeros_like(x)
    if noise is not None:
        syn1neg, negative, prob, alias, rng = noise
        loss[0] += ref_ns(x, e, syn1neg, target, negative, prob, alias, rng, alpha)
        return e
    for q in range(offsets[target], offsets[target + 1]):
        p = points[q]
        g, nll = ref_hs(float(x @ syn1[p]), int(codes[q]), alpha)
        loss[0] += nll
        e += g * syn1[p]
        syn1[p] += g * x
    return e


def ref_subword_cbow_step(rows0, sub, ctx, w, alpha, codes, points, offsets, syn1, noise=None):
    """fastText's CBOW step, float64: the mean of every row of every context word predicts
    ``w``, and the error row goes to each of those rows."""
    sub_off, sub_rows = sub
    loss = [0.0]
    bag = np.concatenate([sub_rows[sub_off[c]:sub_off[c + 1]] for c in ctx])
    e = ref_predict(rows0[bag].mean(axis=0), w, alpha, codes, points, offsets, syn1, noise, loss)
    for r in bag:
        rows0[r] += e
    return loss[0]


def ref_subword_sg_chunk(ids, remap, rows0, sub, window, alpha, rng, codes, points, offsets,
                         syn1, noise=None):
    """Skip-gram with subwords over a chunk (every word kept), float64, as the kernels'
    docstring says: each context position's composed vector predicts the center word; a
    position is composed once, when it enters the widest window, takes ``h += e`` after each
    of its predictions, and its summed error goes to its rows after its last one. Returns
    (loss, predictions)."""
    sub_off, sub_rows = sub
    loss, pairs = [0.0], 0
    pieces, sent = [], []
    for t in ids:
        if t < 0:
            pieces.append(sent)
            sent = []
        elif remap[t] >= 0:
            sent.append(int(remap[t]))
    for sent in pieces:
        h, acc = {}, {}

        def enter(j):
            mine = sub_rows[sub_off[sent[j]]:sub_off[sent[j] + 1]]
            h[j], acc[j] = rows0[mine].mean(axis=0), np.zeros(rows0.shape[1])

        def leave(j):
            for r in sub_rows[sub_off[sent[j]]:sub_off[sent[j] + 1]]:
                rows0[r] += acc[j]
            del h[j], acc[j]

        for j in range(min(window, len(sent))):
            enter(j)
        for pos, w in enumerate(sent):
            b = rng.u64() % window
            lo, hi = max(pos - window + b, 0), min(pos + window + 1 - b, len(sent))
            if pos - window - 1 >= 0:
                leave(pos - window - 1)
            if pos + window < len(sent):
                enter(pos + window)
            for j in range(lo, hi):
                if j != pos:
                    e = ref_predict(h[j], w, alpha, codes, points, offsets, syn1, noise, loss)
                    h[j] += e
                    acc[j] += e
                    pairs += 1
        for j in sorted(h):
            leave(j)
    return loss[0], pairs


def subword_fixture(dim, ns):
    """Six words with shared n-grams, their rows, a path tree and a noise table."""
    words = ["cat", "cats", "dog", "dogs", "catalog", "bird"]
    v = len(words)
    sw = Subwords.build(words, 3, 5, 97)
    sub = sw.word_rows(words)
    rng = np.random.default_rng(3)
    start = ((rng.random((v + len(sw.buckets), dim)) - 0.5) * 0.5).astype(np.float32)
    syn1s = ((rng.random((v - 1, dim)) - 0.5) * 0.5).astype(np.float32)
    out_start = ((rng.random((v, dim)) - 0.5) * 0.5).astype(np.float32)
    prob, alias = np.zeros(v), np.zeros(v, np.int32)
    K.alias_build(np.arange(1.0, v + 1), prob, alias, np.empty(v, np.int64),
                  np.empty(v, np.int64))
    return v, sub, start, syn1s, out_start, prob, alias, tree_of(v, 1)


@pytest.mark.parametrize("ns", [False, True])
@pytest.mark.parametrize("dim", [5, 40])
def test_subword_cbow_step_matches_the_reference(dim, ns):
    """(dim 5 keeps the rows in registers, dim 40 streams them on AVX2 and SSE targets)"""
    v, sub, start, syn1s, out_start, prob, alias, (codes, points, offsets) = subword_fixture(
        dim, ns)
    rows0 = K.padded_rows(start)[1]
    syn1 = K.padded_rows(syn1s)[1]
    syn1neg = K.padded_rows(out_start)[1]
    ctx = np.array([1, 4, 2], np.int32)
    w, alpha = np.int32(3), 0.2  # (int32 as in the training loop: the same compiled step)
    empty = np.zeros((0, rows0.shape[1]), np.float32)
    negative = 3
    noise = ((negative, syn1neg, prob, alias, np.arange(v, dtype=np.int32)) if ns else
             (0, empty, np.zeros(0), np.zeros(0, np.int32), np.zeros(0, np.int32)))
    objectives = ((not ns, syn1, codes, points, offsets), noise, (False, empty, np.zeros(0)))
    loss, loss_ns, _, _ = K.subword_cbow_update(
        rows0, ctx, len(ctx), w, alpha, np.zeros(64, np.float32),
        np.zeros(len(ctx) * (negative + 2), np.int64), K.blocks_of(rows0),
        np.array([7], np.uint64), np.zeros(0, np.float32), objectives, sub,
        K.aligned_rows(3, dim)[1])
    ref0, ref1 = start.astype(np.float64), syn1s.astype(np.float64)
    ref_out = out_start.astype(np.float64)
    ref_noise = (ref_out, negative, prob, alias, RefRng(7)) if ns else None
    ref_loss = ref_subword_cbow_step(ref0, sub, ctx.tolist(), w, alpha, codes, points, offsets,
                                     ref1, ref_noise)
    assert (loss_ns if ns else loss) == pytest.approx(ref_loss, rel=1e-4)
    assert (loss if ns else loss_ns) == 0.0
    assert np.allclose(rows0[:, :dim], ref0, atol=2e-5)
    assert np.allclose(syn1[:, :dim], ref1, atol=2e-5)
    assert np.allclose(syn1neg[:, :dim], ref_out, atol=2e-5)
    assert not np.allclose(rows0[:, :dim], start, atol=1e-4)  # something was trained


@pytest.mark.parametrize("ns", [False, True])
@pytest.mark.parametrize("dim", [5, 56])
def test_subword_skipgram_chunk_matches_the_reference(dim, ns):
    """The whole loop with the ring of composed positions: pieces longer and shorter than the
    window, a word repeated within a window, an out-of-vocabulary id. (dim 5 keeps the rows in
    registers; dim 56, 7 blocks on AVX2, streams them, and composes 4 + 3 blocks.)"""
    v, sub, start, syn1s, out_start, prob, alias, (codes, points, offsets) = subword_fixture(
        dim, ns)
    rows0 = K.padded_rows(start)[1]
    syn1 = K.padded_rows(syn1s)[1]
    syn1neg = K.padded_rows(out_start)[1]
    window, negative, alpha = 3, 3, 0.1
    remap = np.array([0, 1, 2, 3, 4, 5, -1], np.int32)
    ids = np.array([0, 1, 2, 1, 3, 6, 4, 5, 0, 0, 2, 3, 4, 1, 5, -1, 2, 4, -1, 3, -1,
                    5, 4, 3, 2, 1, 0, 5, -1], np.int32)
    state = np.array([0x1234_5678_9ABC_DEF1], np.uint64)
    stats = np.zeros(4)
    w2 = 2 * window
    scratch = (np.zeros(64, np.int32), np.zeros(w2, np.int32),
               np.zeros((w2 + 1) * (8 + negative + 1), np.float32),
               K.aligned_rows(2 * w2 + 3, dim)[1], stats)
    K.train_chunk(ids, rows0, K.Reading(remap, np.ones(v), True, window, dim),
                  K.Rate(alpha, 0.0, alpha), K.Scratch(state, *scratch),
                  path=None if ns else K.Path(syn1, codes, points, offsets),
                  noise=K.Noise(negative, syn1neg, prob, alias) if ns else None, subwords=sub)
    ref0, ref1 = start.astype(np.float64), syn1s.astype(np.float64)
    ref_out = out_start.astype(np.float64)
    ref_rng = RefRng(0x1234_5678_9ABC_DEF1)
    ref_noise = (ref_out, negative, prob, alias, ref_rng) if ns else None
    ref_loss, pairs = ref_subword_sg_chunk(ids, remap, ref0, sub, window, alpha, ref_rng, codes,
                                           points, offsets, ref1, ref_noise)
    assert int(state[0]) == ref_rng.x  # the same random numbers, in the same order
    assert stats[1] == pairs
    assert stats[0] == pytest.approx(ref_loss, rel=1e-4)
    assert np.allclose(rows0[:, :dim], ref0, atol=2e-5)
    assert np.allclose(syn1[:, :dim], ref1, atol=2e-5)
    assert np.allclose(syn1neg[:, :dim], ref_out, atol=2e-5)
    assert not np.allclose(rows0[:, :dim], start, atol=1e-3)  # something was trained
    assert not np.any(rows0[:, dim:])


# ------------------------------------------------------------------------------------------
# Runs
# ------------------------------------------------------------------------------------------

import signal  # noqa: E402

import hsw2v  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from hsw2v.cli import main  # noqa: E402
from hsw2v.errors import TrainingInterrupted  # noqa: E402
from hsw2v.checkpoint import load_checkpoint  # noqa: E402
from hsw2v.modelfile import read_model  # noqa: E402
from hsw2v.vectors import Vectors  # noqa: E402

OPTS = dict(dim=12, epochs=2, min_count=2, quiet=True, seed=5, threads=1, subwords=(3, 5),
            buckets=5000)


@pytest.mark.parametrize("model, loss", [("sg", "hs"), ("cbow", "ns"), ("sg", "hs+ns"),
                                         ("cbow", "hs")])
def test_a_run_with_subwords_is_deterministic_and_gives_unseen_words_vectors(
        small_corpus, model, loss):
    opts = dict(OPTS, epochs=10, alpha=0.1)
    a = hsw2v.train(small_corpus, model=model, loss=loss, **opts)
    b = hsw2v.train(small_corpus, model=model, loss=loss, **opts)
    assert np.array_equal(a.vectors, b.vectors)  # --threads 1 --seed S: bit for bit
    assert np.isfinite(a.vectors).all()
    # it learns the corpus's two topics
    animals = ["cat", "dog", "mouse", "horse", "cow", "sheep"]
    tools = ["hammer", "saw", "drill", "wrench", "screw", "nail"]
    inside = np.mean([a.similarity(x, y) for g in (animals, tools) for x in g for y in g
                      if x != y])
    across = np.mean([a.similarity(x, y) for x in animals for y in tools])
    assert inside > 0.9 and inside - across > 0.2
    word = a.words[0] + "q"  # not in the vocabulary, but its n-grams mostly are
    assert word not in a and a.has_vector(word)
    sw, ngrams = a.subwords
    _, pos = sw.oov_rows([word])
    assert (pos >= 0).any()
    expected = ngrams[pos[pos >= 0]].sum(axis=0) / len(pos)
    assert np.allclose(a[word], expected, atol=1e-6)
    assert a.most_similar(word, topn=3)
    assert -1.0 <= a.similarity(word, a.words[1]) <= 1.0


def test_the_vectors_file_holds_each_words_composed_vector(tmp_path, small_corpus):
    out = tmp_path / "v.bin"
    hsw2v.train(small_corpus, output=out, save_model=str(tmp_path / "m.npz"), **OPTS)
    written = Vectors.load(str(out))
    loaded = Vectors.load(str(tmp_path / "m.npz"))
    assert np.allclose(written.vectors, loaded.vectors, atol=1e-6)
    i = 3
    data = read_model(str(tmp_path / "m.npz"))
    weights = data.weights
    offsets, rows = weights.subwords.word_rows(data.words)
    both = np.concatenate([weights.syn0, weights.ngrams])
    assert np.allclose(loaded.vectors[i], both[rows[offsets[i]:offsets[i + 1]]].mean(axis=0),
                       atol=1e-6)
    assert not np.allclose(loaded.vectors, weights.syn0, atol=1e-3)  # not the own rows alone


def test_interrupted_and_resumed_with_subwords_equals_uninterrupted(tmp_path, small_corpus,
                                                                    monkeypatch):
    from test_resume import interrupt_after, threads_mod

    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    whole = hsw2v.train(small_corpus, **OPTS)
    ckpt = str(tmp_path / "run.ckpt")
    interrupt_after(monkeypatch, 7, signal.SIGINT)
    with pytest.raises(TrainingInterrupted):
        hsw2v.train(small_corpus, checkpoint=ckpt, **OPTS)
    assert "ngrams" in load_checkpoint(ckpt).weights.arrays()
    monkeypatch.undo()
    monkeypatch.setattr(threads_mod, "CHUNK", 64)
    resumed = hsw2v.train(small_corpus, resume=ckpt, quiet=True)
    assert np.array_equal(resumed.vectors, whole.vectors)
    word = whole.words[0] + "q"
    assert np.array_equal(resumed[word], whole[word])  # the n-gram rows too


def test_training_further_keeps_the_ngram_rows_and_adds_the_new_words(tmp_path, small_corpus):
    path = str(tmp_path / "m.npz")
    hsw2v.train(small_corpus, save_model=path, output=tmp_path / "v.bin", **OPTS)
    old = read_model(path).weights
    more = tmp_path / "more.txt"
    more.write_text("zyxwvut zyxwvut zyxwvut qqqqq qqqqq\n" * 3 + open(small_corpus).read())
    further = dict(OPTS, epochs=1)
    del further["subwords"], further["buckets"]  # the model's own
    hsw2v.train(str(more), from_model=path, grow_vocab=True, save_model=str(tmp_path / "m2.npz"),
                output=tmp_path / "v2.bin", **further)
    new = read_model(str(tmp_path / "m2.npz"))
    sw = new.weights.subwords
    assert sw.buckets[:len(old.subwords.buckets)].tolist() == old.subwords.buckets.tolist()
    assert len(sw.buckets) > len(old.subwords.buckets)  # zyxwvut's n-grams got rows
    assert "zyxwvut" in new.words
    with pytest.raises(hsw2v.errors.ConfigError, match="its own"):
        hsw2v.train(str(more), from_model=path, **dict(further, subwords=(2, 4)))


def test_cli_subwords_query_an_unseen_word_and_refuse_a_cluster(tmp_path, small_corpus):
    out, model = tmp_path / "v.bin", tmp_path / "m.npz"
    r = CliRunner().invoke(main, ["train", str(small_corpus), "-o", str(out), "--save-model",
                                  str(model), "--subwords", "3-5", "--buckets", "5000",
                                  "--dim", "12", "--epochs", "1", "--min-count", "2", "-q"])
    assert r.exit_code == 0, r.output
    word = Vectors.load(str(model)).words[0] + "q"
    r = CliRunner().invoke(main, ["similar", str(model), word, "-k", "3"])
    assert r.exit_code == 0, r.output
    assert "not in the vocabulary: from its n-grams" in r.output
    r = CliRunner().invoke(main, ["similar", str(out), word])  # a vectors file has no n-grams
    assert r.exit_code == 1
    for bad, msg in ((["--subwords", "6-3"], "MIN <= MAX"), (["--subwords", "x"], "MIN-MAX"),
                     (["--subwords", "3-6", "--dask", "local:1"], "cluster"),
                     (["--subwords", "3-6", "--loss", "softmax"], "not the exact softmax"),
                     (["--subwords", "3-6", "--buckets", "0"], "buckets")):
        r = CliRunner().invoke(main, ["train", str(small_corpus), "-o", str(tmp_path / "x.bin"),
                                      *bad])
        assert r.exit_code == 2 and msg in r.output, (bad, r.output)
        assert not (tmp_path / "x.bin").exists()


def test_evaluation_scores_unseen_words_through_their_ngrams(tmp_path, small_corpus):
    opts = dict(OPTS, epochs=10, alpha=0.1)
    v = hsw2v.train(small_corpus, **opts)
    plain = hsw2v.train(small_corpus, **dict(opts, subwords=None))
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("cow\tsheep\t9\ncow\thammer\t1\ncows\tsheep\t8\ndrills\tsaw\t9\n"
                     "cows\tnail\t2\nzz\tcow\t5\n")
    rep = v.evaluate_pairs(pairs)
    assert (rep.pairs, rep.subword_pairs, rep.oov_pairs) == (5, 3, 1)  # "zz" has no n-gram row
    assert rep.spearman > 0.5
    base = plain.evaluate_pairs(pairs)  # without subwords: skipped, as gensim does
    assert (base.pairs, base.subword_pairs, base.oov_pairs) == (2, 0, 4)
    questions = tmp_path / "q.txt"
    questions.write_text(": s\ncow sheep hammer nail\ncows sheep hammer nail\n"
                         "cow sheep hammer nails\n")
    rep = v.evaluate_analogies(questions)
    assert (rep.total, rep.subword, rep.skipped) == (2, 1, 1)  # an unknown answer: skipped
    assert plain.evaluate_analogies(questions).total == 1
    model = tmp_path / "m.npz"
    hsw2v.train(small_corpus, save_model=str(model), output=tmp_path / "v.bin", **opts)
    r = CliRunner().invoke(main, ["evaluate", str(model), "--pairs", str(pairs), "--analogies",
                                  str(questions)])
    assert r.exit_code == 0, r.output
    assert "scored through n-grams 3" in r.output
    assert "1 of the 2 questions scored had an input word outside" in r.output


def test_vectors_command_prints_in_and_out_of_vocabulary_vectors(tmp_path, small_corpus):
    model, plain = tmp_path / "m.npz", tmp_path / "p.txt"
    hsw2v.train(small_corpus, save_model=str(model), output=tmp_path / "v.bin", **OPTS)
    hsw2v.train(small_corpus, output=plain, **dict(OPTS, subwords=None))
    v = Vectors.load(str(model))
    r = CliRunner().invoke(main, ["vectors", str(model)], input="cow cowz\nhammer\n")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert [x.split()[0] for x in lines] == ["cow", "cowz", "hammer"]
    for line in lines:
        word, *numbers = line.split()
        assert len(numbers) == 12
        assert np.allclose([float(x) for x in numbers], v[word], rtol=1e-4, atol=1e-6)
    assert "cowz" not in v and np.abs(v["cowz"]).sum() > 0
    r = CliRunner().invoke(main, ["vectors", str(plain)], input="cow cowz\n")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[1] == "cowz " + " ".join(["0"] * 12)
    assert "1 word(s) not in the vocabulary got zeros" in r.stderr
