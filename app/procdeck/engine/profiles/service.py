"""The engine's profiles component: the store, its file watcher and the launcher.

Created in ``Engine.__aenter__``. ``Engine.shutdown`` calls ``shutdown()`` before the runs
are stopped (no automatic restart fires during shutdown) and ``close()`` after (their
last runs are saved). Creating it does no I/O and runs nothing: ``open()`` loads the
file and the last runs (in worker threads) and starts the watcher.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import anyio
import anyio.abc

from procdeck.engine.listeners import Listeners
from procdeck.engine.process_manager import ProcessManager
from procdeck.engine.profiles.history import load_history, save_history
from procdeck.engine.profiles.launcher import ProfileLauncher
from procdeck.engine.profiles.paths import config_dir
from procdeck.engine.profiles.store import LoadState, ProfileStore

WATCH_INTERVAL_S = 1.0
HISTORY_SAVE_S = 2.0


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
        self._external_change = Listeners[[LoadState]]()
        self._history_dirty = anyio.Event()
        self._history_loaded = False
        self._unsubscribe_record = self.launcher.on_record(lambda _name, _summary: self._history_dirty.set())

    def on_external_change(self, listener: Callable[[LoadState], None]) -> Callable[[], None]:
        """Call ``listener`` with the new state after the file was edited outside Procdeck."""
        return self._external_change.add(listener)

    async def open(self, *, watch_interval_s: float = WATCH_INTERVAL_S) -> LoadState:
        """Load the file and start watching it for external edits (idempotent)."""
        state = await self.store.aload()
        if self._watch_scope is None:
            self._watch_scope = anyio.CancelScope()
            if not self._history_loaded:
                self.launcher.seed_history(
                    await anyio.to_thread.run_sync(load_history, self.store.config_dir)
                )
                self._history_loaded = True
            self._tg.start_soon(
                self._watch, self._watch_scope, watch_interval_s, name="procdeck profiles watcher"
            )
        return state

    async def _watch(self, scope: anyio.CancelScope, interval_s: float) -> None:
        with scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._save_history_when_dirty)
                await self.store.watch(self._changed, interval_s=interval_s)

    async def _save_history_when_dirty(self) -> None:
        """Write the last runs at most every HISTORY_SAVE_S, off the loop."""
        while True:
            await self._history_dirty.wait()
            await anyio.sleep(HISTORY_SAVE_S)
            await self.flush_history()

    async def flush_history(self) -> None:
        """Write the last runs now if they changed (only once the file was opened: a
        headless run or a test with no open() never writes it)."""
        if not self._history_loaded or not self._history_dirty.is_set():
            return
        self._history_dirty = anyio.Event()
        try:
            await anyio.to_thread.run_sync(save_history, self.store.config_dir, self.launcher.history())
        except OSError:
            pass  # a cache: losing it is not worth an error

    def _changed(self, state: LoadState) -> None:
        self._external_change(state)

    async def shutdown(self) -> None:
        """Before the runs are stopped: no more automatic restarts, no more watching."""
        if self._watch_scope is not None:
            self._watch_scope.cancel()
        await self.launcher.shutdown()

    async def close(self) -> None:
        """After the runs were stopped: save their last runs, stop listening."""
        await self.flush_history()
        self._unsubscribe_record()
        self.launcher.close()
