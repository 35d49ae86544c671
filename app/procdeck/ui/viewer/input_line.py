"""InputLine: what you type for a running pipe-mode run whose stdin is an open pipe."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget


class InputLine(QWidget):
    lineSubmitted = Signal(str)  # one line, without its line end
    eofRequested = Signal()  # close the program's stdin

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stdinLine")
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Input for the program (Enter sends the line)")
        self.edit.returnPressed.connect(self.send)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.send)
        self.eof_button = QPushButton("Send EOF")
        self.eof_button.setToolTip("Close the program's input (it reads end of file)")
        self.eof_button.clicked.connect(self.eofRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.send_button)
        layout.addWidget(self.eof_button)

    def send(self) -> None:
        self.lineSubmitted.emit(self.edit.text())
        self.edit.clear()
