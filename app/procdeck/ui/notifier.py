"""Desktop notifications when a long run or worker batch ends while Procdeck is not in focus.

A tray icon's balloon message is Qt's portable notification (a freedesktop notification
on Linux desktops, the notification center on macOS and Windows). Whether to notify is a
pure decision on the run's before/after values, so it is tested without a desktop.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from procdeck.core.jobs import BatchInfo
from procdeck.core.run_state import RunInfo, RunState

log = logging.getLogger("procdeck.notifier")

DEFAULT_MIN_SECONDS = 10.0


def finished_message(
    before: RunInfo | None, after: RunInfo, min_seconds: float
) -> tuple[str, str, bool] | None:
    """(title, text, failed) when ``after`` is the end of a run worth telling about."""
    if before is None or not before.state.is_live or after.state.is_live:
        return None
    if after.stop_requested:  # the user stopped it: no news
        return None
    if after.state is RunState.FAILED_TO_START:
        return (f"{after.label} could not start", after.error or "", True)
    duration = after.duration()
    if duration is None or duration < min_seconds:
        return None
    failed = after.outcome is not None and not after.outcome.ok
    if after.outcome is None:
        outcome = "ended"
    elif after.outcome.signal is not None:
        outcome = f"killed by {after.outcome.describe()}"
    else:
        outcome = f"exit code {after.outcome.returncode}"
    title = f"{after.label} {'failed' if failed else 'finished'}"
    return (title, f"{outcome} after {duration:.0f} s", failed)


def batch_message(
    before: BatchInfo | None, after: BatchInfo, min_seconds: float
) -> tuple[str, str, bool] | None:
    """(title, text, failed) when ``after`` is the end of a long enough worker batch."""
    if after.ended_mono is None or (before is not None and before.ended_mono is not None):
        return None
    elapsed = after.elapsed(after.ended_mono)
    if elapsed < min_seconds:
        return None
    name = after.target.rsplit(":", 1)[-1]
    failed = after.failed > 0
    if failed:
        title = f"Batch {name} finished with {after.failed} failed job{'s' if after.failed != 1 else ''}"
    elif after.cancelled:
        title = f"Batch {name} cancelled"
    else:
        title = f"Batch {name} finished"
    text = f"{after.done} of {after.total} done in {elapsed:.0f} s"
    return (title, text, failed)


class Notifier(QObject):
    """Shows a notification for runs that end while the app is inactive, if enabled.

    ``notified(title, text)`` is emitted for every notification, shown or not (no tray
    on this desktop): the log keeps it too.
    """

    notified = Signal(str, str)

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = False
        self.min_seconds = DEFAULT_MIN_SECONDS
        self._icon = icon
        self._tray: QSystemTrayIcon | None = None
        self._last: dict[int, RunInfo] = {}
        self._last_batches: dict[int, BatchInfo] = {}

    def runs_changed(self, infos: list[RunInfo]) -> None:
        for info in infos:
            before = self._last.get(info.run_id)
            self._last[info.run_id] = info
            message = finished_message(before, info, self.min_seconds)
            if message is not None and self.enabled and not self._app_is_active():
                title, text, failed = message
                self.notify(title, text, failed=failed)

    def batches_changed(self, infos: list[BatchInfo]) -> None:
        for info in infos:
            before = self._last_batches.get(info.batch_id)
            self._last_batches[info.batch_id] = info
            message = batch_message(before, info, self.min_seconds)
            if message is not None and self.enabled and not self._app_is_active():
                title, text, failed = message
                self.notify(title, text, failed=failed)

    def forget(self, run_id: int) -> None:
        self._last.pop(run_id, None)

    def notify(self, title: str, text: str, *, failed: bool = False) -> None:
        log.info("notification: %s: %s", title, text)
        tray = self._tray_icon()
        if tray is not None:
            kind = QSystemTrayIcon.MessageIcon.Warning if failed else QSystemTrayIcon.MessageIcon.Information
            tray.showMessage(title, text, kind, 8000)
        self.notified.emit(title, text)

    @staticmethod
    def _app_is_active() -> bool:
        return QApplication.activeWindow() is not None

    def _tray_icon(self) -> QSystemTrayIcon | None:
        if self._tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(self._icon, self)
            self._tray.setToolTip("Procdeck")
            self._tray.show()
        return self._tray

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray.deleteLater()
            self._tray = None
