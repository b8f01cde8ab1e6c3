"""Corpus tokenizing and token counting: UTF-8 bytes, an open-addressing hash table."""
import numpy as np

from hsw2v.kernels.policy import jit

# The fast path of corpus reading (see hsw2v.vocab.TokenTable): one pass over a block of UTF-8
# bytes splits it into tokens, finds or adds each in a hash table and writes its id, so no
# Python object is made per token. Blocks arrive as valid UTF-8 (invalid bytes are already
# U+FFFD), so bytes can be classified one at a time: lead bytes and continuation bytes have
# disjoint values and a continuation byte is never taken for whitespace. Inside a token, bytes
# are skipped 8 at a time (SWAR: bit tricks on a uint64 holding 8 bytes) up to the next byte
# that may start whitespace, which is then classified exactly.
#
# Token table: distinct tokens get ids 0, 1, ... in order of first appearance. ``slots`` (int32,
# a power of two long, -1 empty) is a linear-probing index into the per-id arrays ``hashes``
# (uint64), ``heads`` (uint64: the first 8 bytes, little-endian, zero-padded), ``offsets``
# (int64, into ``arena``), ``lengths`` (int32) and ``counts`` (int64); ``arena`` (uint8) holds
# the token bytes back to back in id order; ``used`` (int64, (2,)) holds the number of ids and
# of arena bytes. Comparing ``heads`` settles most lookups without touching the arena.

#: Byte classes: 0 inside a token, 1 ASCII whitespace, 2 newline, 3 lead byte of a multi-byte
#: character that may be whitespace (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
#: U+202F, U+205F, U+3000: exactly the non-ASCII characters for which ``str.isspace()`` holds).
_BYTE_CLASS = np.zeros(256, dtype=np.uint8)
_BYTE_CLASS[[0x09, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20]] = 1
_BYTE_CLASS[0x0A] = 2
_BYTE_CLASS[[0xC2, 0xE1, 0xE2, 0xE3]] = 3

_HASH_M1 = np.uint64(0x9E3779B97F4A7C15)
_HASH_M2 = np.uint64(0xBF58476D1CE4E5B9)


@jit
def wide_space_width(b0, b1, b2):
    """Bytes of the multi-byte whitespace character encoded as ``b0 b1 b2 ...``, 0 if none.

    Scalars only (no array argument), so a call costs no reference counting even where it is
    not inlined.

    Parameters
    ----------
    b0, b1, b2 : int
        The first three bytes of a character in valid UTF-8 (0 past the end of the text).

    Returns
    -------
    int
        2 for U+0085 and U+00A0, 3 for U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F
        and U+3000, 0 otherwise (ASCII whitespace included: see ``_BYTE_CLASS``).
    """
    if b0 == 0xC2:
        return 2 if b1 == 0x85 or b1 == 0xA0 else 0
    if b0 == 0xE1:
        return 3 if b1 == 0x9A and b2 == 0x80 else 0
    if b0 == 0xE3:
        return 3 if b1 == 0x80 and b2 == 0x80 else 0
    if b0 == 0xE2:
        if b1 == 0x80:
            # U+2000-U+200A, U+2028, U+2029, U+202F (b2 >= 0x80 in valid UTF-8)
            return 3 if b2 <= 0x8A or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF else 0
        return 3 if b1 == 0x81 and b2 == 0x9F else 0  # U+205F
    return 0


_SWAR_01 = np.uint64(0x0101010101010101)
_SWAR_21 = np.uint64(0x2121212121212121)
_SWAR_80 = np.uint64(0x8080808080808080)
_SWAR_LEADS = (np.uint64(0xC2C2C2C2C2C2C2C2), np.uint64(0xE1E1E1E1E1E1E1E1),
               np.uint64(0xE2E2E2E2E2E2E2E2), np.uint64(0xE3E3E3E3E3E3E3E3))
_BYTE_INDEX = np.uint64(0x0001020304050607)


@jit
def _load_word(buf, i):
    """The 8 bytes ``buf[i:i + 8]`` as a little-endian uint64 (``i + 8 <= len(buf)``).

    The index is unsigned so that numba adds no negative-index wrap-around to each byte load,
    which lets LLVM merge the eight loads into one.
    """
    u = np.uint64(i)
    return (np.uint64(buf[u]) | (np.uint64(buf[u + np.uint64(1)]) << np.uint64(8))
            | (np.uint64(buf[u + np.uint64(2)]) << np.uint64(16))
            | (np.uint64(buf[u + np.uint64(3)]) << np.uint64(24))
            | (np.uint64(buf[u + np.uint64(4)]) << np.uint64(32))
            | (np.uint64(buf[u + np.uint64(5)]) << np.uint64(40))
            | (np.uint64(buf[u + np.uint64(6)]) << np.uint64(48))
            | (np.uint64(buf[u + np.uint64(7)]) << np.uint64(56)))


@jit
def _swar_may_be_space(x):
    """Flag (high bit set) the bytes of ``x`` that may start whitespace: bytes below 0x21
    and the lead bytes 0xC2, 0xE1, 0xE2, 0xE3 of class 3.

    ``(x - 0x21..) & ~x`` flags bytes below 0x21, ``(y - 0x01..) & ~y`` the zero bytes of
    ``y = x ^ lead``. A borrow can also flag bytes above a flagged one, never below, so the
    lowest flag is exact, and only it is used.
    """
    may = (x - _SWAR_21) & ~x
    for lead in _SWAR_LEADS:
        y = x ^ lead
        may |= (y - _SWAR_01) & ~y
    return may & _SWAR_80


@jit
def _lowest_byte(may):
    """Index (0-7) of the lowest byte of ``may`` (nonzero, high bits only) that is flagged."""
    low = may & (~may + np.uint64(1))
    return np.int64(((low >> np.uint64(7)) * _BYTE_INDEX) >> np.uint64(56))


@jit
def scan_tokens(buf, start, file_end, max_len, run, insert, table, out, m):
    """Tokenize a block of UTF-8 and write the id of each token, and -1 after each piece.

    Tokens are separated by ``str.isspace()`` characters. A newline ends the current sentence
    piece, a piece that reaches ``max_len`` tokens ends there, and ``file_end`` ends the last
    one; each piece end writes -1.

    With ``insert`` each token is counted and a new one gets the next id; the call stops early,
    before a new token that does not fit (a full ``hashes``, ``slots`` half full, or a full
    ``arena``), so the caller can grow the table and call again from the returned position.
    Without ``insert`` the table is only read and tokens not in it are left out.

    Parameters
    ----------
    buf : uint8 (n,)
        Valid UTF-8; its end ends a token.
    start : int
        Position to start at: 0, or the position an earlier call stopped at.
    file_end : bool
        The block is the last of its file.
    max_len : int
        Longest sentence piece, in tokens.
    run : int
        Tokens of the unfinished piece carried from before ``start``.
    insert : bool
        Count and add tokens (True) or only look them up (False).
    table : tuple
        The token table ``(slots, hashes, heads, offsets, lengths, counts, arena, used)``
        (see the section's header), updated in place.
    out : int32 (n + 3,)
        Out: ids and -1 piece ends, from ``out[m]`` on (a block never makes more than
        ``n + 3`` entries: at most one piece end per token, plus one).
    m : int
        Entries of ``out`` already written.

    Returns
    -------
    (m, tokens, pieces, run, stop) : (int, int, int, int, int)
        Entries of ``out`` written in all, tokens and piece ends read by this call, the tokens
        of the unfinished piece, and the position reached: ``n`` when the block is done,
        otherwise the start of the token that did not fit.
    """
    slots, hashes, heads, offsets, lengths, counts, arena, used = table
    n = buf.shape[0]
    mask = np.uint64(slots.shape[0] - 1)
    n_ids = used[0]
    top = used[1]
    tokens = 0
    pieces = 0
    s = -1  # start of the token being read, -1 between tokens
    i = start
    while i <= n:
        width = 1
        c = 1  # the end of the block acts as a space
        if i < n:
            b = buf[i]
            c = _BYTE_CLASS[b]
            if c == 3:
                width = wide_space_width(b, buf[i + 1] if i + 1 < n else 0,
                                         buf[i + 2] if i + 2 < n else 0)
                if width == 0:
                    c = 0
            if c == 0:
                if s < 0:
                    s = i
                i += 1
                # Skip to the next byte that may be whitespace: 8 bytes at a time while they
                # fit, then byte by byte. (The loop exit, mispredicted once per token, is the
                # main cost of tokenizing; fewer, wider steps make it cheaper.)
                while i + 8 <= n:
                    may = _swar_may_be_space(_load_word(buf, i))
                    if may != np.uint64(0):
                        i += _lowest_byte(may)
                        break
                    i += 8
                while i < n and _BYTE_CLASS[buf[np.uint64(i)]] == 0:
                    i += 1
                continue
        if s >= 0:
            length = i - s
            # Hash 8 bytes at a time (little-endian words, the last one zero-padded); the first
            # word is the token's head.
            h = np.uint64(length)
            head = np.uint64(0)
            for q in range(s, i, 8):
                if q + 8 <= n:
                    w = _load_word(buf, q)
                    if i - q < 8:
                        w &= (np.uint64(1) << np.uint64(8 * (i - q))) - np.uint64(1)
                else:
                    w = np.uint64(0)
                    for r in range(i - q):
                        w |= np.uint64(buf[q + r]) << np.uint64(8 * r)
                if q == s:
                    head = w
                h = (h ^ w) * _HASH_M1
                h ^= h >> np.uint64(29)
            h = (h ^ (h >> np.uint64(32))) * _HASH_M2
            h ^= h >> np.uint64(29)
            j = h & mask
            t = -1
            while True:
                t = slots[j]
                if t < 0:
                    break
                if hashes[t] == h and heads[t] == head and lengths[t] == length:
                    if length <= 8:
                        break
                    o = offsets[t]
                    same = True
                    for q in range(8, length):
                        if arena[o + q] != buf[s + q]:
                            same = False
                            break
                    if same:
                        break
                j = (j + np.uint64(1)) & mask
            if t >= 0:
                if insert:
                    counts[t] += 1
                out[m] = t
                m += 1
            elif insert:
                if (n_ids >= hashes.shape[0] or 2 * (n_ids + 1) > slots.shape[0]
                        or top + length > arena.shape[0]):
                    used[0] = n_ids
                    used[1] = top
                    return m, tokens, pieces, run, s
                slots[j] = n_ids
                hashes[n_ids] = h
                heads[n_ids] = head
                offsets[n_ids] = top
                lengths[n_ids] = length
                counts[n_ids] = 1
                for q in range(length):
                    arena[top + q] = buf[s + q]
                top += length
                out[m] = n_ids
                m += 1
                n_ids += 1
            tokens += 1
            run += 1
            s = -1
            if run >= max_len:
                out[m] = -1
                m += 1
                pieces += 1
                run = 0
        if c == 2 and run > 0:
            out[m] = -1
            m += 1
            pieces += 1
            run = 0
        i += width
    if file_end and run > 0:
        out[m] = -1
        m += 1
        pieces += 1
        run = 0
    used[0] = n_ids
    used[1] = top
    return m, tokens, pieces, run, n


@jit
def table_rehash(slots, hashes, n_ids):
    """Fill ``slots`` (int32, power-of-two length, all -1) with ids ``0 .. n_ids - 1`` by hash."""
    mask = np.uint64(slots.shape[0] - 1)
    for t in range(n_ids):
        j = hashes[t] & mask
        while slots[j] >= 0:
            j = (j + np.uint64(1)) & mask
        slots[j] = t


@jit
def table_compact(keep, hashes, heads, offsets, lengths, counts, arena):
    """Keep only the ids ``keep`` of a token table, renumbered ``0 .. len(keep) - 1`` in order.

    The per-id arrays and the arena are compacted in place (``keep`` is increasing, so nothing
    is overwritten before it is moved); ``slots`` must be rebuilt with :func:`table_rehash`.

    Parameters
    ----------
    keep : int64 (k,)
        Increasing ids to keep.
    hashes, heads, offsets, lengths, counts, arena
        The token table (see the section's header).

    Returns
    -------
    int
        Arena bytes in use afterwards.
    """
    top = 0
    for new in range(keep.shape[0]):
        t = keep[new]
        o = offsets[t]
        length = lengths[t]
        for q in range(length):
            arena[top + q] = arena[o + q]
        hashes[new] = hashes[t]
        heads[new] = heads[t]
        offsets[new] = top
        lengths[new] = length
        counts[new] = counts[t]
        top += length
    return top

