"""The main window: assembles the launcher bar, the runs table, the output pane and docks.

It holds no logic of its own; features add panels with ``add_panel`` and menu entries
with ``add_action``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.run_state import RunInfo, RunState
from procdeck.ui.launcher_bar import LauncherBar
from procdeck.ui.runs_model import RunsModel
from procdeck.ui.runs_table import RunsTable
from procdeck.ui.viewer.run_panel import RunOutputPanel

MENUS = ("File", "Run", "View", "Help")


def _default_size() -> tuple[int, int]:
    """A first start's window: most of the screen, up to 1400 x 900."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return 1100, 700
    area = screen.availableGeometry()
    return min(1400, int(area.width() * 0.9)), min(900, int(area.height() * 0.9))


class MainWindow(QMainWindow):
    quitRequested = Signal()  # the user confirmed quitting; the app shuts down

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Procdeck")
        self.setObjectName("procdeckMainWindow")
        self.resize(*_default_size())
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )
        self.runs_model = RunsModel(self)
        self.launcher = LauncherBar()
        self.table = RunsTable(self.runs_model)
        self.output = RunOutputPanel()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.output)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.launcher)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.menus: dict[str, QMenu] = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        for action in self.table.actions_by_name.values():
            self.menus["Run"].addAction(action)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.menus["File"].addAction(quit_action)

        self.counts = QLabel()
        self.statusBar().addPermanentWidget(self.counts)
        self.panels: dict[str, QDockWidget] = {}
        self.panel_widgets: dict[str, QWidget] = {}
        # Other work that quitting would stop, counted when the user closes the window:
        # (singular, plural, count function), e.g. ("job", "jobs", ...). Features add theirs.
        self.busy_counters: list[tuple[str, str, Callable[[], int]]] = []
        self._quitting = False
        self._update_counts()
        self.runs_model.dataChanged.connect(lambda *_: self._update_counts())
        self.runs_model.rowsInserted.connect(lambda *_: self._update_counts())
        self.runs_model.rowsRemoved.connect(lambda *_: self._update_counts())

    # -- extension points -------------------------------------------------------------
    def add_panel(
        self,
        key: str,
        title: str,
        widget: QWidget,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
    ) -> QDockWidget:
        """Add ``widget`` as a dock. It sits in a scroll area, so a panel with a tall or
        wide form never forces the window beyond a small screen."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{key}")
        scroller = QScrollArea()
        scroller.setObjectName(f"scroll-{key}")
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(widget)
        dock.setWidget(scroller)
        self.addDockWidget(area, dock)
        # Start at the size the panel asks for; the scroll area only matters when the
        # user (or a small screen) makes the dock smaller than that.
        # At most a third of the width (side docks) or two fifths of the height (bottom
        # docks), so the launcher and the runs stay the largest part of the window.
        hint = widget.sizeHint()
        if area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            self.resizeDocks([dock], [min(hint.width() + 4, self.width() // 3)], Qt.Orientation.Horizontal)
        else:
            self.resizeDocks(
                [dock], [min(hint.height() + 4, self.height() * 2 // 5)], Qt.Orientation.Vertical
            )
        self.menus["View"].addAction(dock.toggleViewAction())
        self.panels[key] = dock
        self.panel_widgets[key] = widget
        return dock

    def add_action(self, menu: str, action: QAction) -> None:
        self.menus[menu].addAction(action)

    # -- state ------------------------------------------------------------------------
    def apply_runs(self, infos: list[RunInfo]) -> None:
        self.runs_model.upsert(infos)
        current = self.table.current_run()
        for info in infos:
            if info.run_id == current:
                self.output.update_summary(info)

    def show_message(self, message: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(message, timeout_ms)

    def live_runs(self) -> int:
        return sum(1 for info in self.runs_model.infos() if info.state.is_live)

    def _update_counts(self) -> None:
        infos = self.runs_model.infos()
        running = sum(1 for i in infos if i.state.is_live)
        failed = sum(
            1 for i in infos if i.state is RunState.FAILED_TO_START or (i.outcome and not i.outcome.ok)
        )
        exited = sum(1 for i in infos if i.state is RunState.EXITED)
        self.counts.setText(f"{running} running · {exited} exited · {failed} failed")

    # -- quitting ---------------------------------------------------------------------
    def busy_work(self) -> list[str]:
        """What quitting would stop, as phrases ("2 processes", "1 job"), or []."""
        counts = [("process", "processes", self.live_runs())]
        counts += [(one, many, count()) for one, many, count in self.busy_counters]
        return [f"{n} {one if n == 1 else many}" for one, many, n in counts if n]

    def confirm_quit(self) -> bool:
        """Ask before quitting while processes or jobs run (a hook tests can replace)."""
        busy = self.busy_work()
        if not busy:
            return True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Quit Procdeck")
        verb = "is" if len(busy) == 1 and busy[0].startswith("1 ") else "are"
        box.setText(f"{' and '.join(busy)} {verb} still running.")
        box.setInformativeText("Quitting stops them (and everything they started).")
        stop = box.addButton("Stop all and quit", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(stop)
        box.exec()
        return box.clickedButton() is stop

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting:
            event.accept()
            return
        event.ignore()  # the app closes the window once the engine has shut down
        if self.confirm_quit():
            self.begin_quit()

    def begin_quit(self) -> None:
        if self._quitting:
            return
        self._quitting = True
        self.show_message("Stopping processes…", 0)
        self.launcher.setEnabled(False)
        self.quitRequested.emit()

    def finish_quit(self) -> None:
        self._quitting = True
        self.close()
