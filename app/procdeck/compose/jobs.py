"""Wires the worker pool, the jobs bridge and the Jobs panel together.

The panel and its bridge (the job table, the dispatch form, the backend selector, the
cluster state) are built the first time the Jobs panel is on screen, or when something
needs them (a worker-job profile is launched, a preference applies to the pool): the
window is painted first, with a placeholder in their place (``ui.lazy_panel``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer

from procdeck.bridge.tasks import TaskSpawner
from procdeck.ui.lazy_panel import LazyPanel
from procdeck.ui.main_window import MainWindow
from procdeck.ui.settings_file import SettingsFile

if TYPE_CHECKING:
    from procdeck.bridge.jobs_bridge import JobsBridge
    from procdeck.core.cluster_state import BackendChoice
    from procdeck.core.jobs import DispatchRequest
    from procdeck.engine.engine import Engine
    from procdeck.engine.workers.pool import JobPool
    from procdeck.ui.jobs.panel import JobsPanel


def build_jobs_panel(
    pool: JobPool, spawner: TaskSpawner | None, settings: QSettings | SettingsFile | None = None
) -> tuple[JobsPanel, JobsBridge]:
    """A Jobs panel connected to ``pool``; the caller owns both and closes the bridge."""
    from procdeck.bridge.jobs_bridge import JobsBridge
    from procdeck.ui.jobs.panel import JobsPanel

    panel = JobsPanel(settings)
    if spawner is None:
        spawner = TaskSpawner(pool.task_group, panel)
    bridge = JobsBridge(pool, spawner, panel)
    bridge.jobsChanged.connect(panel.apply_jobs)
    bridge.batchesChanged.connect(panel.apply_batches)
    bridge.workersChanged.connect(panel.apply_workers)
    bridge.settingsChanged.connect(panel.apply_settings)
    bridge.jobDetails.connect(panel.show_details)
    bridge.stacksReady.connect(panel.show_stacks)
    bridge.rejected.connect(panel.show_error)
    bridge.exported.connect(panel.copy_text)
    panel.dispatchRequested.connect(bridge.dispatch)
    panel.cancelJobRequested.connect(bridge.cancel_job)
    panel.killJobRequested.connect(bridge.kill_job)
    panel.cancelBatchRequested.connect(bridge.cancel_batch)
    panel.cancelAllRequested.connect(bridge.cancel_all)
    panel.maxWorkersChanged.connect(bridge.set_max_workers)
    panel.cancellableChanged.connect(bridge.set_cancellable)
    panel.memoryLimitChanged.connect(bridge.set_memory_limit)
    panel.stacksRequested.connect(bridge.show_stacks)
    panel.detailsRequested.connect(bridge.request_details)
    panel.copyRequested.connect(bridge.copy_results)
    panel.saveRequested.connect(bridge.save_results)
    panel.clearRequested.connect(bridge.clear_finished)
    panel.backendChosen.connect(bridge.use_backend)
    bridge.backendState.connect(panel.backend_selector.set_state)
    bridge.publish_settings()
    if settings is not None:
        bridge.backendApplied.connect(lambda choice: store_backend(settings, choice))
    return panel, bridge


#: Where the chosen backend is kept between runs: JSON text of `BackendChoice.to_dict`
#: (plain values only: kinds, an address, a worker count, certificate file paths).
BACKEND_KEY = "jobs/backend"


def store_backend(settings: QSettings | SettingsFile, choice: BackendChoice) -> None:
    settings.setValue(BACKEND_KEY, json.dumps(choice.to_dict(), sort_keys=True))
    settings.sync()


def stored_backend(settings: QSettings | SettingsFile) -> tuple[BackendChoice | None, str]:
    """The backend chosen last time (None: none stored), or why it cannot be read."""
    from procdeck.core.cluster_state import BackendChoice, BackendChoiceError

    text = settings.value(BACKEND_KEY, "")
    if not text:
        return None, ""
    try:
        return BackendChoice.from_dict(json.loads(str(text))), ""
    except (ValueError, BackendChoiceError) as exc:
        return None, f"The backend remembered from last time cannot be used ({exc}); using local workers."


def restore_backend(panel: JobsPanel, bridge: JobsBridge, settings: QSettings | SettingsFile) -> None:
    """Show and switch to the backend chosen last time (local workers need no switch)."""
    choice, problem = stored_backend(settings)
    if problem:
        panel.show_error(problem)
    if choice is None:
        return
    panel.backend_selector.set_choice(choice)
    if choice.is_dask:
        bridge.use_backend(choice)


class JobsFeature:
    """The Jobs panel in the main window, built on first sight or first need."""

    def __init__(
        self,
        window: MainWindow,
        engine: Engine,
        spawner: TaskSpawner,
        settings: QSettings | SettingsFile | None = None,
    ) -> None:
        self._window = window
        self._engine = engine
        self._spawner = spawner
        self._settings = settings
        self._bridge: JobsBridge | None = None
        self._closed = False
        self._when_built: list[Callable[[JobsPanel, JobsBridge], None]] = []
        self.lazy: LazyPanel[JobsPanel] = LazyPanel(
            self._build, settings_name="JobsPanel", placeholder="Loading the worker pool…"
        )
        self.dock = window.add_panel(
            "jobs", "Jobs", self.lazy, Qt.DockWidgetArea.BottomDockWidgetArea, scroll=False
        )
        # Jobs that start however they start (the panel tabbed away, a profile) are shown,
        # counted and notified: the first change of the pool builds the panel and bridge.
        # The engine makes its pool on first use (building this panel is one).
        self._unsubscribe: Callable[[], None] | None = None
        engine.when_jobs_exist(self._watch_pool)

    @property
    def panel(self) -> JobsPanel:
        """The Jobs panel, built now if it was not yet."""
        return self.lazy.content()

    @property
    def bridge(self) -> JobsBridge:
        self.lazy.content()
        assert self._bridge is not None
        return self._bridge

    @property
    def is_built(self) -> bool:
        return self._bridge is not None

    def when_built(self, callback: Callable[[JobsPanel, JobsBridge], None]) -> None:
        """Call ``callback(panel, bridge)`` once they exist (now, if they do)."""
        if self._bridge is not None:
            callback(self.lazy.content(), self._bridge)
        else:
            self._when_built.append(callback)

    def bring_to_front(self, _request: object = None) -> None:
        # What Dispatch produces (the new jobs in the table) is where the user looks next.
        self.dock.show()
        self.dock.raise_()

    def dispatch(self, request: DispatchRequest) -> None:
        """Dispatch like the panel's own form does, with the Jobs panel in front."""
        self.bring_to_front()
        self.bridge.dispatch(request)

    def close(self) -> None:
        self._closed = True
        self._stop_watching_pool()
        if self._bridge is not None:
            self._bridge.close()

    def _watch_pool(self, pool: JobPool) -> None:
        if self._bridge is None and not self._closed:
            self._unsubscribe = pool.subscribe(self._pool_changed)

    def _pool_changed(self) -> None:
        self._stop_watching_pool()
        if self._bridge is None:
            QTimer.singleShot(0, self.lazy, self._build_unless_closed)  # not inside the pool's call

    def _build_unless_closed(self) -> None:
        if not self._closed:
            self.lazy.content()

    def _stop_watching_pool(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _build(self) -> JobsPanel:
        window = self._window
        settings = self._settings
        panel, bridge = build_jobs_panel(self._engine.jobs, self._spawner, settings)
        if settings is not None:
            restore_backend(panel, bridge, settings)
        bridge.failed.connect(window.show_message)
        bridge.saved.connect(lambda path: window.show_message(f"Results saved to {path}"))
        bridge.exported.connect(lambda _text: window.show_message("Results copied to the clipboard"))
        panel.dispatchRequested.connect(self.bring_to_front)
        bridge.jobsChanged.connect(lambda _infos: window.refresh_counts())
        self._bridge = bridge
        self._stop_watching_pool()
        callbacks, self._when_built = self._when_built, []
        for callback in callbacks:
            callback(panel, bridge)
        return panel


def wire(
    window: MainWindow, engine: Engine, spawner: TaskSpawner, settings: QSettings | SettingsFile | None = None
) -> JobsFeature:
    """Add the Jobs panel to the main window (built when first needed); the caller
    closes the feature on quit."""
    return JobsFeature(window, engine, spawner, settings)
