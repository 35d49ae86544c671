"""ViewerTabs: output viewers as closable tabs, each detachable into its own dock.

Closing a tab or a detached dock closes only the viewer (never the process).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QTabWidget, QWidget

from procdeck.ui.viewer.output_viewer import OutputViewer


class ViewerDock(QDockWidget):
    """A detached viewer's dock; tells its tabs when the user closes it."""

    closing = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)


class ViewerTabs(QTabWidget):
    viewerClosed = Signal(object)  # the OutputViewer, about to be deleted

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewerTabs")
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setDocumentMode(True)
        self.tabCloseRequested.connect(self.close_tab)
        self.tabBar().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tabBar().customContextMenuRequested.connect(self._tab_menu)
        self.docks: list[QDockWidget] = []

    def add_viewer(self, viewer: OutputViewer, title: str) -> int:
        index = self.addTab(viewer, title)
        self.setTabToolTip(index, title)
        self.setCurrentIndex(index)
        return index

    def viewers(self) -> list[OutputViewer]:
        """Every viewer, in tabs and in detached docks."""
        tabs = [self.widget(i) for i in range(self.count())]
        docked = [d.widget() for d in self.docks]
        return [v for v in tabs + docked if isinstance(v, OutputViewer)]

    def close_tab(self, index: int) -> None:
        viewer = self.widget(index)
        self.removeTab(index)
        if isinstance(viewer, OutputViewer):
            self._dispose(viewer)

    def close_viewer(self, viewer: OutputViewer) -> None:
        index = self.indexOf(viewer)
        if index >= 0:
            self.close_tab(index)
            return
        for dock in list(self.docks):
            if dock.widget() is viewer:
                self._close_dock(dock)

    def _dispose(self, viewer: OutputViewer) -> None:
        self.viewerClosed.emit(viewer)
        viewer.close()
        viewer.setParent(None)
        viewer.deleteLater()

    def _tab_menu(self, pos: QPoint) -> None:
        index = self.tabBar().tabAt(pos)
        if index < 0:
            return
        menu = QMenu(self)
        menu.addAction("Detach to a dock", lambda: self.detach(index))
        menu.addAction("Close", lambda: self.close_tab(index))
        menu.exec(self.tabBar().mapToGlobal(pos))

    def detach(self, index: int) -> QDockWidget | None:
        """Move the viewer of tab ``index`` into its own dock of the main window."""
        window = self.window()
        viewer = self.widget(index)
        if not isinstance(window, QMainWindow) or viewer is None:
            return None
        title = self.tabText(index)
        self.removeTab(index)
        dock = ViewerDock(title, window)
        dock.setObjectName(f"viewer-dock-{id(viewer)}")
        dock.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dock.setWidget(viewer)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.docks.append(dock)
        dock.closing.connect(lambda d=dock: self._dock_closing(d))
        viewer.show()
        return dock

    def reattach(self, dock: QDockWidget) -> None:
        viewer = dock.widget()
        if isinstance(viewer, OutputViewer):
            title = dock.windowTitle()
            self._forget(dock)
            dock.setWidget(None)  # type: ignore[arg-type]  # Qt takes None (detach); the stubs say QWidget
            self.add_viewer(viewer, title)
            dock.close()

    def _forget(self, dock: QDockWidget) -> None:
        if dock in self.docks:
            self.docks.remove(dock)

    def _dock_closing(self, dock: QDockWidget) -> None:
        if dock not in self.docks:
            return  # reattached: the viewer lives on in a tab
        self._forget(dock)
        viewer = dock.widget()
        if isinstance(viewer, OutputViewer):
            self.viewerClosed.emit(viewer)
            viewer.close()

    def _close_dock(self, dock: QDockWidget) -> None:
        dock.close()
