"""Ctrl-C and SIGTERM: a training run stops cleanly, and every phase of every command says what
it was doing and what was (not) written.

* :func:`phase` names what the code inside it does (``"reading the corpus (counting the
  vocabulary)"``) and what an interruption there leaves (``"nothing was written"``). A
  KeyboardInterrupt that leaves it is recorded (:func:`interrupted`), so that the command line
  can say ``hsw2v: interrupted while reading the corpus (counting the vocabulary); nothing was
  written`` instead of a bare "aborted".
* :class:`StopSignals`: the trainer (local or on a cluster) sets :attr:`StopSignals.stop` to
  its stop event; a signal then sets that event, the workers stop at their next chunk boundary,
  and the trainer writes a checkpoint before raising :class:`hsw2v.errors.TrainingInterrupted`.
  A signal while the corpus is still read (a phase marked ``abortable``) says at once that the
  run will stop once the reading is done, and a second one stops it there and then.
"""
from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

#: What is left when no phase says otherwise: every output of hsw2v is written to a temporary
#: name and renamed once complete.
NOTHING_HALF_WRITTEN = "no file was left half-written"

_local = threading.local()
_last: list[tuple[str, str]] = []  # the phase a KeyboardInterrupt last left (at most one)


def _stack() -> list[tuple[str, str, bool]]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


@contextlib.contextmanager
def phase(doing: str, outcome: str = "nothing was written", *,
          abortable: bool = False) -> Iterator[None]:
    """Name what this thread does inside the block, for an interruption's message.

    Parameters
    ----------
    doing : str
        Completes "interrupted while ...".
    outcome : str
        What an interruption here leaves, e.g. ``"v.txt was not written (no partial file)"``.
    abortable : bool
        A second SIGINT/SIGTERM during a training run's :class:`StopSignals` may stop this
        block at once (reading the corpus: nothing to save yet).
    """
    stack = _stack()
    stack.append((doing, outcome, abortable))
    try:
        yield
    except KeyboardInterrupt:
        if not _last:  # the innermost phase says it
            _last.append((doing, outcome))
        raise
    finally:
        stack.pop()


def current() -> tuple[str, str, bool] | None:
    """This thread's innermost phase ``(doing, outcome, abortable)``, or None."""
    stack = _stack()
    return stack[-1] if stack else None


def interrupted() -> tuple[str, str] | None:
    """``(doing, outcome)`` of the phase the last KeyboardInterrupt left, or None."""
    return _last[0] if _last else None


def forget() -> None:
    """Forget the recorded interruption (a new command starts)."""
    _last.clear()


def message(default_doing: str | None = None) -> str:
    """``interrupted while DOING; OUTCOME`` for the last KeyboardInterrupt (its phase, else
    ``default_doing`` and :data:`NOTHING_HALF_WRITTEN`)."""
    doing, outcome = interrupted() or (default_doing, NOTHING_HALF_WRITTEN)
    return f"interrupted while {doing}; {outcome}" if doing else f"interrupted; {outcome}"


class StopSignals:
    """SIGINT/SIGTERM handling while a training run works (main thread only).

    While :attr:`stop` is None a signal raises KeyboardInterrupt (nothing to save yet; temporary
    files are removed on the way out); once it is set, a signal sets that event instead, and
    the workers stop at their next chunk boundary. :attr:`during` is the phase the first signal
    arrived in (see :func:`phase`). A second signal in an ``abortable`` phase raises
    KeyboardInterrupt there.
    """

    def __init__(self):
        self.stop: threading.Event | None = None
        self.caught: list[str] = []
        self.during: str | None = None
        self._old: dict[int, Any] = {}

    def _handle(self, signum, frame):
        name = signal.Signals(signum).name
        self.caught.append(name)
        if self.stop is None:
            raise KeyboardInterrupt
        now = current()
        if len(self.caught) == 1:
            self.during = now[0] if now is not None else None
            if now is not None and now[2]:
                log.warning("%s: the run stops once %s is done and writes a checkpoint; "
                            "press Ctrl-C again to stop at once (nothing is then written)",
                            name, now[0])
        elif now is not None and now[2]:
            raise KeyboardInterrupt
        self.stop.set()

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()
