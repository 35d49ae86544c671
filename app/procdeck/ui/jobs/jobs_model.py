"""Table model of jobs: one row per JobInfo, updated in batches at UI rate.

A 20,000-job batch is one ``beginInsertRows`` and, per update, one ``dataChanged`` over
the rows that changed: never a widget item per cell.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from procdeck.core.jobs import TABLE_REPR_LIMIT, JobInfo, JobState, clip_text, format_size
from procdeck.core.run_state import format_duration
from procdeck.ui.keyed_rows_model import Index, KeyedRowsModel

COLUMNS = ("Job", "Function", "Input", "State", "Duration", "Worker", "Peak RSS", "CPU", "Result / error")
JOB, FUNCTION, INPUT, STATE, DURATION, WORKER, PEAK_RSS, CPU, RESULT = range(len(COLUMNS))
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1

_STATE_COLORS = {
    JobState.RUNNING: QColor("#2980b9"),
    JobState.DONE: QColor("#27ae60"),
    JobState.FAILED: QColor("#c0392b"),
    JobState.CANCELLED: QColor("#7f8c8d"),
}


def job_duration(seconds: float | None) -> str:
    """Jobs are often short: milliseconds under a second, then as for runs."""
    if seconds is not None and seconds < 1.0:
        return f"{seconds * 1000:.0f} ms"
    return format_duration(seconds)


def cpu_time(seconds: float) -> str:
    if seconds < 1.0:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.001 else f"{seconds * 1e6:.0f} µs"
    return format_duration(seconds)


class JobsModel(KeyedRowsModel[JobInfo]):
    COLUMNS = COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(info, column)
        if role == JOB_ID_ROLE:
            return info.job_id
        if role == Qt.ItemDataRole.ForegroundRole and column in (STATE, RESULT):
            return _STATE_COLORS.get(info.state)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PEAK_RSS, CPU):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == PEAK_RSS:
            return "Peak resident memory of the job's worker while the job ran"
        if role == Qt.ItemDataRole.ToolTipRole and column == CPU:
            return "CPU time the job used in its worker"
        if role == Qt.ItemDataRole.ToolTipRole and column == RESULT:
            if info.failure is not None:
                return info.failure.message
            if info.cancel_requested and info.state is JobState.RUNNING:
                return "Cancel requested; this job is not cancellable and runs to completion."
        return None

    @staticmethod
    def _display(info: JobInfo, column: int) -> str:
        if column == JOB:
            return (
                str(info.job_id)
                if info.batch_id is None
                else f"{info.job_id} (#{info.batch_id}.{info.index})"
            )
        if column == FUNCTION:
            return info.target
        if column == INPUT:
            return info.input_repr
        if column == STATE:
            if info.cancel_requested and info.state is JobState.RUNNING:
                return "running (cancel requested)"
            return info.state.value
        if column == DURATION:
            return job_duration(info.duration(time.monotonic()))
        if column == WORKER:
            return "" if info.worker_pid is None else str(info.worker_pid)
        if column == PEAK_RSS:
            return "" if info.peak_rss is None else format_size(info.peak_rss)
        if column == CPU:
            return "" if info.cpu_time is None else cpu_time(info.cpu_time)
        if column == RESULT:
            if info.failure is not None:
                return clip_text(f"{info.failure.kind.value}: {info.failure.message}", TABLE_REPR_LIMIT)
            return info.result_repr or ""
        return ""

    # -- updates ----------------------------------------------------------------------
    def upsert(self, infos: list[JobInfo]) -> None:
        """Apply snapshots: changed rows in place, new ones appended, in one go each."""
        if not infos:
            return
        rows, row_of = self._rows, self._row_of
        new: list[JobInfo] = []
        low, high = len(rows), -1
        for info in infos:
            row = row_of.get(info.job_id)
            if row is None:
                new.append(info)
            else:
                rows[row] = info
                low = min(low, row)
                high = max(high, row)
        if high >= 0:
            self.dataChanged.emit(self.index(low, 0), self.index(high, len(COLUMNS) - 1))
        if new:
            start = len(rows)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            for offset, info in enumerate(new):
                row_of[info.job_id] = start + offset
            rows.extend(new)
            self.endInsertRows()

    def tick(self) -> None:
        """Repaint the duration column (running jobs' durations grow)."""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, DURATION),
                self.index(len(self._rows) - 1, DURATION),
                [Qt.ItemDataRole.DisplayRole],
            )

    def remove_finished(self) -> None:
        keep = [info for info in self._rows if not info.state.is_final]
        self.beginResetModel()
        self._rows = keep
        self._row_of = {info.job_id: row for row, info in enumerate(keep)}
        self.endResetModel()

    def info_at(self, row: int) -> JobInfo:
        return self._rows[row]

    def row_of(self, job_id: int) -> int | None:
        return self._row_of.get(job_id)
