"""RunOutputPanel: the output area under the runs table.

The first tab follows the selected run (merged timeline); "+ stdout", "+ stderr" and
"+ merged" attach more viewers to the selected run as their own tabs, which stay on that
run whatever is selected later and can be detached into docks. Closing a viewer never
touches the process.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from procdeck.core.line_source import LineKind, LineSource
from procdeck.core.run_state import RunInfo, format_duration
from procdeck.ui.viewer.output_viewer import OutputViewer
from procdeck.ui.viewer.viewer_tabs import ViewerTabs

STDOUT_ONLY = frozenset({LineKind.STDOUT})
STDERR_ONLY = frozenset({LineKind.STDERR})
MERGED = frozenset({LineKind.STDOUT, LineKind.STDERR})


def describe(info: RunInfo) -> str:
    """One line about a run: label, pid, state, exit, duration, error."""
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
    return "  \u00b7  ".join(parts)


class RunOutputPanel(QWidget):
    viewerRequested = Signal(int, frozenset)  # run id, streams: attach a new viewer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Select a run to see its output.")
        self.summary.setObjectName("runSummary")
        self.tabs = ViewerTabs()
        self.preview = OutputViewer()
        self.tabs.add_viewer(self.preview, "Selected run")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 2)
        header.addWidget(self.summary, 1)
        self.attach_buttons: dict[str, QToolButton] = {}
        for name, kinds in (("stdout", STDOUT_ONLY), ("stderr", STDERR_ONLY), ("merged", MERGED)):
            button = QToolButton()
            button.setText(f"+ {name}")
            button.setToolTip(f"Open another viewer on the selected run's {name} output")
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, k=kinds: self._request(k))
            header.addWidget(button)
            self.attach_buttons[name] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        self._run: RunInfo | None = None

    def current_run(self) -> int | None:
        return self._run.run_id if self._run is not None else None

    def _request(self, kinds: frozenset[LineKind]) -> None:
        if self._run is not None:
            self.viewerRequested.emit(self._run.run_id, kinds)

    def show_run(self, info: RunInfo | None, source: LineSource | None) -> None:
        """Point the selection-following viewer at a run (None: nothing selected)."""
        self._run = info
        self.preview.set_source(source)
        for button in self.attach_buttons.values():
            button.setEnabled(info is not None and source is not None)
        if info is None:
            self.summary.setText("Select a run to see its output.")
        else:
            self.update_summary(info)

    def update_summary(self, info: RunInfo | None) -> None:
        if info is None or self._run is None or info.run_id != self._run.run_id:
            return
        self._run = info
        self.summary.setText(describe(info))

    def add_viewer(self, source: LineSource, title: str) -> OutputViewer:
        viewer = OutputViewer(source)
        self.tabs.add_viewer(viewer, title)
        return viewer

    def refresh(self) -> None:
        for viewer in self.tabs.viewers():
            viewer.refresh()

    def plain_text(self) -> str:
        """What the selection-following viewer shows, as text."""
        return self.preview.shown_text().removesuffix("\n")
