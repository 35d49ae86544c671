"""The main window: assembles the launcher bar, the runs table, the output pane and docks.

It holds no logic of its own; features add panels with ``add_panel`` and menu entries
with ``add_action``. At start-up the window is shown before the features exist
(``compose/shell.py``): ``reserve_panels`` puts a dock for every panel in ``PANELS`` in
place first, so the saved layout is restored before the first paint, and a feature's
``add_panel`` later fills its reserved dock without moving it.

The default arrangement puts the primary flow first: the launcher bar on top, a compact
runs table, and the output of the selected run taking most of the height. Profiles sit
in a narrow side panel on the left (full height); every other panel (jobs, charts,
processes) is a tab in one panel area at the bottom, like an IDE's panel, sized so that
the output stays the tallest thing in the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
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

from procdeck.core.run_state import RunEnding, RunInfo, plural
from procdeck.ui.launcher_bar import LauncherBar
from procdeck.ui.runs_model import RunsModel
from procdeck.ui.runs_table import RunsTable
from procdeck.ui.viewer.output_viewer import WINDOW_FINDS, OutputViewer
from procdeck.ui.viewer.run_panel import RunOutputPanel

MENUS = ("File", "Run", "View", "Help")


# Below this, a first start takes the whole available screen: every line of output counts.
SMALL_SCREEN = (1600, 960)
# The bottom panel area's share of the window height, and the side panel's width range.
# The range starts above the Profiles panel's minimum width (291 px: two rows of buttons):
# its dock is reserved before the panel exists, and a narrower one widened when the panel
# arrived after the first paint (tests/compose/test_shell.py).
BOTTOM_SHARE = 0.3
SIDE_WIDTH = (300, 340)
# Tabs of the bottom panel area, in this order when present (others follow).
PANEL_ORDER = ("jobs", "processes", "runs-chart", "workers-chart", "system-chart")
# The panels features add: key -> (title, area, in a scroll area), in the order they are
# wired (the View menu's order, and so their Alt+N shortcuts).
_LEFT, _BOTTOM = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
PANELS: dict[str, tuple[str, Qt.DockWidgetArea, bool]] = {
    "profiles": ("Profiles", _LEFT, False),
    "jobs": ("Jobs", _BOTTOM, False),
    "runs-chart": ("Runs chart", _BOTTOM, True),
    "workers-chart": ("Workers chart", _BOTTOM, True),
    "system-chart": ("System chart", _BOTTOM, True),
    "processes": ("Processes", _BOTTOM, True),
}


def _default_size() -> tuple[int, int]:
    """A first start's window: the whole available area of a small screen, most of a
    large one (at most 2200 x 1350)."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return 1100, 700
    area = screen.availableGeometry()
    if area.width() <= SMALL_SCREEN[0] or area.height() <= SMALL_SCREEN[1]:
        return area.width(), area.height()
    return min(2200, int(area.width() * 0.9)), min(1350, int(area.height() * 0.9))


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
        # The side panel runs the full height; the bottom panel area spans only the middle.
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.runs_model = RunsModel(self)
        self.launcher = LauncherBar()
        self.table = RunsTable(self.runs_model)
        self.output = RunOutputPanel()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.output)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.launcher)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.menus: dict[str, QMenu] = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        for action in self.table.actions_by_name.values():
            self.menus["Run"].addAction(action)
        # Ctrl+F from any focus (the launcher bar right after a launch included): the
        # viewer with focus, else the output tab in front, gets the search.
        self.setProperty(WINDOW_FINDS, True)
        self.find_action = QAction("&Find in Output", self)
        self.find_action.setObjectName("findInOutput")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_action.setToolTip("Search the output of the selected run")
        self.find_action.triggered.connect(self.find_in_output)
        self.addAction(self.find_action)
        self.menus["View"].addAction(self.find_action)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.menus["File"].addAction(quit_action)

        self.counts = QLabel()
        self.statusBar().addPermanentWidget(self.counts)
        self.panels: dict[str, QDockWidget] = {}
        self.panel_widgets: dict[str, QWidget] = {}
        self._reserved: set[str] = set()  # docks in place whose feature is not wired yet
        self._default_layout: tuple[QByteArray, QByteArray] | None = None
        # Other work that quitting would stop, counted when the user closes the window:
        # (singular, plural, count function), e.g. ("job", "jobs", ...). Features add theirs.
        self.busy_counters: list[tuple[str, str, Callable[[], int]]] = []
        self._quitting = False
        self._fitted = False
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
        *,
        scroll: bool = True,
    ) -> QDockWidget:
        """Add ``widget`` as a dock. With ``scroll`` it sits in a scroll area, so a panel
        with a tall or wide form never forces the window beyond a small screen; a panel
        that keeps its main content in view by itself (a table beside its form) passes
        ``scroll=False``. Bottom panels become tabs of one bottom panel area
        (``arrange_default_layout``)."""
        widget.setAccessibleName(title)
        self.panel_widgets[key] = widget
        content = widget
        if scroll:
            content = QScrollArea()
            content.setObjectName(f"scroll-{key}")
            content.setWidgetResizable(True)
            content.setFrameShape(QFrame.Shape.NoFrame)
            content.setWidget(widget)
        if key in self._reserved:  # in place since start-up: fill it, leave it where it is
            self._reserved.discard(key)
            dock = self.panels[key]
            placeholder = dock.widget()
            dock.setWidget(content)
            if placeholder is not None:
                placeholder.deleteLater()
            return dock
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(content)
        self.addDockWidget(area, dock)
        # Start at the size the panel asks for; the scroll area only matters when the
        # user (or a small screen) makes the dock smaller than that.
        # At most a fifth of the width (side docks) or BOTTOM_SHARE of the height (bottom
        # docks), so the launcher, the runs and their output stay the largest part.
        hint = widget.sizeHint()
        if area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            self.resizeDocks([dock], [min(hint.width() + 4, self.width() // 5)], Qt.Orientation.Horizontal)
        else:
            self.resizeDocks(
                [dock], [min(hint.height() + 4, int(self.height() * BOTTOM_SHARE))], Qt.Orientation.Vertical
            )
        self.menus["View"].addAction(dock.toggleViewAction())
        self.panels[key] = dock
        return dock

    def reserve_panels(self) -> None:
        """A dock for every panel in PANELS not added yet, holding an empty placeholder
        until its feature calls ``add_panel``."""
        for key, (title, area, _scroll) in PANELS.items():
            if key not in self.panels:
                placeholder = QWidget()
                placeholder.setObjectName(f"placeholder-{key}")
                self.add_panel(key, title, placeholder, area, scroll=False)
                self._reserved.add(key)

    def add_action(self, menu: str, action: QAction) -> None:
        self.menus[menu].addAction(action)

    def arrange_default_layout(self, front: str = "jobs") -> None:
        """Size the panels for a first start (call once every panel is added).

        The side panel gets a fifth of the width (within SIDE_WIDTH), the bottom panel
        area BOTTOM_SHARE of the height with ``front`` as its visible tab, and the
        runs table about a fifth of what is left: the output gets the rest.
        """
        bottom = [
            d
            for d in self.panels.values()
            if self.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea
        ]
        order = {key: i for i, key in enumerate(PANEL_ORDER)}
        bottom.sort(key=lambda d: order.get(d.objectName().removeprefix("dock-"), len(order)))
        # Put the tabs in PANEL_ORDER from scratch: tabifying docks that are tabbed already
        # (features tabify their own) leaves more than one of them shown on top of another.
        for dock in bottom:
            self.removeDockWidget(dock)
        for i, dock in enumerate(bottom):
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            if i:
                self.tabifyDockWidget(bottom[0], dock)
            dock.show()
        sides = [
            d
            for d in self.panels.values()
            if self.dockWidgetArea(d)
            in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
        ]
        side_width = max(SIDE_WIDTH[0], min(SIDE_WIDTH[1], self.width() // 5))
        if sides:
            self.resizeDocks(sides, [side_width] * len(sides), Qt.Orientation.Horizontal)
        if bottom:
            self.resizeDocks(
                bottom, [int(self.height() * BOTTOM_SHARE)] * len(bottom), Qt.Orientation.Vertical
            )
            chosen = self.panels.get(front, bottom[0])
            chosen.raise_()
        rest = max(200, int(self.height() * (1 - BOTTOM_SHARE)) - self.launcher.sizeHint().height() - 60)
        runs = max(self.table.minimumSizeHint().height(), rest // 4)
        self.splitter.setSizes([runs, rest - runs])
        self._default_layout = (self.saveState(), self.splitter.saveState())

    def reset_layout(self) -> None:
        """Back to the arrangement ``arrange_default_layout`` made, every panel shown."""
        if self._default_layout is not None:
            state, splitter = self._default_layout
            self.restoreState(state)
            self.splitter.restoreState(splitter)
        for dock in self.panels.values():
            dock.show()

    # -- state ------------------------------------------------------------------------
    def apply_runs(self, infos: list[RunInfo]) -> None:
        self.runs_model.upsert(infos)
        current = self.table.current_run()
        for info in infos:
            if info.run_id == current:
                self.output.update_summary(info)

    def find_in_output(self) -> None:
        focus = QApplication.focusWidget()
        while focus is not None and not isinstance(focus, OutputViewer):
            focus = focus.parentWidget()
        current = self.output.tabs.currentWidget()
        viewer = focus or (current if isinstance(current, OutputViewer) else self.output.preview)
        viewer.focus_search()

    def show_message(self, message: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(message, timeout_ms)

    def live_runs(self) -> int:
        return sum(1 for info in self.runs_model.infos() if info.state.is_live)

    def refresh_counts(self) -> None:
        """Recount the status bar (features call it when their busy counts change)."""
        self._update_counts()

    def _update_counts(self) -> None:
        infos = self.runs_model.infos()
        running = sum(1 for i in infos if i.state.is_live)
        endings = [i.ending for i in infos]
        parts = [f"{running} running"] + [
            f"{endings.count(ending)} {ending.value}"
            for ending in (RunEnding.EXITED, RunEnding.STOPPED, RunEnding.FAILED)
            if endings.count(ending) or ending is not RunEnding.STOPPED
        ]
        busy = [(one, many, count()) for one, many, count in self.busy_counters]
        parts += [f"{plural(n, one, many)} running" for one, many, n in busy if n]
        self.counts.setText(" · ".join(parts))
        self.counts.setToolTip(
            "Runs: exited = ended by itself with status 0; stopped = ended after you stopped it; "
            "failed = did not start, exited non-zero or died of a signal nobody sent"
        )

    # -- geometry ---------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            # The frame's size is known once the window is on screen.
            QTimer.singleShot(0, self.fit_to_screen)

    def fit_to_screen(self) -> None:
        """Shrink and move the window (frame included) into its screen's available area."""
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        area = screen.availableGeometry()
        frame, inner = self.frameGeometry(), self.geometry()
        if area.contains(frame):
            return
        extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
        width = max(self.minimumWidth(), min(inner.width(), area.width() - extra_w))
        height = max(self.minimumHeight(), min(inner.height(), area.height() - extra_h))
        self.resize(width, height)
        x = min(max(frame.x(), area.x()), area.right() + 1 - (width + extra_w))
        y = min(max(frame.y(), area.y()), area.bottom() + 1 - (height + extra_h))
        self.move(max(area.x(), x), max(area.y(), y))

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

    @property
    def quitting(self) -> bool:
        """The user confirmed quitting; the app is shutting down."""
        return self._quitting

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
