"""The local backend: Procdeck's worker processes on this machine (`worker_process`).

Besides running calls it watches them: a job's timeout (its worker's stacks are dumped,
then the worker is killed and replaced) and memory limit (the worker's RSS is polled; the
worker also caps its own address space, see `trampoline`), and it tells a SIGKILL that
Procdeck sent from one it did not (the out-of-memory killer, another user).
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import psutil
from anyio import BrokenWorkerProcess

from procdeck.core.cluster_state import ClusterState
from procdeck.core.jobs import FailureKind, JobFailure, WorkerInfo, format_seconds, format_size
from procdeck.core.run_state import ExitOutcome
from procdeck.engine.workers import anyio_workers, fd_capture, worker_process
from procdeck.engine.workers.backend import CallOutcome
from procdeck.engine.workers.board import SlotBoard
from procdeck.engine.workers.pool import JobPool
from procdeck.engine.workers.trampoline import _Pickled, run_job
from procdeck.engine.workers.worker_main import STACKS_SIGNAL, files_of

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
    retire_idle_after: float = worker_process.WORKER_MAX_IDLE_TIME
    #: How often a job's memory limit is checked against its worker's RSS.
    memory_poll_interval = 0.05
    #: Limits this backend enforces (the Jobs panel says where one cannot be).
    enforces_timeout = True
    enforces_memory_limit = True
    #: The workers are Procdeck's own: closing stops them.
    soft_shutdown = False

    def __init__(self, capacity: int | None = None) -> None:
        self._limiter = anyio.CapacityLimiter(_clamp(capacity or os.cpu_count() or 2))
        self._tracker = anyio_workers.install()
        # The slot board and the workers' folder are made on the first job: an app that
        # runs no job leaves nothing in the temporary folder, even if it is killed.
        self._board: SlotBoard | None = None
        self._dir = ""
        self._ps: dict[int, psutil.Process] = {}
        self._last_rss: dict[int, int] = {}
        self._killed: set[int] = set()  # pids Procdeck sent SIGKILL to

    def _files(self) -> tuple[SlotBoard, str]:
        """The slot board and the workers' folder, made on first use."""
        if self._board is None:
            self._board = SlotBoard(MAX_SLOTS)
            self._dir = tempfile.mkdtemp(prefix="procdeck-workers-")
            worker_process.worker_dir_var.set(self._dir)
        return self._board, self._dir

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
        memory_limit: int | None = None,
    ) -> CallOutcome:
        board, _folder = self._files()
        try:
            reply = await worker_process.run_sync(
                run_job,
                target,
                args,
                kwargs,
                extra_path,
                board.path,
                slot,
                job_id,
                memory_limit or 0,
                cancellable=cancellable,
                limiter=self._limiter,
            )
            peak, cpu = board.stats(slot, job_id)
            if type(reply) is not tuple:  # a plain result, nothing printed
                return CallOutcome(reply, peak_rss=peak or None, cpu_time=cpu)
            ok, payload, out, err, pid = reply
        except BrokenWorkerProcess as exc:
            return await self._worker_died(slot, job_id, exc)
        except Exception as exc:
            return CallOutcome(failure=_not_sent(args, kwargs, exc))
        if not ok:
            return CallOutcome(None, payload, out, err, pid, peak or None, cpu)
        if type(payload) is not _Pickled:
            return CallOutcome(payload, None, out, err, pid, peak or None, cpu)
        try:
            value = pickle.loads(payload)
        except Exception as exc:
            failure = JobFailure(
                FailureKind.BAD_RESULT,
                f"The worker's result cannot be loaded in the app: {type(exc).__name__}: {exc}",
            )
            return CallOutcome(None, failure, out, err, pid, peak or None, cpu)
        return CallOutcome(value, None, out, err, pid, peak or None, cpu)

    def running_pid(self, slot: int, job_id: int) -> int | None:
        if self._board is None:
            return None  # no job has run
        on_board, pid = self._board.read(slot)
        return pid if on_board == job_id and pid else None

    async def kill_running(self, slot: int, job_id: int) -> bool:
        pid = self.running_pid(slot, job_id)
        if pid is None or pid not in {p for p, _ in self._tracker.live()}:
            return False
        return self._kill(pid)

    def _kill(self, pid: int) -> bool:
        self._killed.add(pid)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    async def dump_stacks(self, slot: int, job_id: int) -> str:
        """The Python stacks of every thread of the worker running this job, taken without
        stopping it (faulthandler on SIGUSR1 in the worker; see `worker_main`)."""
        pid = self.running_pid(slot, job_id)
        if pid is None or pid not in {p for p, _ in self._tracker.live()}:
            return ""
        path = files_of(self._files()[1], pid)[2]
        before = await anyio.to_thread.run_sync(_size, path)
        try:
            os.kill(pid, STACKS_SIGNAL)
        except ProcessLookupError:
            return ""
        # faulthandler writes from the signal handler; wait until the file stops growing.
        size, stable = before, 0
        with anyio.move_on_after(3):
            while stable < 2:
                await anyio.sleep(0.02)
                now = await anyio.to_thread.run_sync(_size, path)
                stable = stable + 1 if now == size and now > before else 0
                size = now
        if size <= before:
            return ""
        return await anyio.to_thread.run_sync(_read_from, path, before)

    async def guard(
        self,
        slot: int,
        job_id: int,
        timeout: float | None,
        memory_limit: int | None,
        timeout_message: str | None = None,
        report: Callable[[JobFailure], None] | None = None,
    ) -> JobFailure | None:
        """Watch a running job; stop its worker and say why when it goes over a limit.

        Returns only after stopping the job (the call then fails), else runs until the
        caller cancels it when the call returns. ``timeout_message`` replaces "timed out
        after N s" (a batch's deadline); ``report`` hears the failure before the worker is
        killed (the call may return as soon as it is).
        """
        report = report or (lambda _failure: None)
        deadline = None if timeout is None else anyio.current_time() + timeout
        peak = 0
        while True:
            wait = self.memory_poll_interval if memory_limit else None
            if deadline is not None:
                left = deadline - anyio.current_time()
                wait = left if wait is None else min(wait, left)
            await anyio.sleep(max(0.0, wait or 0.0))
            pid = self.running_pid(slot, job_id)
            if memory_limit and pid is not None:
                rss = await anyio.to_thread.run_sync(_rss, pid)
                if rss:
                    self._last_rss[pid] = rss
                peak = max(peak, rss)
                if rss > memory_limit:
                    failure = JobFailure(
                        FailureKind.MEMORY,
                        f"The job went over its memory limit of {format_size(memory_limit)} "
                        f"(RSS {format_size(rss)}); its worker (pid {pid}) was stopped.",
                    )
                    report(failure)
                    self._kill(pid)
                    return failure
            if deadline is not None and anyio.current_time() >= deadline:
                assert timeout is not None
                stacks = await self.dump_stacks(slot, job_id)
                pid = self.running_pid(slot, job_id)
                where = f" (worker pid {pid})" if pid else ""
                message = f"{timeout_message or f'timed out after {format_seconds(timeout)}'}{where}"
                header = "Stacks of the worker's threads at the timeout:\n" if stacks else ""
                failure = JobFailure(FailureKind.TIMEOUT, message, header + stacks)
                report(failure)
                if pid is not None:
                    self._kill(pid)
                return failure

    async def _worker_died(self, slot: int, job_id: int, exc: BaseException) -> CallOutcome:
        pid = self.running_pid(slot, job_id)
        if pid is None:
            cause = exc.__cause__ or exc
            return CallOutcome(
                failure=JobFailure(
                    FailureKind.WORKER_DIED,
                    f"The worker process failed before the job started: {type(cause).__name__}: {cause}",
                )
            )
        code = await self._tracker.exit_status(pid)
        if code is None:
            how = "exit status unknown"
        else:
            outcome = ExitOutcome.from_returncode(code)
            how = f"killed by {outcome.describe()}" if outcome.signal else f"exit code {code}"
            if outcome.signal == signal.SIGKILL and pid not in self._killed:
                how += f", not sent by Procdeck{self._oom_hint(pid)}"
        out_path, err_path, stacks_path = files_of(self._files()[1], pid)
        out, err = await anyio.to_thread.run_sync(fd_capture.take_output_of, out_path, err_path)
        fatal = await anyio.to_thread.run_sync(_read_from, stacks_path, 0)
        await anyio.to_thread.run_sync(_remove, (out_path, err_path, stacks_path))
        self._killed.discard(pid)
        self._last_rss.pop(pid, None)
        return CallOutcome(
            failure=JobFailure(FailureKind.WORKER_DIED, f"worker died (pid {pid}, {how})", fatal),
            stdout=out,
            stderr=err,
            pid=pid,
        )

    def _oom_hint(self, pid: int) -> str:
        """ ", last RSS 2.1 GiB, possibly the out-of-memory killer" as far as known."""
        rss = self._last_rss.get(pid)
        total = psutil.virtual_memory().total
        text = f"; last RSS {format_size(rss)}" if rss else ""
        if rss is None or rss >= total // 20:
            text += "; possibly the out-of-memory killer"
        return text

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
                self._last_rss[pid] = out[pid][1]
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
        if self._board is not None:
            self._board.close()
            await anyio.to_thread.run_sync(shutil.rmtree, self._dir, True)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _read_from(path: str, offset: int) -> str:
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            return stream.read(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _remove(paths: tuple[str, ...]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def _rss(pid: int) -> int:
    """Resident memory of ``pid`` in bytes, from /proc/PID/statm (0 if gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        try:
            return int(psutil.Process(pid).memory_info().rss)
        except psutil.Error:
            return 0


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
