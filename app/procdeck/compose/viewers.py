"""Wires output viewers to runs: sources from the engine, refresh at display rate.

``wire(parts)`` connects the runs table's selection to the panel's selection-following
viewer and the panel's "+ stdout/stderr/merged" requests to new viewers. Each viewer gets
its own ``OutputView`` (its own stream choice, search and clear) and an ``OutputRefresher``
that repaints it at display rate; both go away when the viewer closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from procdeck.bridge.engine_bridge import EngineBridge
from procdeck.bridge.output_refresh import OutputRefresher
from procdeck.core.line_source import LineKind
from procdeck.core.run_state import RunInfo
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.output.view import ALL_STREAMS
from procdeck.ui.main_window import MainWindow
from procdeck.ui.viewer.output_viewer import OutputViewer
from procdeck.ui.viewer.run_panel import RunOutputPanel

_NAMES = {frozenset({LineKind.STDOUT}): "stdout", frozenset({LineKind.STDERR}): "stderr"}


def open_log(paths: tuple[str, ...]) -> None:
    for path in paths:
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))


class RunViewers:
    """Owns the refreshers of every viewer in a panel (one shutdown path: ``close``)."""

    def __init__(
        self, panel: RunOutputPanel, bridge: EngineBridge, info: Callable[[int], RunInfo | None]
    ) -> None:
        self.panel = panel
        self.bridge = bridge
        self._info = info
        self._refreshers: dict[OutputViewer, OutputRefresher] = {}
        panel.viewerRequested.connect(self.open_viewer)
        panel.tabs.viewerClosed.connect(self._viewer_closed)
        panel.preview.openLogRequested.connect(open_log)

    def _attach(self, viewer: OutputViewer, output: RunOutput | None) -> None:
        old = self._refreshers.pop(viewer, None)
        if old is not None:
            old.close()
            old.deleteLater()
        if output is not None:
            refresher = OutputRefresher(output, parent=viewer)
            refresher.changed.connect(viewer.refresh)
            self._refreshers[viewer] = refresher

    def show_run(self, run_id: int | None) -> None:
        """The table selection changed: the preview viewer follows it."""
        output = self.bridge.output(run_id) if run_id is not None else None
        info = self._info(run_id) if run_id is not None else None
        if info is None:
            output = None
        source = output.view(ALL_STREAMS) if output is not None else None
        self.panel.show_run(info, source)
        self._attach(self.panel.preview, output)

    def open_viewer(self, run_id: int, kinds: frozenset[LineKind]) -> OutputViewer | None:
        output = self.bridge.output(run_id)
        if output is None:
            return None
        source = output.view(kinds)
        title = f"#{run_id} {_NAMES.get(frozenset(kinds), 'merged')}"
        viewer = self.panel.add_viewer(source, title)
        viewer.openLogRequested.connect(open_log)
        self._attach(viewer, output)
        return viewer

    def _viewer_closed(self, viewer: OutputViewer) -> None:
        refresher = self._refreshers.pop(viewer, None)
        if refresher is not None:
            refresher.close()

    def close(self) -> None:
        for refresher in self._refreshers.values():
            refresher.close()
        self._refreshers.clear()


def wire(window: MainWindow, bridge: EngineBridge) -> RunViewers:
    """Connect the window's output panel to the engine's runs."""
    viewers = RunViewers(window.output, bridge, window.runs_model.info)
    window.table.currentRunChanged.connect(viewers.show_run)
    return viewers
