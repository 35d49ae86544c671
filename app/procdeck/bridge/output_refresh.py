"""Coalesce a run's output notifications to display rate for its viewers.

A RunOutput notifies on every pipe read (thousands of times per second in a flood). A
viewer needs to hear about it at most ``hz`` times per second: the first notification arms
a single-shot timer, later ones until it fires cost one attribute check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

OUTPUT_HZ = 60
BUSY_HZ = 30  # while output streams without pause: text scrolls past too fast to read anyway
BUSY_AFTER_S = 0.1


class Subscribable(Protocol):
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]: ...


class OutputRefresher(QObject):
    """Emits ``changed`` at most ``hz`` times per second (``busy_hz`` in a flood)."""

    changed = Signal()

    def __init__(
        self,
        output: Subscribable,
        hz: float = OUTPUT_HZ,
        busy_hz: float = BUSY_HZ,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._armed = False
        self._idle_ms = max(1, int(1000 / hz))
        self._busy_ms = max(self._idle_ms, int(1000 / busy_hz))
        self._last_fire = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self._idle_ms)
        self._timer.timeout.connect(self._fire)
        self._unsubscribe: Callable[[], None] | None = output.subscribe(self._on_output)

    def _on_output(self) -> None:
        if not self._armed:
            self._armed = True
            # Output again right after a repaint: a stream in full flow, repaint at the
            # busy rate (half the paint work, more time for the pipes). After a pause the
            # first update comes at the full rate, so prompts and keystrokes feel immediate.
            busy = time.monotonic() - self._last_fire < BUSY_AFTER_S
            self._timer.start(self._busy_ms if busy else self._idle_ms)

    def _fire(self) -> None:
        self._armed = False
        self._last_fire = time.monotonic()
        self.changed.emit()

    def close(self) -> None:
        """Stop listening (the viewer closed); safe to call twice."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._timer.stop()
        self._armed = False
