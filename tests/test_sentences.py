"""Tokenised sentences from Python: the same training as a file of the same tokens."""
from __future__ import annotations

import numpy as np
import pytest

import hsw2v
from hsw2v.sentences import SentenceError

from conftest import make_corpus_text

OPTS = dict(threads=1, seed=3, dim=16, min_count=2, epochs=2)


@pytest.fixture(scope="module")
def text():
    return make_corpus_text(800, seed=6)


def test_sentences_train_as_the_same_tokens_in_a_file(tmp_path, text):
    path = tmp_path / "c.txt"
    path.write_text(text)
    sentences = [line.split() for line in text.splitlines()]
    from_file = hsw2v.train(str(path), return_model=True, **OPTS)
    from_list = hsw2v.train(sentences, return_model=True, **OPTS)
    from_gen = hsw2v.train((s for s in sentences), return_model=True, **OPTS)
    for m in (from_list, from_gen):
        assert m.words == from_file.words
        assert np.array_equal(m.counts, from_file.counts)
        assert np.array_equal(m.wv.vectors, from_file.wv.vectors)
        assert np.array_equal(m.syn1, from_file.syn1)
    assert from_list.summary["corpus"] == ["<sentences from Python>"]


def test_a_reiterable_corpus_class_and_model_train_take_sentences(tmp_path, text):
    class Corpus:
        def __iter__(self):
            for line in text.splitlines():
                yield tuple(line.split())

    m = hsw2v.train(Corpus(), return_model=True, **OPTS)
    before = m.wv.vectors.copy()
    m.train(Corpus(), epochs=1)
    assert not np.array_equal(before, m.wv.vectors)
    assert not list(tmp_path.glob("hsw2v-sentences-*"))


@pytest.mark.parametrize("sentences, needles", [
    ([["a", "b"], ["c", "d e"]], ["sentence 1", "'d e'", "whitespace"]),
    ([["a", "b"], ["c", ""]], ["sentence 1", "''", "empty"]),
    ([["a", "b"], ["c", 3]], ["sentence 1", "3", "int", "tokens must be str"]),
    ([["a", "b"], "c d"], ["sentence 1", "str", "split it into tokens"]),
])
def test_bad_sentences_are_one_line_errors(sentences, needles):
    with pytest.raises(SentenceError) as exc:
        hsw2v.train(sentences, **OPTS)
    msg = str(exc.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg, msg


def test_quiet_false_shows_progress(capsys, text):
    hsw2v.train([line.split() for line in text.splitlines()], quiet=False, **OPTS)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err
