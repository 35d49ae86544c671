"""The engine: one owner (a task group) for every long-lived engine component."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
import anyio.abc

from procdeck.core.probes import Health
from procdeck.core.profile_run import ProfileRun
from procdeck.core.samples import HistorySettings, MarkerKind, RunMarker
from procdeck.engine.containment.runtime import Containment
from procdeck.engine.monitor.markers import run_key
from procdeck.engine.monitor.sampler import Sampler
from procdeck.engine.output.factory import RunOutputFactory
from procdeck.engine.output.settings import OutputSettings
from procdeck.engine.process_manager import OutputFactory, ProcessManager
from procdeck.engine.profiles.service import ProfilesService

if TYPE_CHECKING:
    from procdeck.engine.workers.pool import JobPool


class Engine:
    """``async with Engine() as engine:`` — everything started inside is stopped on exit.

    Shutdown order: stop every run (stop ladders, concurrently), then cancel the task group.
    """

    def __init__(
        self,
        *,
        output_factory: OutputFactory | None = None,
        config_dir: str | os.PathLike[str] | None = None,
        monitor_settings: HistorySettings | None = None,
        output_settings: OutputSettings | None = None,
        watchdog: bool = True,
    ) -> None:
        self._tg: anyio.abc.TaskGroup | None = None
        # By default the engine owns one log writer shared by every run (one thread, one
        # shutdown path); it is closed after the task group, once no pump can feed it.
        self._owned_outputs = RunOutputFactory(output_settings) if output_factory is None else None
        self._output_factory = output_factory or self._owned_outputs
        self._config_dir = config_dir
        self._monitor_settings = monitor_settings
        self._monitor_started = False
        self._health: dict[int, Health] = {}
        # Cookies, the shared /proc scanner and the watchdog (engine/containment).
        self.containment = Containment(watchdog=watchdog)
        self.processes: ProcessManager
        self.profiles: ProfilesService
        self.monitor: Sampler
        self._jobs: JobPool | None = None
        self._jobs_watchers: list[Callable[[JobPool], None]] = []

    @property
    def outputs(self) -> RunOutputFactory | None:
        """The engine's own output factory (None when one was passed in)."""
        return self._owned_outputs

    @property
    def task_group(self) -> anyio.abc.TaskGroup:
        assert self._tg is not None, "Engine is not running"
        return self._tg

    async def __aenter__(self) -> Engine:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self.processes = ProcessManager(
            self._tg, output_factory=self._output_factory, containment=self.containment
        )
        self.profiles = ProfilesService(self.processes, self._tg, self._config_dir)
        # The monitor samples launched runs (as whole trees) and marks their events; it
        # only ticks once start_monitor() is called (the window does, headless runs don't).
        self.monitor = Sampler(self._monitor_settings, runs=self._live_run_pids, run_label=self._run_label)
        self.processes.subscribe(self.monitor.on_run_info, self.monitor.forget_run)
        self.profiles.launcher.subscribe(self._health_marker)
        self.monitor.set_worker_provider(self._worker_pids)
        return self

    @property
    def jobs(self) -> JobPool:
        """The worker pool, made on first use: the worker machinery is not imported by an
        app that runs no job (a window shows about 40 ms sooner)."""
        if self._jobs is None:
            from procdeck.engine.workers.local import LocalBackend
            from procdeck.engine.workers.pool import JobPool

            # Under the engine's task group: anyio's worker processes belong to its task.
            self._jobs = JobPool(self.task_group, LocalBackend())
            self._jobs.subscribe(self.monitor.wake)  # a dispatch may start workers to sample
            watchers, self._jobs_watchers = self._jobs_watchers, []
            for watcher in watchers:
                watcher(self._jobs)
        return self._jobs

    @property
    def jobs_active(self) -> int:
        """Jobs queued or running (0 while there is no pool)."""
        return self._jobs.active_count if self._jobs is not None else 0

    def when_jobs_exist(self, callback: Callable[[JobPool], None]) -> None:
        """Call ``callback(pool)`` once the worker pool exists (now, if it does)."""
        if self._jobs is not None:
            callback(self._jobs)
        else:
            self._jobs_watchers.append(callback)

    def start_monitor(self) -> None:
        """Start the sampler's ticks on the engine's task group (idempotent)."""
        if not self._monitor_started:
            self._monitor_started = True
            self.task_group.start_soon(self.monitor.run)

    def _health_marker(self, run: ProfileRun) -> None:
        """A "healthy" / "unhealthy" marker on the Runs chart when a run's health changes."""
        previous = self._health.get(run.run_id, Health.UNKNOWN)
        self._health[run.run_id] = run.health
        if run.health is not previous and run.health is not Health.UNKNOWN:
            kind = MarkerKind.HEALTHY if run.health is Health.HEALTHY else MarkerKind.UNHEALTHY
            self.monitor.add_marker(RunMarker(run_key(run.run_id), time.time(), kind, run.health.value))

    def _live_run_pids(self) -> list[tuple[int, int]]:
        return [(info.run_id, info.pid) for info in self.processes.runs() if info.state.is_live and info.pid]

    def _worker_pids(self) -> list[tuple[str, int]]:
        if self._jobs is None:
            return []
        return [(f"worker {pid}", pid) for pid in self._jobs.backend.live_pids()]

    def _run_label(self, run_id: int) -> str:
        try:
            return f"#{run_id} {self.processes.info(run_id).label}"
        except LookupError:
            return f"#{run_id}"

    async def shutdown(self) -> None:
        """Stop everything the engine started; safe to call more than once."""
        self.monitor.stop()
        with anyio.CancelScope(shield=True):
            await self.profiles.shutdown()  # first: no automatic restart during shutdown
            async with anyio.create_task_group() as tg:  # runs and jobs stop concurrently
                tg.start_soon(self.processes.shutdown)
                if self._jobs is not None:
                    tg.start_soon(self._jobs.shutdown)
            await self.profiles.close()  # last: records how the stopped runs ended

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        try:
            await self.shutdown()
            self._tg.cancel_scope.cancel()
            return await self._tg.__aexit__(exc_type, exc, tb)
        finally:
            with anyio.CancelScope(shield=True):
                await self.containment.aclose()  # every run is stopped: the watchdog may go
                if self._owned_outputs is not None:
                    await self._owned_outputs.aclose()
