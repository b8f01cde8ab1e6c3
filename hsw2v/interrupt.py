"""Stopping a training run cleanly on SIGINT/SIGTERM (Ctrl-C, a batch system's kill).

The trainer (local or on a cluster) sets :attr:`StopSignals.stop` to its stop event once there is
something to save; a signal then sets that event, the workers stop at their next chunk
boundary, and the trainer writes a checkpoint before raising
:class:`hsw2v.errors.TrainingInterrupted`.
"""
from __future__ import annotations

import signal
import threading
from typing import Any


class StopSignals:
    """SIGINT/SIGTERM handling while a training run works (main thread only).

    Before training starts a signal raises KeyboardInterrupt (nothing to save yet; temporary
    files are removed on the way out); once :attr:`stop` is set, it sets that event instead,
    and the workers stop at their next chunk boundary.
    """

    def __init__(self):
        self.stop: threading.Event | None = None
        self.caught: list[str] = []
        self._old: dict[int, Any] = {}

    def _handle(self, signum, frame):
        self.caught.append(signal.Signals(signum).name)
        if self.stop is None:
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
