"""Report when the main window has first been painted: the user-visible end of start-up.

``watch_first_paint(window, report)`` calls ``report(seconds)`` once, right after the
window's first paint event has been handled, with the seconds since the process started
(from ``/proc/self/stat`` where there is one, else since this module was imported).
The start-up benchmark (tests/benchmarks/startup.py) sets ``PROCDECK_STARTUP_MARKER=1``
and reads the ``MARKER`` line that ``print_marker`` writes to stdout.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

MARKER = "procdeck-first-paint"
ENV = "PROCDECK_STARTUP_MARKER"
_IMPORTED = time.monotonic()


def seconds_since_process_start() -> float:
    """Seconds since this process was started by the kernel (Linux), else since import."""
    try:
        with open("/proc/self/stat", "rb") as f:
            stat = f.read()
        # Field 22 (starttime, in clock ticks since boot), counted after the ")" that ends
        # the command name (which may itself contain spaces or parentheses).
        start_ticks = int(stat[stat.rindex(b")") + 2 :].split()[19])
        with open("/proc/uptime", "rb") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, report: Callable[[float], None]) -> None:
        super().__init__(window)
        self._report = report
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # The paint event is being delivered now; report once it has been handled.
            QTimer.singleShot(0, self._done)
        return False

    def _done(self) -> None:
        self._report(seconds_since_process_start())
        self.deleteLater()


def watch_first_paint(window: QWidget, report: Callable[[float], None]) -> None:
    _FirstPaint(window, report)


def print_marker(seconds: float) -> None:
    print(f"{MARKER} {seconds:.4f}", file=sys.stdout, flush=True)


def marker_requested() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")
