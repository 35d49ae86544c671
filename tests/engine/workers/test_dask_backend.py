"""The Dask backend behind the same job pool: real LocalCluster worker processes.

Skipped when the optional extra is not installed. A LocalCluster costs a few seconds of
this machine's two cores, so most tests share one cluster (module-scoped pool); tests
that kill workers wait for the nanny to bring the cluster back to full strength.
"""

from __future__ import annotations

import os
import signal
import socket

import anyio
import psutil
import pytest

pytest.importorskip("distributed")

from distributed import Scheduler, Worker

from procdeck.core.cluster_state import (
    BackendChoice,
    ClusterStatus,
    ClusterWorkerInfo,
)
from procdeck.core.jobs import FailureKind, JobSpec, JobState
from procdeck.engine.workers.dask_backend import DaskBackend, open_dask_pool
from procdeck.engine.workers.pool import JobPool

from ..conftest import alive
from .conftest import SAMPLE

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TIMEOUT = 60  # generous: two cores shared with other work


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module", autouse=True)
def stop_resource_tracker():
    """Spawned worker processes start multiprocessing's resource tracker, one helper per
    parent process that lives until the parent exits. Stop it after this module so later
    tests that count this process's children do not see it (it restarts on demand)."""
    yield
    from multiprocessing import resource_tracker

    stop = getattr(resource_tracker._resource_tracker, "_stop", None)  # private, 3.8+
    if stop is not None:
        stop()


def spec(name: str, *args, **kwargs) -> JobSpec:
    return JobSpec(f"{SAMPLE}:{name}", args, kwargs)


def children() -> set[int]:
    """Live child processes, except multiprocessing's resource tracker: one per app
    process, started by the first spawned worker, it exits with the app (by design)."""
    found = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if alive(proc.pid) and "resource_tracker" not in " ".join(proc.cmdline()):
                found.add(proc.pid)
        except psutil.NoSuchProcess:
            pass
    return found


async def wait_for(predicate, timeout: float = TIMEOUT, interval: float = 0.05):
    with anyio.fail_after(timeout):
        while not (result := predicate()):
            await anyio.sleep(interval)
    return result


async def full_strength(pool: JobPool, n: int = 2) -> None:
    """n workers connected, each with a live process (a killed one has been replaced)."""
    connection = pool.backend.connection

    def ready() -> bool:
        pids = connection.pids
        return (
            connection.state.status is ClusterStatus.CONNECTED
            and connection.state.workers == n
            and len(pids) == n
            and all(alive(p) for p in pids.values())
        )

    await wait_for(ready)


@pytest.fixture(scope="module")
async def dask_pool():
    before = children()
    async with open_dask_pool(BackendChoice.dask_local_cluster(2), poll_s=0.25) as pool:
        await full_strength(pool)
        yield pool
    # Clean shutdown: no worker process of the cluster is left.
    try:
        await wait_for(lambda: not (children() - before), 30)
    except TimeoutError:
        left = [psutil.Process(p).cmdline() for p in children() - before]
        raise AssertionError(f"left running: {left}") from None


@pytest.fixture
async def pool(dask_pool):
    await full_strength(dask_pool)
    yield dask_pool
    dask_pool.cancel_all()
    for job in dask_pool.jobs():
        if job.state is JobState.RUNNING:
            await dask_pool.kill(job.job_id)


async def started_pid(pool: JobPool, job_id: int) -> int:
    return await wait_for(lambda: pool.info(job_id).worker_pid)


async def test_dispatch_result_prints_and_worker_pid(pool):
    info = await pool.run(spec("shout", "hi"))
    assert info.state is JobState.DONE, info.failure
    assert pool.result(info.job_id) == "HI"
    assert info.stdout == "out: hi\n"
    assert info.stderr == "err: hi\n"
    assert info.worker_pid in set(pool.backend.connection.pids.values())
    assert info.worker_pid in children()


async def test_failure_carries_the_remote_traceback(pool):
    info = await pool.run(spec("fail", "kaput"))
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.EXCEPTION
    assert info.failure.message == "ValueError: kaput"
    assert "in inner" in info.failure.traceback and "sample_jobs.py" in info.failure.traceback
    missing = await pool.run(JobSpec("no_such_module_here:f"))
    assert missing.failure.kind is FailureKind.IMPORT
    assert "no_such_module_here" in missing.failure.message


async def test_rich_and_unpicklable_results(pool):
    info = await pool.run(spec("add", [1], [2]))
    assert info.state is JobState.DONE and pool.result(info.job_id) == [1, 2]
    raw = await pool.run(spec("add", b"ab", b"cd"))  # bytes stay bytes, not unpickled
    assert pool.result(raw.job_id) == b"abcd"
    bad = await pool.run(spec("unpicklable_result"))
    assert bad.state is JobState.FAILED
    assert bad.failure.kind is FailureKind.BAD_RESULT


async def test_unpicklable_argument_is_a_clear_failure(pool):
    import threading

    info = await pool.run(spec("add", threading.Lock()))
    assert info.state is JobState.FAILED
    assert info.failure.kind in (FailureKind.BAD_ARGUMENT, FailureKind.INTERNAL)
    assert "lock" in info.failure.message.lower()
    assert (await pool.run(spec("add", 1, 2))).state is JobState.DONE


async def test_batch_through_the_job_pool(pool):
    batch_id = pool.map(spec("add", 100), range(12))
    with anyio.fail_after(TIMEOUT):
        batch = await pool.wait_batch(batch_id)
    assert (batch.done, batch.failed, batch.total) == (12, 0, 12)
    assert [r.result for r in pool.results(batch_id)] == [i + 100 for i in range(12)]


async def test_workers_report_scheduler_metrics(pool):
    job_id = pool.submit(spec("sleep", 2))
    pid = await started_pid(pool, job_id)
    workers = await pool.workers()
    assert len(workers) == 2
    assert all(isinstance(w, ClusterWorkerInfo) for w in workers)
    assert all(w.address.startswith("tls://") and w.rss > 0 and w.local for w in workers)
    assert {w.pid for w in workers} == set(pool.backend.connection.pids.values())
    busy = [w for w in workers if w.busy]
    assert [(w.pid, w.job_id) for w in busy] == [(pid, job_id)]
    # For the sampler: local worker pids with labels naming the Dask worker.
    labelled = pool.backend.worker_pids()
    assert {p for _, p in labelled} == {w.pid for w in workers}
    assert sorted(pool.backend.live_pids()) == sorted(w.pid for w in workers)
    assert all(label.startswith("dask ") and "tls://127.0.0.1:" in label for label, _ in labelled)
    await pool.wait(job_id)


async def test_cancel_queued_never_starts_and_running_is_honest(pool, tmp_path):
    blockers = [pool.submit(spec("sleep", 60)) for _ in range(2)]
    for job_id in blockers:
        await started_pid(pool, job_id)
    marker = tmp_path / "ran"
    queued = pool.submit(spec("write_marker", str(marker)))
    assert pool.info(queued).state is JobState.QUEUED
    assert pool.cancel(queued) is True
    # Dask cannot interrupt a running task: Cancel says so and the job keeps running.
    assert pool.backend.can_interrupt(True) is False
    assert pool.cancel(blockers[0]) is False
    assert pool.info(blockers[0]).state is JobState.RUNNING
    assert pool.info(blockers[0]).cancel_requested
    for job_id in blockers:
        assert await pool.kill(job_id) is True
    await full_strength(pool)
    assert (await pool.run(spec("add", 1, 1))).state is JobState.DONE
    assert pool.info(queued).state is JobState.CANCELLED
    assert not marker.exists()


async def test_hard_cancel_restarts_the_worker(pool):
    job_id = pool.submit(spec("sleep", 60))
    pid = await started_pid(pool, job_id)
    assert await pool.kill(job_id) is True
    with anyio.fail_after(TIMEOUT):
        info = await pool.wait(job_id)
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.WORKER_DIED
    assert "Killed on request" in info.failure.message
    await wait_for(lambda: not alive(pid))
    await full_strength(pool)
    after = await pool.run(spec("pid"))
    assert after.state is JobState.DONE and pool.result(after.job_id) != pid


async def test_timeout_takes_the_task_stack_then_restarts_its_worker(pool):
    job_id = pool.submit(JobSpec(f"{SAMPLE}:spin_forever_here", timeout=2.0))
    pid = await started_pid(pool, job_id)
    shown = await pool.dump_stacks(job_id)  # Show stacks: the job keeps running
    assert "spin_forever_here" in shown
    assert pool.info(job_id).state is JobState.RUNNING
    with anyio.fail_after(TIMEOUT):
        info = await pool.wait(job_id)
    assert info.failure.kind is FailureKind.TIMEOUT
    assert info.failure.message.startswith("timed out after 2 s")
    assert "spin_forever_here" in info.failure.traceback
    await wait_for(lambda: not alive(pid))
    await full_strength(pool)


async def test_memory_limits_are_not_enforceable_on_dask(pool):
    assert pool.settings.enforces_timeout is True
    assert pool.settings.enforces_memory_limit is False


async def test_lost_worker_fails_its_job_clearly(pool):
    states = []
    unsubscribe = pool.backend.subscribe_state(states.append)
    job_id = pool.submit(spec("sleep", 60))
    pid = await started_pid(pool, job_id)
    os.kill(pid, signal.SIGKILL)  # the worker dies under the job
    with anyio.fail_after(TIMEOUT):
        info = await pool.wait(job_id)
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.WORKER_DIED
    assert "was lost" in info.failure.message and str(pid) in info.failure.message
    state = pool.backend.state
    assert state.status is ClusterStatus.CONNECTED  # the cluster itself is fine
    await full_strength(pool)
    # Leaving and joining are published as states with a message (the join event may
    # arrive just after the poll has seen the new worker).
    await wait_for(lambda: any(s.message.endswith("joined.") for s in states))
    unsubscribe()
    messages = [s.message for s in states]
    assert any(m.startswith("Worker tls://") and m.endswith("was lost.") for m in messages)
    assert (await pool.run(spec("add", 2, 3))).state is JobState.DONE


async def test_a_job_that_kills_its_worker(pool):
    info = await pool.run(spec("hard_exit", 7))
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.WORKER_DIED
    assert "was lost" in info.failure.message
    await full_strength(pool)
    assert (await pool.run(spec("add", 1, 1))).state is JobState.DONE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_unreachable_scheduler_is_a_state_not_a_traceback():
    choice = BackendChoice.dask_scheduler(f"tcp://127.0.0.1:{free_port()}")
    states = []
    async with open_dask_pool(choice, connect_timeout=1, retry_s=0.5) as pool:
        pool.backend.subscribe_state(states.append)
        state = await pool.backend.connection.wait_settled(TIMEOUT)
        assert state.status is ClusterStatus.FAILED
        assert state.message and "Retrying" in state.message
        info = await pool.run(spec("add", 1))
        assert info.state is JobState.FAILED
        assert info.failure.message.startswith("Not sent to Dask")
        assert "127.0.0.1" in info.failure.message
    assert pool.backend.state.status is ClusterStatus.CLOSED
    assert states[-1].status is ClusterStatus.CLOSED


async def test_scheduler_going_away_and_coming_back():
    """In-process scheduler and thread worker: lose the scheduler, then bring it back."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"

    async def start_cluster():
        scheduler = await Scheduler(
            host="127.0.0.1", port=port, dashboard=False, dashboard_address="127.0.0.1:0"
        )
        worker = await Worker(address, nthreads=1)
        return scheduler, worker

    scheduler, worker = await start_cluster()
    async with anyio.create_task_group() as tg:
        backend = await DaskBackend.start(
            BackendChoice.dask_scheduler(address), tg, connect_timeout=2, poll_s=0.2, retry_s=0.3
        )
        pool = JobPool(tg, backend)
        try:
            await backend.connection.wait_for(
                lambda s: s.status is ClusterStatus.CONNECTED and s.workers == 1, TIMEOUT
            )
            assert (await pool.run(spec("add", 1, 2))).state is JobState.DONE
            running = pool.submit(spec("sleep", 3))
            await wait_for(lambda: pool.info(running).state is JobState.RUNNING)
            await worker.close()
            await scheduler.close()
            state = await backend.connection.wait_for(
                lambda s: s.status is ClusterStatus.RECONNECTING, TIMEOUT
            )
            assert state.describe().startswith("Dask: lost tcp://127.0.0.1")
            with anyio.fail_after(TIMEOUT):
                info = await pool.wait(running)
            assert info.state is JobState.FAILED
            assert info.failure.kind is FailureKind.WORKER_DIED
            scheduler, worker = await start_cluster()
            await backend.connection.wait_for(
                lambda s: s.status is ClusterStatus.CONNECTED and s.workers == 1, TIMEOUT
            )
            again = await pool.run(spec("add", 20, 22))
            assert again.state is JobState.DONE and pool.result(again.job_id) == 42

            # Away longer than the Client's own reconnect window (connect_timeout): the
            # Client closes itself, and the backend goes on with fresh Clients.
            await worker.close()
            await scheduler.close()
            await wait_for(lambda: backend.connection.client is None)
            assert backend.state.status is ClusterStatus.RECONNECTING
            down = await pool.run(spec("add", 1, 1))
            assert down.state is JobState.FAILED
            assert down.failure.message.startswith("Not sent to Dask: Dask: lost tcp://")
            scheduler, worker = await start_cluster()
            await backend.connection.wait_for(
                lambda s: s.status is ClusterStatus.CONNECTED and s.workers == 1, TIMEOUT
            )
            assert (await pool.run(spec("add", 2, 2))).state is JobState.DONE
        finally:
            await pool.shutdown()
            await worker.close()
            await scheduler.close()


async def test_clean_shutdown_leaves_no_process():
    before = children()
    async with open_dask_pool(BackendChoice.dask_local_cluster(1)) as pool:
        await full_strength(pool, 1)
        job_id = pool.submit(spec("sleep", 60))
        pid = await started_pid(pool, job_id)
        assert pid in children()
    assert pool.info(job_id).state in (JobState.CANCELLED, JobState.FAILED)
    await wait_for(lambda: not (children() - before), 30)


def test_runs_on_procdecks_qt_event_loop(qt_run):
    async def main():
        async with open_dask_pool(BackendChoice.dask_local_cluster(1)) as pool:
            info = await pool.run(spec("shout", "qt"))
            return info, pool.backend.state

    info, state = qt_run(main)
    assert info.state is JobState.DONE, info.failure
    assert info.stdout == "out: qt\n"
    assert state.status is ClusterStatus.CONNECTED


async def test_remote_scheduler_lost_worker_and_hard_cancel():
    """A scheduler reached by address (not our LocalCluster), with a worker under a nanny:
    a lost worker is seen through scheduler events, and the hard cancel goes through
    ``Client.restart_workers``."""
    from distributed import Nanny

    before = children()
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = await Scheduler(host="127.0.0.1", port=port, dashboard=False, dashboard_address="127.0.0.1:0")
    nanny = await Nanny(address, nthreads=1)
    try:
        async with anyio.create_task_group() as tg:
            backend = await DaskBackend.start(BackendChoice.dask_scheduler(address), tg, poll_s=0.2)
            pool = JobPool(tg, backend)
            try:
                connection = backend.connection

                def one_worker() -> bool:
                    pids = connection.pids
                    return (
                        connection.state.workers == 1
                        and len(pids) == 1
                        and all(alive(p) for p in pids.values())
                    )

                await wait_for(one_worker)
                job_id = pool.submit(spec("sleep", 60))
                pid = await started_pid(pool, job_id)  # learnt from the scheduler, not a board
                assert pid == nanny.process.process.pid
                os.kill(pid, signal.SIGKILL)
                with anyio.fail_after(TIMEOUT):
                    info = await pool.wait(job_id)
                assert info.failure.kind is FailureKind.WORKER_DIED
                assert "was lost" in info.failure.message

                await wait_for(lambda: one_worker() and pid not in connection.pids.values())
                job_id = pool.submit(spec("sleep", 60))
                pid = await started_pid(pool, job_id)
                assert pool.cancel(job_id) is False  # honest: Dask cannot interrupt it
                assert await pool.kill(job_id) is True
                with anyio.fail_after(TIMEOUT):
                    info = await pool.wait(job_id)
                assert info.failure.kind is FailureKind.WORKER_DIED
                assert "Killed on request" in info.failure.message
                assert "restarted" in info.failure.message
                await wait_for(lambda: one_worker() and pid not in connection.pids.values())
                assert (await pool.run(spec("add", 5, 5))).state is JobState.DONE
            finally:
                await pool.shutdown()
    finally:
        await nanny.close()
        await scheduler.close()
    await wait_for(lambda: not (children() - before), 30)


async def test_quitting_leaves_remote_workers_running():
    """A remote cluster's workers are not ours: shutting the pool down cancels our
    futures and leaves the worker (and its running task's process) alive."""
    from distributed import Nanny

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = await Scheduler(host="127.0.0.1", port=port, dashboard=False, dashboard_address="127.0.0.1:0")
    nanny = await Nanny(address, nthreads=1)
    try:
        async with anyio.create_task_group() as tg:
            backend = await DaskBackend.start(BackendChoice.dask_scheduler(address), tg, poll_s=0.2)
            pool = JobPool(tg, backend)
            assert backend.soft_shutdown is True
            await wait_for(lambda: len(backend.connection.pids) == 1)
            job_id = pool.submit(spec("sleep", 3))
            pid = await started_pid(pool, job_id)
            with anyio.fail_after(TIMEOUT):
                await pool.shutdown()
            assert pool.info(job_id).state is JobState.CANCELLED
            assert alive(pid) and nanny.process.process.pid == pid  # not restarted
    finally:
        await nanny.close()
        await scheduler.close()


async def test_tls_files_that_do_not_exist_are_a_state(tmp_path):
    from procdeck.core.cluster_state import DaskSecurity

    choice = BackendChoice.dask_scheduler(
        "tls://127.0.0.1:1", DaskSecurity(str(tmp_path / "missing-ca.pem"), str(tmp_path / "me.pem"))
    )
    async with open_dask_pool(choice, connect_timeout=1, retry_s=30) as pool:
        state = await pool.backend.connection.wait_settled(TIMEOUT)
        assert state.status is ClusterStatus.FAILED
        assert f"TLS CA file not found: {tmp_path / 'missing-ca.pem'}" in state.message


async def test_the_local_cluster_refuses_clients_without_its_credentials(pool, tmp_path):
    """Another local program cannot use Procdeck's cluster to run code as the user."""
    import subprocess
    import sys

    address = pool.backend.connection.cluster.scheduler_address
    assert address.startswith("tls://127.0.0.1:")
    marker = tmp_path / "ran"
    attacker = (
        "import pathlib, sys\n"
        "from distributed import Client\n"
        "client = Client(sys.argv[1], timeout=5)\n"
        "client.run_on_scheduler(lambda: pathlib.Path(sys.argv[2]).write_text('x'))\n"
    )
    for target in (address, address.replace("tls://", "tcp://")):
        result = await anyio.to_thread.run_sync(
            lambda t=target: subprocess.run(
                [sys.executable, "-c", attacker, t, str(marker)], capture_output=True, text=True, timeout=120
            )
        )
        assert result.returncode != 0
        assert "Traceback" in result.stderr  # refused: the connection failed
        assert not marker.exists()


async def test_kill_job_never_signals_a_pid_procdeck_did_not_start(pool):
    connection = pool.backend.connection
    address = next(iter(connection.pids))
    real = connection.pids[address]
    stranger = os.getppid()  # not a descendant of this process
    connection.pids[address] = stranger
    try:
        assert connection.kill_local_worker(address) is False
        assert alive(stranger) and alive(real)
    finally:
        connection.pids[address] = real
