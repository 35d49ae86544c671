"""Cancelling jobs: running workers killed within a second, queued jobs never start."""

from __future__ import annotations

import time

import anyio
import psutil
import pytest

from procdeck.core.jobs import JobSpec, JobState
from procdeck.engine.workers.local import open_local_pool

from .conftest import SAMPLE, worker_children

pytestmark = pytest.mark.anyio


def spec(name: str, *args) -> JobSpec:
    return JobSpec(f"{SAMPLE}:{name}", args)


async def started_pid(pool, job_id: int) -> int:
    with anyio.fail_after(20):
        while (pid := pool.info(job_id).worker_pid) is None:
            await anyio.sleep(0.01)
    return pid


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_cancel_running_job_kills_its_worker_within_a_second(pool):
    job_id = pool.submit(spec("sleep", 30))
    pid = await started_pid(pool, job_id)
    t0 = time.monotonic()
    assert pool.cancel(job_id) is True
    info = await pool.wait(job_id)
    while not gone(pid) and time.monotonic() - t0 < 5:
        await anyio.sleep(0.01)
    assert time.monotonic() - t0 < 1.0
    assert gone(pid)
    assert info.state is JobState.CANCELLED and info.worker_pid == pid
    after = await pool.run(spec("pid"))  # the pool replaces the worker
    assert after.state is JobState.DONE and pool.result(after.job_id) != pid


async def test_cancel_queued_job_never_starts(pool, tmp_path):
    marker = tmp_path / "ran.txt"
    blockers = [pool.submit(spec("sleep", 30)) for _ in range(2)]
    queued = pool.submit(spec("write_marker", str(marker)))
    assert pool.cancel(queued) is True
    assert pool.info(queued).state is JobState.CANCELLED
    for job_id in blockers:
        pool.cancel(job_id)
    after = await pool.run(spec("add", 1))
    assert after.state is JobState.DONE
    assert not marker.exists()


async def test_cancel_batch_stops_running_and_queued(pool, tmp_path):
    marker = tmp_path / "ran.txt"
    batch_id = pool.map(spec("write_marker"), [str(marker)] * 2 + [str(marker)] * 50)
    other = pool.submit(spec("add", 1, 2))
    # Wait for the first jobs to start, then cancel the whole batch.
    with anyio.fail_after(20):
        while pool.batch(batch_id).finished < 2:
            await anyio.sleep(0.001)
    cancelled = pool.cancel_batch(batch_id)
    info = await pool.wait_batch(batch_id)
    ran = len(marker.read_text().splitlines())
    # A job killed while running may already have written its line.
    assert info.done <= ran <= info.done + 2
    assert info.done + info.cancelled == 52
    # A running job whose result was already on its way completes despite the cancel.
    assert info.cancelled <= cancelled <= info.cancelled + 2
    assert (await pool.wait(other)).state is JobState.DONE  # other work is untouched
    await anyio.sleep(0.2)
    assert len(marker.read_text().splitlines()) == ran  # nothing started after cancel


async def test_cancel_all(pool, tmp_path):
    marker = tmp_path / "ran.txt"
    running = [pool.submit(spec("sleep", 30)) for _ in range(2)]
    for job_id in running:
        await started_pid(pool, job_id)
    batch_id = pool.map(spec("write_marker"), [str(marker)] * 20)
    t0 = time.monotonic()
    assert pool.cancel_all() == 22
    await pool.wait_batch(batch_id)
    for job_id in running:
        assert (await pool.wait(job_id)).state is JobState.CANCELLED
    assert time.monotonic() - t0 < 5
    assert not marker.exists()


async def test_not_cancellable_job_runs_to_completion_unless_killed(no_leftover_workers):
    async with open_local_pool(1, cancellable=False) as pool:
        job_id = pool.submit(spec("sleep", 0.5))
        await started_pid(pool, job_id)
        assert pool.cancel(job_id) is False
        info = await pool.wait(job_id)
        assert info.state is JobState.DONE and info.cancel_requested

        job_id = pool.submit(spec("sleep", 30))
        pid = await started_pid(pool, job_id)
        assert await pool.kill(job_id) is True
        info = await pool.wait(job_id)
        assert info.state is JobState.FAILED and "worker died" in info.failure.message
        assert "SIGKILL" in info.failure.message
        assert gone(pid)


async def test_shutdown_cancels_running_jobs_and_leaves_no_worker(no_leftover_workers):
    for cancellable in (True, False):
        async with open_local_pool(2, cancellable=cancellable) as pool:
            jobs = [pool.submit(spec("sleep", 30)) for _ in range(3)]
            await started_pid(pool, jobs[0])
            t0 = time.monotonic()
        assert time.monotonic() - t0 < 5
        assert [pool.info(j).state for j in jobs] == [JobState.CANCELLED] * 3 or all(
            pool.info(j).state.is_final for j in jobs
        )
        assert worker_children() == []


async def test_dispatch_after_shutdown_is_refused(no_leftover_workers):
    from procdeck.engine.workers.pool import PoolClosed

    async with open_local_pool(1) as pool:
        pass
    with pytest.raises(PoolClosed):
        pool.submit(spec("add", 1))


async def test_cancel_from_outside_the_pool_task_group(no_leftover_workers):
    """Cancelling the task group that owns the pool (app quit) kills running workers."""
    pids = []
    with anyio.move_on_after(30):
        async with anyio.create_task_group() as outer:

            async def run():
                async with open_local_pool(2) as pool:
                    job_id = pool.submit(spec("sleep", 30))
                    pids.append(await started_pid(pool, job_id))
                    outer.cancel_scope.cancel()
                    await anyio.sleep(30)

            outer.start_soon(run)
    assert pids and gone(pids[0])


class _GatedBackend:
    """Runs nothing: each call waits for the test to release it."""

    name = "gated"
    label = "the gated backend"
    max_slots = 4
    capacity = 1
    state = None
    enforces_timeout = enforces_memory_limit = soft_shutdown = False

    def __init__(self) -> None:
        self.gates: list[anyio.Event] = []

    def set_capacity(self, n: int) -> None:
        pass

    def can_interrupt(self, cancellable: bool) -> bool:
        return cancellable

    async def run(self, target, args, kwargs, extra_path, slot, job_id, cancellable):
        from procdeck.engine.workers.backend import CallOutcome

        gate = anyio.Event()
        self.gates.append(gate)
        await gate.wait()
        return CallOutcome(args, None, "", "", 1)

    def running_pid(self, slot, job_id):
        return None

    def live_pids(self) -> list[int]:
        return []

    def subscribe_state(self, listener):
        return lambda: None

    async def aclose(self) -> None:
        pass


async def test_a_late_cancel_never_hits_the_next_job():
    """A cancel that lands after the job's result arrived must not cancel the next job."""
    from procdeck.engine.workers.pool import JobPool

    backend = _GatedBackend()
    async with anyio.create_task_group() as tg:
        pool = JobPool(tg, backend)
        first = pool.submit(spec("add", 1))
        second = pool.submit(spec("add", 2))
        with anyio.fail_after(5):
            while not backend.gates:
                await anyio.sleep(0)
        backend.gates[0].set()  # the result is on its way...
        pool.cancel(first)  # ...when the cancel comes
        with anyio.fail_after(5):
            while len(backend.gates) < 2 and pool.info(second).state is JobState.QUEUED:
                await anyio.sleep(0)
        assert pool.info(first).state is JobState.DONE  # it had finished
        assert pool.info(second).state is JobState.RUNNING
        backend.gates[1].set()
        assert (await pool.wait(second)).state is JobState.DONE
        await pool.shutdown()
