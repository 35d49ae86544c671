"""The engine's profiles component: the store, its file watcher and the launcher.

Created in ``Engine.__aenter__`` and shut down in ``Engine.shutdown`` (before the runs
are stopped, so no pending restart fires during shutdown). Creating it does no I/O and
runs nothing: ``open()`` loads the file (in a worker thread) and starts the watcher.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import anyio
import anyio.abc

from procdeck.engine.process_manager import ProcessManager
from procdeck.engine.profiles.launcher import ProfileLauncher
from procdeck.engine.profiles.paths import config_dir
from procdeck.engine.profiles.store import LoadState, ProfileStore

WATCH_INTERVAL_S = 1.0


class ProfilesService:
    def __init__(
        self,
        processes: ProcessManager,
        task_group: anyio.abc.TaskGroup,
        folder: str | os.PathLike[str] | None = None,
    ) -> None:
        self._tg = task_group
        self.store = ProfileStore(config_dir(folder))
        self.launcher = ProfileLauncher(processes, task_group)
        self._watch_scope: anyio.CancelScope | None = None
        self._listeners: list[Callable[[LoadState], None]] = []

    def on_external_change(self, listener: Callable[[LoadState], None]) -> Callable[[], None]:
        """Call ``listener`` with the new state after the file was edited outside Procdeck."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def open(self, *, watch_interval_s: float = WATCH_INTERVAL_S) -> LoadState:
        """Load the file and start watching it for external edits (idempotent)."""
        state = await self.store.aload()
        if self._watch_scope is None:
            self._watch_scope = anyio.CancelScope()
            self._tg.start_soon(self._watch, self._watch_scope, watch_interval_s, name="procdeck profiles watcher")
        return state

    async def _watch(self, scope: anyio.CancelScope, interval_s: float) -> None:
        with scope:
            await self.store.watch(self._changed, interval_s=interval_s)

    def _changed(self, state: LoadState) -> None:
        for listener in list(self._listeners):
            listener(state)

    async def shutdown(self) -> None:
        if self._watch_scope is not None:
            self._watch_scope.cancel()
        await self.launcher.shutdown()
