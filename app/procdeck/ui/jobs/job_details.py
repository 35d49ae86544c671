"""The selected job in full: result repr, error with the worker traceback, its output."""

from __future__ import annotations

import time

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from procdeck.core.jobs import JobInfo, JobState, format_size
from procdeck.ui.jobs.jobs_model import cpu_time, job_duration


def describe(info: JobInfo) -> str:
    lines = [f"Job {info.job_id}: {info.target}"]
    if info.batch_id is not None:
        lines.append(f"Batch #{info.batch_id}, input {info.index}: {info.input_repr}")
    state = info.state.value
    if info.worker_pid is not None:
        state += f" in worker {info.worker_pid}"
    duration = info.duration()
    if duration is not None and info.state.is_final:
        state += f", took {job_duration(duration)}"
    lines.append(state)
    used = []
    if info.peak_rss is not None:
        used.append(f"peak RSS {format_size(info.peak_rss)}")
    if info.cpu_time is not None:
        used.append(f"CPU {cpu_time(info.cpu_time)}")
    if used:
        lines.append(", ".join(used))
    if info.cancel_requested and info.state is JobState.RUNNING:
        lines.append("Cancel requested: this job is not cancellable and runs to completion.")
    lines.append("")
    if info.failure is not None:
        lines.append(f"Error ({info.failure.kind.value}): {info.failure.message}")
        if info.failure.traceback:
            lines += ["", info.failure.traceback.rstrip()]
    elif info.state is JobState.DONE:
        lines += ["Result:", info.result_repr or ""]
    if info.stdout or info.stderr:
        lines += ["", "--- output ---", info.output.rstrip("\n")]
    return "\n".join(lines)


class JobDetails(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id: int | None = None
        self._info: JobInfo | None = None
        self._stacks: dict[int, str] = {}  # job id -> the latest "Show stacks" dump
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setObjectName("jobDetails")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlaceholderText("Select a job to see its full result, error and output.")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("copyJobDetails")
        self.copy_button.setToolTip("Copy the job's details (error, stacks, output) to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        header = QHBoxLayout()
        header.addWidget(QLabel("Job details"))
        header.addStretch(1)
        header.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.text)

    def show_job(self, info: JobInfo | None) -> None:
        self.job_id = None if info is None else info.job_id
        self._info = info
        self._render()

    def show_stacks(self, job_id: int, stacks: str) -> None:
        """Keep a dump of a running job's stacks and show it under its details."""
        stamp = time.strftime("%H:%M:%S")
        self._stacks[job_id] = (
            f"--- stacks at {stamp} ---\n{stacks.rstrip()}"
            if stacks
            else f"--- stacks at {stamp}: none (the job is not running in a local worker) ---"
        )
        if job_id == self.job_id:
            self._render()

    def _render(self) -> None:
        info = self._info
        if info is None:
            self.text.setPlainText("")
            return
        text = describe(info)
        stacks = self._stacks.get(info.job_id)
        if stacks:
            text += "\n\n" + stacks
        self.text.setPlainText(text)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.plain_text())

    def plain_text(self) -> str:
        return self.text.toPlainText()
