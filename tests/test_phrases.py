"""Phrases (issue 14): hand-checked scores, kernels against slow references, gensim
equivalence, npmi bounds, trigrams, pipes into train, output files and bad input."""
from __future__ import annotations

import gzip
import math
import os
import random
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import hsw2v
from hsw2v.kernels import phrases as pk
from hsw2v.cli import main
from hsw2v.errors import ConfigError, CorpusError
from hsw2v.phrases import Phrases, PhrasesError, _Joiner, _PairCounter

# a b c a b / a b d / c d a: N = 11; a 4, b 3, c 2, d 2; pairs ab 3 (b|a across the first
# newline is not a pair), bc 1, ca 1, bd 1, cd 1, da 1.
HAND = "a b c a b\na b d\nc d a\n"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def run_cli(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


# ------------------------------------------------------------------------------ hand-checked
def test_word2vec_scores_by_hand(tmp_path):
    m = Phrases.learn(write(tmp_path, "c.txt", HAND), min_count=1, threshold=0)
    assert m.total_words == 11
    # (n_ab - min_count) * N / (n_a * n_b): ab (3 - 1) * 11 / (4 * 3); every other pair is
    # seen once, so scores 0, which does not pass threshold 0 (strictly greater).
    assert m.phrases == {"a_b": pytest.approx(22 / 12, rel=1e-15)}
    assert m.top() == [("a_b", 3, pytest.approx(22 / 12))]
    assert m.score("a", "b") == pytest.approx(22 / 12)
    assert m.score("b", "a") is None
    # min-count 2: (3 - 2) * 11 / 12
    m2 = Phrases.learn(write(tmp_path, "c.txt", HAND), min_count=2, threshold=0.9)
    assert m2.phrases == {"a_b": pytest.approx(11 / 12)}
    assert len(Phrases.learn(write(tmp_path, "c.txt", HAND), min_count=2, threshold=11 / 12)) == 0


def test_npmi_scores_by_hand(tmp_path):
    path = write(tmp_path, "c.txt", HAND)
    m = Phrases.learn(path, min_count=1, threshold=-1, scoring="npmi")
    # ln(p_ab / (p_a p_b)) / -ln(p_ab), p = n / 11
    expected = {
        "a_b": math.log(11 / 4) / math.log(11 / 3),   # (3/11) / ((4/11)(3/11)) = 11/4
        "b_c": math.log(11 / 6) / math.log(11),
        "c_a": math.log(11 / 8) / math.log(11),
        "b_d": math.log(11 / 6) / math.log(11),
        "c_d": math.log(11 / 4) / math.log(11),
        "d_a": math.log(11 / 8) / math.log(11),
    }
    assert m.phrases.keys() == expected.keys()
    for p, s in expected.items():
        assert m.phrases[p] == pytest.approx(s, rel=1e-12), p
    assert list(m.phrases)[0] == "a_b"  # highest score first
    m4 = Phrases.learn(path, min_count=1, threshold=0.4, scoring="npmi")
    assert set(m4.phrases) == {"a_b", "c_d"}  # 0.779 and 0.422 pass; 0.253 does not
    # npmi's min-count is a floor on the pair's count: only ab is seen 2 times or more
    assert set(Phrases.learn(path, min_count=2, threshold=-1, scoring="npmi").phrases) == {"a_b"}


def test_rewrite_by_hand_and_greedy(tmp_path):
    out = tmp_path / "out.txt"
    hsw2v.phrases(write(tmp_path, "c.txt", HAND), str(out), min_count=1, threshold=1)
    assert out.read_text() == "a_b c a_b\na_b d\nc d a\n"
    # x y and y z are both phrases: x y z -> x_y z (left to right; y is taken)
    text = "x y z\n" * 3
    m = Phrases.learn(write(tmp_path, "g.txt", text), min_count=1, threshold=1)
    assert set(m.phrases) == {"x_y", "y_z"}
    assert m[["x", "y", "z"]] == ["x_y", "z"]
    assert m[["y", "z", "x", "y", "z"]] == ["y_z", "x_y", "z"]
    assert m[["x", "y", "x", "y"]] == ["x_y", "x_y"]


def test_pairs_never_span_sentences_or_files_but_do_span_long_lines(tmp_path):
    # x ends every line and y starts the next: the pair x y is never counted
    m = Phrases.learn(write(tmp_path, "c.txt", "a x\ny b\n" * 20), min_count=1,
                      threshold=-1, scoring="npmi")
    assert "x_y" not in m.phrases and "a_x" in m.phrases and "y_b" in m.phrases
    # nor across files
    m = Phrases.learn([write(tmp_path, "1.txt", "a x"), write(tmp_path, "2.txt", "y b")],
                      min_count=1, threshold=-1, scoring="npmi")
    assert set(m.phrases) == {"a_x", "y_b"}
    # a line longer than training's max_sentence_length (10,000) is one sentence here: the
    # pair p q at words 9,999 and 10,000 counts
    line = ["f"] * 9999 + ["p", "q"] + ["f"] * 5000
    m = Phrases.learn(write(tmp_path, "long.txt", " ".join(line)), min_count=1,
                      threshold=-1, scoring="npmi")
    assert m.phrases["p_q"] == pytest.approx(1.0)
    out = tmp_path / "long-out.txt"
    hsw2v.phrases(str(tmp_path / "long.txt"), str(out), min_count=1, threshold=0.9,
                  scoring="npmi")
    assert out.read_text().split() == ["f"] * 9999 + ["p_q"] + ["f"] * 5000
    assert out.read_text().count("\n") == 1


# ------------------------------------------------------------------------------ the kernels
def _ref_pairs(ids, prev=-1):
    counts, last = {}, prev
    for t in ids:
        if t >= 0 and last >= 0:
            counts[(last, t)] = counts.get((last, t), 0) + 1
        last = t
    return counts, last


def _table_dict(table):
    rows = table[table[:, 0] >= 0]
    return {(int(k >> 32), int(k & 0xFFFFFFFF)): int(c) for k, c in rows}


def test_pair_count_matches_reference():
    rng = np.random.default_rng(0)
    ids = rng.integers(-1, 6, size=400).astype(np.int32)
    table = np.full((2048, 2), -1, np.int64)
    used = np.zeros(1, np.int64)
    last = pk.pair_count(ids[:150], 3, table, used)
    last = pk.pair_count(ids[150:], last, table, used)
    expected, ref_last = _ref_pairs(ids.tolist(), 3)
    assert _table_dict(table) == expected
    assert used[0] == len(expected) and last == ref_last


def test_pair_reinsert_grows_and_prunes_with_remap():
    table = np.full((64, 2), -1, np.int64)
    used = np.zeros(1, np.int64)
    ids = np.array([0, 1, 0, 1, 0, 1, 2, 3, 2, 1, -1, 4, 0], np.int32)
    pk.pair_count(ids, -1, table, used)
    before = _table_dict(table)
    grown = np.full((256, 2), -1, np.int64)
    assert pk.pair_reinsert(table, grown, 0, np.empty(0, np.int64)) == len(before)
    assert _table_dict(grown) == before
    remap = np.array([1, 0, -1, 2, 3], np.int64)  # swap 0 and 1, drop 2
    pruned = np.full((64, 2), -1, np.int64)
    n = pk.pair_reinsert(table, pruned, 1, remap)
    expected = {(int(remap[a]), int(remap[b])): c for (a, b), c in before.items()
                if c > 1 and remap[a] >= 0 and remap[b] >= 0}
    assert _table_dict(pruned) == expected and n == len(expected) == 2  # (0,1) 3, (1,0) 2


def test_pair_scores_match_reference():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 8, size=300).astype(np.int32)
    table = np.full((512, 2), -1, np.int64)
    used = np.zeros(1, np.int64)
    pk.pair_count(ids, -1, table, used)
    wc = np.bincount(ids, minlength=8).astype(np.int64)
    n = len(ids)
    for scoring, mc, thr in ((pk.WORD2VEC, 2, 1.0), (pk.NPMI, 3, 0.01)):
        out = [np.empty(used[0], np.int64) for _ in range(3)] + [np.empty(used[0])]
        k = pk.pair_scores(table, wc, n, mc, thr, scoring, *out)
        got = {(a, b): (c, s) for a, b, c, s in zip(*(x[:k].tolist() for x in out))}
        ref = {}
        for (a, b), c in _table_dict(table).items():
            if scoring == pk.WORD2VEC:
                s = (c - mc) * n / (wc[a] * wc[b])
            elif c >= mc:
                s = math.log((c / n) / ((wc[a] / n) * (wc[b] / n))) / -math.log(c / n)
            else:
                continue
            if s > thr:
                ref[(a, b)] = (c, s)
        assert got.keys() == ref.keys() and len(ref) > 0
        for key, (c, s) in ref.items():
            assert got[key][0] == c and got[key][1] == pytest.approx(s, rel=1e-12)


def _ref_join(tokens_by_id, ids, n_words, pairs, delim):
    out, prev, start = [], -1, True
    for t in ids:
        if t < 0:
            out.append("\n")
            prev, start = -1, True
            continue
        word = t < n_words
        if start:
            start = False
            prev = t if word else -1
        elif prev >= 0 and word and (prev, t) in pairs:
            out.append(delim)
            prev = -1
        else:
            out.append(" ")
            prev = t if word else -1
        out.append(tokens_by_id[t])
    return "".join(out)


def test_join_pairs_matches_reference():
    rng = np.random.default_rng(2)
    tokens = ["a", "bb", "ccc", "é", "x", "yy"]
    n_words = 4  # x and yy are outside the model's words
    pairs = {(0, 1), (1, 2), (3, 3), (2, 0)}
    arena = np.frombuffer("".join(tokens).encode(), np.uint8)
    lengths = np.array([len(t.encode()) for t in tokens], np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    keys = np.array(sorted(pairs), np.int64)
    from hsw2v.phrases import _pair_table

    table = _pair_table(keys[:, 0], keys[:, 1])
    ids = rng.integers(-1, 6, size=500).astype(np.int32)
    for delim in ("_", "+-+"):
        d = np.frombuffer(delim.encode(), np.uint8)
        state = np.array([-1, 1, 0], np.int64)
        parts = []
        for lo, hi in ((0, 123), (123, 124), (124, 500)):  # state carried across blocks
            out = np.empty(4000, np.uint8)
            m = pk.join_pairs(ids[lo:hi], n_words, table, offsets, lengths, arena, d, out, state)
            parts.append(out[:m].tobytes().decode())
        ref = _ref_join(tokens, ids.tolist(), n_words, pairs, delim)
        assert "".join(parts) == ref
        assert state[2] == ref.count(delim) > 0


def test_counter_over_small_blocks_equals_one_block_and_prunes_within_bound():
    rng = random.Random(3)
    words = [f"w{i}" for i in range(60)]
    lines = [" ".join(rng.choice(words[:8]) if rng.random() < 0.5 else rng.choice(words)
                      for _ in range(rng.randint(1, 30))) for _ in range(300)]
    text = ("\n".join(lines) + "\n").encode()
    one = _PairCounter(10 ** 9)
    one.add(np.frombuffer(text, np.uint8), True)
    # cut the text into blocks at spaces (pairs then span blocks inside a line)
    cuts = [0] + sorted(rng.sample([i + 1 for i, c in enumerate(text) if c == 32], 80)) + [
        len(text)]
    many = _PairCounter(10 ** 9)
    for lo, hi in zip(cuts, cuts[1:]):
        many.add(np.frombuffer(text[lo:hi], np.uint8), hi == len(text))
    assert many.tokens == one.tokens == sum(len(line.split()) for line in lines)

    def named(c):
        w = c.words.words
        return {(w[a], w[b]): n for (a, b), n in _table_dict(c.pairs).items()}

    assert named(many) == named(one)
    # pruning: a bound far below the distinct words and pairs; memory stays within it
    small = _PairCounter(300)
    for lo, hi in zip(cuts, cuts[1:]):
        small.add(np.frombuffer(text[lo:hi], np.uint8), hi == len(text))
        assert len(small.words) + int(small.used[0]) <= 300
    assert small.prunings > 0
    exact = named(one)
    for pair, n in named(small).items():  # kept counts are never over the true ones
        assert n <= exact[pair]
    top = max(exact, key=exact.get)  # the most frequent pair survives
    assert top in named(small)


def test_joiner_drops_unknown_tokens_it_held_and_output_is_unchanged():
    m = Phrases.learn([["new", "york"]] * 5 + [["a", "b"]], min_count=1, threshold=1)
    text = " ".join(f"t{i} new york" for i in range(3000)) + "\n"
    j = _Joiner(m, limit=100)
    out = []
    b = text.encode()
    cuts = sorted({0, len(b)} | set([i + 1 for i in range(len(b)) if b[i] == 32][::50]))
    for lo, hi in zip(cuts, cuts[1:]):
        out.append(j.block(np.frombuffer(b[lo:hi], np.uint8), hi == len(b)).tobytes())
        assert len(j.table) <= len(m.words) + 100 + 200
    assert b"".join(out).decode() == text.replace("new york", "new_york")


# ------------------------------------------------------------------------------------ gensim
def _zipf_corpus(seed, n_sentences=800):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(300)]
    planted = [("new", "york"), ("united", "states"), ("of", "the"), ("w1", "w2")]
    sentences = []
    for _ in range(n_sentences):
        s = []
        for _ in range(rng.randint(0, 25)):
            if rng.random() < 0.1:
                s.extend(rng.choice(planted))
            else:
                s.append(rng.choices(vocab, weights)[0])
        sentences.append(s)
    return sentences


def _w2p_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count,
                corpus_word_count):
    denom = worda_count * wordb_count
    if denom == 0:
        return float("-inf")
    return (bigram_count - min_count) / float(denom) * corpus_word_count


@pytest.mark.parametrize("scoring,threshold,min_count",
                         [("word2vec", 10.0, 5), ("word2vec", 1.0, 3), ("word2vec", 0.5, 1),
                          ("npmi", 0.5, 5), ("npmi", 0.1, 2), ("npmi", -0.5, 1)])
def test_same_phrases_and_output_as_gensim(tmp_path, scoring, threshold, min_count):
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    sentences = _zipf_corpus(4)
    g = gensim_phrases.Phrases(sentences, min_count=min_count, threshold=threshold,
                               scoring=_w2p_scorer if scoring == "word2vec" else "npmi")
    theirs = g.export_phrases()
    ours = Phrases.learn(sentences, min_count=min_count, threshold=threshold, scoring=scoring)
    assert ours.total_words == g.corpus_word_count
    mine = ours.phrases
    assert set(mine) == set(theirs) and len(theirs) >= 3
    for p, s in theirs.items():
        assert mine[p] == pytest.approx(s, rel=1e-12), p
    frozen = g.freeze()
    assert list(ours.apply(sentences)) == [frozen[s] for s in sentences]
    # and through a file: the same text, one sentence per line (empty ones left out)
    path = write(tmp_path, "c.txt", "".join(" ".join(s) + "\n" for s in sentences))
    out = tmp_path / "out.txt"
    hsw2v.phrases(path, str(out), min_count=min_count, threshold=threshold, scoring=scoring)
    assert out.read_text().splitlines() == [" ".join(frozen[s]) for s in sentences if s]


# -------------------------------------------------------------------------------------- npmi
def test_npmi_bounded_and_threshold_meaning():
    sentences = _zipf_corpus(5) + [["only", "together"]] * 7
    m = Phrases.learn(sentences, min_count=1, threshold=-1, scoring="npmi")
    assert len(m) > 100
    assert np.all(m.scores >= -1) and np.all(m.scores <= 1)
    # words that only ever occur together score 1 (clamped: rounding can make it 1 + 1 ulp);
    # threshold 1 joins nothing
    assert m.phrases["only_together"] == pytest.approx(1.0, abs=1e-15)
    assert len(Phrases.learn(sentences, min_count=1, threshold=1, scoring="npmi")) == 0
    # a higher threshold keeps a subset
    hi = set(Phrases.learn(sentences, min_count=1, threshold=0.5, scoring="npmi").phrases)
    assert hi and hi < set(m.phrases)


# --------------------------------------------------------------------------------- trigrams
def test_running_twice_gives_trigrams(tmp_path):
    rng = random.Random(6)
    fill = [f"f{i}" for i in range(50)]
    lines = []
    for _ in range(400):
        s = [rng.choice(fill) for _ in range(rng.randint(2, 8))]
        if rng.random() < 0.3:
            s[rng.randrange(len(s)):0] = ["new", "york", "city"]
        lines.append(" ".join(s))
    src = write(tmp_path, "c.txt", "\n".join(lines) + "\n")
    p1, p2 = tmp_path / "p1.txt", tmp_path / "p2.txt"
    r1 = run_cli("phrases", src, "-o", p1, "--threshold", "10", "-q")
    assert r1.exit_code == 0, r1.output
    assert "new_york city" in p1.read_text() and "new_york_city" not in p1.read_text()
    r2 = run_cli("phrases", p1, "-o", p2, "--threshold", "10", "-q")
    assert r2.exit_code == 0, r2.output
    out = p2.read_text()
    assert out.count("new_york_city") == sum(line.count("new york city") for line in lines) > 50


# ------------------------------------------------------------------------ pipes and outputs
def test_pipe_into_train(tmp_path):
    rng = random.Random(7)
    fill = [f"f{i}" for i in range(40)]
    lines = [" ".join([rng.choice(fill) for _ in range(5)] + ["new", "york"]
                      + [rng.choice(fill) for _ in range(5)]) for _ in range(300)]
    src = write(tmp_path, "c.txt", "\n".join(lines) + "\n")
    vec = tmp_path / "v.txt"
    cmd = (f"{sys.executable} -m hsw2v phrases {src} -o - -q --threshold 5 | "
           f"{sys.executable} -m hsw2v train - -o {vec} -q --dim 8 --epochs 1 --threads 1")
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    words = [line.split()[0] for line in vec.read_text().splitlines()[1:]]
    assert "new_york" in words and "new" not in words and "york" not in words
    # what -o - writes is exactly what a file output holds, and nothing else goes to stdout
    direct = CliRunner().invoke(main, ["phrases", src, "-o", "-", "-q", "--threshold", "5"])
    assert direct.exit_code == 0 and direct.stderr_bytes == b""
    filed = tmp_path / "out.txt"
    assert run_cli("phrases", src, "-o", filed, "-q", "--threshold", "5").exit_code == 0
    assert direct.stdout_bytes == filed.read_bytes()
    assert b"new_york" in filed.read_bytes()


def test_gz_output_and_stdin_input(tmp_path):
    src = write(tmp_path, "c.txt", HAND * 3)  # a_b scores (9 - 1) * 33 / (12 * 9) = 2.44
    plain, gz = tmp_path / "o.txt", tmp_path / "o.txt.gz"
    for out in (plain, gz):
        r = run_cli("phrases", src, "-o", out, "--min-count", "1", "--threshold", "2", "-q")
        assert r.exit_code == 0, r.output
    with gzip.open(gz, "rb") as f:
        assert f.read() == plain.read_bytes() == b"a_b c a_b\na_b d\nc d a\n" * 3
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    stdin_out = tmp_path / "s.txt"
    r = run_cli("phrases", "-", "-o", stdin_out, "--min-count", "1", "--threshold", "2", "-q",
                input=HAND * 3)
    assert r.exit_code == 0, r.output
    assert stdin_out.read_bytes() == plain.read_bytes()


def test_save_phrases_file(tmp_path):
    src = write(tmp_path, "c.txt", HAND)
    ph = tmp_path / "ph.txt"
    r = run_cli("phrases", src, "-o", tmp_path / "o.txt", "--min-count", "1", "--threshold",
                "0.3", "--scoring", "npmi", "--save-phrases", ph, "-q")
    assert r.exit_code == 0, r.output
    rows = [line.split() for line in ph.read_text().splitlines()]
    assert [r[0] for r in rows] == ["a_b", "c_d"]
    assert rows[0][1] == "3" and float(rows[0][2]) == pytest.approx(0.778587, rel=1e-5)


# ----------------------------------------------------------------------- sentences in Python
def test_sentences_from_python(tmp_path):
    # N = 120; new_york (40 - 1) * 120 / (40 * 40) = 2.925 passes 2.9, in_new and york_is
    # (20 - 1) * 120 / (20 * 40) = 2.85 do not
    sentences = [["new", "york", "is"], [], ("in", "new", "york")] * 20
    got = hsw2v.phrases(sentences, min_count=1, threshold=2.9)
    assert got == [["new_york", "is"], [], ["in", "new_york"]] * 20
    # a one-shot generator works too (it is spooled), and a file gives the same model
    gen = (s for s in sentences)
    out = tmp_path / "o.txt"
    model = hsw2v.phrases(gen, str(out), min_count=1, threshold=2.9)
    assert out.read_text() == "new_york is\nin new_york\n" * 20
    path = write(tmp_path, "c.txt", "new york is\n\nin new york\n" * 20)
    from_file = Phrases.learn(path, min_count=1, threshold=2.9)
    assert from_file.phrases == model.phrases == Phrases.learn(sentences, min_count=1,
                                                               threshold=2.9).phrases
    assert list(model.phrases) == ["new_york"]
    assert hsw2v.phrases(path, min_count=1, threshold=2.9) == [["new_york", "is"],
                                                              ["in", "new_york"]] * 20
    assert model[["york", "new", "york"]] == ["york", "new_york"]
    assert list(model.apply([[], ["x"]])) == [[], ["x"]]


@pytest.mark.parametrize("sentences,needle", [
    ([["a", "b"], "new york"], "sentence 1 (0-based) is a str"),
    ([["a", 3]], "sentence 0 (0-based) holds 3 of type int"),
    ([["a"], ["b c"]], "sentence 1 (0-based) holds the token 'b c'"),
    ([["a", ""]], "holds the token ''"),
    ([["a", "x\ny"]], "holds the token 'x\\ny'"),
    ([[b"a"]], "of type bytes"),
    ([["é", "a\u2003b"]], r"sentence 0 (0-based) holds the token 'a\u2003b'"),  # Unicode space
    ([["a"]] * 5 + [["x\x1cy"]], r"sentence 5 (0-based) holds the token 'x\x1cy'"),
    ([["a", "b c"], ["", "d"]], "sentence 0 (0-based) holds the token 'b c'"),
    ([["a", "bc"], ["", "d e"]], "sentence 1 (0-based) holds the token ''"),
    ([7], "sentence 0 (0-based) is a int"),
])
def test_bad_sentences(sentences, needle):
    with pytest.raises(PhrasesError, match=None) as exc:
        hsw2v.phrases(sentences)
    assert needle in str(exc.value)
    assert "\n" not in str(exc.value).replace("\\n", "")


def test_sentences_with_non_ascii_tokens():
    sentences = [["köln", "straße", "x"], ["köln", "straße"], ["\udc80", "y"]] * 4
    # N = 28: köln_straße (8 - 1) * 28 / 64 = 3.06, straße_x 2.63, \udc80_y 5.25
    m = Phrases.learn(sentences, min_count=1, threshold=3)
    assert set(m.phrases) == {"köln_straße", "\udc80_y"}
    joined = [["köln_straße", "x"], ["köln_straße"], ["\udc80_y"]] * 4
    assert list(m.apply(sentences)) == joined
    # through the spool of hsw2v.phrases too (lone surrogates are kept, not replaced)
    assert hsw2v.phrases(sentences, min_count=1, threshold=3) == joined


def test_rewrite_another_corpus_with_a_learnt_model(tmp_path):
    model = Phrases.learn(write(tmp_path, "c.txt", HAND), min_count=1, threshold=1)
    other = tmp_path / "other.txt.gz"
    with gzip.open(other, "wt") as f:
        f.write("z a b a\n\n b a b\n")
    out = tmp_path / "o.txt"
    assert model.rewrite(str(other), str(out)) == 2
    assert out.read_text() == "z a_b a\nb a_b\n"
    assert "1 phrases" in repr(model)
    with pytest.raises(ConfigError, match="also an input"):
        model.rewrite(str(out), str(out))


def test_apply_and_getitem_refuse_strings():
    model = Phrases.learn([["new", "york"]] * 3, min_count=1, threshold=0)
    with pytest.raises(PhrasesError, match="not a single string"):
        list(model.apply("new york"))
    with pytest.raises(TypeError, match="one sentence"):
        model["new york"]
    # a str corpus is a path
    with pytest.raises(CorpusError, match="'new york' does not exist"):
        hsw2v.phrases("new york")


def test_empty_corpus_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="holds no words"):
        Phrases.learn(write(tmp_path, "e.txt", "\n \n"))
    with pytest.raises(CorpusError, match="holds no words"):
        hsw2v.phrases([[], []])


# -------------------------------------------------------------------------------- bad input
def assert_one_line_error(result, *needles):
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("hsw2v: error: "), result.output
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.mark.parametrize("extra,needles", [
    (["--scoring", "npmi", "--threshold", "1.5"], ["--threshold 1.5", "-1..1"]),
    (["--scoring", "npmi", "--threshold", "-2"], ["--threshold -2", "-1..1"]),
    (["--threshold", "-3"], ["--threshold -3", ">= 0"]),
    (["--threshold", "nan"], ["--threshold nan"]),
    (["--scoring", "pmi"], ["--scoring 'pmi'", "word2vec, npmi"]),
    (["--min-count", "0"], ["--min-count 0", ">= 1"]),
    (["--delimiter", "a b"], ["--delimiter 'a b'", "whitespace"]),
    (["--delimiter", ""], ["--delimiter ''"]),
    (["--prune-at", "1"], ["--prune-at 1"]),
    (["--threshold", "abc"], ["abc"]),
])
def test_bad_options(tmp_path, extra, needles):
    src = write(tmp_path, "c.txt", HAND)
    out = tmp_path / "out.txt"
    assert_one_line_error(run_cli("phrases", src, "-o", out, *extra), *needles)
    assert sorted(os.listdir(tmp_path)) == ["c.txt"]


def test_bad_paths(tmp_path):
    src = write(tmp_path, "c.txt", HAND)
    assert_one_line_error(run_cli("phrases", tmp_path / "missing.txt", "-o", tmp_path / "o.txt"),
                          "missing.txt", "does not exist")
    assert_one_line_error(run_cli("phrases", src, "-o", src), "is also an input")
    assert open(src).read() == HAND
    # the same file under another name, and --save-phrases onto an input
    link = tmp_path / "link.txt"
    os.symlink(src, link)
    assert_one_line_error(run_cli("phrases", src, "-o", link), "is also an input")
    assert_one_line_error(run_cli("phrases", src, "-o", tmp_path / "o.txt", "--save-phrases",
                                  src), "is also an input")
    assert_one_line_error(run_cli("phrases", src, "-o", tmp_path / "o.txt", "--save-phrases",
                                  tmp_path / "o.txt"), "is also the output")
    assert_one_line_error(run_cli("phrases", src, "-o", tmp_path / "nodir" / "o.txt"),
                          "does not exist")
    assert_one_line_error(run_cli("phrases", src), "-o")
    assert sorted(os.listdir(tmp_path)) == ["c.txt", "link.txt"]
    with pytest.raises(ConfigError, match="also an input"):
        hsw2v.phrases(src, src)


# ------------------------------------------------------------------------------------- slow
@pytest.mark.slow
def test_text8_prefix_top_phrases(shared_data):
    m = Phrases.learn(os.path.join(shared_data, "text8-prefix.gz"))
    assert m.total_words == 2_139_748 or m.total_words > 2_000_000
    frequent = {p for p, c, s in sorted(m.top(len(m)), key=lambda x: -x[1])[:20]}
    assert {"new_york", "united_states", "world_war"} <= frequent
    assert {"prime_minister", "buenos_aires"} <= set(m.phrases)
