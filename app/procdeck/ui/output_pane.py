"""A simple output pane for the selected run: a summary line and its recent output."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from procdeck.core.output import OutputLine, Stream
from procdeck.core.process_spec import LaunchMode
from procdeck.core.run_state import RunInfo, RunState, format_duration

MAX_SHOWN_LINES = 5000


class OutputSource(Protocol):
    lines: object  # a sequence of OutputLine (oldest first)
    total_lines: int

    def partial(self, stream: Stream) -> str: ...


class OutputPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Select a run to see its output.")
        self.summary.setObjectName("runSummary")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_SHOWN_LINES)
        self.text.setFont(QFont("monospace"))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.text)
        self._source: OutputSource | None = None
        self._shown_total = 0
        self._run: RunInfo | None = None
        self._err = QTextCharFormat()
        self._err.setForeground(QColor("#c0392b"))
        self._out = QTextCharFormat()

    def show_run(self, info: RunInfo | None, source: OutputSource | None) -> None:
        self._run, self._source = info, source
        self.text.clear()
        self._shown_total = 0
        if source is not None:
            self._shown_total = max(0, source.total_lines - len(source.lines))  # type: ignore[arg-type]
        self.update_summary(info)
        self.refresh()

    def update_summary(self, info: RunInfo | None) -> None:
        if info is None or (self._run is not None and info.run_id != self._run.run_id):
            if info is None:
                self.summary.setText("Select a run to see its output.")
            return
        self._run = info
        parts = [info.label]
        if info.pid:
            parts.append(f"pid {info.pid}")
        parts.append(info.state.value)
        if info.outcome:
            parts.append(f"exit {info.outcome.describe()}")
        duration = info.duration()
        if duration is not None and not info.state.is_live:
            parts.append(f"took {format_duration(duration)}")
        if info.error:
            parts.append(info.error)
        self.summary.setText("  ·  ".join(parts))
        if info.spec.mode is LaunchMode.CAPTURE and info.state is RunState.EXITED:
            self.refresh()

    def refresh(self) -> None:
        source = self._source
        if source is None:
            return
        if self._run is not None and self._run.spec.mode is LaunchMode.CAPTURE and self._run.state.is_live:
            return  # one-shot runs show their output when done
        lines = source.lines
        new = source.total_lines - self._shown_total
        if new <= 0:
            return
        buffered = list(lines)[-min(new, MAX_SHOWN_LINES, len(lines)):]  # type: ignore[arg-type]
        self._shown_total = source.total_lines
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        at_bottom = self.text.verticalScrollBar().value() == self.text.verticalScrollBar().maximum()
        cursor.beginEditBlock()
        for line in buffered:
            self._append(cursor, line)
        cursor.endEditBlock()
        if at_bottom:
            self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())

    def _append(self, cursor: QTextCursor, line: OutputLine) -> None:
        if not self.text.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText(line.text, self._err if line.stream == Stream.STDERR else self._out)

    def plain_text(self) -> str:
        return self.text.toPlainText()
