"""Wires the terminal view into the output area: pty runs show their screen there.

The output panel gets one "Terminal" tab next to the selection-following viewer while the
selected run is a terminal (pty) run and follows the selection like that
viewer does; "Scrollback" switches to the viewer (the same run's whole output: search,
copy, save, log file). New terminal runs open at the view's size.

The terminal panel (pyte, the screen model, the key map) is built the first time a
terminal run is launched or selected: a window that shows no terminal does not import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, SignalInstance

from procdeck.core.process_spec import StdinMode
from procdeck.core.run_state import RunInfo
from procdeck.engine.input_feed import InputRefused
from procdeck.engine.process_manager import ProcessManager, UnknownRun
from procdeck.ui.main_window import MainWindow
from procdeck.ui.viewer.input_line import InputLine

if TYPE_CHECKING:
    from procdeck.bridge.terminal_link import TerminalLink
    from procdeck.ui.terminal.panel import TerminalPanel

TAB_TITLE = "Terminal"


@dataclass
class TerminalParts:
    window: MainWindow
    processes: ProcessManager
    input_line: InputLine
    _built: tuple[TerminalPanel, TerminalLink] | None = None
    _focus_on_show: int | None = None  # a run launched from the launcher bar

    def focus_when_shown(self, run_id: int) -> None:
        """Keys go to this run's screen once it shows: a terminal run typed into the
        launcher bar is there to be typed into (runs started from profiles leave the
        focus where it is)."""
        self._focus_on_show = run_id

    @property
    def panel(self) -> TerminalPanel:
        return self._build()[0]

    @property
    def link(self) -> TerminalLink:
        return self._build()[1]

    @property
    def is_built(self) -> bool:
        return self._built is not None

    def _build(self) -> tuple[TerminalPanel, TerminalLink]:
        if self._built is None:
            self._built = _build_panel(self.window, self.processes)
        return self._built

    def show_run(self, run_id: int | None) -> None:
        """The tab is there only while the selected run is a terminal run."""
        info = self.window.runs_model.info(run_id) if run_id is not None else None
        self._show_input(info)
        if (info is None or not info.spec.tty) and not self.is_built:
            return  # no terminal shown yet: nothing to take down
        tabs = self.window.output.tabs
        index = tabs.indexOf(self.panel)
        if info is None or not info.spec.tty:
            self.link.attach(None)
            if index >= 0:
                tabs.removeTab(index)  # the panel lives on (hidden), owned by this feature
            return
        self.link.attach(info.run_id)
        self.panel.set_live(info.state.is_live)
        if index < 0:
            index = tabs.insertTab(1, self.panel, TAB_TITLE)
            tabs.tabBar().setTabButton(index, tabs.tabBar().ButtonPosition.RightSide, None)
            tabs.setTabToolTip(index, "The selected terminal run's screen")
        tabs.setCurrentIndex(index)
        if self._focus_on_show == info.run_id:
            self._focus_on_show = None
            self.panel.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def runs_changed(self, infos: list[RunInfo]) -> None:
        for info in infos:
            if self._built is not None and info.run_id == self.link.run_id:
                self.panel.set_live(info.state.is_live)
            if info.run_id == self.window.table.current_run():
                self._show_input(info)

    def _show_input(self, info: RunInfo | None) -> None:
        """The input line sits under the viewer of a live pipe-mode run with stdin=pipe."""
        wanted = info is not None and not info.spec.tty and info.spec.stdin is StdinMode.PIPE
        self.input_line.setVisible(bool(wanted and info is not None and info.state.is_live))

    def send_line(self, text: str) -> None:
        self._to_stdin(lambda run_id: self.processes.send_input(run_id, text.encode() + b"\n"))

    def send_eof(self) -> None:
        self._to_stdin(self.processes.close_input)

    def _to_stdin(self, action: Callable[[int], None]) -> None:
        run_id = self.window.table.current_run()
        if run_id is None:
            return
        try:
            action(run_id)
        except (InputRefused, UnknownRun) as exc:
            self.window.show_message(str(exc))

    def close(self) -> None:
        if self._built is not None:
            self.link.close()


def _build_panel(window: MainWindow, processes: ProcessManager) -> tuple[TerminalPanel, TerminalLink]:
    from procdeck.bridge.terminal_link import TerminalLink
    from procdeck.ui.terminal.panel import TerminalPanel

    panel = TerminalPanel()
    link = TerminalLink(panel.view, processes, panel)
    tabs = window.output.tabs
    panel.setParent(tabs)  # owned by the tabs' widget tree, in a tab or not
    panel.hide()
    link.message.connect(window.show_message)
    panel.signalRequested.connect(link.send_signal)
    panel.scrollbackRequested.connect(lambda: tabs.setCurrentWidget(window.output.preview))
    panel.view.leaveRequested.connect(lambda: window.table.view.setFocus())
    return panel, link


def wire(window: MainWindow, processes: ProcessManager, runs_changed: SignalInstance) -> TerminalParts:
    input_line = InputLine()
    input_line.hide()
    output_layout = window.output.layout()
    assert output_layout is not None  # RunOutputPanel lays out its header and tabs
    output_layout.addWidget(input_line)  # under the viewer tabs
    parts = TerminalParts(window, processes, input_line)
    input_line.lineSubmitted.connect(parts.send_line)
    input_line.eofRequested.connect(parts.send_eof)
    tabs = window.output.tabs
    window.table.currentRunChanged.connect(parts.show_run)
    runs_changed.connect(parts.runs_changed)

    def size_for_new_runs() -> tuple[int, int]:
        panel = parts.panel  # a terminal run is being launched: its view is wanted now
        current = tabs.currentWidget()
        area = current if current is not None else tabs
        header = panel.view.y() if panel.isVisible() else panel.hint.sizeHint().height() + 4
        return panel.view.grid_for(area.width(), area.height() - header)

    window.launcher.terminal_size = size_for_new_runs
    return parts
