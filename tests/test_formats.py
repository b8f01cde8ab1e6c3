"""word2vec vectors files (hsw2v.formats): round trips, other tools' files, broken files."""

from __future__ import annotations

import errno
import gzip
import logging
import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hsw2v import formats as vmod
from hsw2v.errors import VectorsFormatError
from hsw2v.formats import detect_binary, format_float32_block, read_word2vec, write_word2vec
from hsw2v.vectors import Vectors
from test_vectors import FORMATS, binary_file, random_vectors, write_bytes


@pytest.mark.parametrize("name", FORMATS)
def test_round_trip_is_bit_exact(tmp_path, name):
    v = random_vectors()
    path = tmp_path / name
    v.save(path)
    assert detect_binary(path) == (".bin" in name)
    w = Vectors.load(path)
    assert w.words == v.words
    np.testing.assert_array_equal(w.vectors, v.vectors)


def test_binary_flag_overrides_the_extension(tmp_path):
    v = random_vectors()
    v.save(tmp_path / "a.bin", binary=False)
    v.save(tmp_path / "a.txt", binary=True)
    assert not detect_binary(tmp_path / "a.bin") and detect_binary(tmp_path / "a.txt")
    # Loading detects the format from the content, whatever the name says.
    for name in ("a.bin", "a.txt"):
        np.testing.assert_array_equal(Vectors.load(tmp_path / name).vectors, v.vectors)
    np.testing.assert_array_equal(Vectors.load(tmp_path / "a.txt", binary=True).vectors, v.vectors)


def test_text_layout_matches_the_c_tool(tmp_path):
    v = Vectors(["a", "b"], np.array([[1.0, -0.5], [0.0, 0.375]], dtype=np.float32))
    v.save(tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_text() == "2 2\na 1e+00 -5e-01\nb 0e+00 3.75e-01\n"
    v.save(tmp_path / "v.bin")
    assert (tmp_path / "v.bin").read_bytes() == binary_file(
        [(b"a", [1.0, -0.5]), (b"b", [0.0, 0.375])], 2)


finite_float32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=finite_float32))
def test_text_formatting_reads_back_bit_identical(block):
    chars, lengths = format_float32_block(block)
    text = chars.tobytes()
    assert lengths.sum() == len(text)
    back = np.array(text.split(), dtype=np.float32).reshape(block.shape)
    np.testing.assert_array_equal(back.view(np.uint32), block.view(np.uint32))  # -0.0 too
    back_py = np.array([float(x) for x in text.split()], dtype=np.float32).reshape(block.shape)
    np.testing.assert_array_equal(back_py, block)


word_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=" \t\n\r\x0b\x0c"),
    min_size=1, max_size=8)


@settings(max_examples=30, deadline=None)
@given(words=st.lists(word_text, min_size=1, max_size=6, unique=True),
       dim=st.integers(1, 5), binary=st.booleans(), data=st.data())
def test_any_words_and_values_round_trip(tmp_path_factory, words, dim, binary, data):
    # Words may contain any character but the ASCII whitespace the format uses as separator;
    # a word of only Unicode spaces (e.g. U+3000) must still survive.
    matrix = data.draw(hnp.arrays(np.float32, (len(words), dim), elements=finite_float32))
    path = tmp_path_factory.mktemp("rt") / ("v.bin" if binary else "v.txt")
    write_word2vec(path, words, matrix)
    back_words, back = read_word2vec(path, binary=binary)
    assert back_words == words
    np.testing.assert_array_equal(back.view(np.uint32), matrix.view(np.uint32))


@settings(max_examples=40, deadline=None)
@given(dim=st.integers(1, 4), data=st.data())
def test_detection_falls_back_when_float_bytes_look_like_text(tmp_path_factory, dim, data):
    # Values whose bytes are printable ASCII (e.g. b"o)Z"): the content guess may say text,
    # but the text reader fails and the binary reader is then used.
    printable = st.lists(st.integers(0x21, 0x7E), min_size=4, max_size=4).map(bytes)
    raw = data.draw(st.lists(printable, min_size=dim, max_size=dim))
    # "#" is never part of a number; a payload that spells "w 1.5" is a valid text file too
    # (genuinely ambiguous, needs --format binary) and is not what this test is about.
    raw[0] = b"#" + raw[0][1:]
    matrix = np.frombuffer(b"".join(raw), dtype="<f4").reshape(1, dim)
    path = tmp_path_factory.mktemp("fb") / "v.bin"
    write_word2vec(path, ["0"], matrix)
    np.testing.assert_array_equal(read_word2vec(path)[1], matrix)


def test_text_writing_is_fast_enough(tmp_path):
    # 70,000 x 100 in "well under 2 s"; smaller here to keep the suite quick: 20,000 x 100.
    import time

    v = Vectors([f"w{i}" for i in range(20000)],
                np.random.default_rng(1).standard_normal((20000, 100)).astype(np.float32))
    start = time.perf_counter()
    v.save(tmp_path / "v.txt")
    assert time.perf_counter() - start < 2.0


def test_binary_rows_without_newline_gensim_style(tmp_path):
    rows = [(b"a", [1.0, 2.0]), (b"b", [3.0, 4.0]), (b"c", [5.0, 6.0])]
    path = write_bytes(tmp_path / "v.bin", binary_file(rows, 2, newline=False))
    v = Vectors.load(path)
    assert v.words == ["a", "b", "c"]
    np.testing.assert_array_equal(v.vectors, [[1, 2], [3, 4], [5, 6]])


def test_binary_vector_bytes_may_contain_space_and_newline(tmp_path):
    # 0x0A and 0x20 inside the float bytes must not confuse the row parser.
    tricky = struct.unpack("<f", b"\x0a\x20\x0a\x20")[0]
    rows = [(b"a", [tricky, 1.0]), (b"b", [2.0, tricky])]
    for newline in (True, False):
        v = Vectors.load(write_bytes(tmp_path / "v.bin", binary_file(rows, 2, newline=newline)))
        assert v.words == ["a", "b"]
        np.testing.assert_array_equal(v.vectors, np.array([[tricky, 1], [2, tricky]], np.float32))


def test_fasttext_vec_with_trailing_spaces_and_end_of_sentence_token(tmp_path):
    text = "3 2\n</s> 0.1 0.2 \nthe -0.3 0.4 \n, 0.5 0.6 \n"
    v = Vectors.load(write_bytes(tmp_path / "wiki.vec", text.encode()))
    assert v.words == ["</s>", "the", ","]
    np.testing.assert_allclose(v["the"], [-0.3, 0.4])


def test_text_tokens_containing_spaces_load_from_the_right(tmp_path):
    text = "2 2\nNew York 0.1 0.2\nLos\tAngeles 0.3 0.4\r\n"
    v = Vectors.load(write_bytes(tmp_path / "v.txt", text.encode()))
    assert v.words == ["New York", "Los\tAngeles"]
    with pytest.raises(VectorsFormatError, match="whitespace"):
        v.save(tmp_path / "out.txt")  # could not be read back as one token
    assert not (tmp_path / "out.txt").exists()


def test_header_with_byte_order_mark(tmp_path):
    v = Vectors.load(write_bytes(tmp_path / "v.txt", b"\xef\xbb\xbf1 2\na 1 2\n"))
    assert v.words == ["a"]


@pytest.mark.parametrize("binary", [False, True])
def test_non_utf8_words(tmp_path, binary):
    raw = [b"caf\xe9", b"ok", b"\xff\xfeX"]
    if binary:
        data = binary_file([(w, [1.0, float(i)]) for i, w in enumerate(raw)], 2)
    else:
        data = b"3 2\n" + b"".join(w + f" 1 {i}\n".encode() for i, w in enumerate(raw))
    path = write_bytes(tmp_path / "v", data)
    assert Vectors.load(path).words == ["caf\ufffd", "ok", "\ufffd\ufffdX"]  # default: replace
    assert Vectors.load(path, encoding_errors="ignore").words == ["caf", "ok", "X"]
    assert Vectors.load(path, encoding_errors="backslashreplace").words[0] == "caf\\xe9"
    where = "row 1" if binary else "line 2"
    with pytest.raises(VectorsFormatError, match=f"{where}: word .* is not valid UTF-8.*--encoding-errors"):
        Vectors.load(path, encoding_errors="strict")
    # surrogateescape keeps the bytes: saving writes them back unchanged.
    kept = Vectors.load(path, encoding_errors="surrogateescape")
    kept.save(tmp_path / "again", binary=binary)
    if binary:
        assert (tmp_path / "again").read_bytes() == data
    again = Vectors.load(tmp_path / "again", encoding_errors="surrogateescape")
    assert [w.encode("utf-8", "surrogateescape") for w in again.words] == raw


def test_ignore_that_empties_a_word_is_refused(tmp_path):
    path = write_bytes(tmp_path / "v.txt", b"2 1\nok 1\n\xff 2\n")
    with pytest.raises(VectorsFormatError, match="line 3.*empty after decoding"):
        Vectors.load(path, encoding_errors="ignore")


def test_replaced_bytes_that_collide_keep_the_first_row(tmp_path, caplog):
    path = write_bytes(tmp_path / "v.txt", b"3 1\na\xff 1\nb 2\na\xfe 3\n")
    with caplog.at_level(logging.WARNING, logger="hsw2v.vectors"):
        v = Vectors.load(path)
    assert v.words == ["a\ufffd", "b"]
    np.testing.assert_array_equal(v.vectors[:, 0], [1, 2])
    assert "repeated" in caplog.text


@pytest.mark.parametrize("name", ["v.txt", "v.bin"])
def test_limit_reads_only_the_first_rows(tmp_path, name):
    v = random_vectors()
    v.save(tmp_path / name)
    w = Vectors.load(tmp_path / name, limit=5)
    assert w.words == v.words[:5]
    np.testing.assert_array_equal(w.vectors, v.vectors[:5])
    assert len(Vectors.load(tmp_path / name, limit=10**6)) == 50
    # The part after the limit is not read, so a truncated tail does not matter.
    data = (tmp_path / name).read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) * 2 // 3])
    assert len(Vectors.load(tmp_path / name, limit=5)) == 5
    with pytest.raises(ValueError):
        Vectors.load(tmp_path / name, limit=0)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_files_load_in_hsw2v(tmp_path, binary):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    v = random_vectors()
    kv = gensim_kv.KeyedVectors(v.vector_size)
    kv.add_vectors(v.words, v.vectors)
    path = tmp_path / ("g.bin" if binary else "g.txt")
    kv.save_word2vec_format(str(path), binary=binary)
    w = Vectors.load(path)
    assert w.words == v.words
    np.testing.assert_array_equal(w.vectors, v.vectors)


@pytest.mark.parametrize("name", FORMATS)
def test_hsw2v_files_load_in_gensim(tmp_path, name):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    v = random_vectors()
    v.save(tmp_path / name)
    kv = gensim_kv.KeyedVectors.load_word2vec_format(str(tmp_path / name), binary=".bin" in name)
    assert list(kv.index_to_key) == v.words
    np.testing.assert_array_equal(kv.vectors, v.vectors)


BROKEN_TEXT = {
    "empty": (b"", "the file is empty"),
    "header-one-field": (b"3\na 1 2\n", "line 1: expected the word2vec header"),
    "header-words": (b"a b\n", "line 1: expected the word2vec header"),
    "header-zero": (b"0 5\n", "line 1: header '0 5' declares 0 rows"),
    "no-rows": (b"2 2\n", "line 2: the file has a header but no rows"),
    "truncated": (b"3 2\na 1 2\nb 3 4\n", r"line 3: the file ends after 2 rows .* says 3.*--limit 2"),
    "extra-rows": (b"1 2\na 1 2\nb 3 4\n", "line 3: more rows follow the 1 the header declares"),
    "too-few-floats": (b"2 3\na 1 2 3\nb 1 2\n", "line 3: expected 3 numbers after the word .*found 2"),
    "too-many-floats": (b"2 2\na 1 2\nb 1 2 3\n", "line 3: expected 2 numbers .*found 3"),
    "non-numeric": (b"1 3\na 1 x 3\n", "line 2: .*'x' is not a number"),
    "only-numbers": (b"1 2\n1 2\n", "line 2: found 2 numbers and no word"),
    "empty-line": (b"2 1\na 1\n\nb 2\n", "line 3: empty line"),
    "nan": (b"2 2\na 1 2\nb nan 1\n", "line 3: the vector of 'b' contains NaN or infinity"),
    "inf": (b"2 2\na inf 2\nb 1 1\n", "line 2: the vector of 'a' contains NaN or infinity"),
    "binary-as-text": (binary_file([(b"a", [1.5, 2.5])], 2), None),
}


@pytest.mark.parametrize("case", sorted(BROKEN_TEXT))
def test_broken_text_files_are_refused_naming_file_and_line(tmp_path, case):
    data, message = BROKEN_TEXT[case]
    path = write_bytes(tmp_path / f"{case}.txt", data)
    if message is None:  # a binary file forced to text
        with pytest.raises(VectorsFormatError, match="line 2.*--format binary"):
            Vectors.load(path, binary=False)
        return
    with pytest.raises(VectorsFormatError, match=message) as info:
        Vectors.load(path)
    assert str(info.value).startswith(path + ":") and "\n" not in str(info.value)


def test_trailing_blank_lines_are_fine(tmp_path):
    assert len(Vectors.load(write_bytes(tmp_path / "v.txt", b"1 2\na 1 2\n\n\n"))) == 1


def _good_binary() -> bytes:
    return binary_file([(b"alpha", [1.0, 2.0, 3.0]), (b"beta", [4.0, 5.0, 6.0]),
                        (b"gamma", [7.0, 8.0, 9.0])], 3)


BROKEN_BINARY = {
    "truncated-mid-row": (lambda d: d[:-5], r"row 3: the file ends inside this row, after 2 .*--limit 2"),
    "truncated-first-row": (lambda d: d[:12], "row 1: the file ends before the first complete row"),
    "header-too-many-rows": (lambda d: b"4" + d[1:], "row 4: the file ends inside this row"),
    "header-too-few-rows": (lambda d: b"2" + d[1:], "row 3: data continues after the 2 rows"),
    "header-wrong-dim": (lambda d: d.replace(b"3 3\n", b"3 2\n", 1),
                         r"row 2: word .* contains a line break at byte 18; rows do not line up "
                         r"with the header's 2 dimensions"),
    "nan": (lambda d: d.replace(struct.pack("<f", 5.0), struct.pack("<f", float("nan"))),
            "row 2: the vector of 'beta' contains NaN"),
    "inf": (lambda d: d.replace(struct.pack("<f", 9.0), struct.pack("<f", float("-inf"))),
            "row 3: the vector of 'gamma' contains NaN or infinity"),
    "empty-word": (lambda d: d.replace(b"beta ", b" beta"),
                   r"row 2: empty word at byte 23; rows do not line up with the header's 3 "
                   r"dimensions"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_BINARY))
def test_broken_binary_files_are_refused_naming_file_and_row(tmp_path, case):
    damage, message = BROKEN_BINARY[case]
    path = write_bytes(tmp_path / f"{case}.bin", damage(_good_binary()))
    with pytest.raises(VectorsFormatError, match=message) as info:
        Vectors.load(path, binary=True)
    assert str(info.value).startswith(path + ":") and "\n" not in str(info.value)


def test_good_binary_fixture_loads(tmp_path):
    v = Vectors.load(write_bytes(tmp_path / "ok.bin", _good_binary()))
    assert v.words == ["alpha", "beta", "gamma"]


def test_damaged_gzip_is_refused(tmp_path):
    random_vectors().save(tmp_path / "v.txt.gz")
    data = (tmp_path / "v.txt.gz").read_bytes()
    (tmp_path / "cut.txt.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(VectorsFormatError, match="gzip stream is damaged or truncated"):
        Vectors.load(tmp_path / "cut.txt.gz")
    (tmp_path / "bad.bin.gz").write_bytes(b"not gzip at all")
    with pytest.raises(VectorsFormatError, match="gzip"):
        Vectors.load(tmp_path / "bad.bin.gz")


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        Vectors.load(tmp_path / "nope.bin")


@pytest.mark.parametrize("word, message", [("a b", "whitespace"), ("tab\there", "whitespace"),
                                           ("new\nline", "whitespace"), ("", "empty"),
                                           ("\ud800", "cannot be encoded")])
def test_unwritable_words_are_refused_before_creating_a_file(tmp_path, word, message):
    v = Vectors(["ok", word], np.ones((2, 2), dtype=np.float32))
    with pytest.raises(VectorsFormatError, match=f"word #2 .*{message}"):
        v.save(tmp_path / "v.bin")
    assert os.listdir(tmp_path) == []


def test_nonfinite_values_are_refused_before_creating_a_file(tmp_path):
    matrix = np.ones((3, 2), dtype=np.float32)
    matrix[1, 1] = np.nan
    with pytest.raises(VectorsFormatError, match="'b' \\(row 2\\) contains NaN"):
        Vectors(["a", "b", "c"], matrix).save(tmp_path / "v.txt")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["v.txt", "v.bin", "v.bin.gz"])
def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, name):
    path = tmp_path / name
    path.write_bytes(b"previous content")
    real_write_rows = vmod._write_rows

    def fail_midway(out, words_b, matrix, binary):
        real_write_rows(out, words_b[:5], matrix[:5], binary)  # some bytes reach the temp file
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(vmod, "_write_rows", fail_midway)
    with pytest.raises(OSError, match="No space left"):
        random_vectors().save(path)
    assert path.read_bytes() == b"previous content"
    assert os.listdir(tmp_path) == [name]


def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(vmod, "_write_rows", interrupt)
    with pytest.raises(KeyboardInterrupt):
        random_vectors().save(tmp_path / "v.txt")
    assert os.listdir(tmp_path) == []


def test_written_file_gets_ordinary_permissions(tmp_path):
    random_vectors().save(tmp_path / "v.txt")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "v.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_saving_over_the_file_being_read(tmp_path):
    v = random_vectors()
    v.save(tmp_path / "v.bin")
    Vectors.load(tmp_path / "v.bin").save(tmp_path / "v.bin")
    np.testing.assert_array_equal(Vectors.load(tmp_path / "v.bin").vectors, v.vectors)


def test_gzip_output_is_really_compressed(tmp_path):
    random_vectors().save(tmp_path / "v.txt.gz")
    with gzip.open(tmp_path / "v.txt.gz", "rt") as f:
        assert f.readline() == "50 8\n"
