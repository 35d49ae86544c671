"""The runs table: one row per run, with per-run Stop, Kill, Restart and Remove."""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from procdeck.ui.runs_model import NAME, RUN_ID_ROLE, SORT_ROLE, RunsModel


class RunsTable(QWidget):
    stopRequested = Signal(int)
    killRequested = Signal(int)
    restartRequested = Signal(int)
    removeRequested = Signal(int)
    currentRunChanged = Signal(object)  # int | None

    def __init__(self, model: RunsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        model.rowsInserted.connect(self._select_new_row)
        model.dataChanged.connect(lambda *_: self._update_buttons())
        model.rowsRemoved.connect(lambda *_: self._selection_changed())

        self.actions_by_name: dict[str, QAction] = {}
        buttons = QHBoxLayout()
        for name, text, shortcut, tip, signal in (
            (
                "stop",
                "Stop",
                "Ctrl+T",
                "Stop signal to the whole tree, then SIGKILL after the grace period",
                self.stopRequested,
            ),
            ("kill", "Kill", "Ctrl+K", "SIGKILL the whole tree now", self.killRequested),
            ("restart", "Restart", "Ctrl+R", "Stop, then launch again", self.restartRequested),
            (
                "remove",
                "Remove",
                QKeySequence.StandardKey.Delete,
                "Forget this run (stops it first)",
                self.removeRequested,
            ),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
            action.triggered.connect(lambda _=False, s=signal: self._emit_for_current(s))
            self.addAction(action)
            self.actions_by_name[name] = action
            button = QPushButton(text)
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addLayout(buttons)

        # Uptimes of live runs move once a second; with no live run the ticker stops.
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(model.tick)
        model.dataChanged.connect(self._sync_ticker)
        model.rowsInserted.connect(self._sync_ticker)
        model.rowsRemoved.connect(self._sync_ticker)
        model.modelReset.connect(self._sync_ticker)
        self._sync_ticker()
        self._update_buttons()

    def _sync_ticker(self, *_args: object) -> None:
        live = any(info.state.is_live for info in self.model.infos())
        if live != self._ticker.isActive():
            if live:
                self._ticker.start()
            else:
                self._ticker.stop()

    @property
    def ticking(self) -> bool:
        return self._ticker.isActive()

    def current_run(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return int(self.proxy.data(index, RUN_ID_ROLE))

    def select_run(self, run_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.proxy.data(index, RUN_ID_ROLE) == run_id:
                self.view.setCurrentIndex(index)
                return

    def _select_new_row(self, _parent: QModelIndex | QPersistentModelIndex, first: int, _last: int) -> None:
        run_id = self.model.data(self.model.index(first, 0), RUN_ID_ROLE)
        self.select_run(run_id)

    def _selection_changed(self) -> None:
        self._update_buttons()
        self.currentRunChanged.emit(self.current_run())

    def _update_buttons(self) -> None:
        run_id = self.current_run()
        info = self.model.info(run_id) if run_id is not None else None
        live = bool(info and info.state.is_live)
        self.actions_by_name["stop"].setEnabled(live)
        self.actions_by_name["kill"].setEnabled(live)
        self.actions_by_name["restart"].setEnabled(info is not None)
        self.actions_by_name["remove"].setEnabled(info is not None)

    def _emit_for_current(self, signal: SignalInstance) -> None:
        run_id = self.current_run()
        if run_id is not None:
            signal.emit(run_id)

    def _context_menu(self, pos: QPoint) -> None:
        if self.current_run() is None:
            return
        menu = QMenu(self)
        for action in self.actions_by_name.values():
            menu.addAction(action)
        menu.exec(self.view.viewport().mapToGlobal(pos))
