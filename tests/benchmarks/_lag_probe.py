"""The 60 Hz lag probe the benchmarks share: a Qt timer that records how late each tick is."""

from __future__ import annotations

import time


class LagProbe:
    """A 60 Hz Qt timer that records how late each tick is."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = 1 / 60
        self.lags: list[float] = []
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(round(self.interval * 1000))
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lags.append(max(0.0, now - self._last - self.timer.interval() / 1000))
        self._last = now

    def stop(self) -> None:
        self.timer.stop()

    def p99_ms(self) -> float:
        if not self.lags:
            return float("nan")
        lags = sorted(self.lags)
        return lags[min(len(lags) - 1, int(len(lags) * 0.99))] * 1000
