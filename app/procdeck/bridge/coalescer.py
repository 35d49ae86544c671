"""Turn engine notifications at any rate into Qt work at display rate.

The engine notifies on every change (a pipe read, a job finishing, a sample); the window
needs to hear about it a few dozen times a second at most. A ``Coalescer`` owns one
single-shot timer: the first ``poke`` arms it, later pokes until it fires cost one
attribute check, and when it fires the owner's ``flush`` collects everything that changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: Display rate for tables and lists fed by the engine (runs, jobs).
UI_HZ = 30
UI_INTERVAL_MS = 1000 // UI_HZ


class Coalescer:
    """Calls ``flush`` once per burst of ``poke`` calls, ``interval_ms`` after the first.

    ``leading=True`` measures the interval from the previous flush instead: the first poke
    after a quiet spell flushes at once, a burst still gets at most one flush per interval.
    ``flush`` may poke again (more work than one flush should carry) to schedule the next.
    """

    __slots__ = ("_closed", "_flush", "_leading", "_timer", "armed", "interval_ms", "last_flush")

    def __init__(
        self, parent: QObject, flush: Callable[[], None], interval_ms: int, *, leading: bool = False
    ) -> None:
        self._flush = flush
        self.interval_ms = interval_ms
        self._leading = leading
        self._closed = False
        self.armed = False
        self.last_flush = -1e9  # time.monotonic() of the last flush
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def poke(self, delay_ms: int | None = None) -> None:
        """Something changed: flush after ``delay_ms`` (default the interval) unless armed."""
        if self.armed or self._closed:
            return
        self.armed = True
        delay = self.interval_ms if delay_ms is None else delay_ms
        if self._leading:
            since_ms = (time.monotonic() - self.last_flush) * 1000.0
            delay = max(0, int(delay - since_ms))
        self._timer.start(delay)

    def flush_now(self) -> None:
        """Flush at once (tests, shutdown, a user asking for fresh data)."""
        self._timer.stop()
        self._fire()

    def _fire(self) -> None:
        self.armed = False
        self.last_flush = time.monotonic()
        self._flush()

    def close(self) -> None:
        """Never flush again; safe to call twice."""
        self._closed = True
        self.armed = False
        self._timer.stop()
