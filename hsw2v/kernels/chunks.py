"""The chunk table of the id stream: where each chunk of whole sentence pieces starts."""
from hsw2v.kernels.policy import jit

@jit
def chunk_cuts(ids, remap, pos, last, total, target, starts, before, hard=False):
    """Cut a block of the id stream into chunks of whole sentence pieces.

    A chunk ends just after the first piece end (a negative entry) at least ``target``
    entries after the chunk's start; with ``hard``, after exactly ``target`` entries, inside a
    piece if need be (the kernels train each chunk's part of a piece as a piece of its own).

    Parameters
    ----------
    ids : int32 (n,)         stream entries ``[pos, pos + n)``.
    remap : int32 (P,)       stream id -> vocabulary id, or ``-1`` (not a word to count).
    pos : int                stream position of ``ids[0]``.
    last : int               stream position where the current chunk starts.
    total : int              in-vocabulary words before ``pos``.
    target : int             wanted entries per chunk (>= 1).
    starts, before : int64 (>= n // target + 1,)  receive each new chunk start and the
                             in-vocabulary words before it.

    Returns
    -------
    (int, int, int)
        New chunk starts written, then ``last`` and ``total`` after the block.
    """
    k = 0
    for i in range(ids.shape[0]):
        t = ids[i]
        if t >= 0:
            if remap[t] >= 0:
                total += 1
            if hard and pos + i + 1 - last >= target:
                last = pos + i + 1
                starts[k] = last
                before[k] = total
                k += 1
        elif pos + i + 1 - last >= target:
            last = pos + i + 1
            starts[k] = last
            before[k] = total
            k += 1
    return k, last, total

