"""The Dask backend: run jobs on a Dask distributed cluster behind the pool's `Backend`.

Same job layer as the local pool: the job pool's queue, batches, cancellation and
snapshots, and the same worker-side trampoline (`trampoline.run_job`, through the thin
`dask_task.run_dask_job` that tags pickled results), submitted as a Dask task, so prints
are captured and failures carry the worker-side traceback.

What Dask can and cannot interrupt, said plainly:

- a job still in the pool's queue never starts (the pool handles it);
- ``future.cancel()`` releases a task that has not started on a worker, but a task that
  is running keeps running in its worker thread until it returns: Dask has no way to
  stop a running task. So `can_interrupt` is False: Cancel on a running Dask job only
  marks it, and it runs to completion;
- the hard option (`kill_running`, the pool's ``kill``) restarts the worker that runs the
  job: a worker of our own local cluster is killed by pid and its nanny starts a fresh
  one; a remote worker is restarted through the scheduler (``Client.restart_workers``,
  which needs the worker to run under a nanny). Every other task on that worker is lost
  with it, which is why it is not what Cancel does.

A job whose worker leaves the cluster while running it fails with a clear error
(``resubmit_lost=True`` leaves it to Dask's own rules instead: the scheduler runs it again
elsewhere until its ``allowed-failures`` is reached). A scheduler that goes away fails the
running jobs ("connection lost") and the backend keeps reconnecting; its state is
published as a `ClusterState`.

Prints are captured per worker process by swapping ``sys.stdout``: our local cluster runs
one thread per worker so each job's output is its own; on a remote worker with several
threads, jobs running at the same time in one process may see each other's prints. Job
exceptions come back as failures (the trampoline returns them), so Dask's per-task
``retries`` never sees them: a failed job is reported, not retried.

Limits: a job's timeout maps onto what Dask offers: at the deadline the task's call stack
is taken from its worker (``Client.call_stack``, what the dashboard's call-stack view
shows; the running thread only) and the worker is restarted as by Kill job. A per-job
memory limit cannot be enforced inside a shared Dask worker: Dask limits memory per worker
(``memory_limit`` of the worker or nanny), so `enforces_memory_limit` is False and the
Jobs panel says so.

Needs the optional extra: ``pip install "procdeck[dask]"``. Workers of a remote cluster
need Procdeck installed (the trampoline is imported there) plus the job's own modules.
"""

from __future__ import annotations

import pickle
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import TaskGroup
from distributed import KilledWorker
from distributed.client import FutureCancelledError

from procdeck.core.cluster_state import (
    BackendChoice,
    ClusterState,
    ClusterStatus,
    ClusterWorkerInfo,
)
from procdeck.core.jobs import FailureKind, JobFailure, WorkerInfo
from procdeck.engine.workers.backend import CallOutcome
from procdeck.engine.workers.board import SlotBoard
from procdeck.engine.workers.dask_cluster import DaskConnection, scheduler_rpc
from procdeck.engine.workers.dask_task import run_dask_job
from procdeck.engine.workers.local import MAX_SLOTS, _not_sent
from procdeck.engine.workers.pool import JobPool

#: How long a job waits for a cluster that is still starting or connecting.
SETTLE_TIMEOUT = 90.0


@dataclass(slots=True, eq=False)
class _Call:
    job_id: int
    slot: int
    key: str
    future: Any
    scope: anyio.CancelScope | None = None
    worker: str | None = None
    #: Why the call ended early (lost worker, killed on request); None while running.
    ended: JobFailure | None = None
    #: Set while its worker is being killed on request (the loss is then expected).
    kill_note: str | None = None


class DaskBackend:
    """Runs each call as one Dask task. Create with `start` (inside the running loop)."""

    name = "dask"
    label = "Dask"
    max_slots = MAX_SLOTS
    enforces_timeout = True
    enforces_memory_limit = False

    def __init__(
        self, connection: DaskConnection, capacity: int | None = None, resubmit_lost: bool = False
    ) -> None:
        self.connection = connection
        self._capacity = None if capacity is None else _clamp(capacity)
        self._resubmit_lost = resubmit_lost
        self._calls: dict[str, _Call] = {}
        self._by_job: dict[int, _Call] = {}
        # A local cluster runs on this machine: its workers note their pid on the same
        # shared-memory board as the local backend's, so running_pid is known at once.
        self._board = SlotBoard(MAX_SLOTS) if connection.local else None
        self._closed = False
        connection.on_worker_lost(self._worker_lost)
        if not connection.local:
            # Remote workers cannot write the board: learn where jobs run at each poll.
            connection.on_poll(self._locate)

    @classmethod
    async def start(
        cls,
        choice: BackendChoice,
        task_group: TaskGroup,
        *,
        capacity: int | None = None,
        resubmit_lost: bool = False,
        **connection_options: Any,
    ) -> DaskBackend:
        """Create the backend and start its connection task in ``task_group``.

        Returns at once: the cluster starts (or the scheduler is reached) in the
        background and `state` says how it goes; jobs wait for the first attempt.
        """
        # Our own local cluster follows the same rule as the backend: a lost worker's
        # job fails, unless resubmit_lost asks for Dask's default retries.
        connection_options.setdefault("allowed_failures", 3 if resubmit_lost else 0)
        connection = DaskConnection(choice, **connection_options)
        backend = cls(connection, capacity, resubmit_lost)
        await task_group.start(connection.run)
        return backend

    # -- the state the window shows -------------------------------------------------

    @property
    def state(self) -> ClusterState:
        return self.connection.state

    def subscribe_state(self, listener: Callable[[ClusterState], None]) -> Callable[[], None]:
        return self.connection.subscribe(listener)

    # -- Backend protocol -----------------------------------------------------------

    @property
    def capacity(self) -> int:
        if self._capacity is not None:
            return self._capacity
        threads = self.connection.state.threads
        if threads:
            return _clamp(threads)
        return _clamp(self.connection.choice.n_workers if self.connection.local else 1)

    def set_capacity(self, n: int) -> None:
        self._capacity = _clamp(n)

    def can_interrupt(self, cancellable: bool) -> bool:
        # Dask cannot stop a running task; only the hard kill (restart its worker) can.
        return False

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
        connection = self.connection
        state = await connection.wait_settled(SETTLE_TIMEOUT)
        client = connection.client
        if client is None or state.status is not ClusterStatus.CONNECTED:
            return CallOutcome(
                failure=JobFailure(FailureKind.INTERNAL, f"Not sent to Dask: {state.describe()}")
            )
        board_path = self._board.path if self._board is not None else None
        name = target.rpartition(":")[2].rpartition(".")[2] or "job"
        key = f"{name}-procdeck-{job_id}-{uuid.uuid4().hex[:8]}"
        try:
            future = client.submit(
                run_dask_job,
                target,
                tuple(args),
                dict(kwargs),
                tuple(extra_path),
                board_path,
                slot,
                job_id,
                key=key,
                pure=False,
            )
        except Exception as exc:
            return CallOutcome(failure=_not_sent(args, kwargs, exc))
        call = _Call(job_id, slot, key, future)
        self._calls[key] = call
        self._by_job[job_id] = call
        reply: Any = None
        try:
            with anyio.CancelScope() as call.scope:
                reply = await future
            if call.ended is not None:
                return CallOutcome(failure=call.ended, pid=self.running_pid(slot, job_id))
            if reply is None:  # the call's scope was cancelled without a reason (a bug)
                return CallOutcome(
                    failure=JobFailure(FailureKind.INTERNAL, "The Dask call ended without a result.")
                )
        except FutureCancelledError as exc:
            if call.ended is not None:
                return CallOutcome(failure=call.ended, pid=self.running_pid(slot, job_id))
            return CallOutcome(
                failure=JobFailure(
                    FailureKind.WORKER_DIED,
                    "The connection to the Dask scheduler was lost while the job ran; "
                    f"its result cannot come back ({_reason(exc)}).",
                )
            )
        except KilledWorker as exc:
            pid = self.running_pid(slot, job_id)
            if call.ended is not None:
                return CallOutcome(failure=call.ended, pid=pid)
            if call.kill_note is not None:
                return CallOutcome(failure=_killed(call.kill_note), pid=pid)
            last = getattr(getattr(exc, "last_worker", None), "address", None) or call.worker
            return CallOutcome(
                failure=_lost(last, self.connection.known_pids.get(last or ""), expected=False), pid=pid
            )
        except Exception as exc:
            return CallOutcome(failure=_task_failure(exc))
        finally:
            self._calls.pop(key, None)
            self._by_job.pop(job_id, None)
            if self._board is not None:
                self._board.clear(slot)
            if not future.done():
                with anyio.CancelScope(shield=True), anyio.move_on_after(5), suppress(Exception):
                    await client.cancel([future])
            with suppress(Exception):
                future.release()
        return _outcome(reply)

    def running_pid(self, slot: int, job_id: int) -> int | None:
        if self._board is not None:
            on_board, pid = self._board.read(slot)
            if on_board == job_id and pid:
                return pid
        call = self._by_job.get(job_id)
        if call is not None and call.worker is not None:
            return self.connection.pids.get(call.worker)
        return None

    async def kill_running(self, slot: int, job_id: int) -> bool:
        """Restart the worker running this job (Dask cannot stop a running task)."""
        call = self._by_job.get(job_id)
        client = self.connection.client
        if call is None or call.ended is not None:
            return False
        address = await self._where(call)
        if address is None:
            # Not started on any worker yet: releasing the task is enough.
            call.ended = JobFailure(
                FailureKind.INTERNAL, "Stopped on request before it started on a Dask worker."
            )
            if call.scope is not None:
                call.scope.cancel()
            return True
        pid = self.connection.local_pid(address)
        if self.connection.is_local_worker(address):
            call.kill_note = f"its worker {address} (pid {pid}) was killed and is being replaced"
            if not self.connection.kill_local_worker(address):
                call.kill_note = None
                return False
        elif client is not None:
            call.kill_note = f"its worker {address} was restarted"
            try:
                with anyio.fail_after(60):
                    await client.restart_workers([address], raise_for_error=True)
            except Exception as exc:
                # Nothing was stopped: the job keeps running; say why in the status line.
                call.kill_note = None
                self.connection.note(f"Could not restart worker {address}: {_reason(exc)}")
                return False
        else:
            return False
        # Return once the scheduler has dropped that worker, so the next job is not
        # handed to a worker that is dying.
        with anyio.move_on_after(15):
            while address in self.connection.workers and not self._closed:
                self.connection.refresh_soon()
                await anyio.sleep(0.05)
        if call.ended is None:
            call.ended = _killed(call.kill_note or f"its worker {address} was restarted")
        if call.scope is not None:
            call.scope.cancel()
        return True

    @property
    def soft_shutdown(self) -> bool:
        """Quitting (or switching backends) cancels our futures on a remote cluster and
        leaves its workers running: they are not ours to restart. Our own local cluster
        is stopped as a whole anyway."""
        return not self.connection.local

    async def dump_stacks(self, slot: int, job_id: int) -> str:
        """The call stack of a running job's task, as its Dask worker reports it."""
        call = self._by_job.get(job_id)
        client = self.connection.client
        if call is None or client is None or call.ended is not None:
            return ""
        try:
            with anyio.fail_after(10):
                stacks = await client.call_stack(keys=[call.key])
        except Exception as exc:
            return f"(Dask could not report the task's stack: {_reason(exc)})"
        lines = []
        for worker, tasks in (stacks or {}).items():
            for key, frames in tasks.items():
                lines.append(f"Task {key} on Dask worker {worker} (most recent call last):")
                lines.extend(str(frame).rstrip("\n") for frame in frames)
        return "\n".join(lines) + ("\n" if lines else "")

    async def guard(
        self,
        slot: int,
        job_id: int,
        timeout: float | None,
        memory_limit: int | None,
        timeout_message: str | None = None,
        report: Callable[[JobFailure], None] | None = None,
    ) -> JobFailure | None:
        """Stop a job at its timeout (stack first, then its worker is restarted).

        ``report`` hears the failure before the worker is stopped (the call may return
        as soon as it is)."""
        if timeout is None:
            return None  # memory limits per job: not enforceable on Dask (see the docstring)
        await anyio.sleep(timeout)
        stacks = await self.dump_stacks(slot, job_id)
        message = timeout_message or f"timed out after {timeout:g} s"
        header = "Stack of the task at the timeout:\n" if stacks else ""
        failure = JobFailure(
            FailureKind.TIMEOUT, f"{message} (its Dask worker was restarted)", header + stacks
        )
        if report is not None:
            report(failure)
        await self.kill_running(slot, job_id)
        return failure

    async def _where(self, call: _Call) -> str | None:
        """The worker address processing ``call`` now (asks the scheduler)."""
        if self._board is not None:
            on_board, pid = self._board.read(call.slot)
            if on_board == call.job_id and pid:
                for address, p in self.connection.pids.items():
                    if p == pid:
                        call.worker = address
                        return address
        await self._locate()
        return call.worker

    async def _locate(self) -> None:
        client = self.connection.client
        if client is None or not self._calls:
            return
        try:
            with anyio.fail_after(10):
                processing = await client.processing()
        except Exception:
            return
        for address, keys in processing.items():
            for key in keys:
                call = self._calls.get(key)
                if call is not None:
                    call.worker = address

    def _worker_lost(self, address: str, keys: set[str], expected: bool) -> None:
        for key in keys:
            call = self._calls.get(key)
            if call is None or call.ended is not None:
                continue
            call.worker = address
            if call.kill_note is not None:
                call.ended = _killed(call.kill_note)
                if call.scope is not None:
                    call.scope.cancel()
                continue
            if self._resubmit_lost:
                continue  # Dask runs it again elsewhere (its allowed-failures rule)
            call.ended = _lost(address, self.connection.known_pids.get(address), expected)
            if call.scope is not None:
                call.scope.cancel()

    async def workers(self, busy: dict[int, int]) -> list[WorkerInfo]:
        """Per-worker CPU% and memory from the scheduler's metrics, labelled by address."""
        connection = self.connection
        client = connection.client
        if client is None or connection.state.status is not ClusterStatus.CONNECTED:
            return []
        await self._locate()
        try:
            with anyio.fail_after(10):
                identity = await scheduler_rpc(client).identity(n_workers=-1)
        except Exception:
            return []
        by_worker = {c.worker: c.job_id for c in self._calls.values() if c.worker}
        now = time.monotonic()
        result: list[WorkerInfo] = []
        for address, info in sorted(identity.get("workers", {}).items()):
            metrics = info.get("metrics") or {}
            pid = connection.pids.get(address) or 0
            job = busy.get(pid) if pid else None
            if job is None:
                job = by_worker.get(address)
            name = info.get("name", "")
            result.append(
                ClusterWorkerInfo(
                    pid=pid,
                    busy=job is not None,
                    job_id=job,
                    cpu_percent=float(metrics.get("cpu", 0.0) or 0.0),
                    rss=int(metrics.get("memory", 0) or 0),
                    age_s=now - connection.first_seen.get(address, now),
                    address=address,
                    name=str(name),
                    host=str(info.get("host", "")),
                    nthreads=int(info.get("nthreads", 1) or 1),
                    memory_limit=int(info.get("memory_limit", 0) or 0),
                    local=connection.local,
                )
            )
        return result

    def worker_pids(self) -> list[tuple[str, int]]:
        """``(label, pid)`` of workers running on this machine (our local cluster), for
        the sampler's worker provider: psutil then charts them like local workers.
        Remote workers are not here: their CPU and memory come from `workers`."""
        connection = self.connection
        if not connection.local:
            return []
        out = []
        for address, pid in sorted(connection.pids.items()):
            name = str((connection.workers.get(address) or {}).get("name", ""))
            out.append((f"dask {name} ({address})" if name else f"dask {address}", pid))
        return out

    def live_pids(self) -> list[int]:
        """Pids of workers on this machine, as `LocalBackend.live_pids` gives them (the
        engine's sampler charts them the same way); empty for a remote cluster."""
        return [pid for _, pid in self.worker_pids()]

    async def aclose(self) -> None:
        """Cancel our tasks, close the client and any local cluster. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for call in list(self._calls.values()):
            if call.ended is None:
                call.ended = JobFailure(FailureKind.INTERNAL, "The Dask backend closed.")
            if call.scope is not None:
                call.scope.cancel()
        await self.connection.aclose()
        if self._board is not None:
            self._board.close()


def _clamp(n: int) -> int:
    return max(1, min(int(n), MAX_SLOTS))


def _lost(address: str | None, pid: int | None, expected: bool) -> JobFailure:
    where = (address or "unknown address") + (f", pid {pid}" if pid else "")
    return JobFailure(
        FailureKind.WORKER_DIED,
        f"The Dask worker running this job ({where}) "
        f"{'left the cluster' if expected else 'was lost'} before it finished.",
    )


def _killed(how: str) -> JobFailure:
    return JobFailure(
        FailureKind.WORKER_DIED,
        f"Killed on request: {how} (Dask cannot interrupt a running task).",
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _outcome(reply: Any) -> CallOutcome:
    ok, payload, out, err, pid, pickled = reply
    if not ok:
        return CallOutcome(None, payload, out, err, pid)
    if not pickled:  # a plain value, sent as it is
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


def _task_failure(exc: BaseException) -> JobFailure:
    """Dask itself failed the task (outside the trampoline): say what to do about it."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == "procdeck":
        return JobFailure(
            FailureKind.IMPORT,
            "The Dask workers cannot import procdeck: install Procdeck in the workers' "
            "environment (pip install procdeck) so they can run its job trampoline.",
            tb,
        )
    return JobFailure(FailureKind.INTERNAL, f"Dask could not run the job: {_reason(exc)}", tb)


@asynccontextmanager
async def open_dask_pool(
    choice: BackendChoice, max_workers: int | None = None, cancellable: bool = True, **options: Any
) -> AsyncIterator[JobPool]:
    """A job pool on a Dask cluster with its own task group (scripts, tests, the CLI).

    The app's Engine builds it under its own task group instead (see `DaskBackend.start`).
    """
    async with anyio.create_task_group() as tg:
        backend = await DaskBackend.start(choice, tg, capacity=max_workers, **options)
        pool = JobPool(tg, backend, cancellable)
        try:
            yield pool
        finally:
            await pool.shutdown()
