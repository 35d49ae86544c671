"""The Jobs panel: dispatch form, pool controls and workers, job table, details, batch bar.

Receives core values (JobInfo, BatchInfo, WorkerInfo, PoolSettings) and emits intent
signals; it knows nothing of the engine.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelection, QObject, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.jobs import BatchInfo, JobInfo, JobState, PoolSettings, WorkerInfo
from procdeck.ui.empty_state import EmptyHint
from procdeck.ui.jobs.backend_selector import BackendSelector
from procdeck.ui.jobs.batch_bar import BatchBar
from procdeck.ui.jobs.dispatch_form import DispatchForm
from procdeck.ui.jobs.job_details import JobDetails
from procdeck.ui.jobs.jobs_model import COLUMNS, JOB_ID_ROLE, JobsModel
from procdeck.ui.jobs.pool_view import PoolView
from procdeck.ui.settings_file import SettingsFile


class _VerticalScrollArea(QScrollArea):
    """Scrolls vertically only, and asks for the width its content needs."""

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The content's minimum width changes (pool details appear): ask again.
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        width = inner.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(width + 2 * self.frameWidth(), hint.height())


class JobsPanel(QWidget):
    dispatchRequested = Signal(object)  # DispatchRequest
    cancelJobRequested = Signal(int)
    killJobRequested = Signal(int)  # stop the job's worker even if it cannot be interrupted
    cancelBatchRequested = Signal(int)
    cancelAllRequested = Signal()
    maxWorkersChanged = Signal(int)
    cancellableChanged = Signal(bool)
    memoryLimitChanged = Signal(object)  # default bytes per job, or None
    stacksRequested = Signal(int)  # dump the stacks of a running job's worker
    detailsRequested = Signal(int)
    copyRequested = Signal(int, str)  # batch id, format
    saveRequested = Signal(int, str, str)  # batch id, path, format
    clearRequested = Signal()
    backendChosen = Signal(object)  # BackendChoice

    def __init__(
        self, settings: QSettings | SettingsFile | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("jobsPanel")
        self.form = DispatchForm(settings)
        self.pool_view = PoolView()
        self.backend_selector = BackendSelector()
        self.model = JobsModel(self)
        self.table = QTableView()
        self.table.setObjectName("jobsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((90, 220, 90, 90, 70, 70, 80, 70)):
            if column < len(COLUMNS) - 1:
                self.table.setColumnWidth(column, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.cancel_job_action = QAction("Cancel job", self)
        self.cancel_batch_action = QAction("Cancel its batch", self)
        self.kill_job_action = QAction("Kill job (stop its worker)", self)
        self.kill_job_action.setToolTip(
            "For a job that cannot be interrupted (not cancellable, or on Dask): its worker "
            "process is killed (on Dask, restarted) and the job fails"
        )
        self.table.addAction(self.cancel_job_action)
        self.table.addAction(self.cancel_batch_action)
        self.table.addAction(self.kill_job_action)
        self.empty_hint = EmptyHint(
            self.table, "No jobs yet: enter a function at the left and press Dispatch (Enter)."
        )
        self.details = JobDetails()
        self.batch_bar = BatchBar()
        self.batch_bar.hide()
        self.show_stacks_button = QPushButton("Show stacks")
        self.show_stacks_button.setObjectName("showStacks")
        self.show_stacks_button.setToolTip(
            "Dump the Python stack of every thread of the selected running job's worker, "
            "without stopping it (shown in the job details)"
        )
        self.show_stacks_button.setEnabled(False)
        self.cancel_job_button = QPushButton("Cancel job")
        self.clear_button = QPushButton("Clear finished")

        table_buttons = QHBoxLayout()
        table_buttons.addStretch(1)
        table_buttons.addWidget(self.show_stacks_button)
        table_buttons.addWidget(self.cancel_job_button)
        table_buttons.addWidget(self.clear_button)
        # Three columns: the form (and pool controls) scroll on their own at the left, the
        # job table in the middle, the selected job's details at the right. What Dispatch
        # produces is in view without scrolling, even in a short bottom panel.
        controls = QWidget()
        controls_layout = QVBoxLayout(controls)
        controls_layout.setContentsMargins(0, 0, 0, 0)
        controls_layout.addWidget(self.form)
        controls_layout.addWidget(self.backend_selector)
        controls_layout.addWidget(self.pool_view)
        controls_layout.addStretch(1)
        self.controls = _VerticalScrollArea()
        self.controls.setObjectName("jobsControls")
        self.controls.setWidget(controls)
        # Dispatch and its error message stay in view below the scrolled fields.
        action_row = QHBoxLayout()
        for widget in (self.form.error, self.form.dispatch_button):
            self.form.action_row.removeWidget(widget)
        action_row.addWidget(self.form.error, 1)
        action_row.addWidget(self.form.dispatch_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.controls, 1)
        left_layout.addLayout(action_row)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addLayout(table_buttons)
        results_layout.addWidget(self.table, 1)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setObjectName("jobsSplit")
        self.split.addWidget(left)
        self.split.addWidget(results)
        self.split.addWidget(self.details)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 3)
        self.split.setStretchFactor(2, 2)
        self.split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.batch_bar)  # across the whole panel: it has many buttons
        layout.addWidget(self.split, 1)

        self._batches: dict[int, BatchInfo] = {}
        self.form.dispatchRequested.connect(self.dispatchRequested)
        self.backend_selector.backendChosen.connect(self.backendChosen)
        self.pool_view.maxWorkersChanged.connect(self.maxWorkersChanged)
        self.pool_view.cancellableChanged.connect(self.cancellableChanged)
        self.pool_view.memoryLimitChanged.connect(self.memoryLimitChanged)
        self.show_stacks_button.clicked.connect(self._show_stacks_of_selected)
        self.pool_view.cancelAllRequested.connect(self.cancelAllRequested)
        self.batch_bar.cancelRequested.connect(self.cancelBatchRequested)
        self.batch_bar.copyRequested.connect(self.copyRequested)
        self.batch_bar.saveRequested.connect(self._save)
        self.cancel_job_button.clicked.connect(self._cancel_selected)
        self.cancel_job_action.triggered.connect(self._cancel_selected)
        self.cancel_batch_action.triggered.connect(self._cancel_selected_batch)
        self.kill_job_action.triggered.connect(self._kill_selected)
        self.clear_button.clicked.connect(self._clear)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        # Durations and ETA move on their own: repaint them once a second, while a job or
        # a batch is unfinished (nothing moves otherwise).
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)

    # -- engine -> view ---------------------------------------------------------------
    def apply_jobs(self, infos: list[JobInfo]) -> None:
        self.model.upsert(infos)
        if not self._clock.isActive() and any(not info.state.is_final for info in infos):
            self._clock.start()
        current = self.current_job()
        if current is not None and any(i.job_id == current for i in infos):
            self.detailsRequested.emit(current)
            self._update_stacks_button()

    def _show_batch(self, info: BatchInfo | None) -> None:
        self.batch_bar.show_batch(info)
        self.batch_bar.setVisible(info is not None)  # no empty "No batch" row

    def apply_batches(self, infos: list[BatchInfo]) -> None:
        shown = self.batch_bar.batch
        for info in infos:
            is_new = info.batch_id not in self._batches
            self._batches[info.batch_id] = info
            if is_new or (shown is not None and info.batch_id == shown.batch_id):
                self._show_batch(info)
                shown = info
        if not self._clock.isActive() and any(not info.is_complete for info in infos):
            self._clock.start()

    def apply_workers(self, workers: list[WorkerInfo]) -> None:
        self.pool_view.apply_workers(workers)

    def apply_settings(self, settings: PoolSettings) -> None:
        self.pool_view.apply_settings(settings)
        self.form.set_enforcement(settings.enforces_timeout, settings.enforces_memory_limit, "This backend")

    def show_stacks(self, job_id: int, stacks: str) -> None:
        self.details.show_stacks(job_id, stacks)

    def show_details(self, info: JobInfo) -> None:
        if info.job_id == self.current_job():
            self.details.show_job(info)

    def show_error(self, message: str) -> None:
        self.form.show_error(message)

    def copy_text(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    # -- selection --------------------------------------------------------------------
    def current_job(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return None if not rows else rows[0].data(JOB_ID_ROLE)

    def select_job(self, job_id: int) -> None:
        row = self.model.row_of(job_id)
        if row is not None:
            self.table.selectRow(row)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        job_id = self.current_job()
        info = None if job_id is None else self.model.info(job_id)
        self.details.show_job(info)
        self._update_stacks_button()
        if info is None:
            return
        self.detailsRequested.emit(info.job_id)
        if info.batch_id is not None and info.batch_id in self._batches:
            self._show_batch(self._batches[info.batch_id])

    def _cancel_selected(self) -> None:
        job_id = self.current_job()
        if job_id is not None:
            self.cancelJobRequested.emit(job_id)

    def _update_stacks_button(self) -> None:
        job_id = self.current_job()
        info = None if job_id is None else self.model.info(job_id)
        self.show_stacks_button.setEnabled(info is not None and info.state is JobState.RUNNING)

    def _show_stacks_of_selected(self) -> None:
        job_id = self.current_job()
        if job_id is not None:
            self.stacksRequested.emit(job_id)

    def _kill_selected(self) -> None:
        job_id = self.current_job()
        if job_id is not None:
            self.killJobRequested.emit(job_id)

    def _cancel_selected_batch(self) -> None:
        job_id = self.current_job()
        info = None if job_id is None else self.model.info(job_id)
        if info is not None and info.batch_id is not None:
            self.cancelBatchRequested.emit(info.batch_id)

    def _clear(self) -> None:
        self.model.remove_finished()
        self._batches = {k: b for k, b in self._batches.items() if not b.is_complete}
        shown = self.batch_bar.batch
        if shown is not None and shown.batch_id not in self._batches:
            self._show_batch(None)
        self.details.show_job(None)
        self.clearRequested.emit()

    def _save(self, batch_id: int) -> None:
        chosen = self.ask_save_path()
        if chosen is not None:
            path, fmt = chosen
            self.saveRequested.emit(batch_id, path, fmt)

    def ask_save_path(self) -> tuple[str, str] | None:
        """Where and how to save results (a hook tests replace)."""
        path, selected = QFileDialog.getSaveFileName(
            self, "Save batch results", "results.csv", "CSV (*.csv);;JSON (*.json)"
        )
        if not path:
            return None
        fmt = "json" if path.lower().endswith(".json") or "JSON" in selected else "csv"
        return path, fmt

    def _tick(self) -> None:
        if self.isVisible():
            self.model.tick()
            self.batch_bar.refresh()
        self._sync_clock()

    def _sync_clock(self) -> None:
        """Stop the clock once every job and batch is finished (newest rows first: that
        is where unfinished ones are)."""
        moving = any(not batch.is_complete for batch in self._batches.values()) or any(
            not info.state.is_final for info in reversed(self.model.infos())
        )
        if not moving:
            self._clock.stop()

    @property
    def ticking(self) -> bool:
        return self._clock.isActive()
