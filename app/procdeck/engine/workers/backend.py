"""The interface between the job pool and whatever runs the calls.

The pool (queue, batches, cancellation, snapshots) is the same for every backend; a
backend only runs one call in one runner slot and reports its workers. The local backend
uses ``anyio.to_process``; a cluster backend (Dask distributed) fits the same shape:
``run`` awaits a remote future and cancelling the awaiting task cancels the future.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from procdeck.core.cluster_state import ClusterState
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
    """Everything the pool, the engine and the bridge may ask of a backend.

    Every backend implements all of it; a capability a backend lacks has a neutral answer
    (no local processes: ``live_pids`` is empty; no connection: ``state`` is None), so no
    caller needs to probe a backend's type or name.
    """

    #: Short identifier ("local", "dask") for settings and logs.
    name: str
    #: How the window names it in messages ("Dask cannot interrupt...").
    label: str
    #: Runner slots it can tell apart (its pid board's size); the pool never uses more.
    max_slots: int
    #: Whether `guard` enforces a job's timeout / memory limit (the window says where not).
    enforces_timeout: bool
    enforces_memory_limit: bool

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
        memory_limit: int | None = None,
    ) -> CallOutcome:
        """Run one call; raises the backend's cancellation exception when cancelled."""

    async def guard(
        self,
        slot: int,
        job_id: int,
        timeout: float | None,
        memory_limit: int | None,
        timeout_message: str | None = None,
        report: Callable[[JobFailure], None] | None = None,
    ) -> JobFailure | None:
        """Watch a running call; past a limit, ``report`` why, stop it and return why.
        Limits it cannot enforce are ignored (``enforces_*`` say which)."""

    async def dump_stacks(self, slot: int, job_id: int) -> str:
        """The stacks of the running job's worker, taken without stopping it ("" if none)."""

    @property
    def soft_shutdown(self) -> bool:
        """True when its workers are not Procdeck's to stop (a remote cluster): closing
        cancels Procdeck's calls and leaves the workers running."""

    def running_pid(self, slot: int, job_id: int) -> int | None:
        """The pid of the worker running ``job_id`` in ``slot``, once it has started."""

    async def kill_running(self, slot: int, job_id: int) -> bool:
        """Stop the worker running this job at once, even if not cancellable."""

    async def workers(self, busy: dict[int, int]) -> list[WorkerInfo]:
        """Live workers; ``busy`` maps pid -> job id for running jobs."""

    def live_pids(self) -> list[int]:
        """Pids of its worker processes on this machine, for the monitor (may be empty)."""

    @property
    def state(self) -> ClusterState | None:
        """Its connection's state for the window; None for a backend without a connection."""

    def subscribe_state(self, listener: Callable[[ClusterState], None]) -> Callable[[], None]:
        """Call ``listener`` on every change of ``state``; returns the unsubscribe function."""

    async def aclose(self) -> None:
        """Stop every worker process; nothing may outlive this."""
