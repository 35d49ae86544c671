"""Builds the main window and connects it to the engine through the bridge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings

from procdeck.bridge.engine_bridge import EngineBridge
from procdeck.bridge.jobs_bridge import JobsBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.compose import jobs
from procdeck.core.process_spec import ProcessSpec
from procdeck.engine.engine import Engine
from procdeck.ui.main_window import MainWindow


@dataclass
class AppParts:
    """Everything the composition root built; owned by main() for one session."""

    engine: Engine
    window: MainWindow
    spawner: TaskSpawner
    bridge: EngineBridge
    jobs_bridge: JobsBridge | None = None

    def close(self) -> None:
        self.bridge.close()
        if self.jobs_bridge is not None:
            self.jobs_bridge.close()


def build(engine: Engine, on_quit: Callable[[], None]) -> AppParts:
    window = MainWindow()
    spawner = TaskSpawner(engine.task_group, window)
    bridge = EngineBridge(engine.processes, spawner, window)
    parts = AppParts(engine=engine, window=window, spawner=spawner, bridge=bridge)
    _wire_processes(parts)
    parts.jobs_bridge = jobs.wire(window, engine.jobs, spawner, QSettings())
    window.quitRequested.connect(on_quit)
    return parts


def _wire_processes(parts: AppParts) -> None:
    window, bridge = parts.window, parts.bridge

    def launch(spec: ProcessSpec) -> None:
        run_id = bridge.launch(spec)
        if run_id is not None:
            window.table.select_run(run_id)

    def show_run(run_id: int | None) -> None:
        info = window.runs_model.info(run_id) if run_id is not None else None
        window.output.show_run(info, bridge.output(run_id) if run_id is not None else None)

    def output_changed(run_ids: set[int]) -> None:
        if window.table.current_run() in run_ids:
            window.output.refresh()

    window.launcher.launchRequested.connect(launch)
    window.table.stopRequested.connect(bridge.stop)
    window.table.killRequested.connect(bridge.kill)
    window.table.restartRequested.connect(bridge.restart)
    window.table.removeRequested.connect(bridge.remove)
    window.table.currentRunChanged.connect(show_run)
    bridge.runsChanged.connect(window.apply_runs)
    bridge.runRemoved.connect(window.runs_model.remove)
    bridge.outputChanged.connect(output_changed)
    bridge.failed.connect(window.show_message)
