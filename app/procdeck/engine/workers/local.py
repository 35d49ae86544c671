"""The local backend: worker processes on this machine through ``anyio.to_process``."""

from __future__ import annotations

import os
import pickle
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import psutil
from anyio import BrokenWorkerProcess, to_process

from procdeck.core.cluster_state import ClusterState
from procdeck.core.jobs import FailureKind, JobFailure, WorkerInfo
from procdeck.core.run_state import ExitOutcome
from procdeck.engine.workers import anyio_workers
from procdeck.engine.workers.backend import CallOutcome
from procdeck.engine.workers.board import SlotBoard
from procdeck.engine.workers.pool import JobPool
from procdeck.engine.workers.trampoline import _Pickled, run_job

#: Runner slots on the shared board; also the largest pool size offered.
MAX_SLOTS = 256


class LocalBackend:
    """Runs calls in anyio worker processes, at most ``capacity`` at a time.

    Create inside the running event loop (it sets up anyio's worker tracking) and close
    with ``aclose``.
    """

    name = "local"
    label = "the local pool"
    max_slots = MAX_SLOTS
    #: Idle workers retire after this long (anyio's own figure), checked by the pool view.
    retire_idle_after: float = to_process.WORKER_MAX_IDLE_TIME

    def __init__(self, capacity: int | None = None) -> None:
        self._limiter = anyio.CapacityLimiter(_clamp(capacity or os.cpu_count() or 2))
        self._tracker = anyio_workers.install()
        self._board = SlotBoard(MAX_SLOTS)
        self._board_path = self._board.path
        self._ps: dict[int, psutil.Process] = {}

    @property
    def capacity(self) -> int:
        return int(self._limiter.total_tokens)

    def set_capacity(self, n: int) -> None:
        self._limiter.total_tokens = _clamp(n)

    def can_interrupt(self, cancellable: bool) -> bool:
        return cancellable

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
        try:
            reply = await to_process.run_sync(
                run_job,
                target,
                args,
                kwargs,
                extra_path,
                self._board_path,
                slot,
                job_id,
                cancellable=cancellable,
                limiter=self._limiter,
            )
            if type(reply) is not tuple:  # a plain result, nothing printed
                return CallOutcome(reply)
            ok, payload, out, err, pid = reply
        except BrokenWorkerProcess as exc:
            return CallOutcome(failure=await self._worker_died(slot, job_id, exc))
        except Exception as exc:
            return CallOutcome(failure=_not_sent(args, kwargs, exc))
        if not ok:
            return CallOutcome(None, payload, out, err, pid)
        if type(payload) is not _Pickled:
            return CallOutcome(payload, None, out, err, pid)
        try:
            value = pickle.loads(payload)
        except Exception as exc:
            failure = JobFailure(
                FailureKind.BAD_RESULT,
                f"The worker's result cannot be loaded in the app: {type(exc).__name__}: {exc}",
            )
            return CallOutcome(None, failure, out, err, pid)
        return CallOutcome(value, None, out, err, pid)

    def running_pid(self, slot: int, job_id: int) -> int | None:
        on_board, pid = self._board.read(slot)
        return pid if on_board == job_id and pid else None

    async def kill_running(self, slot: int, job_id: int) -> bool:
        pid = self.running_pid(slot, job_id)
        if pid is None or pid not in {p for p, _ in self._tracker.live()}:
            return False
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    async def _worker_died(self, slot: int, job_id: int, exc: BaseException) -> JobFailure:
        pid = self.running_pid(slot, job_id)
        if pid is None:
            cause = exc.__cause__ or exc
            return JobFailure(
                FailureKind.WORKER_DIED,
                f"The worker process failed before the job started: {type(cause).__name__}: {cause}",
            )
        code = await self._tracker.exit_status(pid)
        if code is None:
            how = "exit status unknown"
        else:
            outcome = ExitOutcome.from_returncode(code)
            how = f"killed by {outcome.describe()}" if outcome.signal else f"exit code {code}"
        return JobFailure(FailureKind.WORKER_DIED, f"worker died (pid {pid}, {how})")

    async def workers(self, busy: dict[int, int]) -> list[WorkerInfo]:
        await self._tracker.retire_idle(self.retire_idle_after)
        live = self._tracker.live()
        if not live:
            self._ps.clear()
            return []
        samples = await anyio.to_thread.run_sync(self._sample, [pid for pid, _ in live])
        now = time.monotonic()
        result = []
        for pid, started in live:
            cpu, rss = samples.get(pid, (0.0, 0))
            job = busy.get(pid)
            result.append(WorkerInfo(pid, job is not None, job, cpu, rss, now - started if started else 0.0))
        return result

    def _sample(self, pids: list[int]) -> dict[int, tuple[float, int]]:
        # psutil needs the same Process object between samples for cpu_percent.
        for gone in set(self._ps) - set(pids):
            del self._ps[gone]
        out = {}
        for pid in pids:
            try:
                proc = self._ps.get(pid) or self._ps.setdefault(pid, psutil.Process(pid))
                with proc.oneshot():
                    out[pid] = (proc.cpu_percent(None), proc.memory_info().rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                self._ps.pop(pid, None)
        return out

    def live_pids(self) -> list[int]:
        return [pid for pid, _ in self._tracker.live()]

    @property
    def state(self) -> ClusterState | None:
        return None  # no connection: the workers are this process's children

    def subscribe_state(self, listener: Callable[[ClusterState], None]) -> Callable[[], None]:
        return lambda: None  # the state never changes

    async def aclose(self) -> None:
        await self._tracker.close_all()
        self._board.close()


def _clamp(n: int) -> int:
    return max(1, min(int(n), MAX_SLOTS))


def _not_sent(args: tuple[Any, ...], kwargs: Any, exc: Exception) -> JobFailure:
    """run_sync failed before a reply: almost always an argument that does not pickle."""
    for value in (*args, *dict(kwargs).values()):
        try:
            pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception as bad:
            return JobFailure(
                FailureKind.BAD_ARGUMENT,
                f"An argument ({type(value).__name__}) cannot be sent to a worker process: "
                f"{type(bad).__name__}: {bad}",
            )
    return JobFailure(FailureKind.INTERNAL, f"Dispatch failed: {type(exc).__name__}: {exc}")


@asynccontextmanager
async def open_local_pool(max_workers: int | None = None, cancellable: bool = True) -> AsyncIterator[JobPool]:
    """A job pool on local workers with its own task group (scripts, tests, the CLI).

    The app's Engine builds the pool under its own task group instead.
    """
    async with anyio.create_task_group() as tg:
        pool = JobPool(tg, LocalBackend(max_workers), cancellable)
        try:
            yield pool
        finally:
            await pool.shutdown()
