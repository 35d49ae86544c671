"""The selected job in full: result repr, error with the worker traceback, its output."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from procdeck.core.jobs import JobInfo, JobState
from procdeck.ui.jobs.jobs_model import job_duration


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
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setObjectName("jobDetails")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlaceholderText("Select a job to see its full result, error and output.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Job details"))
        layout.addWidget(self.text)

    def show_job(self, info: JobInfo | None) -> None:
        self.job_id = None if info is None else info.job_id
        self.text.setPlainText("" if info is None else describe(info))

    def plain_text(self) -> str:
        return self.text.toPlainText()
