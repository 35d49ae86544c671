"""Runs table and commands between the process engine and the window.

Engine changes arrive at any rate (one per state change, output at pipe speed); the bridge
collects them and emits at most ``UI_HZ`` times per second, so the window repaints at
display rate whatever the children do.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QObject, QTimer, Signal

from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import RunInfo
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.process_manager import ProcessManager, UnknownRun

UI_HZ = 30


class EngineBridge(QObject):
    runsChanged = Signal(list)  # list[RunInfo], only the runs that changed
    runRemoved = Signal(int)
    outputChanged = Signal(set)  # run ids with new output since the last emit
    failed = Signal(str)  # a command could not be carried out; text for the user

    def __init__(
        self, processes: ProcessManager, spawner: TaskSpawner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._processes = processes
        self._spawner = spawner
        spawner.failed.connect(self.failed)
        self._dirty: dict[int, RunInfo] = {}
        self._output_dirty: set[int] = set()
        self._output_hooks: dict[int, object] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(1000 / UI_HZ))
        self._timer.timeout.connect(self._flush)
        self._unsubscribe = processes.subscribe(self._on_change, self._on_remove)

    # -- engine -> Qt -----------------------------------------------------------------
    def _on_change(self, info: RunInfo) -> None:
        if info.run_id not in self._output_hooks:
            output = self._processes.output(info.run_id)
            self._output_hooks[info.run_id] = output.subscribe(
                functools.partial(self._on_output, info.run_id)
            )
        self._dirty[info.run_id] = info
        self._schedule()

    def _on_remove(self, run_id: int) -> None:
        self._dirty.pop(run_id, None)
        self._output_dirty.discard(run_id)
        unsubscribe = self._output_hooks.pop(run_id, None)
        if callable(unsubscribe):
            unsubscribe()
        self.runRemoved.emit(run_id)

    def _on_output(self, run_id: int) -> None:
        self._output_dirty.add(run_id)
        self._schedule()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        if self._dirty:
            changed, self._dirty = list(self._dirty.values()), {}
            self.runsChanged.emit(changed)
        if self._output_dirty:
            ids, self._output_dirty = self._output_dirty, set()
            self.outputChanged.emit(ids)

    def flush_now(self) -> None:
        """Emit pending changes immediately (tests, shutdown)."""
        self._timer.stop()
        self._flush()

    # -- queries ----------------------------------------------------------------------
    def runs(self) -> list[RunInfo]:
        return self._processes.runs()

    def output(self, run_id: int) -> RunOutput | None:
        try:
            return self._processes.output(run_id)
        except UnknownRun:
            return None

    def live_count(self) -> int:
        return sum(1 for info in self._processes.runs() if info.state.is_live)

    # -- Qt -> engine -----------------------------------------------------------------
    def launch(self, spec: ProcessSpec) -> int | None:
        try:
            return self._processes.launch(spec)
        except RuntimeError as exc:
            self.failed.emit(str(exc))
            return None

    def stop(self, run_id: int) -> None:
        self._spawner.spawn(self._processes.stop, run_id)

    def kill(self, run_id: int) -> None:
        self._spawner.spawn(self._processes.kill, run_id)

    def restart(self, run_id: int) -> None:
        self._spawner.spawn(self._processes.restart, run_id)

    def remove(self, run_id: int) -> None:
        self._spawner.spawn(self._processes.remove, run_id)

    def close(self) -> None:
        self._unsubscribe()
        for unsubscribe in self._output_hooks.values():
            if callable(unsubscribe):
                unsubscribe()
        self._output_hooks.clear()
        self._timer.stop()
