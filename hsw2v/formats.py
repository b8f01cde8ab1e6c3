"""word2vec vectors files (text and binary): reading and writing.

File layout (the one the word2vec C tool, gensim and fastText use)::

    V D\\n                                   header: number of rows, dimensions
    word v1 v2 ... vD\\n                      text rows
    word <D little-endian float32>[\\n]      binary rows; the newline is optional on reading

Reading is strict about structure (see :func:`read_word2vec`) and lenient about the things real
files from other tools do: fastText's trailing space and ``</s>`` row, binary rows with or without
a newline, token bytes that are not UTF-8, tokens that contain a space in text files, gzip
compression (``.gz``).  Text or binary is told from the content, not the file name.

Writing (see :func:`write_word2vec`) is atomic: the file is written next to its destination under
a temporary name and moved into place only once complete, so a crash or a full disk never leaves
a partial file at the path.
"""
from __future__ import annotations

import gzip
import logging
import mmap
import os
import re
import secrets
import zlib
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hsw2v.errors import VectorsFormatError
from hsw2v.progress import Meter

log = logging.getLogger(__name__)

#: Accepted values of ``encoding_errors`` (Python codec error handlers).  ``replace`` never fails;
#: ``surrogateescape`` keeps the original bytes so that saving writes them back unchanged.
ENCODING_ERRORS = ("replace", "strict", "ignore", "backslashreplace", "surrogateescape")

# Bytes that separate fields in the word2vec format; a word containing one could not be read back.
_FIELD_SEPARATOR = re.compile(rb"[ \t\n\r\v\f]")

# Rows copied per block when gathering binary vectors out of the file buffer.
_GATHER_ROWS = 4096

# Rows read between two updates of the progress display (a power of 2, less 1: a mask).
_METER_ROWS = (1 << 12) - 1

# Values formatted per block when writing text; bounds the temporary arrays (~50 B per value).
_TEXT_BLOCK_FLOATS = 1 << 19


# ====================================================================== reading


def is_binary_name(path: str | os.PathLike) -> bool:
    """True if `path` (without a ``.gz`` suffix) ends in ``.bin``: the format chosen for writing."""
    name = os.fspath(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(".bin")


def _open_read(path: str):
    if path.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb", buffering=1 << 20)


def _parse_header(line: bytes, path: str) -> tuple[int, int]:
    text = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark some editors add
    fields = text.split()
    shown = text[:60].decode("utf-8", "replace").strip()
    if len(fields) != 2 or not all(f.isdigit() for f in fields):
        advice = _header_advice(fields, path, whole=text.endswith(b"\n"))
        raise VectorsFormatError(
            f"{path}: line 1: expected the word2vec header 'V D' (two positive integers), found "
            f"{shown!r}; {advice}"
        )
    n_rows, dim = int(fields[0]), int(fields[1])
    if n_rows < 1 or dim < 1:
        raise VectorsFormatError(
            f"{path}: line 1: header {shown!r} declares {n_rows} rows of {dim} dimensions; "
            "a vectors file needs at least one row and one dimension"
        )
    return n_rows, dim


def _header_advice(fields: list[bytes], path: str, whole: bool) -> str:
    """What to do about a first line that is not a header, judged from its fields (``whole``:
    the line was read to its end, so its fields can be counted).

    Never an in-place edit of the user's file, and never a text tool on a compressed one: the
    advice writes a new file.
    """
    import shlex

    numbers = sum(_is_number(f) for f in fields)
    if len(fields) >= 3 and 2 * numbers < len(fields):  # mostly words: running text
        return ("this looks like a text corpus, not a vectors file: train vectors with "
                f"hsw2v train {shlex.quote(path)} -o vectors.bin, then query those")
    if len(fields) >= 2 and numbers == len(fields) - 1 and not _is_number(fields[0]):
        # A word and its numbers: a vectors file without the header (GloVe writes none).
        dim = len(fields) - 1 if whole else "D"  # a cut line: the count would be wrong
        src = shlex.quote(path)
        if path.lower().endswith(".gz"):
            new = shlex.quote(_with_infix(path[:-3], ".w2v") + ".gz")
            cmd = f'{{ echo "$(zcat {src} | wc -l) {dim}"; zcat {src}; }} | gzip > {new}'
        else:
            new = shlex.quote(_with_infix(path, ".w2v"))
            cmd = f'{{ echo "$(wc -l < {src}) {dim}"; cat {src}; }} > {new}'
        per_row = "" if whole else " (D: the numbers per row)"
        return (f"it looks like a vectors file without a header (as GloVe writes them): write a "
                f"copy with one and use that: {cmd}{per_row}")
    return ("give a word2vec vectors file (as written by hsw2v train, the word2vec C tool, "
            "gensim or fastText)")


def _with_infix(path: str, infix: str) -> str:
    """``path`` with ``infix`` before its extension: ``glove.txt`` -> ``glove.w2v.txt``."""
    root, ext = os.path.splitext(path)
    return f"{root}{infix}{ext}" if ext and "/" not in ext else f"{path}{infix}"


def _check_header_fits(n_header: int, n_rows: int, dim: int, size: int, path: str) -> None:
    """Refuse a header that promises more rows than ``size`` bytes can hold.

    A row takes at least ``2 * dim + 1`` bytes in either format (a one-byte word and ``dim``
    one-digit numbers, each after a separator), so a lying header is caught before anything is
    allocated for it. Small headers are left to the row parsers, whose messages say more.
    """
    if n_rows * dim * 4 > (1 << 26) and n_rows * (2 * dim + 1) > size:
        raise VectorsFormatError(
            f"{path}: line 1: the header declares {n_header} rows of {dim} dimensions but only "
            f"{size} bytes follow it, too few for {n_rows} rows; the header is wrong or the file "
            "is truncated: fix the header or re-create the file"
        )


def _looks_like_text_row(probe: bytes, dim: int) -> bool:
    """True if the first line of `probe` is a word followed by exactly `dim` numbers."""
    end = probe.find(b"\n")
    if end < 0:
        return False
    parts = probe[:end].rsplit(None, dim)
    if len(parts) != dim + 1:
        return False
    try:
        np.array(parts[1:], dtype=np.float32)
    except ValueError:
        return False
    return True


# Bytes that never occur in a text vectors file (C0 controls but tab, LF, CR; DEL).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _is_binary_probe(probe: bytes, dim: int) -> bool:
    """Guess the format from the bytes right after the header.

    Text if the first row is a word and `dim` numbers.  Otherwise (a broken first row) binary,
    unless the 4*dim bytes after the first space -- a binary row's vector -- are plain UTF-8 text
    without control characters, which random float bytes practically never are for dim >= 2:
    then it is a damaged text file, and the text reader will say which line is wrong.
    """
    if _looks_like_text_row(probe, dim):
        return False
    space = probe.find(b" ")
    payload = probe[space + 1 : space + 1 + 4 * dim] if space >= 0 else probe
    if dim < 2 or _CONTROL_BYTES.search(payload):
        return True
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(payload) - 3  # only a character cut at the end is allowed
    return False


def detect_binary(path: str | os.PathLike) -> bool:
    """Whether the word2vec file at `path` is binary, judged from its content (not its name).

    Raises
    ------
    VectorsFormatError
        If the file is empty or its header is malformed.
    """
    p = os.fspath(path)
    with _open_read(p) as f:
        header = f.readline()
        if not header:
            raise VectorsFormatError(f"{p}: the file is empty; expected a word2vec vectors file")
        _, dim = _parse_header(header, p)
        return _is_binary_probe(f.read(1024 + 40 * dim), dim)


def read_word2vec(
    path: str | os.PathLike,
    binary: bool | None = None,
    limit: int | None = None,
    encoding_errors: str = "replace",
    quiet: bool = True,
) -> tuple[list[str], np.ndarray]:
    """Read a word2vec-format file (text or binary, optionally gzipped).

    Parameters
    ----------
    path : str or os.PathLike
        The file; a name ending in ``.gz`` is decompressed.
    binary : bool, optional
        None (default) detects the format from the content: the row after the header is text if it
        is a word followed by exactly D numbers and a newline.
    limit : int, optional
        Read only the first `limit` rows (>= 1).  The rest of the file is then not checked.
    encoding_errors : str
        How to decode word bytes that are not UTF-8, one of :data:`ENCODING_ERRORS`.  The default
        ``replace`` substitutes U+FFFD; ``strict`` refuses the file; ``surrogateescape`` keeps the bytes.
    quiet : bool
        False shows the rows read on stderr as they are read (:class:`hsw2v.progress.Meter`: a
        bar on a terminal, else a line every 10 s of a long read).

    Returns
    -------
    words : list of str
        Unique words in file order.  A repeated word keeps its first row (a warning is logged):
        word2vec C files can contain repeats after non-UTF-8 bytes are replaced.
    vectors : numpy.ndarray
        float32, shape (len(words), D).

    Raises
    ------
    VectorsFormatError
        Naming the file and the line (text) or row (binary) for: an empty file, a bad header, a
        truncated file or fewer/more rows than the header says, a row with the wrong number of
        values or a non-numeric value, NaN or infinite values (refused: they make every cosine
        NaN), an undecodable word with ``encoding_errors="strict"``, an empty word.
    OSError
        If the file cannot be opened or read.
    """
    words, matrix, _ = read_word2vec_indexed(path, binary, limit, encoding_errors, quiet)
    return words, matrix


def read_word2vec_indexed(path, binary, limit, encoding_errors, quiet: bool = True
                          ) -> tuple[list[str], np.ndarray, dict]:
    """:func:`read_word2vec`, also returning the word -> row dict it builds anyway (for
    :class:`hsw2v.vectors.Vectors`)."""
    p = os.fspath(path)
    if encoding_errors not in ENCODING_ERRORS:
        raise ValueError(f"encoding_errors must be one of {ENCODING_ERRORS}, got {encoding_errors!r}")
    if limit is not None and (isinstance(limit, bool) or int(limit) < 1):
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    n_header = dim = 0
    try:
        with _open_read(p) as f:
            header = f.readline(4096)  # bounded: a binary file may have no newline for GBs
            if not header:
                raise VectorsFormatError(f"{p}: the file is empty; expected a word2vec vectors file")
            n_header, dim = _parse_header(header, p)
            n_rows = n_header if limit is None else min(n_header, int(limit))
            start = f.tell()
            if not isinstance(f, gzip.GzipFile):
                _check_header_fits(n_header, n_rows, dim, os.fstat(f.fileno()).st_size - start, p)
            probe = f.read(min(1024 + 40 * dim, 1 << 26))
            f.seek(start)
            if not probe.strip():
                raise VectorsFormatError(f"{p}: line 2: the file has a header but no rows")
            check_tail = limit is None
            with Meter(f"reading {p}", n_rows, quiet=quiet) as meter:
                if binary is not None:
                    words_b, matrix = _read_rows(f, start, p, binary, n_header, n_rows, dim,
                                                 check_tail, meter)
                else:
                    binary = _is_binary_probe(probe, dim)
                    try:
                        words_b, matrix = _read_rows(f, start, p, binary, n_header, n_rows, dim,
                                                     check_tail, meter)
                    except VectorsFormatError as guess_failed:
                        # The guess can only be wrong for odd files (a damaged first row, float
                        # bytes that happen to be printable): accept the other format if it
                        # parses.
                        meter.begin(0)
                        try:
                            words_b, matrix = _read_rows(f, start, p, not binary, n_header,
                                                         n_rows, dim, check_tail, meter)
                        except VectorsFormatError:
                            raise guess_failed from None
                        binary = not binary
                    log.debug("%s: detected %s format", p, "binary" if binary else "text")
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise VectorsFormatError(
            f"{p}: the gzip stream is damaged or truncated ({exc}); re-download or re-create the file"
        ) from None
    except (MemoryError, ValueError, OverflowError):
        if n_header * dim * 4 <= (1 << 26):
            raise
        # A lying header in a .gz file (plain files are checked against their size first).
        raise VectorsFormatError(
            f"{p}: line 1: the header declares {n_header} rows of {dim} dimensions, more than "
            "fits in memory; the header is wrong or the file is damaged (or pass --limit N)"
        ) from None
    words = _decode_words(words_b, p, binary, encoding_errors)
    _refuse_nonfinite(matrix, words, p, binary)
    return _drop_duplicates(words, matrix, p)


def _read_rows(f, start: int, path: str, binary: bool, n_header: int, n_rows: int, dim: int,
               check_tail: bool, meter: Meter | None = None) -> tuple[list[bytes], np.ndarray]:
    """Parse the rows after the header (which ends at byte `start`) as text or binary; the
    rows read so far go to ``meter``."""
    f.seek(start)
    if not binary:
        return _read_text_rows(f, path, n_header, n_rows, dim, check_tail, meter)
    if isinstance(f, gzip.GzipFile):
        return _read_binary_rows(f.read(), 0, path, n_header, n_rows, dim, check_tail, meter)
    # Map the file instead of reading it: no copy of the whole file in memory.
    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _read_binary_rows(data, start, path, n_header, n_rows, dim, check_tail, meter)


def _where(path: str, binary: bool, row: int) -> str:
    """'path: row N' for binary files, 'path: line N' (header is line 1) for text files."""
    return f"{path}: row {row + 1}" if binary else f"{path}: line {row + 2}"


def _read_binary_rows(
    data, start: int, path: str, n_header: int, n_rows: int, dim: int, check_tail: bool,
    meter: Meter | None = None,
) -> tuple[list[bytes], np.ndarray]:
    """Parse binary rows ``word SP <dim float32 LE> [LF]`` from `data` (bytes or mmap) at `start`.

    The only Python loop is one ``find`` per row to locate the space after each word; the vectors
    are then copied in bulk by fancy-indexing a sliding-window view of the buffer (no Python step
    per float, no copy of the whole file).
    """
    n_bytes = 4 * dim
    size = len(data)
    find = data.find
    starts = [0] * n_rows
    spaces = [0] * n_rows
    pos = start
    for row in range(n_rows):
        if meter is not None and not row & _METER_ROWS:
            meter.moveto(row)
        space = find(b" ", pos)
        if space < 0 or space + n_bytes >= size:
            raise VectorsFormatError(
                f"{path}: row {row + 1}: the file ends inside this row, after {row} complete rows, "
                f"but its header says {n_header}; the file is truncated or the header is wrong: "
                f"re-create it, or pass --limit {row} to read the complete rows"
                if row
                else f"{path}: row 1: the file ends before the first complete row of {dim} float32 "
                "values; the file is truncated or the header dimension is wrong"
            )
        starts[row] = pos
        spaces[row] = space
        pos = space + 1 + n_bytes
        if pos < size and data[pos] == 0x0A:  # the newline after a vector is optional
            pos += 1
    words = [data[a:b] for a, b in zip(starts, spaces)]
    for row in _bad_binary_words(words):
        word = words[row]
        raise VectorsFormatError(
            f"{path}: row {row + 1}: "
            + ("empty word" if not word else f"word {word[:40]!r} contains a line break")
            + f" at byte {starts[row]}; rows do not line up with the header's {dim} dimensions: "
            "the file is damaged, its header is wrong, or it is a text file (use --format text)"
        )
    if check_tail and data[pos:].strip():
        raise VectorsFormatError(
            f"{path}: row {n_header + 1}: data continues after the {n_header} rows the header "
            f"declares ({size - pos} more bytes at byte {pos}); the header is wrong or the file "
            "has trailing garbage: fix the header's row count or re-create the file"
        )
    matrix = np.empty((n_rows, dim), dtype="<f4")
    dest = matrix.view(np.uint8).reshape(n_rows, n_bytes)
    # Row i of `windows` is the n_bytes bytes starting at byte i: a view, nothing is copied.
    windows = sliding_window_view(np.frombuffer(data, dtype=np.uint8), n_bytes)
    first = np.asarray(spaces, dtype=np.int64) + 1
    for lo in range(0, n_rows, _GATHER_ROWS):  # blocks keep the temporary small and cached
        dest[lo : lo + _GATHER_ROWS] = windows[first[lo : lo + _GATHER_ROWS]]
    del windows  # release the buffer export so that the mmap can be closed
    if meter is not None:
        meter.moveto(n_rows)
    return words, matrix


def _bad_binary_words(words: list[bytes]) -> list[int]:
    """Rows whose word is empty or contains a newline (signs of misaligned rows)."""
    if all(words) and b"\n".join(words).count(b"\n") == len(words) - 1:
        return []
    return [i for i, w in enumerate(words) if not w or b"\n" in w]


def _describe_bad_row(fields: list[bytes], dim: int) -> str:
    """Explain why a text row's whitespace-separated `fields` are not a word plus `dim` numbers."""
    numeric = 0
    for field in reversed(fields):
        if not _is_number(field):
            break
        numeric += 1
    if numeric == len(fields):
        return f"found {numeric} numbers and no word"
    if numeric == len(fields) - 1:  # a word and only numbers after it: just the wrong count
        return f"expected {dim} numbers after the word (header), found {numeric}"
    bad = fields[len(fields) - numeric - 1].decode("utf-8", "replace")
    return f"expected {dim} numbers after the word (header), but {bad[:30]!r} is not a number"


def _read_text_rows(f, path: str, n_header: int, n_rows: int, dim: int, check_tail: bool,
                    meter: Meter | None = None):
    """Parse text rows ``word v1 ... vD``; the vector is taken from the right end of the line."""
    matrix = np.empty((n_rows, dim), dtype=np.float32)
    words: list[bytes] = []
    for row in range(n_rows):
        if meter is not None and not row & _METER_ROWS:
            meter.moveto(row)
        line = f.readline()
        if not line:
            raise VectorsFormatError(
                f"{path}: line {row + 1}: the file ends after {row} rows but its header says "
                f"{n_header}; the file is truncated or the header is wrong: re-create it, "
                f"or pass --limit {row} to read the complete rows"
                if row
                else f"{path}: line 2: the file has a header but no rows"
            )
        parts = line.rsplit(None, dim)
        why = None
        if len(parts) != dim + 1:
            why = "empty line" if not parts else _describe_bad_row(line.split(), dim)
        else:
            word = parts[0].lstrip()
            try:
                matrix[row] = parts[1:]
            except ValueError:
                why = _describe_bad_row(line.split(), dim)
            else:
                # A word with inner whitespace whose last piece is a number is more likely a row
                # with too many numbers than a multi-word token: refuse it.
                inner = word.split()
                if len(inner) > 1 and _is_number(inner[-1]):
                    why = _describe_bad_row(line.split(), dim)
        if why is not None:
            raise VectorsFormatError(
                f"{path}: line {row + 2}: {why}; every row must be a word and the {dim} numbers "
                "the header promises (if this is a binary file, use --format binary)"
            )
        words.append(word)
    if check_tail:
        for extra, line in enumerate(f):
            if line.strip():
                raise VectorsFormatError(
                    f"{path}: line {n_header + 2 + extra}: more rows follow the {n_header} the "
                    "header declares; fix the header's row count or re-create the file"
                )
    if meter is not None:
        meter.moveto(n_rows)
    return words, matrix


def _is_number(b: bytes) -> bool:
    try:
        float(b)
    except ValueError:
        return False
    return True


def _decode_words(words_b: list[bytes], path: str, binary: bool, errors: str) -> list[str]:
    """Decode UTF-8 word bytes (which contain no newline) with the codec error handler `errors`."""
    joined = b"\n".join(words_b)  # one decode call for all words: much faster than one per word
    try:
        words = joined.decode("utf-8", errors).split("\n")
    except UnicodeDecodeError as exc:
        row = joined.count(b"\n", 0, exc.start)
        raise VectorsFormatError(
            f"{_where(path, binary, row)}: word {words_b[row][:40]!r} is not valid UTF-8; pass "
            "--encoding-errors replace (or surrogateescape to keep the bytes)"
        ) from None
    if len(words) != len(words_b) or not all(words):
        row = next(i for i, (w, b) in enumerate(zip(words, words_b))
                   if not w or w != b.decode("utf-8", errors))
        raise VectorsFormatError(
            f"{_where(path, binary, row)}: word {words_b[row][:40]!r} is empty after decoding with "
            f"encoding_errors={errors!r}; use --encoding-errors replace"
        )
    return words


def _refuse_nonfinite(matrix: np.ndarray, words: list[str], path: str, binary: bool) -> None:
    # A row sum is finite only if every value is (NaN and inf propagate); an overflowing sum of
    # finite values is the rare false alarm that the exact check below clears.
    if np.isfinite(np.add.reduce(matrix, axis=1)).all():
        return
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        row = int(bad[0])
        raise VectorsFormatError(
            f"{_where(path, binary, row)}: the vector of {words[row]!r} contains NaN or infinity "
            f"({len(bad)} such rows); such vectors make every similarity NaN: the training that "
            "wrote them diverged, retrain (e.g. with a smaller learning rate)"
        )


def _drop_duplicates(words: list[str], matrix: np.ndarray, path: str):
    """Keep the first row of each word; return words, matrix and the word -> row dict."""
    key_to_index = dict(zip(words, range(len(words))))
    if len(key_to_index) == len(words):
        return words, matrix, key_to_index
    seen: dict[str, int] = {}
    dup_rows = [i for i, w in enumerate(words) if seen.setdefault(w, i) != i]
    log.warning(
        "%s: %d repeated words (first %r at row %d); keeping the first row of each",
        path, len(dup_rows), words[dup_rows[0]], dup_rows[0] + 1,
    )
    keep = np.ones(len(words), dtype=bool)
    keep[dup_rows] = False
    words = [w for w, k in zip(words, keep) if k]
    return words, np.ascontiguousarray(matrix[keep]), {w: i for i, w in enumerate(words)}


# ====================================================================== writing


def _encode_words(words: Sequence[str], path: str) -> list[bytes]:
    """UTF-8 bytes of each word; refuse words that could not be read back from the file."""
    out: list[bytes] = []
    for i, w in enumerate(words):
        try:
            b = w.encode("utf-8", "surrogateescape")  # surrogateescape: bytes kept on loading
        except UnicodeEncodeError:
            raise VectorsFormatError(
                f"{path}: word #{i + 1} {w[:40]!r} cannot be encoded as UTF-8; not written"
            ) from None
        if not b or _FIELD_SEPARATOR.search(b):
            raise VectorsFormatError(
                f"{path}: word #{i + 1} {w[:40]!r} is "
                + ("empty" if not b else "contains whitespace")
                + "; the word2vec format separates fields by whitespace, so it could not be read "
                "back: rename or drop it before saving (nothing was written)"
            )
        out.append(b)
    return out


def format_float32_block(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Format float32 values as text, vectorised: ``" d.dddddddde±XX"`` with trailing zeros dropped.

    Nine significant digits is enough for every float32 to read back bit-identical (``float()``,
    ``strtod``, ``numpy``), which ``%.6g`` is not.  The digits are computed with float64 and integer
    array arithmetic instead of one Python formatting call per float, which is ~4x faster here.

    Parameters
    ----------
    block : numpy.ndarray
        Finite float32 values, shape (R, D).

    Returns
    -------
    chars : numpy.ndarray
        uint8, shape (N,): the ASCII text of all values, row by row, each preceded by one space.
    row_lengths : numpy.ndarray
        int64, shape (R,): bytes of `chars` per row.
    """
    n_rows, dim = block.shape
    x = block.astype(np.float64).ravel()
    n = x.size
    mag = np.abs(x)
    nonzero = mag > 0
    exp = np.floor(np.log10(np.where(nonzero, mag, 1.0))).astype(np.int64)
    mant = np.rint(mag * np.power(10.0, 8 - exp))  # 9 digits: 100000000 <= mant < 1000000000
    for too_far in (mant >= 1e9, nonzero & (mant < 1e8)):  # log10 off by one at powers of ten
        if too_far.any():
            exp[too_far] += np.where(mant[too_far] >= 1e9, 1, -1)
            mant[too_far] = np.rint(mag[too_far] * np.power(10.0, 8 - exp[too_far]))
    mant = mant.astype(np.int64)
    # Layout of the 16 columns: ' ' '-' d0 '.' d1..d8 'e' sign e1 e2; `keep` drops what is not needed.
    chars = np.empty((n, 16), dtype=np.uint8)
    keep = np.ones((n, 16), dtype=bool)
    chars[:, 0] = ord(" ")
    chars[:, 1] = ord("-")
    keep[:, 1] = np.signbit(x)
    chars[:, 3] = ord(".")
    trailing_zeros = np.ones(n, dtype=bool)
    for k in range(8, -1, -1):
        mant, digit = np.divmod(mant, 10)
        col = 2 if k == 0 else k + 3
        chars[:, col] = digit + ord("0")
        if k:
            trailing_zeros &= digit == 0
            keep[:, col] = ~trailing_zeros
    keep[:, 3] = ~trailing_zeros  # no '.' when all eight fraction digits are zero
    chars[:, 12] = ord("e")
    chars[:, 13] = np.where(exp < 0, ord("-"), ord("+"))
    abs_exp = np.abs(exp)  # float32 exponents are within -45..38: two digits suffice
    chars[:, 14] = abs_exp // 10 + ord("0")
    chars[:, 15] = abs_exp % 10 + ord("0")
    return chars[keep], keep.reshape(n_rows, dim * 16).sum(axis=1)


def _write_rows(out, words_b: list[bytes], matrix: np.ndarray, binary: bool) -> None:
    n_rows, dim = matrix.shape
    out.write(f"{n_rows} {dim}\n".encode("ascii"))
    block = max(1, _TEXT_BLOCK_FLOATS // dim)
    for start in range(0, n_rows, block):
        stop = min(start + block, n_rows)
        pieces: list[bytes | memoryview] = []
        if binary:
            raw = memoryview(matrix[start:stop].astype("<f4", copy=False).tobytes())
            step = 4 * dim
            for r, w in enumerate(words_b[start:stop]):
                pieces += (w, b" ", raw[r * step : (r + 1) * step], b"\n")
        else:
            chars, lengths = format_float32_block(matrix[start:stop])
            raw = memoryview(chars)
            offset = 0
            for w, length in zip(words_b[start:stop], lengths.tolist()):
                pieces += (w, raw[offset : offset + length], b"\n")
                offset += length
        out.write(b"".join(pieces))


def write_word2vec(
    path: str | os.PathLike, words: Sequence[str], vectors: np.ndarray, binary: bool | None = None
) -> None:
    """Write vectors in the word2vec C layout, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; a name ending in ``.gz`` is gzip-compressed.
    words : sequence of str
        One word per row; no word may be empty or contain whitespace (ASCII space, tab, newline,
        CR, VT, FF), since the format could not read it back.
    vectors : numpy.ndarray
        Real, finite, shape (len(words), D).  Written as float32.
    binary : bool, optional
        None (default): binary if the name (without ``.gz``) ends in ``.bin``, text otherwise.
        Text numbers have 9 significant digits, so float32 values read back bit-identical.

    Raises
    ------
    VectorsFormatError
        For a bad word or a NaN/infinite value, before any file is created.
    OSError
        If writing fails (e.g. disk full); the destination is then left untouched and the
        temporary file is removed.
    """
    p = os.fspath(path)
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ValueError(f"vectors of shape {matrix.shape} do not match {len(words)} words")
    words_b = _encode_words(words, p)
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise VectorsFormatError(
            f"{p}: the vector of {words[row]!r} (row {row + 1}) contains NaN or infinity; "
            "not written: the training diverged, retrain (e.g. with a smaller learning rate)"
        )
    if binary is None:
        binary = is_binary_name(p)
    folder, name = os.path.split(os.path.abspath(p))
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as for an ordinary new file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "wb", buffering=1 << 20) as raw:
            if p.lower().endswith(".gz"):
                with gzip.GzipFile(filename=name[:-3], mode="wb", fileobj=raw, compresslevel=6) as gz:
                    _write_rows(gz, words_b, matrix, binary)
            else:
                _write_rows(raw, words_b, matrix, binary)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    log.debug("wrote %d x %d %s vectors to %s", matrix.shape[0], matrix.shape[1],
             "binary" if binary else "text", p)
