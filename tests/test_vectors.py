"""Vectors in memory (hsw2v.vectors): the container, search, top-k; files are test_formats.py."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsw2v.errors import Hsw2vError
from hsw2v.vectors import UnknownWordError, Vectors, top_k_rows


FORMATS = ["v.txt", "v.bin", "v.txt.gz", "v.bin.gz"]


def random_vectors(n: int = 50, dim: int = 8, seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n - 3)] + ["héllo", "日本", "</s>"]
    return Vectors(words, rng.standard_normal((n, dim)).astype(np.float32))


def write_bytes(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def binary_file(rows, dim, newline=True, header=None) -> bytes:
    """Bytes of a binary word2vec file with `rows` = [(word bytes, list of floats)]."""
    out = [header if header is not None else f"{len(rows)} {dim}\n".encode()]
    for word, values in rows:
        out.append(word + b" " + struct.pack(f"<{len(values)}f", *values) + (b"\n" if newline else b""))
    return b"".join(out)


def test_container_protocol():
    v = random_vectors()
    assert len(v) == 50 and v.vector_size == 8
    assert "héllo" in v and "nope" not in v
    assert v["w3"].dtype == np.float32 and v["w3"].shape == (8,)
    np.testing.assert_array_equal(v["w3"], v.vectors[3])
    assert v.key_to_index["w3"] == 3 and v.words[3] == "w3" and v.index_to_key is v.words
    assert v.vectors.flags.c_contiguous and v.vectors.dtype == np.float32


def test_unknown_word_is_a_key_error_naming_the_words():
    v = random_vectors()
    with pytest.raises(KeyError) as info:
        v["nope"]
    assert isinstance(info.value, Hsw2vError)
    assert "'nope'" in str(info.value) and "50 words" in str(info.value)
    with pytest.raises(UnknownWordError) as info:
        v.most_similar(["w1", "xx", "yy"])
    assert info.value.words == ["xx", "yy"]


@pytest.mark.parametrize(
    "words, array, error",
    [
        (["a", "a"], np.zeros((2, 3)), ValueError),  # duplicate
        (["a"], np.zeros((2, 3)), ValueError),  # row count
        (["a"], np.zeros(3), ValueError),  # 1-D
        ([], np.zeros((0, 3)), ValueError),  # empty
        (["a", 1], np.zeros((2, 3)), TypeError),  # non-string word
        (["a"], np.array([["x"]]), TypeError),  # not numbers
    ],
)
def test_constructor_rejects_bad_arguments(words, array, error):
    with pytest.raises(error):
        Vectors(words, array)


def test_constructor_keeps_a_float32_c_array_without_copying():
    array = np.ones((2, 3), dtype=np.float32)
    assert Vectors(["a", "b"], array).vectors is array
    assert Vectors(["a", "b"], np.ones((2, 3))).vectors.dtype == np.float32


def test_search_agrees_with_gensim():
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    v = random_vectors(300, 16, seed=3)
    kv = gensim_kv.KeyedVectors(16)
    kv.add_vectors(v.words, v.vectors)
    for word in ("w0", "w7", "日本"):
        ours, theirs = v.most_similar(word, topn=7), kv.most_similar(word, topn=7)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    ours = v.most_similar(["w1", "w2"], negative=["w3"], topn=5)
    theirs = kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert [w for w, _ in v.analogy("w4", "w5", "w6", topn=5)] == [
        w for w, _ in kv.most_similar(positive=["w5", "w6"], negative=["w4"], topn=5)]
    assert v.similarity("w1", "w9") == pytest.approx(float(kv.similarity("w1", "w9")), abs=1e-6)
    vec = v["w8"] * 3
    assert [w for w, _ in v.similar_by_vector(vec, 4)] == [
        w for w, _ in kv.similar_by_vector(vec, topn=4)]


def test_most_similar_excludes_inputs_and_sorts():
    v = random_vectors(100, 6, seed=5)
    result = v.most_similar("w1", topn=10)
    assert len(result) == 10 and "w1" not in [w for w, _ in result]
    scores = [s for _, s in result]
    assert scores == sorted(scores, reverse=True)
    u = v.vectors / np.linalg.norm(v.vectors, axis=1, keepdims=True)
    cos = u @ u[1]
    cos[1] = -np.inf
    assert [w for w, _ in result] == [v.words[i] for i in np.argsort(-cos, kind="stable")[:10]]
    assert len(v.most_similar("w1", topn=1000)) == 99
    assert v.analogy("w1", "w2", "w3", topn=1000)[-1][0] not in ("w1", "w2", "w3")
    assert len(v.analogy("w1", "w2", "w3", topn=1000)) == 97


def test_most_similar_many_equals_one_query_at_a_time():
    v = random_vectors(500, 10, seed=2)
    words = ["w3", "w400", "日本", "w3"]
    batched = v.most_similar_many(words, topn=5)
    for word, result in zip(words, batched):
        single = v.most_similar(word, topn=5)
        assert [w for w, _ in result] == [w for w, _ in single]
        np.testing.assert_allclose([s for _, s in result], [s for _, s in single], atol=1e-6)
    with pytest.raises(UnknownWordError):
        v.most_similar_many(["w1", "zz"])


def test_restrict_vocab_and_zero_vectors():
    matrix = np.eye(4, dtype=np.float32)
    matrix[3] = 0  # a zero vector has cosine 0 with everything, never NaN
    v = Vectors(["a", "b", "c", "z"], matrix)
    assert v.most_similar("a", topn=3, restrict_vocab=2) == [("b", 0.0)]
    assert all(np.isfinite(s) for _, s in v.most_similar("z", topn=3))
    assert v.similarity("a", "z") == 0.0


@settings(max_examples=80, deadline=None)
@given(data=st.data(), rows=st.integers(1, 3), n=st.integers(1, 3000), k=st.integers(1, 20))
def test_top_k_rows_is_an_exact_sorted_top_k(data, rows, n, k):
    k = min(k, n)
    coarse = data.draw(st.booleans())  # many ties
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    scores = rng.standard_normal((rows, n)).astype(np.float32)
    if coarse:
        scores = np.round(scores, 1)
    scores[:, rng.integers(0, n, n // 4)] = -np.inf
    idx, vals = top_k_rows(scores.copy(), k)
    expected = np.lexsort((np.broadcast_to(np.arange(n), scores.shape), -scores), axis=1)[:, :k]
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_array_equal(vals, np.take_along_axis(scores, expected, axis=1))


def test_top_k_rows_large_rows_use_the_group_threshold():
    scores = np.random.default_rng(0).standard_normal((3, 100_003)).astype(np.float32)
    scores[1, -1] = 99  # in the tail that belongs to no group
    idx, vals = top_k_rows(scores, 10)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(idx, expected)
    assert idx[1, 0] == 100_002


def test_top_k_treats_nan_as_lowest():
    scores = np.array([[np.nan, 1.0, 0.5, np.nan]], dtype=np.float32)
    idx, vals = top_k_rows(scores, 2)
    assert idx.tolist() == [[1, 2]]
