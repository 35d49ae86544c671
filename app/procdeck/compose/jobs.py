"""Wires the worker pool, the jobs bridge and the Jobs panel together."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt

from procdeck.bridge.jobs_bridge import JobsBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.cluster_state import BackendChoice, BackendChoiceError
from procdeck.engine.workers.pool import JobPool
from procdeck.ui.jobs.panel import JobsPanel
from procdeck.ui.settings_file import SettingsFile


def build_jobs_panel(
    pool: JobPool, spawner: TaskSpawner | None, settings: QSettings | SettingsFile | None = None
) -> tuple[JobsPanel, JobsBridge]:
    """A Jobs panel connected to ``pool``; the caller owns both and closes the bridge."""
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


def wire(
    window: object, pool: JobPool, spawner: TaskSpawner, settings: QSettings | SettingsFile | None = None
) -> JobsBridge:
    """Add the Jobs panel to the main window; returns the bridge to close on quit."""
    from procdeck.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    panel, bridge = build_jobs_panel(pool, spawner, settings)
    if settings is not None:
        restore_backend(panel, bridge, settings)
    bridge.failed.connect(window.show_message)
    bridge.saved.connect(lambda path: window.show_message(f"Results saved to {path}"))
    bridge.exported.connect(lambda _text: window.show_message("Results copied to the clipboard"))
    dock = window.add_panel("jobs", "Jobs", panel, Qt.DockWidgetArea.BottomDockWidgetArea, scroll=False)

    def bring_to_front(_request: object = None) -> None:
        # What Dispatch produces (the new jobs in the table) is where the user looks next.
        dock.show()
        dock.raise_()

    panel.dispatchRequested.connect(bring_to_front)
    bridge.jobsChanged.connect(lambda _infos: window.refresh_counts())
    return bridge
