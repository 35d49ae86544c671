"""TerminalPanel: the terminal view of a pty run with its header (keys hint, signals,
scrollback)."""

from __future__ import annotations

import functools
import signal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from procdeck.ui.terminal.view import TerminalView

SIGNALS = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGTSTP,
    signal.SIGCONT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGKILL,
)
HINT = "Keys go to the program while it has focus · Ctrl+Shift+Esc: back to Procdeck · Ctrl+Shift+C / V: copy, paste"


class TerminalPanel(QWidget):
    signalRequested = Signal(int)  # signal number, for the terminal's foreground process group
    scrollbackRequested = Signal()  # show the run's full output in the normal viewer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("terminalPanel")
        self.view = TerminalView()
        self.hint = QLabel(HINT)
        self.hint.setObjectName("terminalHint")
        self.hint.setStyleSheet("color: palette(placeholder-text)")
        self.status = QLabel()
        self.status.setObjectName("terminalStatus")
        self.signal_button = QToolButton()
        self.signal_button.setText("Signal")
        self.signal_button.setToolTip("Send a signal to the terminal's foreground process group")
        self.signal_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.signal_button)
        for signum in SIGNALS:
            menu.addAction(signum.name, functools.partial(self.signalRequested.emit, int(signum)))
        self.signal_button.setMenu(menu)
        self.scrollback_button = QToolButton()
        self.scrollback_button.setText("Scrollback")
        self.scrollback_button.setToolTip("The run's whole output: search, copy, save, the log file")
        self.scrollback_button.clicked.connect(self.scrollbackRequested)
        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 2)
        header.addWidget(self.hint, 1)
        header.addWidget(self.status)
        header.addWidget(self.signal_button)
        header.addWidget(self.scrollback_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)

    def set_live(self, live: bool) -> None:
        """Whether the program still runs (input and signals go nowhere otherwise)."""
        self.signal_button.setEnabled(live)
        self.view.program_reads_keys = live
        self.status.setText("" if live else "exited")
