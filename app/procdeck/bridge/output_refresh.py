"""Coalesce a run's output notifications to display rate for its viewers.

A RunOutput notifies on every pipe read (thousands of times per second in a flood). A
viewer needs to hear about it at most ``hz`` times per second: the first notification arms
a single-shot timer, later ones until it fires cost one attribute check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

OUTPUT_HZ = 60


class Subscribable(Protocol):
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]: ...


class OutputRefresher(QObject):
    """Emits ``changed`` at most ``hz`` times per second while output arrives."""

    changed = Signal()

    def __init__(self, output: Subscribable, hz: float = OUTPUT_HZ, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, int(1000 / hz)))
        self._timer.timeout.connect(self._fire)
        self._unsubscribe: Callable[[], None] | None = output.subscribe(self._on_output)

    def _on_output(self) -> None:
        if not self._armed:
            self._armed = True
            self._timer.start()

    def _fire(self) -> None:
        self._armed = False
        self.changed.emit()

    def close(self) -> None:
        """Stop listening (the viewer closed); safe to call twice."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._timer.stop()
        self._armed = False
