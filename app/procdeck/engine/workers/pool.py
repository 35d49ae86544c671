"""The job pool: a queue of jobs and batches, runners, cancellation, published snapshots.

Design for throughput: a batch of 20,000 jobs is one `_Source` (columns: a bytearray of
states, lists of pids, times and results) and at most ``capacity`` runner
tasks pulling from the queue, never 20,000 tasks or 20,000 objects. Nothing is published
per job: changes mark ids dirty and wake listeners once; whoever renders calls
`take_changes` at its own rate and gets snapshots of what changed since.
"""

from __future__ import annotations

import bisect
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
    FailureKind,
    JobFailure,
    JobInfo,
    JobSpec,
    JobState,
    PoolSettings,
    ResultRow,
    WorkerInfo,
    clip_text,
    format_repr,
    format_seconds,
)
from procdeck.engine.listeners import Listeners
from procdeck.engine.workers.backend import Backend, CallOutcome

_QUEUED, _RUNNING, _DONE, _FAILED, _CANCELLED = (
    JobState.QUEUED,
    JobState.RUNNING,
    JobState.DONE,
    JobState.FAILED,
    JobState.CANCELLED,
)

Listener = Callable[[], None]


class PoolClosed(RuntimeError):
    """Raised when dispatching to a pool that has shut down."""


# State codes stored per job in a bytearray.
_Q, _R, _D, _F, _C = range(5)
_STATE_OF = (_QUEUED, _RUNNING, _DONE, _FAILED, _CANCELLED)


class _Source:
    """A batch of jobs stored as columns (a single job is a batch of one).

    A 20,000-input map is a handful of lists here, not 20,000 objects: creating
    it is fast, and the garbage collector has little to walk while it runs. Job ids of a
    source are the contiguous range ``first_id .. first_id + n - 1``.
    """

    __slots__ = (
        "batch_id",
        "spec",
        "single",
        "first_id",
        "n",
        "inputs",
        "states",
        "values",
        "pids",
        "started",
        "ended",
        "failures",
        "outputs",
        "peaks",
        "cpus",
        "deadline",
        "cancel_requested",
        "cancellable",
        "queued_mono",
        "cursor",
        "done",
        "failed",
        "cancelled",
        "running",
        "ended_mono",
        "event",
        "job_events",
    )

    def __init__(
        self,
        batch_id: int | None,
        spec: JobSpec,
        first_id: int,
        inputs: list[Any],
        cancellable: bool,
        now: float,
    ) -> None:
        n = len(inputs)
        self.batch_id = batch_id
        self.spec = spec
        self.single = batch_id is None
        self.first_id = first_id
        self.n = n
        self.inputs = inputs
        self.states = bytearray(n)  # all _Q
        self.values: list[Any] = [None] * n
        # Plain lists: as small as arrays while unset (one shared 0), faster to use.
        self.pids: list[int] = [0] * n
        self.started: list[float] = [0.0] * n  # 0.0: not yet
        self.ended: list[float] = [0.0] * n
        self.failures: dict[int, JobFailure] = {}
        self.outputs: dict[int, tuple[str, str]] = {}
        self.peaks: list[int] = [0] * n  # 0: unknown
        self.cpus: list[float] = [-1.0] * n  # negative: unknown
        #: When a batch timeout ends the batch (monotonic), None without one.
        self.deadline: float | None = None
        self.cancel_requested: set[int] = set()
        self.cancellable = cancellable
        self.queued_mono = now
        self.cursor = 0  # next index a runner looks at
        self.done = self.failed = self.cancelled = self.running = 0
        self.ended_mono: float | None = None
        self.event: anyio.Event | None = None
        self.job_events: dict[int, anyio.Event] = {}

    def info(self) -> BatchInfo:
        return BatchInfo(
            self.batch_id or 0,
            self.spec.target,
            self.n,
            self.done,
            self.failed,
            self.cancelled,
            self.running,
            self.queued_mono,
            self.ended_mono,
        )

    @property
    def complete(self) -> bool:
        return self.ended_mono is not None


class JobPool:
    """Queue and run jobs on a backend, under the engine's task group.

    One owner: the Engine creates it inside its task group and awaits `shutdown` on exit.
    """

    def __init__(
        self,
        task_group: TaskGroup,
        backend: Backend,
        cancellable: bool = True,
        memory_limit: int | None = None,
    ) -> None:
        self._tg = task_group
        self.backend = backend
        self._capacity = backend.capacity
        self._cancellable = cancellable
        self._memory_limit = memory_limit
        self._sources: list[_Source] = []  # by first job id, ascending
        self._first_ids: list[int] = []
        self._batches: dict[int, _Source] = {}
        self._queue: deque[_Source] = deque()
        self._next_job = 1
        self._next_batch = 1
        self._runners = 0
        self._running: dict[int, tuple[_Source, int]] = {}  # slot -> (source, index)
        self._slot_of: dict[int, int] = {}  # running job id -> slot
        self._scopes: dict[int, anyio.CancelScope] = {}  # slot -> its current scope
        self._free_slots: list[int] = []
        self._slots_made = 0
        self._max_slots = backend.max_slots
        self._idle = anyio.Event()
        self._idle.set()
        # Insertion-ordered (a dict used as an ordered set): snapshots come out in the order
        # jobs changed, and a capped take is O(cap).
        self._dirty_jobs: dict[int, None] = {}
        self._dirty_batches: set[int] = set()
        self._listeners = Listeners[[]]()
        self._deadline_scopes: set[anyio.CancelScope] = set()
        self._woken = False  # listeners were called and nobody has taken the changes yet
        self._closed = False

    @property
    def task_group(self) -> TaskGroup:
        return self._tg

    # -- settings ------------------------------------------------------------------

    @property
    def settings(self) -> PoolSettings:
        timeout, memory = self.limits_enforced()
        return PoolSettings(self.backend.capacity, self._cancellable, self._memory_limit, timeout, memory)

    def set_max_workers(self, n: int) -> None:
        """Change how many jobs run at once; extra runners finish their job and stop."""
        self.backend.set_capacity(n)
        self._capacity = self.backend.capacity
        self._kick()

    def set_cancellable(self, cancellable: bool) -> None:
        """Applies to jobs dispatched from now on."""
        self._cancellable = cancellable

    def set_memory_limit(self, limit: int | None) -> None:
        """The default memory limit per job (bytes; None: none); applies to jobs that start
        from now on and whose dispatch names no limit of its own."""
        self._memory_limit = limit

    def limits_enforced(self) -> tuple[bool, bool]:
        """(timeout, memory limit): whether the current backend can enforce each."""
        backend = self.backend
        return (
            backend.enforces_timeout,
            backend.enforces_memory_limit,
        )

    # -- dispatch ------------------------------------------------------------------

    def submit(self, spec: JobSpec) -> int:
        """Queue one job; returns its id."""
        source = self._add_source(None, spec, [None])
        self._queue.append(source)
        self._kick()
        return source.first_id

    def map(self, spec: JobSpec, inputs: Iterable[Any]) -> int:
        """Queue one job per input, called as ``target(input, *spec.args, **spec.kwargs)``."""
        values = list(inputs)
        if not values:
            raise ValueError("a batch needs at least one input")
        batch_id = self._next_batch
        self._next_batch += 1
        source = self._add_source(batch_id, spec, values)
        self._batches[batch_id] = source
        self._touch_batch(batch_id)
        self._queue.append(source)
        if spec.batch_timeout is not None:
            source.deadline = time.monotonic() + spec.batch_timeout
            self._tg.start_soon(self._batch_deadline, source, name=f"procdeck batch {batch_id} timeout")
        self._kick()
        return batch_id

    async def _batch_deadline(self, source: _Source) -> None:
        """At a batch's timeout its queued jobs fail unstarted (running ones are stopped by
        their own guard, which knows the deadline)."""
        assert source.deadline is not None and source.spec.batch_timeout is not None
        with anyio.CancelScope() as scope:
            self._deadline_scopes.add(scope)
            try:
                await anyio.sleep(max(0.0, source.deadline - time.monotonic()))
            finally:
                self._deadline_scopes.discard(scope)
        if scope.cancel_called or source.complete:
            return
        failure = JobFailure(
            FailureKind.TIMEOUT,
            f"not started: the batch timed out after {format_seconds(source.spec.batch_timeout)}",
        )
        states = source.states
        for i in range(source.cursor, source.n):
            if states[i] == _Q:
                source.failures[i] = failure
                self._finish(source, i, _F)

    def _add_source(self, batch_id: int | None, spec: JobSpec, inputs: list[Any]) -> _Source:
        if self._closed:
            raise PoolClosed("the worker pool has shut down")
        source = _Source(batch_id, spec, self._next_job, inputs, self._cancellable, time.monotonic())
        self._next_job += source.n
        self._sources.append(source)
        self._first_ids.append(source.first_id)
        first = source.first_id
        if source.n == 1:
            self._dirty_jobs[first] = None
        else:
            self._dirty_jobs.update(dict.fromkeys(range(first, first + source.n)))
        self._wake()
        return source

    def _locate(self, job_id: int) -> tuple[_Source, int] | None:
        at = bisect.bisect_right(self._first_ids, job_id) - 1
        if at < 0:
            return None
        source = self._sources[at]
        index = job_id - source.first_id
        return (source, index) if index < source.n else None

    def _kick(self) -> None:
        while self._queue and self._runners < self._capacity and not self._closed:
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

    def _next_item(self) -> tuple[_Source, int] | None:
        """The next queued job, first in first out; cancelled ones are skipped."""
        queue = self._queue
        while queue:
            source = queue[0]
            states, i, n = source.states, source.cursor, source.n
            while i < n and states[i] != _Q:
                i += 1
            if i + 1 >= n:
                queue.popleft()
            source.cursor = i + 1
            if i < n:
                return source, i
        return None

    async def _runner(self, slot: int) -> None:
        try:
            while self._queue and not self._closed:
                # One cancel scope per runner, not per job (a scope costs as much as a
                # checkpoint); cancelling a running job cancels its runner's scope, and
                # the runner carries on under a fresh one.
                with anyio.CancelScope() as scope:
                    self._scopes[slot] = scope
                    while not self._closed:
                        if self._runners > self._capacity:
                            return  # the pool shrank
                        item = self._next_item()
                        if item is None:
                            return
                        await self._run(item[0], item[1], slot)
                        if scope.cancel_called:
                            # The cancel was meant for that job, whose result may have
                            # come back first: the next job gets a fresh scope, or the
                            # stale cancel would fire at its first checkpoint.
                            break
        finally:
            self._scopes.pop(slot, None)
            self._runners -= 1
            self._free_slots.append(slot)
            if self._runners == 0:
                self._idle.set()
            elif self._queue and not self._closed:
                self._kick()

    async def _run(self, source: _Source, i: int, slot: int) -> None:
        """Run one job under its slot's cancel scope (cancelled to cancel this job)."""
        job_id = source.first_id + i
        source.states[i] = _R
        source.started[i] = time.monotonic()
        source.running += 1
        self._running[slot] = (source, i)
        self._slot_of[job_id] = slot
        self._touch(job_id)
        outcome: CallOutcome | None = None
        try:
            spec = source.spec
            args = spec.args if source.single else (source.inputs[i], *spec.args)
            memory_limit = spec.memory_limit or self._memory_limit
            if spec.timeout is None and memory_limit is None and source.deadline is None:
                outcome = await self.backend.run(
                    spec.target, args, spec.kwargs, spec.extra_path, slot, job_id, source.cancellable
                )
            else:
                outcome = await self._run_guarded(source, args, slot, job_id, memory_limit)
        finally:
            # Also runs when the engine's task group is cancelled (shutdown).
            del self._running[slot]
            del self._slot_of[job_id]
            source.running -= 1
            if outcome is None:
                source.pids[i] = self.backend.running_pid(slot, job_id) or 0
                self._finish(source, i, _C)
            else:
                source.pids[i] = outcome.pid or self.backend.running_pid(slot, job_id) or 0
                if outcome.stdout or outcome.stderr:
                    source.outputs[i] = (outcome.stdout, outcome.stderr)
                if outcome.peak_rss:
                    source.peaks[i] = outcome.peak_rss
                if outcome.cpu_time is not None:
                    source.cpus[i] = outcome.cpu_time
                if outcome.failure is None:
                    source.values[i] = outcome.value
                    self._finish(source, i, _D)
                else:
                    source.failures[i] = outcome.failure
                    self._finish(source, i, _F)

    async def _run_guarded(
        self, source: _Source, args: tuple[Any, ...], slot: int, job_id: int, memory_limit: int | None
    ) -> CallOutcome:
        """Run a job under its limits: the backend's guard stops it when it goes over."""
        spec = source.spec
        kwargs = {"memory_limit": memory_limit} if memory_limit is not None else {}
        call = self.backend.run(
            spec.target, args, spec.kwargs, spec.extra_path, slot, job_id, source.cancellable, **kwargs
        )
        timeout, message = spec.timeout, None
        if source.deadline is not None:
            left = source.deadline - time.monotonic()
            if timeout is None or left < timeout:
                assert spec.batch_timeout is not None
                timeout = max(0.0, left)
                message = f"the batch timed out after {format_seconds(spec.batch_timeout)}"
        stopped: list[JobFailure] = []  # the guard reports before it stops the worker
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.backend.guard, slot, job_id, timeout, memory_limit, message, stopped.append)
            outcome = await call
            tg.cancel_scope.cancel()
        if stopped:
            outcome.failure = stopped[0]
        return outcome

    async def dump_stacks(self, job_id: int) -> str:
        """The Python stacks of every thread of the worker running ``job_id``, taken
        without stopping it; empty when the job is not running or the backend cannot."""
        slot = self._slot_of.get(job_id)
        if slot is None:
            return ""
        return await self.backend.dump_stacks(slot, job_id)

    def _finish(self, source: _Source, i: int, state: int) -> None:
        source.states[i] = state
        now = source.ended[i] = time.monotonic()
        if state == _D:
            source.done += 1
        elif state == _F:
            source.failed += 1
        else:
            source.cancelled += 1
        if source.done + source.failed + source.cancelled == source.n:
            source.ended_mono = now
            if source.event is not None:
                source.event.set()
        if source.batch_id is not None:
            self._touch_batch(source.batch_id)
        if source.job_events:
            event = source.job_events.pop(i, None)
            if event is not None:
                event.set()
        self._touch(source.first_id + i)

    # -- cancel --------------------------------------------------------------------

    def cancel(self, job_id: int) -> bool:
        """Cancel a job: queued ones never start; a running cancellable one's worker is
        killed. Returns False when the job cannot be stopped (finished, or running and not
        cancellable: it then runs to completion)."""
        found = self._locate(job_id)
        if found is None:
            return False
        source, i = found
        state = source.states[i]
        if state not in (_Q, _R):
            return False
        source.cancel_requested.add(i)
        if state == _Q:
            self._finish(source, i, _C)  # the runners' cursor skips it
            return True
        slot = self._slot_of.get(job_id)
        if slot is not None and self.backend.can_interrupt(source.cancellable):
            self._scopes[slot].cancel()
            return True
        self._touch(job_id)
        return False

    def cancel_batch(self, batch_id: int) -> int:
        """Cancel every unfinished job of a batch; returns how many were stopped."""
        source = self._batches.get(batch_id)
        if source is None:
            return 0
        return self._cancel_source(source)

    def _cancel_source(self, source: _Source) -> int:
        # Queued ones first so a runner freed by a kill does not start the next input.
        states = source.states
        count = 0
        for i in range(source.cursor, source.n):
            if states[i] == _Q:
                source.cancel_requested.add(i)
                self._finish(source, i, _C)
                count += 1
        for other, i in list(self._running.values()):
            if other is source:
                count += self.cancel(source.first_id + i)
        return count

    def cancel_all(self) -> int:
        count = sum(self._cancel_source(source) for source in list(self._queue))
        for source, i in list(self._running.values()):
            count += self.cancel(source.first_id + i)
        return count

    async def kill(self, job_id: int) -> bool:
        """Stop a running job now even if it is not cancellable (its worker is killed)."""
        found = self._locate(job_id)
        slot = self._slot_of.get(job_id)
        if found is None or slot is None:
            return self.cancel(job_id)
        source, i = found
        source.cancel_requested.add(i)
        if self.backend.can_interrupt(source.cancellable):
            self._scopes[slot].cancel()
            return True
        return await self.backend.kill_running(slot, job_id)

    # -- reading -------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """``listener()`` is called when something changes after a `take_changes`."""
        return self._listeners.add(listener)

    def _touch(self, job_id: int) -> None:
        self._dirty_jobs[job_id] = None
        if not self._woken:
            self._wake()

    def _touch_batch(self, batch_id: int) -> None:
        # Like _touch: a batch change alone must wake the listeners too (a batch that
        # ends marks itself dirty before its last job does).
        self._dirty_batches.add(batch_id)
        self._wake()

    def _wake(self) -> None:
        if not self._woken:
            self._woken = True
            self._listeners()

    def take_changes(self, limit: int | None = None) -> tuple[list[JobInfo], list[BatchInfo]]:
        """Snapshots of the jobs and batches that changed since the last call.

        With ``limit``, at most that many job snapshots; the rest stay pending
        (`has_changes`), so one UI tick never pays for 20,000 rows at once.
        """
        dirty = self._dirty_jobs
        if limit is None or len(dirty) <= limit:
            taken = list(dirty)
            self._dirty_jobs = {}
        else:
            taken = list(itertools.islice(dirty, limit))
            for job_id in taken:
                del dirty[job_id]
        infos = []
        for job_id in taken:
            found = self._locate(job_id)
            if found is not None:
                infos.append(self._info(*found))
        batches = [self._batches[b].info() for b in sorted(self._dirty_batches) if b in self._batches]
        self._dirty_batches = set()
        if not self._dirty_jobs:
            self._woken = False
        return infos, batches

    @property
    def has_changes(self) -> bool:
        return bool(self._dirty_jobs or self._dirty_batches)

    def info(self, job_id: int, full: bool = True) -> JobInfo:
        found = self._locate(job_id)
        if found is None:
            raise KeyError(job_id)
        return self._info(*found, full)

    def _info(self, source: _Source, i: int, full: bool = False) -> JobInfo:
        code = source.states[i]
        job_id = source.first_id + i
        pid = source.pids[i] or None
        if code == _R and pid is None:
            slot = self._slot_of.get(job_id)
            if slot is not None:
                pid = self.backend.running_pid(slot, job_id)
                if pid:
                    source.pids[i] = pid
        result = None
        if code == _D:
            value = source.values[i]
            result = (
                format_repr(value)
                if full
                else clip_text(format_repr(value, TABLE_REPR_LIMIT * 4), TABLE_REPR_LIMIT)
            )
        out, err = source.outputs.get(i, ("", ""))
        single = source.single
        return JobInfo(
            job_id,
            source.spec.target,
            _STATE_OF[code],
            None if single else source.batch_id,
            None if single else i,
            "" if single else format_repr(source.inputs[i], TABLE_REPR_LIMIT),
            pid,
            source.queued_mono,
            source.started[i] or None,
            source.ended[i] or None,
            result,
            source.failures.get(i),
            out,
            err,
            i in source.cancel_requested,
            source.peaks[i] or None,
            source.cpus[i] if source.cpus[i] >= 0 else None,
        )

    def jobs(self) -> list[JobInfo]:
        return [self._info(source, i) for source in self._sources for i in range(source.n)]

    def batch(self, batch_id: int) -> BatchInfo:
        return self._batches[batch_id].info()

    def batches(self) -> list[BatchInfo]:
        return [b.info() for b in self._batches.values()]

    def result(self, job_id: int) -> Any:
        """The value a finished job returned (raises KeyError for unknown ids)."""
        found = self._locate(job_id)
        if found is None:
            raise KeyError(job_id)
        return found[0].values[found[1]]

    def results(self, batch_id: int) -> list[ResultRow]:
        """One row per input of a batch, in input order, for copying or saving."""
        source = self._batches[batch_id]
        rows = []
        for i in range(source.n):
            state = _STATE_OF[source.states[i]]
            failure = source.failures.get(i)
            error = failure.message if failure else ("cancelled" if state is _CANCELLED else "")
            cpu = source.cpus[i]
            rows.append(
                ResultRow(
                    i,
                    source.inputs[i],
                    state,
                    source.values[i],
                    error,
                    source.peaks[i] or None,
                    cpu if cpu >= 0 else None,
                )
            )
        return rows

    def running_jobs(self) -> dict[int, int]:
        """pid -> job id for jobs whose worker has started them."""
        busy = {}
        for slot, (source, i) in list(self._running.items()):
            job_id = source.first_id + i
            pid = self.backend.running_pid(slot, job_id)
            if pid:
                busy[pid] = job_id
                if not source.pids[i]:  # the worker has started it since the last snapshot
                    source.pids[i] = pid
                    self._touch(job_id)
        return busy

    async def workers(self) -> list[WorkerInfo]:
        return await self.backend.workers(self.running_jobs())

    @property
    def active_count(self) -> int:
        """Jobs running or queued: what quitting would cancel."""
        return len(self._running) + self.queued_count

    @property
    def queued_count(self) -> int:
        return sum(source.states.count(_Q) for source in self._queue)

    def remove_finished(self) -> None:
        """Forget completed batches and finished single jobs (the table's Clear)."""
        keep = [source for source in self._sources if not source.complete]
        self._sources = keep
        self._first_ids = [source.first_id for source in keep]
        self._batches = {b: source for b, source in self._batches.items() if not source.complete}

    # -- waiting -------------------------------------------------------------------

    async def wait(self, job_id: int) -> JobInfo:
        found = self._locate(job_id)
        if found is None:
            raise KeyError(job_id)
        source, i = found
        if source.states[i] in (_Q, _R):
            event = source.job_events.get(i)
            if event is None:
                event = source.job_events[i] = anyio.Event()
            await event.wait()
        return self._info(source, i, full=True)

    async def wait_batch(self, batch_id: int) -> BatchInfo:
        source = self._batches[batch_id]
        if source.ended_mono is None:
            if source.event is None:
                source.event = anyio.Event()
            await source.event.wait()
        return source.info()

    async def run(self, spec: JobSpec) -> JobInfo:
        """Run one job in the calling task and return its final snapshot.

        The job is a full pool job (listed, cancellable, counted against max workers) but
        skips the queue hop: no runner task is woken and no event is awaited, so an
        awaited call costs little more than a bare ``to_process.run_sync``.
        """
        if not self._free_slots and self._slots_made >= self._max_slots:
            return await self.wait(self.submit(spec))
        source = self._add_source(None, spec, [None])
        source.cursor = 1  # never queued
        slot = self._free_slots.pop() if self._free_slots else self._take_new_slot()
        try:
            with anyio.CancelScope() as scope:
                self._scopes[slot] = scope
                await self._run(source, 0, slot)
        finally:
            self._scopes.pop(slot, None)
            self._free_slots.append(slot)
        return self._info(source, 0, full=True)

    # -- shutdown ------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Cancel everything, stop every runner and worker process. Idempotent."""
        if self._closed and self._runners == 0 and not self._running:
            await self.backend.aclose()
            return
        self._closed = True
        for scope in list(self._deadline_scopes):
            scope.cancel()
        with anyio.CancelScope(shield=True):
            await self._drain()
            await self.backend.aclose()

    async def use_backend(self, backend: Backend) -> None:
        """Run new jobs on ``backend`` (e.g. a Dask cluster instead of local workers).

        Jobs still queued or running on the current backend are cancelled (running ones
        killed, as at shutdown), then the current backend is closed. Job history stays.
        """
        if self._closed:
            await backend.aclose()
            raise PoolClosed("The job pool is shut down.")
        with anyio.CancelScope(shield=True):
            self._closed = True  # no runner picks a job while the backends change
            try:
                await self._drain()
                old, self.backend = self.backend, backend
                self._capacity = backend.capacity
                self._max_slots = backend.max_slots
                self._free_slots.clear()  # slots are the backend's (its pid board)
                self._slots_made = 0
            finally:
                self._closed = False
            await old.aclose()

    async def _drain(self) -> None:
        for source in list(self._queue):
            self._cancel_source(source)
        self._queue.clear()
        if self.backend.soft_shutdown:
            # Workers that are not ours (a remote cluster): drop our calls, which cancels
            # their futures, and leave the workers running; Kill job stays for the rest.
            for slot in list(self._running):
                scope = self._scopes.get(slot)
                if scope is not None:
                    scope.cancel()
            with anyio.move_on_after(10):
                await self._idle.wait()
            return
        # A job that is not cancellable, or whose worker has not yet noted it on the
        # board, is killed by pid; retry until every runner has finished.
        with anyio.move_on_after(10):
            while not self._idle.is_set() or self._running:
                for source, i in list(self._running.values()):
                    await self.kill(source.first_id + i)
                with anyio.move_on_after(0.05):
                    await self._idle.wait()
