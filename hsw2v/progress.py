"""Training progress: a bar on a terminal, plain lines in a file, and the recorded loss curve.

:class:`Progress` is fed the run's figures by the trainer's main thread (every tick, ~20 times
a second) and

* shows them: a tqdm bar when the stream is a terminal; when it is not (a batch job, ``nohup``,
  CI), one plain line every ``log_every`` seconds instead, because the bar's carriage-return
  redraws pile up in a file as one endless line; nothing with ``quiet``;
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
        self.stream = stream if stream is not None else sys.stderr
        self.log_every = LOG_EVERY if log_every is None else float(log_every)
        self.clock = clock
        if quiet:
            self.mode = "off"
        else:
            isatty = getattr(self.stream, "isatty", None)
            self.mode = "bar" if isatty is not None and isatty() else "lines"
        self._bar = None
        if self.mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, unit="word", unit_scale=True, file=self.stream,
                             dynamic_ncols=True, smoothing=0.1,
                             bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<"
                                        "{remaining}, {rate_fmt}{postfix}]")
        # Sums of the epochs finished in this process; update() adds the running epoch's.
        self._loss_base = 0.0
        self._pairs_base = 0.0
        self._ref: tuple[int, float, float] | None = None  # words, loss, pairs at last point
        self._prev: tuple[int, float, float] | None = None  # ... at the point before it
        self._start: tuple[float, int] | None = None  # clock, words at the first update
        self._line: tuple[float, int] | None = None  # clock, words at the last plain line
        self.words = 0
        self._loss = self._pairs = 0.0

    # ---------------------------------------------------------------------------- feeding
    def update(self, words: int, loss: float, pairs: float) -> None:
        """Take the run's position: ``words`` done in the run, and the running epoch's loss
        and prediction sums (they restart at zero after :meth:`epoch_done`)."""
        now = self.clock()
        loss += self._loss_base
        pairs += self._pairs_base
        self.words, self._loss, self._pairs = int(words), loss, pairs
        if self._ref is None:  # the starting position (part way for a resumed run)
            self._ref = (self.words, loss, pairs)
            self._start = self._line = (now, self.words)
        else:
            self._record(loss, pairs)
        if self.mode == "bar":
            self._bar.update(self.words - self._bar.n)
            self._bar.set_postfix_str(f"alpha={self.alpha(self.words):.5f}, "
                                      f"loss={self._shown_loss()}", refresh=False)
        elif self.mode == "lines" and now - self._line[0] >= self.log_every:
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()
            self._line = (now, self.words)

    def epoch_done(self, loss: float, pairs: float) -> None:
        """Add a finished epoch's sums (the trainer then restarts its accumulators at zero)."""
        self._loss_base += float(loss)
        self._pairs_base += float(pairs)

    def write(self, message: str) -> None:
        """Write a line (an epoch summary) without breaking the bar; nothing when quiet."""
        if self.mode == "bar":
            self._bar.write(message, file=self.stream)
        elif self.mode == "lines":
            self.stream.write(message + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

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
        t0, w0 = self._start
        t1, w1 = self._line
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
