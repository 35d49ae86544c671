"""Progress of one mapped batch: done/total, elapsed and ETA, cancel, copy and save."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from procdeck.core.jobs import BatchInfo
from procdeck.core.run_state import format_duration


class BatchBar(QWidget):
    cancelRequested = Signal(int)
    copyRequested = Signal(int, str)  # batch id, "csv" | "json"
    saveRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.batch: BatchInfo | None = None
        self.title = QLabel("No batch")
        self.progress = QProgressBar()
        self.progress.setObjectName("batchProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel()
        self.cancel = QPushButton("Cancel batch")
        self.copy_csv = QPushButton("Copy CSV")
        self.copy_json = QPushButton("Copy JSON")
        self.save = QPushButton("Save…")
        self.cancel.clicked.connect(lambda: self.batch and self.cancelRequested.emit(self.batch.batch_id))
        self.copy_csv.clicked.connect(
            lambda: self.batch and self.copyRequested.emit(self.batch.batch_id, "csv")
        )
        self.copy_json.clicked.connect(
            lambda: self.batch and self.copyRequested.emit(self.batch.batch_id, "json")
        )
        self.save.clicked.connect(lambda: self.batch and self.saveRequested.emit(self.batch.batch_id))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.status)
        for button in (self.cancel, self.copy_csv, self.copy_json, self.save):
            layout.addWidget(button)
        self._enable()

    def show_batch(self, info: BatchInfo | None) -> None:
        self.batch = info
        self.refresh()

    def refresh(self) -> None:
        info = self.batch
        self._enable()
        if info is None:
            self.title.setText("No batch")
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.status.setText("")
            return
        self.title.setText(f"Batch #{info.batch_id}")
        self.progress.setRange(0, max(1, info.total))
        self.progress.setValue(info.finished)
        self.progress.setFormat(f"{info.finished:,}/{info.total:,}")
        now = time.monotonic()
        parts = [f"{info.done:,} done"]
        if info.failed:
            parts.append(f"{info.failed:,} failed")
        if info.cancelled:
            parts.append(f"{info.cancelled:,} cancelled")
        parts.append(f"elapsed {format_duration(info.elapsed(now))}")
        if not info.is_complete:
            eta = info.eta(now)
            parts.append("ETA …" if eta is None else f"ETA {format_duration(eta)}")
        self.status.setText(" · ".join(parts))

    def _enable(self) -> None:
        has = self.batch is not None
        self.cancel.setEnabled(self.batch is not None and not self.batch.is_complete)
        for button in (self.copy_csv, self.copy_json, self.save):
            button.setEnabled(has)
