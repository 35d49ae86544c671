"""The interface between the job pool and whatever runs the calls.

The pool (queue, batches, cancellation, snapshots) is the same for every backend; a
backend only runs one call in one runner slot and reports its workers. The local backend
uses ``anyio.to_process``; a cluster backend (Dask distributed) fits the same shape:
``run`` awaits a remote future and cancelling the awaiting task cancels the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from procdeck.core.jobs import JobFailure, WorkerInfo


@dataclass(slots=True)
class CallOutcome:
    """What one call produced: a value or a failure, what it printed, where it ran."""

    value: Any = None
    failure: JobFailure | None = None
    stdout: str = ""
    stderr: str = ""
    pid: int | None = None
    peak_rss: int | None = None
    cpu_time: float | None = None


class Backend(Protocol):
    name: str

    @property
    def capacity(self) -> int:
        """How many calls may run at once."""

    def set_capacity(self, n: int) -> None: ...

    def can_interrupt(self, cancellable: bool) -> bool:
        """Whether cancelling a running call stops it at once."""

    async def run(
        self,
        target: str,
        args: tuple[Any, ...],
        kwargs: Any,
        extra_path: tuple[str, ...],
        slot: int,
        job_id: int,
        cancellable: bool,
    ) -> CallOutcome:
        """Run one call; raises the backend's cancellation exception when cancelled."""

    def running_pid(self, slot: int, job_id: int) -> int | None:
        """The pid of the worker running ``job_id`` in ``slot``, once it has started."""

    async def kill_running(self, slot: int, job_id: int) -> bool:
        """Stop the worker running this job at once, even if not cancellable."""

    async def workers(self, busy: dict[int, int]) -> list[WorkerInfo]:
        """Live workers; ``busy`` maps pid -> job id for running jobs."""

    async def aclose(self) -> None:
        """Stop every worker process; nothing may outlive this."""
