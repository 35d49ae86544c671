"""Pool controls (max workers, cancellable, cancel all) and the list of live workers."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.jobs import JobSpecError, PoolSettings, WorkerInfo, format_size, parse_size
from procdeck.core.run_state import format_duration

WORKER_COLUMNS = ("PID", "State", "Job", "CPU %", "RSS", "Age")


def format_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


class PoolView(QWidget):
    maxWorkersChanged = Signal(int)
    cancellableChanged = Signal(bool)
    memoryLimitChanged = Signal(object)  # bytes, or None for no limit
    cancelAllRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_workers = QSpinBox()
        self.max_workers.setRange(1, 256)
        self.max_workers.setObjectName("maxWorkers")
        self.max_workers.setToolTip("How many jobs run at once (worker processes)")
        self.cancellable = QCheckBox("Cancellable")
        self.cancellable.setChecked(True)
        self.cancellable.setToolTip(
            "Cancelling a running job kills its worker process (the pool starts a new one).\n"
            "Off: a running job always runs to completion; Cancel only drops queued jobs."
        )
        self.memory_limit = QLineEdit()
        self.memory_limit.setObjectName("poolMemoryLimit")
        self.memory_limit.setPlaceholderText("none")
        self.memory_limit.setMaximumWidth(90)
        self.memory_limit.setToolTip(
            "Default memory limit per job (300M, 2G; empty: none), for jobs dispatched without their own"
        )
        self.memory_limit.editingFinished.connect(self._memory_limit_edited)
        self.memory_error = QLabel()
        self.memory_error.setStyleSheet("color: #c0392b")
        self.cancel_all = QPushButton("Cancel all")
        self.cancel_all.setObjectName("cancelAll")
        self.summary = QLabel("no workers")
        # As wide from the start as once workers run: a longer text arriving a second
        # after the panel is shown widened its column, moving the Jobs panel's splitter.
        self.summary.setMinimumWidth(self.summary.fontMetrics().horizontalAdvance("88 workers, 88 busy"))
        self.workers = QTableWidget(0, len(WORKER_COLUMNS))
        self.workers.setHorizontalHeaderLabels(list(WORKER_COLUMNS))
        self.workers.verticalHeader().setVisible(False)
        self.workers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.workers.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.workers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.workers.setMaximumHeight(140)

        self.max_workers.valueChanged.connect(self.maxWorkersChanged)
        self.cancellable.toggled.connect(self.cancellableChanged)
        self.cancel_all.clicked.connect(self.cancelAllRequested)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Max workers"))
        controls.addWidget(self.max_workers)
        controls.addWidget(self.cancellable)
        controls.addStretch(1)
        controls.addWidget(self.summary)
        controls.addWidget(self.cancel_all)
        # The memory limit on a row of its own: one row of everything is wider than the
        # Jobs panel's left column at 1366x768 (tests/compose/test_window_geometry.py).
        limits = QHBoxLayout()
        limits.addWidget(QLabel("Memory limit per job"))
        limits.addWidget(self.memory_limit)
        limits.addWidget(self.memory_error)
        limits.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addLayout(limits)
        layout.addWidget(self.workers)

    def apply_settings(self, settings: PoolSettings) -> None:
        for widget in (self.max_workers, self.cancellable):
            widget.blockSignals(True)
        self.max_workers.setValue(settings.max_workers)
        self.cancellable.setChecked(settings.cancellable)
        for widget in (self.max_workers, self.cancellable):
            widget.blockSignals(False)
        if not self.memory_limit.hasFocus():
            self.memory_limit.setText(
                "" if settings.memory_limit is None else format_size(settings.memory_limit)
            )
        self.memory_limit.setEnabled(settings.enforces_memory_limit)

    def _memory_limit_edited(self) -> None:
        text = self.memory_limit.text().strip()
        try:
            limit = parse_size(text, "Memory limit") if text else None
        except JobSpecError as exc:
            self.memory_error.setText(str(exc))
            self.memory_error.setToolTip(str(exc))
            return
        self.memory_error.setText("")
        self.memoryLimitChanged.emit(limit)

    def apply_workers(self, workers: list[WorkerInfo]) -> None:
        """A handful of rows refreshed about once a second: a plain table is enough."""
        self.workers.setRowCount(len(workers))
        for row, info in enumerate(sorted(workers, key=lambda w: w.pid)):
            cells = (
                str(info.pid),
                "busy" if info.busy else "idle",
                "" if info.job_id is None else str(info.job_id),
                f"{info.cpu_percent:.0f}",
                format_bytes(info.rss),
                format_duration(info.age_s),
            )
            for column, text in enumerate(cells):
                item = self.workers.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.workers.setItem(row, column, item)
                item.setText(text)
        busy = sum(1 for w in workers if w.busy)
        self.summary.setText(f"{len(workers)} worker{'s' if len(workers) != 1 else ''}, {busy} busy")
