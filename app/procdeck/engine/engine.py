"""The engine: one owner (a task group) for every long-lived engine component."""

from __future__ import annotations

from types import TracebackType

import anyio
import anyio.abc

from procdeck.engine.process_manager import OutputFactory, ProcessManager
from procdeck.engine.workers.local import LocalBackend
from procdeck.engine.workers.pool import JobPool


class Engine:
    """``async with Engine() as engine:`` — everything started inside is stopped on exit.

    Shutdown order: stop every run (stop ladders, concurrently), then cancel the task group.
    """

    def __init__(self, *, output_factory: OutputFactory | None = None) -> None:
        self._tg: anyio.abc.TaskGroup | None = None
        self._output_factory = output_factory
        self.processes: ProcessManager
        self.jobs: JobPool

    @property
    def task_group(self) -> anyio.abc.TaskGroup:
        assert self._tg is not None, "Engine is not running"
        return self._tg

    async def __aenter__(self) -> Engine:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self.processes = ProcessManager(self._tg, output_factory=self._output_factory)
        # Under this task group, so anyio's worker processes belong to the engine's task.
        self.jobs = JobPool(self._tg, LocalBackend())
        return self

    async def shutdown(self) -> None:
        """Stop everything the engine started; safe to call more than once."""
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as tg:
                tg.start_soon(self.processes.shutdown)
                tg.start_soon(self.jobs.shutdown)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        await self.shutdown()
        self._tg.cancel_scope.cancel()
        return await self._tg.__aexit__(exc_type, exc, tb)
