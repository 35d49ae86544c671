"""The start-up banner about processes an earlier Procdeck session left running."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


def leftovers_message(count: int) -> str:
    if count == 1:
        return "1 process from an earlier Procdeck session is still running"
    return f"{count} processes from an earlier Procdeck session are still running"


class LeftoversBanner(QFrame):
    """Hidden until `show_found`; "Stop them" asks for the stop, "Leave them" hides it."""

    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leftoversBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.stop_button = QPushButton("Stop them", self)
        self.leave_button = QPushButton("Leave them", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.stop_button)
        layout.addWidget(self.leave_button)
        self.stop_button.clicked.connect(self._stop)
        self.leave_button.clicked.connect(self.hide)
        self.hide()

    def show_found(self, count: int, details: str) -> None:
        self.label.setText(leftovers_message(count))
        self.label.setToolTip(details)
        self.stop_button.setEnabled(True)
        self.stop_button.show()
        self.leave_button.setText("Leave them")
        self.show()

    def show_result(self, text: str) -> None:
        self.label.setText(text)
        self.stop_button.hide()
        self.leave_button.setText("Close")
        self.leave_button.setEnabled(True)

    def _stop(self) -> None:
        self.stop_button.setEnabled(False)
        self.label.setText(self.label.text() + " (stopping…)")
        self.stopRequested.emit()
