"""Runs table and commands between the process engine and the window.

Run state changes arrive at any rate; the bridge collects them and emits at most ``UI_HZ``
times per second (``bridge/coalescer.py``). Output does not pass through here: each viewer
has its own ``OutputRefresher`` on its run's output.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from procdeck.bridge.coalescer import UI_INTERVAL_MS, Coalescer
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import RunInfo
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.process_manager import ProcessManager, UnknownRun


class EngineBridge(QObject):
    runsChanged = Signal(list)  # list[RunInfo], only the runs that changed
    runRemoved = Signal(int)
    failed = Signal(str)  # a command could not be carried out; text for the user

    def __init__(
        self, processes: ProcessManager, spawner: TaskSpawner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._processes = processes
        self._spawner = spawner
        spawner.failed.connect(self.failed)
        self._dirty: dict[int, RunInfo] = {}
        self._coalescer = Coalescer(self, self._flush, UI_INTERVAL_MS)
        self._unsubscribe = processes.subscribe(self._on_change, self._on_remove)

    # -- engine -> Qt -----------------------------------------------------------------
    def _on_change(self, info: RunInfo) -> None:
        self._dirty[info.run_id] = info
        self._coalescer.poke()

    def _on_remove(self, run_id: int) -> None:
        self._dirty.pop(run_id, None)
        self.runRemoved.emit(run_id)

    def _flush(self) -> None:
        if self._dirty:
            changed, self._dirty = list(self._dirty.values()), {}
            self.runsChanged.emit(changed)

    def flush_now(self) -> None:
        """Emit pending changes immediately (tests, shutdown)."""
        self._coalescer.flush_now()

    # -- queries ----------------------------------------------------------------------
    def output(self, run_id: int) -> RunOutput | None:
        try:
            return self._processes.output(run_id)
        except UnknownRun:
            return None

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
        self._coalescer.close()
