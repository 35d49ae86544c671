"""Timeouts with a stack dump, memory limits, a SIGKILL Procdeck did not send, and the
peak RSS and CPU time of every job, on real local workers."""

from __future__ import annotations

import dataclasses

import anyio
import psutil
import pytest

from procdeck.core.jobs import FailureKind, JobSpec, JobState
from procdeck.engine.workers.local import open_local_pool

from .conftest import SAMPLE, worker_children

pytestmark = pytest.mark.anyio


def spec(name: str, *args, **limits) -> JobSpec:
    return JobSpec(f"{SAMPLE}:{name}", args, **limits)


async def test_timeout_dumps_the_stack_then_stops_the_job(pool):
    with anyio.fail_after(30):
        info = await pool.run(spec("spin_forever_here", timeout=1.0))
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.TIMEOUT
    assert info.failure.message.startswith("timed out after 1 s")
    assert "in spin_forever_here" in info.failure.traceback
    assert not psutil.pid_exists(info.worker_pid) or psutil.Process(info.worker_pid).status() == "zombie"
    # The pool carries on with a fresh worker.
    after = await pool.run(spec("add", 1, 1))
    assert after.state is JobState.DONE and after.worker_pid != info.worker_pid


async def test_a_job_within_its_timeout_is_untouched(pool):
    info = await pool.run(spec("add", 2, 3, timeout=30.0))
    assert info.state is JobState.DONE and pool.result(info.job_id) == 5


async def test_show_stacks_does_not_stop_the_job(pool):
    job_id = pool.submit(spec("spin_with_a_thread", 3.0))
    with anyio.fail_after(30):
        while not pool.info(job_id).worker_pid:
            await anyio.sleep(0.05)
        # The first dump may catch the worker still importing the job's module.
        stacks = await pool.dump_stacks(job_id)
        while "in helper_thread_waits" not in stacks:
            await anyio.sleep(0.1)
            stacks = await pool.dump_stacks(job_id)
        info = await pool.wait(job_id)
    assert "in spin_with_a_thread" in stacks
    assert "in helper_thread_waits" in stacks  # every thread
    assert info.state is JobState.DONE and pool.result(job_id) == "finished"
    assert await pool.dump_stacks(job_id) == ""  # finished: nothing to dump


async def test_batch_timeout_fails_what_is_left(no_leftover_workers):
    async with open_local_pool(1) as pool:
        batch = pool.map(spec("sleep", batch_timeout=1.5), [0.1, 30, 30])
        with anyio.fail_after(30):
            await pool.wait_batch(batch)
        infos = [pool.info(j.job_id) for j in pool.jobs()]
    assert [i.state for i in infos] == [JobState.DONE, JobState.FAILED, JobState.FAILED]
    assert infos[1].failure.kind is FailureKind.TIMEOUT
    assert infos[1].failure.message.startswith("the batch timed out after 1.5 s")
    assert "in sleep" in infos[1].failure.traceback
    assert infos[2].failure.message == "not started: the batch timed out after 1.5 s"


async def test_memory_limit_stops_a_job_that_touches_too_much(pool):
    with anyio.fail_after(60):
        info = await pool.run(spec("touch_memory", 3072, memory_limit=200 << 20))
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.MEMORY
    assert "memory limit of 200 MiB" in info.failure.message
    assert info.failure.traceback == ""
    after = await pool.run(spec("touch_memory", 10, memory_limit=200 << 20))
    assert after.state is JobState.DONE


async def test_address_space_cap_stops_memory_that_is_never_touched(pool):
    """Zeroed pieces that are never written barely count as RSS: the worker's own cap on
    its address space stops the job with a MemoryError, which reads as a memory failure."""
    with anyio.fail_after(60):
        info = await pool.run(spec("reserve_memory", 8192, memory_limit=200 << 20))
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.MEMORY
    assert "an allocation failed in " in info.failure.message
    assert "(sample_jobs.py:" in info.failure.message
    assert "peak RSS" in info.failure.message
    # The worker survived and its cap was lifted: a big job runs on the same worker.
    after = await pool.run(spec("reserve_memory", 400))
    assert after.state is JobState.DONE and after.worker_pid == info.worker_pid


async def test_pool_wide_memory_limit_applies_unless_the_job_names_its_own(pool):
    pool.set_memory_limit(150 << 20)
    assert pool.settings.memory_limit == 150 << 20
    limited = await pool.run(spec("touch_memory", 400))
    assert limited.failure is not None and limited.failure.kind is FailureKind.MEMORY
    own = await pool.run(spec("touch_memory", 200, memory_limit=1 << 30))
    assert own.state is JobState.DONE
    pool.set_memory_limit(None)


async def test_a_sigkill_procdeck_did_not_send_is_reported_as_such(pool):
    info = await pool.run(spec("kill_myself"))
    assert info.state is JobState.FAILED
    assert "killed by SIGKILL" in info.failure.message
    assert "not sent by Procdeck" in info.failure.message


async def test_a_kill_procdeck_sent_is_not_blamed_on_others(pool):
    job_id = pool.submit(dataclasses.replace(spec("sleep", 30)))
    with anyio.fail_after(30):
        while not pool.info(job_id).worker_pid:
            await anyio.sleep(0.05)
        assert await pool.backend.kill_running(0, job_id)
        info = await pool.wait(job_id)
    assert "killed by SIGKILL" in info.failure.message
    assert "not sent by Procdeck" not in info.failure.message


async def test_peak_rss_and_cpu_time_of_each_job(pool):
    small = await pool.run(spec("add", 1, 2))
    big = await pool.run(spec("touch_memory", 120))
    busy = await pool.run(spec("burn_cpu", 0.3))
    assert small.peak_rss and small.peak_rss < 100 << 20
    assert big.peak_rss >= 120 << 20
    assert busy.cpu_time >= 0.29
    assert small.cpu_time is not None and small.cpu_time < 0.1
    # The peak is per job: a small job after the big one on the same worker reads small.
    again = await pool.run(spec("burn_cpu", 0.05))
    if again.worker_pid == big.worker_pid:
        assert again.peak_rss < big.peak_rss
    assert worker_children()
