"""Coalesce a run's output notifications to display rate for its viewers.

A RunOutput notifies on every pipe read (thousands of times per second in a flood). A
viewer needs to hear about it at most ``hz`` times per second (``bridge/coalescer.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from procdeck.bridge.coalescer import Coalescer

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
        self._idle_ms = max(1, int(1000 / hz))
        self._busy_ms = max(self._idle_ms, int(1000 / busy_hz))
        self._coalescer = Coalescer(self, self.changed.emit, self._idle_ms)
        self._unsubscribe: Callable[[], None] | None = output.subscribe(self._on_output)

    def _on_output(self) -> None:
        coalescer = self._coalescer
        if not coalescer.armed:
            # Output again right after a repaint: a stream in full flow, repaint at the
            # busy rate (half the paint work, more time for the pipes). After a pause the
            # first update comes at the full rate, so prompts and keystrokes feel immediate.
            busy = time.monotonic() - coalescer.last_flush < BUSY_AFTER_S
            coalescer.poke(self._busy_ms if busy else self._idle_ms)

    def close(self) -> None:
        """Stop listening (the viewer closed); safe to call twice."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._coalescer.close()
