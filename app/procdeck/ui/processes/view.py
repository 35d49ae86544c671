"""The Processes view: every process on the machine, like htop or a system monitor.

Flat or tree, sortable by any column, filtered as you type (name, pid, user, command...).
Terminate / Kill / any signal to the selected process or its whole tree, after a
confirmation; "Chart this process" pins it into the Runs chart. The view only emits
intents (``signalRequested``, ``chartRequested``); the monitor bridge carries them out and
reports back with ``show_result``. It tells the bridge when it is shown or hidden
(``activeChanged``), so the machine-wide walk only runs while someone looks at it.
"""

from __future__ import annotations

import signal

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.run_state import plural, signal_name
from procdeck.core.samples import ProcessRow, SignalRequest, SignalResult
from procdeck.ui.processes.model import COL_CPU, COL_NAME, COL_PID, ROW_ROLE, SORT_ROLE, ProcessModel


def _signal_choices() -> list[int]:
    wanted = ("SIGTERM", "SIGKILL", "SIGINT", "SIGHUP", "SIGQUIT", "SIGSTOP", "SIGCONT", "SIGUSR1", "SIGUSR2")
    return [int(getattr(signal, name)) for name in wanted if hasattr(signal, name)]


class ProcessesView(QWidget):
    signalRequested = Signal(object)  # SignalRequest, already confirmed by the user
    chartRequested = Signal(int, float, str)  # pid, create_time, name
    activeChanged = Signal(bool)  # shown (refresh wanted) / hidden

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ProcessModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setRecursiveFilteringEnabled(True)  # tree mode: keep ancestors of matches
        self.proxy.setDynamicSortFilter(True)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: name, pid, user or command")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.tree_box = QCheckBox("Tree")
        self.tree_box.toggled.connect(self.set_tree_mode)
        self.count_label = QLabel("")

        self.view = QTreeView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_CPU, Qt.SortOrder.DescendingOrder)
        self.view.setUniformRowHeights(True)
        self.view.setRootIsDecorated(False)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.view.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_PID, 70)
        header.resizeSection(COL_NAME, 150)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_actions())

        self.terminate_button = QPushButton("Terminate")
        self.terminate_button.clicked.connect(lambda: self.request_signal(int(signal.SIGTERM)))
        self.kill_button = QPushButton("Kill")
        self.kill_button.clicked.connect(lambda: self.request_signal(int(signal.SIGKILL)))
        self.signal_combo = QComboBox()
        for signum in _signal_choices():
            self.signal_combo.addItem(signal_name(signum), signum)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(lambda: self.request_signal(int(self.signal_combo.currentData())))
        self.children_box = QCheckBox("With children")
        self.children_box.setToolTip("Signal the process and all its descendants")
        self.chart_button = QPushButton("Chart this process")
        self.chart_button.clicked.connect(self._chart_current)
        self.status_label = QLabel("")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.tree_box)
        top.addWidget(self.count_label)
        actions = QHBoxLayout()
        for w in (
            self.terminate_button,
            self.kill_button,
            self.signal_combo,
            self.send_button,
            self.children_box,
        ):
            actions.addWidget(w)
        actions.addStretch(1)
        actions.addWidget(self.chart_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status_label)
        self._update_actions()

    # -- data ----------------------------------------------------------------------------
    def set_rows(self, rows: tuple[ProcessRow, ...] | list[ProcessRow]) -> None:
        self.model.set_rows(rows)
        if self.model.tree_mode and self.filter_edit.text():
            self.view.expandAll()
        shown = self.proxy.rowCount() if not self.model.tree_mode else len(rows)
        self.count_label.setText(plural(shown, "process", "processes"))
        self._update_actions()

    def set_tree_mode(self, tree: bool) -> None:
        if self.tree_box.isChecked() != tree:
            self.tree_box.setChecked(tree)
            return
        current = self.current_row()
        self.model.set_tree_mode(tree)
        self.view.setRootIsDecorated(tree)
        if tree:
            self.view.expandAll()
        if current is not None:
            self.select_pid(current.pid)

    def set_filter(self, text: str) -> None:
        self.filter_edit.setText(text)

    # -- selection -----------------------------------------------------------------------
    def current_row(self) -> ProcessRow | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        row = self.proxy.data(index.siblingAtColumn(0), ROW_ROLE)
        return row if isinstance(row, ProcessRow) else None

    def select_pid(self, pid: int) -> bool:
        source = self.model.index_for_pid(pid)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.view.expand(parent)
            parent = parent.parent()
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        return True

    def visible_pids(self) -> list[int]:
        """Pids in display order (depth first), for tests and the count label."""
        out: list[int] = []

        def walk(parent: QModelIndex) -> None:
            for r in range(self.proxy.rowCount(parent)):
                idx = self.proxy.index(r, 0, parent)
                out.append(int(self.proxy.data(idx, SORT_ROLE)))
                walk(idx)

        walk(QModelIndex())
        return out

    def _update_actions(self) -> None:
        row = self.current_row()
        can = row is not None and row.can_signal and row.state.is_live
        for w in (self.terminate_button, self.kill_button, self.send_button):
            w.setEnabled(can)
        self.chart_button.setEnabled(row is not None and row.state.is_live)
        if row is not None and not row.can_signal:
            self.status_label.setText(
                f"{row.name} ({row.pid}) belongs to {row.user or 'another user'}: access denied."
            )

    # -- intents -------------------------------------------------------------------------
    def confirm(self, request: SignalRequest) -> bool:
        """Ask before signalling (a hook tests replace)."""
        what = f"{request.name} (pid {request.pid})" + (" and all its descendants" if request.tree else "")
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Send signal")
        box.setText(f"Send {signal_name(request.signum)} to {what}?")
        send = box.addButton(f"Send {signal_name(request.signum)}", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is send

    def request_signal(self, signum: int) -> SignalRequest | None:
        row = self.current_row()
        if row is None:
            self.status_label.setText("Select a process first.")
            return None
        if not row.can_signal:
            self.status_label.setText(
                f"{row.name} ({row.pid}) belongs to {row.user or 'another user'}: access denied."
            )
            return None
        request = SignalRequest(
            pid=row.pid,
            create_time=row.create_time,
            signum=signum,
            tree=self.children_box.isChecked(),
            name=row.name,
        )
        if not self.confirm(request):
            self.status_label.setText("Cancelled.")
            return None
        self.status_label.setText(f"Sending {signal_name(signum)} to {row.name} ({row.pid})…")
        self.signalRequested.emit(request)
        return request

    def show_result(self, result: SignalResult) -> None:
        self.status_label.setText(result.describe())

    def _chart_current(self) -> None:
        row = self.current_row()
        if row is not None:
            self.chartRequested.emit(row.pid, row.create_time, row.name)
            self.status_label.setText(f"{row.name} ({row.pid}) is now in the Runs chart.")

    # -- visibility ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.activeChanged.emit(True)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.activeChanged.emit(False)
