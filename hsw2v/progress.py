"""Progress of every command: a bar on a terminal, plain lines in a file, nothing with quiet.

:class:`Meter` is the one display every command that shows progress uses (counting and joining
phrases, counting a vocabulary, reading a large vectors file, training): a tqdm bar when the
stream is a terminal; when it is not (a batch job, ``nohup``, CI, ``2> log``), one plain line
every ``log_every`` seconds instead, because the bar's carriage-return redraws pile up in a
file as one endless line, and a last line when the task ends if it took that long; nothing
with ``quiet``.

:class:`Progress` is training's: it is fed the run's figures by the trainer's main thread
(every tick, ~20 times a second) and

* shows them on a :class:`Meter` (its lines carry the learning rate and the loss);
* records the loss curve: a point once at least 1/``points`` of the run's words have been
  read since the previous point, and one at the end, each with the mean loss per prediction
  since the previous point (float64 sums). An end sliver shorter than half a step is merged
  into the point before it: the loss of a few thousand words is mostly noise.

The lines are written to the stream like the bar they replace (not through ``logging``): they
are the bar's stand-in, so ``--quiet`` silences them as it silences the bar.
"""
from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

#: Steps of the loss curve over a whole run: a point after each 1% of the words of all epochs
#: (at most 100 points). Points come no finer than the kernel calls that add to the loss sums
#: (up to ~128 K words per thread) and the trainer's ticks (20 a second).
CURVE_POINTS = 100
#: Seconds between plain progress lines when the stream is not a terminal.
LOG_EVERY = 10.0


def display_mode(stream: TextIO, quiet: bool) -> str:
    """How progress shows on ``stream``: ``"off"`` (quiet), ``"bar"`` (a terminal) or
    ``"lines"`` (anything else: a file, a pipe)."""
    if quiet:
        return "off"
    isatty = getattr(stream, "isatty", None)
    try:
        return "bar" if isatty is not None and isatty() else "lines"
    except ValueError:  # a closed stream
        return "off"


class Meter:
    """A count of work done, shown as it grows: the progress display of every command.

    Parameters
    ----------
    desc : str
        What is counted, first on each line (``"phrases: counting"``).
    total : int, optional
        The count at the end, if known (percent and ETA are then shown).
    unit : str
        What one counts (``"word"``).
    quiet : bool
        Show nothing.
    log_every : float, optional
        Seconds between plain lines when ``stream`` is not a terminal (default
        :data:`LOG_EVERY`, read when the meter is made). A task that took at least that long
        also gets a last line when it ends (see :meth:`close`).
    stream : text stream, optional
        Where the bar or the lines go (default: ``sys.stderr`` when the meter is made).
    clock : callable
        Seconds, monotonic (tests pass a fake one).
    line : callable, optional
        ``line(now) -> str``, the plain line to write (default :meth:`line`).
    final : bool
        Write the last line (when the task took ``log_every`` seconds or more).
    bar_options
        Passed to tqdm.
    """

    def __init__(self, desc: str, total: int | None = None, unit: str = "word", *,
                 quiet: bool = False, log_every: float | None = None,
                 stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 line: Callable[[float], str] | None = None, final: bool = True,
                 **bar_options: Any):
        self.desc, self.total, self.unit = desc, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.log_every = LOG_EVERY if log_every is None else float(log_every)
        self.clock = clock
        self.mode = display_mode(self.stream, quiet)
        self._line_of = line if line is not None else self.line
        self.final = final
        self.lines = 0  # plain lines written
        self.n = 0
        self._bar = None
        if self.mode == "bar":
            from tqdm import tqdm

            options = dict(desc=desc or None, total=total, unit=unit, unit_scale=True,
                           file=self.stream, dynamic_ncols=True, leave=False)
            options.update(bar_options)
            self._bar = tqdm(**options)
        self.begin(0)

    def begin(self, n: int) -> None:
        """Start counting from ``n`` now (a resumed run starts part way): rates and the
        elapsed time are measured from here."""
        now = self.clock()
        self.n = int(n)
        self.start = self.last = (now, self.n)  # (clock, count) at the start, at the last line
        if self._bar is not None:
            self._bar.update(self.n - self._bar.n)

    def update(self, n: int = 1) -> None:
        """Count ``n`` more."""
        self.moveto(self.n + int(n))

    def moveto(self, n: int, postfix: str | None = None) -> None:
        """The count is now ``n``; ``postfix`` is shown after the bar (a terminal only)."""
        self.n = int(n)
        if self.mode == "bar":
            self._bar.update(self.n - self._bar.n)
            if postfix is not None:
                self._bar.set_postfix_str(postfix, refresh=False)
        elif self.mode == "lines":
            now = self.clock()
            if now - self.last[0] >= self.log_every:
                self._write(self._line_of(now))
                self.last = (now, self.n)

    def write(self, message: str) -> None:
        """Write a line (a summary) without breaking the bar; nothing when quiet."""
        if self.mode == "bar":
            self._bar.write(message, file=self.stream)
        elif self.mode == "lines":
            self._write(message)

    def close(self, done: bool = True) -> None:
        """End the display: the bar goes; in a file, a task that took ``log_every`` seconds or
        more gets a last line (unless ``done`` is false: it failed or was interrupted)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "lines" and done and self.final:
            now = self.clock()
            if now - self.start[0] >= self.log_every:
                self._write(self.final_line(now))
        self.mode = "off"

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(done=exc_type is None)

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
        self.lines += 1

    def _of_total(self) -> str:
        if not self.total:
            return f"{_si(self.n)} {self.unit}s"
        return (f"{_si(self.n)}/{_si(self.total)} {self.unit}s "
                f"({100 * self.n / self.total:.1f}%)")

    def line(self, now: float) -> str:
        """The plain line: count (of the total), rate since the last line, elapsed time and
        ETA (from the mean rate since the start; with a total)."""
        t0, n0 = self.start
        t1, n1 = self.last
        rate = (self.n - n1) / (now - t1) if now > t1 else 0.0
        text = (f"{self.desc}: {self._of_total()}, {rate:,.0f} {self.unit}s/s, "
                f"elapsed {_clock(now - t0)}")
        if self.total:
            mean = (self.n - n0) / (now - t0) if now > t0 else 0.0
            text += f", ETA {_clock((self.total - self.n) / mean) if mean > 0 else '?'}"
        return text

    def final_line(self, now: float) -> str:
        """The last line: the count, the time it took and the mean rate."""
        t0, n0 = self.start
        secs = now - t0
        rate = (self.n - n0) / secs if secs > 0 else 0.0
        return (f"{self.desc}: done, {_si(self.n)} {self.unit}s in {_clock(secs)} "
                f"({rate:,.0f} {self.unit}s/s)")


class Progress:
    """Progress display and loss-curve recorder of one training run.

    Parameters
    ----------
    total : int
        Words to read in the whole run (in-vocabulary words per epoch x epochs).
    alpha : callable
        Learning rate after ``words`` words of the run: ``alpha(words) -> float``.
    quiet : bool
        Show nothing (the curve is still recorded).
    log_every : float, optional
        Seconds between plain lines when ``stream`` is not a terminal (default
        :data:`LOG_EVERY`).
    curve : list of dict, optional
        The list the curve points are appended to (a resumed run passes the points it had);
        each point is ``{"words": int, "alpha": float, "loss": float or None}``.
    stream : text stream, optional
        Where the bar or the lines go (default: ``sys.stderr`` at construction).
    points : int
        Curve points over the whole run.
    clock : callable
        Seconds, monotonic (tests pass a fake one).
    """

    def __init__(self, total: int, alpha: Callable[[int], float], *, quiet: bool = False,
                 log_every: float | None = None, curve: list[dict[str, Any]] | None = None,
                 stream: TextIO | None = None, points: int = CURVE_POINTS,
                 clock: Callable[[], float] = time.monotonic):
        self.total = max(int(total), 1)
        self.alpha = alpha
        self.curve = curve if curve is not None else []
        self.points = points
        self.clock = clock
        self.meter = Meter("", self.total, "word", quiet=quiet, log_every=log_every,
                           stream=stream, clock=clock, line=self.line, final=False, leave=True,
                           smoothing=0.1,
                           bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<"
                                      "{remaining}, {rate_fmt}{postfix}]")
        self.stream, self.mode, self.log_every = self.meter.stream, self.meter.mode, \
            self.meter.log_every
        # Sums of the epochs finished in this process; update() adds the running epoch's.
        self._loss_base = 0.0
        self._pairs_base = 0.0
        self._ref: tuple[int, float, float] | None = None  # words, loss, pairs at last point
        self._prev: tuple[int, float, float] | None = None  # ... at the point before it
        self.words = 0
        self._loss = self._pairs = 0.0

    # ---------------------------------------------------------------------------- feeding
    def update(self, words: int, loss: float, pairs: float) -> None:
        """Take the run's position: ``words`` done in the run, and the running epoch's loss
        and prediction sums (they restart at zero after :meth:`epoch_done`)."""
        loss += self._loss_base
        pairs += self._pairs_base
        self.words, self._loss, self._pairs = int(words), loss, pairs
        if self._ref is None:  # the starting position (part way for a resumed run)
            self._ref = (self.words, loss, pairs)
            self.meter.begin(self.words)
            return
        self._record(loss, pairs)
        postfix = None
        if self.meter.mode == "bar":
            postfix = f"alpha={self.alpha(self.words):.5f}, loss={self._shown_loss()}"
        self.meter.moveto(self.words, postfix)

    def epoch_done(self, loss: float, pairs: float) -> None:
        """Add a finished epoch's sums (the trainer then restarts its accumulators at zero)."""
        self._loss_base += float(loss)
        self._pairs_base += float(pairs)

    def write(self, message: str) -> None:
        """Write a line (an epoch summary) without breaking the bar; nothing when quiet."""
        self.meter.write(message)

    def close(self) -> None:
        self.meter.close()

    def _record(self, loss: float, pairs: float) -> None:
        """Add a curve point if a step's words have been read since the last, or at the end."""
        start = self._ref
        since = self.words - start[0]
        due = since * self.points >= self.total
        if not due and not (self.words >= self.total and since > 0):
            return
        if not due and self._prev is not None and 2 * since * self.points < self.total:
            start = self._prev  # an end sliver: the last point covers it too
            self.curve.pop()
        w0, l0, p0 = start
        dp = pairs - p0
        mean = (loss - l0) / dp if dp > 0 else None  # no prediction: undefined, not NaN
        self.curve.append({"words": self.words, "alpha": float(self.alpha(self.words)),
                           "loss": None if mean is None else float(mean)})
        self._prev, self._ref = start, (self.words, loss, pairs)

    # ---------------------------------------------------------------------------- showing
    def _shown_loss(self) -> str:
        """The loss of the latest curve point (~1% of the run), else the mean so far."""
        last = self.curve[-1]["loss"] if self.curve else None
        if last is None and self._pairs > 0:
            last = self._loss / self._pairs
        return "n/a" if last is None else f"{last:.4f}"

    def line(self, now: float | None = None) -> str:
        """The plain progress line: percent, words, words/s since the last line, alpha, loss,
        elapsed time and ETA (from the mean rate since the start)."""
        now = self.clock() if now is None else now
        t0, w0 = self.meter.start
        t1, w1 = self.meter.last
        rate = (self.words - w1) / (now - t1) if now > t1 else 0.0
        mean_rate = (self.words - w0) / (now - t0) if now > t0 else 0.0
        left = self.total - self.words
        eta = _clock(left / mean_rate) if mean_rate > 0 else "?"
        return (f"progress {100 * self.words / self.total:5.1f}% "
                f"{_si(self.words)}/{_si(self.total)} words, {rate:,.0f} words/s, "
                f"alpha {self.alpha(self.words):.6f}, loss {self._shown_loss()}, "
                f"elapsed {_clock(now - t0)}, ETA {eta}")


def _si(n: float) -> str:
    """``1234567 -> '1.23M'``."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n:.0f}"


def _clock(seconds: float) -> str:
    """``3725 -> '1:02:05'``, ``65 -> '1:05'``."""
    if not math.isfinite(seconds):
        return "?"
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
