"""Viewer tabs: several viewers, detach into a dock, close without touching the run."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from procdeck.core.output import Stream
from procdeck.ui.viewer.output_viewer import OutputViewer
from procdeck.ui.viewer.viewer_tabs import ViewerTabs


def test_detach_to_a_dock_reattach_and_close(qtbot, make_output):
    output = make_output()
    output.feed(Stream.STDOUT, b"hello\n")
    window = QMainWindow()
    qtbot.addWidget(window)
    tabs = ViewerTabs()
    window.setCentralWidget(tabs)
    window.show()
    first, second = OutputViewer(output.view()), OutputViewer(output.view())
    tabs.add_viewer(first, "#1 merged")
    tabs.add_viewer(second, "#1 stdout")
    assert tabs.count() == 2 and tabs.viewers() == [first, second]
    dock = tabs.detach(1)
    assert dock is not None and dock.widget() is second and tabs.count() == 1
    assert tabs.viewers() == [first, second]
    tabs.reattach(dock)
    assert tabs.count() == 2 and tabs.docks == []
    dock = tabs.detach(0)
    closed = []
    tabs.viewerClosed.connect(closed.append)
    dock.close()
    assert closed == [first] and tabs.viewers() == [second]
    tabs.close_tab(0)
    assert closed == [first, second] and tabs.count() == 0
    output.feed(Stream.STDOUT, b"the run goes on\n")  # closing viewers never touched the run
    assert output.text() == "hello\nthe run goes on"
