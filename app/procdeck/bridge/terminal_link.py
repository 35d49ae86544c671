"""Connects a terminal view to one pty run: bytes to the screen, keys and sizes back.

The run's raw bytes (``RunOutput.terminal``) reach the view at display rate through an
``OutputRefresher``; the view's keys, pastes and query answers go to the run's bounded
input; its size to the pty (TIOCSWINSZ, so the program gets SIGWINCH); its signal
requests to the terminal's foreground process group. Refusals become a message for the
user, never an exception in a slot.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from procdeck.bridge.output_refresh import OutputRefresher
from procdeck.core.run_state import signal_name
from procdeck.engine.input_feed import InputRefused
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.process_manager import ProcessManager, UnknownRun
from procdeck.engine.pty_terminal import TerminalError


class TerminalView(Protocol):
    """What the link needs of a terminal view (ui.terminal.view.TerminalView)."""

    inputTyped: Any  # Signal(bytes)
    sizeChanged: Any  # Signal(int, int)

    def ingest(self, data: bytes) -> None: ...
    def reset(self) -> None: ...
    def grid_size(self) -> tuple[int, int]: ...


# A view further behind than this skips ahead (its backlog cuts to the screen's tail).
MAX_PULL = 256 * 1024


class TerminalLink(QObject):
    message = Signal(str)  # something the user should know (input refused, signal sent)

    def __init__(self, view: TerminalView, processes: ProcessManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._processes = processes
        self.run_id: int | None = None
        self._output: RunOutput | None = None
        self._offset = 0
        self._refresher: OutputRefresher | None = None
        self.skipped = 0  # bytes never handed to the view (it was too far behind)
        view.inputTyped.connect(self.send)
        view.sizeChanged.connect(self._resized)

    def attach(self, run_id: int | None) -> None:
        """Show ``run_id``'s terminal (None: nothing); the screen replays its recent bytes."""
        if run_id == self.run_id:
            return
        self.detach()
        if run_id is None:
            return
        try:
            output = self._processes.output(run_id)
        except UnknownRun:
            return
        self.run_id, self._output, self._offset = run_id, output, 0
        self.view.reset()
        self._refresher = OutputRefresher(output, parent=self)
        self._refresher.changed.connect(self.pull)
        self.pull()
        self._resized(*self.view.grid_size())

    def detach(self) -> None:
        if self._refresher is not None:
            self._refresher.close()
            self._refresher.deleteLater()
            self._refresher = None
        self.run_id, self._output = None, None

    def pull(self) -> None:
        """Hand the view what the run wrote since the last pull."""
        tail = self._output.terminal if self._output is not None else None
        if tail is None:
            return
        if tail.end - self._offset > MAX_PULL:
            self.skipped += tail.end - MAX_PULL - self._offset
            self._offset = tail.end - MAX_PULL
        start, data = tail.read(self._offset)
        self._offset = start + len(data)
        self.view.ingest(data)

    def send(self, data: bytes) -> None:
        if self.run_id is None:
            return
        try:
            self._processes.send_input(self.run_id, data)
        except (InputRefused, UnknownRun) as exc:
            self.message.emit(str(exc))

    def send_signal(self, signum: int) -> None:
        if self.run_id is None:
            return
        try:
            pgrp = self._processes.signal_foreground(self.run_id, signum)
        except (TerminalError, UnknownRun) as exc:
            self.message.emit(str(exc))
            return
        self.message.emit(f"Sent {signal_name(signum)} to process group {pgrp}.")

    def _resized(self, rows: int, cols: int) -> None:
        if self.run_id is None:
            return
        try:
            self._processes.resize(self.run_id, rows, cols)
        except (TerminalError, UnknownRun, OSError):
            pass  # the run has ended; its next attempt starts at this size anyway

    def close(self) -> None:
        self.detach()
