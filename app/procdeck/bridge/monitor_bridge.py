"""Between the monitor's sampler and the charts / Processes view.

- Samples arrive at the sampler's rate (up to 10 Hz); ``updated`` is emitted at most
  ``CHART_HZ`` times a second, so charts repaint at a coalesced 1-4 Hz whatever the rate.
- The machine-wide process walk runs only while the Processes view is visible
  (``set_table_active``), once per ``table_interval_ms``, never two at a time.
- Signal requests run off the loop on the engine's task group; the result comes back as
  ``signalResult``.
"""

from __future__ import annotations

from time import monotonic

from PySide6.QtCore import QObject, QTimer, Signal

from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.samples import MonitorSnapshot, SeriesSource, SignalRequest
from procdeck.engine.monitor.sampler import Sampler

CHART_HZ = 2


class MonitorBridge(QObject):
    updated = Signal()  # new samples in the history since the last emit (coalesced)
    snapshot = Signal(object)  # the latest MonitorSnapshot, coalesced like `updated`
    tableChanged = Signal(tuple)  # tuple[ProcessRow, ...]
    signalResult = Signal(object)  # SignalResult
    failed = Signal(str)

    def __init__(
        self,
        sampler: Sampler,
        spawner: TaskSpawner,
        parent: QObject | None = None,
        *,
        table_interval_ms: int = 1000,
    ) -> None:
        super().__init__(parent)
        self._sampler = sampler
        self._spawner = spawner
        self._pending: MonitorSnapshot | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._min_gap_ms = int(1000 / CHART_HZ)
        self._timer.timeout.connect(self._flush)
        self._last_flush_ms = -1_000_000
        self._table_timer = QTimer(self)
        self._table_timer.setInterval(table_interval_ms)
        self._table_timer.timeout.connect(self.refresh_table)
        self._table_busy = False
        self._table_active = False
        self._closed = False
        self._unsubscribe = sampler.subscribe(self._on_snapshot)

    @property
    def source(self) -> SeriesSource:
        return self._sampler.history

    @property
    def sampler(self) -> Sampler:
        return self._sampler

    # -- samples -> charts ---------------------------------------------------------------
    def _on_snapshot(self, snap: MonitorSnapshot) -> None:
        self._pending = snap
        if not self._timer.isActive():
            # At most one emit per interval: the first sample after a quiet spell goes out
            # at once, a burst waits for the rest of the interval.
            since = int(monotonic() * 1000) - self._last_flush_ms
            self._timer.start(max(0, self._min_gap_ms - since))  # start(ms) also sets the interval

    def _flush(self) -> None:
        snap, self._pending = self._pending, None
        if snap is None or self._closed:
            return
        self._last_flush_ms = int(monotonic() * 1000)
        self.snapshot.emit(snap)
        self.updated.emit()

    # -- Processes table -----------------------------------------------------------------
    def set_table_active(self, active: bool) -> None:
        if active == self._table_active or self._closed:
            return
        self._table_active = active
        if active:
            self.refresh_table()
            self._table_timer.start()
        else:
            self._table_timer.stop()

    @property
    def table_active(self) -> bool:
        return self._table_active

    def refresh_table(self) -> None:
        if self._table_busy or self._closed:
            return
        self._table_busy = True
        self._spawner.spawn(self._refresh_table)

    async def _refresh_table(self) -> None:
        try:
            rows = await self._sampler.process_table()
        finally:
            self._table_busy = False
        if not self._closed and self._table_active:
            self.tableChanged.emit(rows)

    # -- commands ------------------------------------------------------------------------
    def send_signal(self, request: SignalRequest) -> None:
        self._spawner.spawn(self._send_signal, request)

    async def _send_signal(self, request: SignalRequest) -> None:
        result = await self._sampler.send_signal(request)
        if not self._closed:
            self.signalResult.emit(result)
            if self._table_active:
                self.refresh_table()

    def pin(self, pid: int, create_time: float, name: str = "") -> str:
        """Chart a process; returns its group key for the Runs chart."""
        key = self._sampler.pin(pid, create_time, name)
        return key

    def set_system_active(self, active: bool) -> None:
        """System totals are sampled for their own sake only while a System chart shows."""
        if not self._closed:
            self._sampler.set_system_wanted(active)

    def set_rate(self, rate_hz: float) -> None:
        try:
            self._sampler.set_rate(rate_hz)
        except ValueError as exc:
            self.failed.emit(str(exc))

    def close(self) -> None:
        self._closed = True
        self._unsubscribe()
        self._timer.stop()
        self._table_timer.stop()
