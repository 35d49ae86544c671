"""The job pool: a queue of jobs and batches, runners, cancellation, published snapshots.

Design for throughput: a batch of 20,000 jobs is 20,000 small ``_Job`` records in one
deque and at most ``capacity`` runner tasks pulling from it, never 20,000 tasks. Nothing
is published per job: changes mark ids dirty and wake listeners once; whoever renders
calls `take_changes` at its own rate and gets snapshots of what changed since.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import anyio
from anyio.abc import TaskGroup

from procdeck.core.jobs import (
    TABLE_REPR_LIMIT,
    BatchInfo,
    JobFailure,
    JobInfo,
    JobSpec,
    JobState,
    PoolSettings,
    ResultRow,
    WorkerInfo,
    clip_text,
    format_repr,
)
from procdeck.engine.workers.backend import Backend, CallOutcome

_QUEUED, _RUNNING, _DONE, _FAILED, _CANCELLED = (
    JobState.QUEUED, JobState.RUNNING, JobState.DONE, JobState.FAILED, JobState.CANCELLED,
)

Listener = Callable[[], None]


class PoolClosed(RuntimeError):
    """Raised when dispatching to a pool that has shut down."""


class _Batch:
    __slots__ = ("batch_id", "target", "jobs", "done", "failed", "cancelled", "running",
                 "started", "ended", "event")

    def __init__(self, batch_id: int, target: str) -> None:
        self.batch_id = batch_id
        self.target = target
        self.jobs: list[_Job] = []
        self.done = self.failed = self.cancelled = self.running = 0
        self.started = time.monotonic()
        self.ended: float | None = None
        self.event: anyio.Event | None = None

    def info(self) -> BatchInfo:
        return BatchInfo(self.batch_id, self.target, len(self.jobs), self.done, self.failed,
                         self.cancelled, self.running, self.started, self.ended)


class _Job:
    __slots__ = ("job_id", "spec", "batch", "index", "input", "state", "pid", "queued",
                 "started", "ended", "value", "failure", "stdout", "stderr", "scope",
                 "slot", "cancellable", "cancel_requested", "event")

    def __init__(self, job_id: int, spec: JobSpec, batch: _Batch | None, index: int | None,
                 input: Any, cancellable: bool, now: float) -> None:
        self.job_id = job_id
        self.spec = spec
        self.batch = batch
        self.index = index
        self.input = input
        self.state = _QUEUED
        self.pid: int | None = None
        self.queued = now
        self.started: float | None = None
        self.ended: float | None = None
        self.value: Any = None
        self.failure: JobFailure | None = None
        self.stdout = self.stderr = ""
        self.scope: anyio.CancelScope | None = None
        self.slot = -1
        self.cancellable = cancellable
        self.cancel_requested = False
        self.event: anyio.Event | None = None


class JobPool:
    """Queue and run jobs on a backend, under the engine's task group.

    One owner: the Engine creates it inside its task group and awaits `shutdown` on exit.
    """

    def __init__(self, task_group: TaskGroup, backend: Backend, cancellable: bool = True) -> None:
        self._tg = task_group
        self.backend = backend
        self._cancellable = cancellable
        self._jobs: dict[int, _Job] = {}
        self._batches: dict[int, _Batch] = {}
        self._queue: deque[_Job] = deque()
        self._next_job = 1
        self._next_batch = 1
        self._runners = 0
        self._running: dict[int, _Job] = {}  # slot -> job
        self._free_slots: list[int] = []
        self._slots_made = 0
        self._max_slots: int = getattr(backend, "max_slots", 256)
        self._idle = anyio.Event()
        self._idle.set()
        # Insertion-ordered (a dict used as an ordered set): snapshots come out in the order
        # jobs changed, and a capped take is O(cap).
        self._dirty_jobs: dict[int, None] = {}
        self._dirty_batches: set[int] = set()
        self._listeners: list[Listener] = []
        self._woken = False  # listeners were called and nobody has taken the changes yet
        self._closed = False

    @property
    def task_group(self) -> TaskGroup:
        return self._tg

    # -- settings ------------------------------------------------------------------

    @property
    def settings(self) -> PoolSettings:
        return PoolSettings(self.backend.capacity, self._cancellable)

    def set_max_workers(self, n: int) -> None:
        """Change how many jobs run at once; extra runners finish their job and stop."""
        self.backend.set_capacity(n)
        self._kick()

    def set_cancellable(self, cancellable: bool) -> None:
        """Applies to jobs dispatched from now on."""
        self._cancellable = cancellable

    # -- dispatch ------------------------------------------------------------------

    def submit(self, spec: JobSpec) -> int:
        """Queue one job; returns its id."""
        self._check_open()
        job = self._new_job(spec, None, None, None, time.monotonic())
        self._queue.append(job)
        self._kick()
        return job.job_id

    def map(self, spec: JobSpec, inputs: Iterable[Any]) -> int:
        """Queue one job per input, called as ``target(input, *spec.args, **spec.kwargs)``."""
        self._check_open()
        batch = _Batch(self._next_batch, spec.target)
        self._next_batch += 1
        now = time.monotonic()
        jobs = batch.jobs
        for index, value in enumerate(inputs):
            jobs.append(self._new_job(spec, batch, index, value, now))
        if not jobs:
            raise ValueError("a batch needs at least one input")
        self._batches[batch.batch_id] = batch
        self._queue.extend(jobs)
        self._dirty_batches.add(batch.batch_id)
        self._kick()
        return batch.batch_id

    def _new_job(self, spec: JobSpec, batch: _Batch | None, index: int | None, value: Any,
                 now: float) -> _Job:
        job = _Job(self._next_job, spec, batch, index, value, self._cancellable, now)
        self._next_job += 1
        self._jobs[job.job_id] = job
        self._touch(job.job_id)
        return job

    def _check_open(self) -> None:
        if self._closed:
            raise PoolClosed("the worker pool has shut down")

    def _kick(self) -> None:
        while self._queue and self._runners < self.backend.capacity and not self._closed:
            if self._free_slots:
                slot = self._free_slots.pop()
            elif self._slots_made < self._max_slots:
                slot = self._take_new_slot()
            else:
                break
            if self._runners == 0:
                self._idle = anyio.Event()
            self._runners += 1
            self._tg.start_soon(self._runner, slot, name=f"procdeck job runner {slot}")

    def _take_new_slot(self) -> int:
        slot = self._slots_made
        self._slots_made += 1
        return slot

    async def _runner(self, slot: int) -> None:
        queue = self._queue
        try:
            while queue and not self._closed:
                # One cancel scope per runner, not per job (a scope costs as much as a
                # checkpoint); cancelling a running job cancels its runner's scope, and
                # the runner carries on under a fresh one.
                with anyio.CancelScope() as scope:
                    while queue and not self._closed:
                        if self._runners > self.backend.capacity:
                            return  # the pool shrank
                        job = queue.popleft()
                        if job.state is _QUEUED:
                            await self._run(job, slot, scope)
        finally:
            self._runners -= 1
            self._free_slots.append(slot)
            if self._runners == 0:
                self._idle.set()
            elif queue and not self._closed:
                self._kick()

    async def _run(self, job: _Job, slot: int, scope: anyio.CancelScope) -> None:
        """Run one job under ``scope`` (cancelled to cancel this job)."""
        job.state = _RUNNING
        job.started = time.monotonic()
        job.slot = slot
        batch = job.batch
        if batch is not None:
            batch.running += 1
        self._running[slot] = job
        self._touch(job.job_id)
        outcome: CallOutcome | None = None
        job.scope = scope
        try:
            spec = job.spec
            args = spec.args if batch is None else (job.input, *spec.args)
            outcome = await self.backend.run(spec.target, args, spec.kwargs, spec.extra_path,
                                             slot, job.job_id, job.cancellable)
        finally:
            # Also runs when the engine's task group is cancelled (shutdown).
            job.scope = None
            del self._running[slot]
            if outcome is None:
                job.pid = self.backend.running_pid(slot, job.job_id)
                self._finish(job, _CANCELLED)
            else:
                job.pid = outcome.pid or self.backend.running_pid(slot, job.job_id)
                job.stdout, job.stderr = outcome.stdout, outcome.stderr
                if outcome.failure is None:
                    job.value = outcome.value
                    self._finish(job, _DONE)
                else:
                    job.failure = outcome.failure
                    self._finish(job, _FAILED)

    def _finish(self, job: _Job, state: JobState) -> None:
        was = job.state
        job.state = state
        job.ended = time.monotonic()
        batch = job.batch
        if batch is not None:
            if was is _RUNNING:
                batch.running -= 1
            if state is _DONE:
                batch.done += 1
            elif state is _FAILED:
                batch.failed += 1
            else:
                batch.cancelled += 1
            if batch.done + batch.failed + batch.cancelled == len(batch.jobs):
                batch.ended = job.ended
                if batch.event is not None:
                    batch.event.set()
            self._dirty_batches.add(batch.batch_id)
        if job.event is not None:
            job.event.set()
        self._touch(job.job_id)

    # -- cancel --------------------------------------------------------------------

    def cancel(self, job_id: int) -> bool:
        """Cancel a job: queued ones never start; a running cancellable one's worker is
        killed. Returns False when the job cannot be stopped (finished, or running and not
        cancellable: it then runs to completion)."""
        job = self._jobs.get(job_id)
        if job is None or job.state.is_final:
            return False
        job.cancel_requested = True
        if job.state is _QUEUED:
            self._finish(job, _CANCELLED)  # stays in the deque; runners skip it
            return True
        if job.scope is not None and self.backend.can_interrupt(job.cancellable):
            job.scope.cancel()
            return True
        self._touch(job.job_id)
        return False

    def cancel_batch(self, batch_id: int) -> int:
        """Cancel every unfinished job of a batch; returns how many were stopped."""
        batch = self._batches.get(batch_id)
        if batch is None:
            return 0
        # Queued ones first so a runner freed by a kill does not start the next input.
        jobs = [j for j in batch.jobs if not j.state.is_final]
        jobs.sort(key=lambda j: j.state is _RUNNING)
        return sum(self.cancel(j.job_id) for j in jobs)

    def cancel_all(self) -> int:
        queued = [j for j in self._queue if j.state is _QUEUED]
        running = list(self._running.values())
        count = sum(self.cancel(j.job_id) for j in queued)
        return count + sum(self.cancel(j.job_id) for j in running)

    async def kill(self, job_id: int) -> bool:
        """Stop a running job now even if it is not cancellable (its worker is killed)."""
        job = self._jobs.get(job_id)
        if job is None or job.state is not _RUNNING:
            return self.cancel(job_id)
        job.cancel_requested = True
        if self.backend.can_interrupt(job.cancellable) and job.scope is not None:
            job.scope.cancel()
            return True
        return await self.backend.kill_running(job.slot, job.job_id)

    # -- reading -------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """``listener()`` is called when something changes after a `take_changes`."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _touch(self, job_id: int) -> None:
        self._dirty_jobs[job_id] = None
        if not self._woken:
            self._woken = True
            for listener in list(self._listeners):
                listener()

    def take_changes(self, limit: int | None = None) -> tuple[list[JobInfo], list[BatchInfo]]:
        """Snapshots of the jobs and batches that changed since the last call.

        With ``limit``, at most that many job snapshots; the rest stay pending
        (`has_changes`), so one UI tick never pays for 20,000 rows at once.
        """
        jobs = self._jobs
        dirty = self._dirty_jobs
        if limit is None or len(dirty) <= limit:
            taken = list(dirty)
            self._dirty_jobs = {}
        else:
            taken = list(itertools.islice(dirty, limit))
            for job_id in taken:
                del dirty[job_id]
        infos = [self._info(jobs[i]) for i in taken if i in jobs]
        batches = [self._batches[b].info() for b in sorted(self._dirty_batches)
                   if b in self._batches]
        self._dirty_batches = set()
        if not self._dirty_jobs:
            self._woken = False
        return infos, batches

    @property
    def has_changes(self) -> bool:
        return bool(self._dirty_jobs or self._dirty_batches)

    def info(self, job_id: int, full: bool = True) -> JobInfo:
        return self._info(self._jobs[job_id], full)

    def _info(self, job: _Job, full: bool = False) -> JobInfo:
        state = job.state
        pid = job.pid
        if state is _RUNNING and pid is None:
            pid = job.pid = self.backend.running_pid(job.slot, job.job_id)
        result = None
        if state is _DONE:
            result = format_repr(job.value) if full else clip_text(
                format_repr(job.value, TABLE_REPR_LIMIT * 4), TABLE_REPR_LIMIT)
        batch = job.batch
        return JobInfo(
            job.job_id, job.spec.target, state,
            None if batch is None else batch.batch_id, job.index,
            "" if batch is None else format_repr(job.input, TABLE_REPR_LIMIT),
            pid, job.queued, job.started, job.ended, result, job.failure,
            job.stdout, job.stderr, job.cancel_requested,
        )

    def jobs(self) -> list[JobInfo]:
        return [self._info(j) for j in self._jobs.values()]

    def batch(self, batch_id: int) -> BatchInfo:
        return self._batches[batch_id].info()

    def batches(self) -> list[BatchInfo]:
        return [b.info() for b in self._batches.values()]

    def result(self, job_id: int) -> Any:
        """The value a finished job returned (raises KeyError for unknown ids)."""
        return self._jobs[job_id].value

    def results(self, batch_id: int) -> list[ResultRow]:
        """One row per input of a batch, in input order, for copying or saving."""
        return [
            ResultRow(j.index or 0, j.input, j.state, j.value,
                      j.failure.message if j.failure else
                      ("cancelled" if j.state is _CANCELLED else ""))
            for j in self._batches[batch_id].jobs
        ]

    def running_jobs(self) -> dict[int, int]:
        """pid -> job id for jobs whose worker has started them."""
        busy = {}
        for slot, job in list(self._running.items()):
            pid = self.backend.running_pid(slot, job.job_id)
            if pid:
                busy[pid] = job.job_id
                if job.pid is None:  # the worker has started it since the last snapshot
                    job.pid = pid
                    self._touch(job.job_id)
        return busy

    async def workers(self) -> list[WorkerInfo]:
        return await self.backend.workers(self.running_jobs())

    @property
    def queued_count(self) -> int:
        return sum(1 for j in self._queue if j.state is _QUEUED)

    def remove_finished(self) -> None:
        """Forget finished jobs and completed batches (the table's Clear)."""
        for batch_id, batch in list(self._batches.items()):
            if batch.ended is not None:
                del self._batches[batch_id]
        self._jobs = {i: j for i, j in self._jobs.items()
                      if not j.state.is_final or (j.batch is not None and j.batch.ended is None)}

    # -- waiting -------------------------------------------------------------------

    async def wait(self, job_id: int) -> JobInfo:
        job = self._jobs[job_id]
        if not job.state.is_final:
            if job.event is None:
                job.event = anyio.Event()
            await job.event.wait()
        return self._info(job, full=True)

    async def wait_batch(self, batch_id: int) -> BatchInfo:
        batch = self._batches[batch_id]
        if batch.ended is None:
            if batch.event is None:
                batch.event = anyio.Event()
            await batch.event.wait()
        return batch.info()

    async def run(self, spec: JobSpec) -> JobInfo:
        """Run one job in the calling task and return its final snapshot.

        The job is a full pool job (listed, cancellable, counted against max workers) but
        skips the queue hop: no runner task is woken and no event is awaited, so an
        awaited call costs little more than a bare ``to_process.run_sync``.
        """
        self._check_open()
        if not self._free_slots and self._slots_made >= self._max_slots:
            return await self.wait(self.submit(spec))
        job = self._new_job(spec, None, None, None, time.monotonic())
        slot = self._free_slots.pop() if self._free_slots else self._take_new_slot()
        try:
            with anyio.CancelScope() as scope:
                await self._run(job, slot, scope)
        finally:
            self._free_slots.append(slot)
        return self._info(job, full=True)

    # -- shutdown ------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Cancel everything, stop every runner and worker process. Idempotent."""
        if self._closed and self._runners == 0:
            await self.backend.aclose()
            return
        self._closed = True
        with anyio.CancelScope(shield=True):
            for job in list(self._queue):
                if job.state is _QUEUED:
                    job.cancel_requested = True
                    self._finish(job, _CANCELLED)
            self._queue.clear()
            # A job that is not cancellable, or whose worker has not yet noted it on the
            # board, is killed by pid; retry until every runner has finished.
            with anyio.move_on_after(10):
                while not self._idle.is_set():
                    for job in list(self._running.values()):
                        if job.state is _RUNNING:
                            await self.kill(job.job_id)
                    with anyio.move_on_after(0.05):
                        await self._idle.wait()
            await self.backend.aclose()

