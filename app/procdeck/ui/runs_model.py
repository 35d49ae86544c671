"""Table model of runs: one row per RunInfo, updated in place."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from procdeck.core.run_state import RunInfo, RunState, format_duration
from procdeck.ui.keyed_rows_model import Index, KeyedRowsModel

COLUMNS = ("Name", "PID", "State", "Exit", "Uptime")
NAME, PID, STATE, EXIT, UPTIME = range(len(COLUMNS))
RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

_STATE_COLORS = {
    RunState.RUNNING: QColor("#27ae60"),
    RunState.STOPPING: QColor("#e67e22"),
    RunState.FAILED_TO_START: QColor("#c0392b"),
}


class RunsModel(KeyedRowsModel[RunInfo]):
    COLUMNS = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._health: dict[int, str] = {}  # run id -> "healthy" / "unhealthy" (readiness probes)

    def set_health(self, health: dict[int, str]) -> None:
        """Health of runs launched from profiles with a readiness probe, shown after the state."""
        changed = {k for k in set(health) | set(self._health) if health.get(k) != self._health.get(k)}
        self._health = dict(health)
        for run_id in changed:
            row = self._row_of.get(run_id)
            if row is not None:
                index = self.index(row, STATE)
                self.dataChanged.emit(index, index)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._display(info, column)
            health = self._health.get(info.run_id)
            if column == STATE and health and info.state is RunState.RUNNING:
                text = f"{text} · {health}"
            return text
        if role == SORT_ROLE:
            return self._sort_key(info, column)
        if role == RUN_ID_ROLE:
            return info.run_id
        if role == Qt.ItemDataRole.ToolTipRole:
            if info.error:
                return info.error
            return info.spec.command_line
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE:
            if info.state is RunState.EXITED and info.outcome and not info.outcome.ok:
                return QColor("#c0392b")
            return _STATE_COLORS.get(info.state)
        return None

    @staticmethod
    def _display(info: RunInfo, column: int) -> str:
        if column == NAME:
            return " ⏎ ".join(info.label.splitlines())
        if column == PID:
            return str(info.pid) if info.pid else ""
        if column == STATE:
            return info.state.value
        if column == EXIT:
            return info.outcome.describe() if info.outcome else ""
        if column == UPTIME:
            return format_duration(info.duration(time.monotonic()))
        return ""

    @staticmethod
    def _sort_key(info: RunInfo, column: int) -> Any:
        if column == PID:
            return info.pid or 0
        if column == UPTIME:
            return info.duration(time.monotonic()) or 0.0
        if column == EXIT:
            return info.outcome.shell_status if info.outcome else -1
        return RunsModel._display(info, column).lower()

    # -- updates ----------------------------------------------------------------------
    def upsert(self, infos: list[RunInfo]) -> None:
        for info in infos:
            row = self._row_of.get(info.run_id)
            if row is None:
                row = len(self._rows)
                self.beginInsertRows(QModelIndex(), row, row)
                self._rows.append(info)
                self._row_of[info.run_id] = row
                self.endInsertRows()
            else:
                self._rows[row] = info
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def remove(self, run_id: int) -> None:
        row = self._row_of.pop(run_id, None)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()
        self._row_of = {info.run_id: i for i, info in enumerate(self._rows)}

    def tick(self) -> None:
        """Refresh the uptime column of live runs (called about once a second)."""
        for row, info in enumerate(self._rows):
            if info.state.is_live:
                index = self.index(row, UPTIME)
                self.dataChanged.emit(index, index)
