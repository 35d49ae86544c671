"""The jobs bridge coalesces pool changes at UI rate and carries commands to the pool."""

from __future__ import annotations

import anyio

from procdeck.bridge.jobs_bridge import JobsBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.jobs import DispatchMode, JobState, build_request
from procdeck.engine.workers.local import open_local_pool
from tests.engine.workers.conftest import SAMPLE, wait_no_workers


async def until(predicate, timeout=20.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


def test_a_big_batch_is_a_few_coalesced_updates(qt_run, qapp):
    emits: list[int] = []
    final: dict[int, JobState] = {}

    async def scenario():
        async with open_local_pool(2) as pool:
            bridge = JobsBridge(pool, TaskSpawner(pool.task_group))

            def on_jobs(infos):
                emits.append(len(infos))
                final.update((i.job_id, i.state) for i in infos)

            bridge.jobsChanged.connect(on_jobs)
            bridge.dispatch(build_request(f"{SAMPLE}:add", "{'b': 1}", DispatchMode.MAP, "range(3000)"))
            await until(lambda: len(final) == 3000 and all(s is JobState.DONE for s in final.values()))
            bridge.close()

    qt_run(scenario)
    # Three state changes per job (queued, running, done) arrive in a few dozen emits.
    assert sum(emits) < 3 * 3000
    assert len(emits) < 300
    assert wait_no_workers() == []


def test_commands_reach_the_pool(qt_run, qapp):
    settings_seen = []
    rejected = []
    failed = []

    async def scenario():
        async with open_local_pool(2) as pool:
            bridge = JobsBridge(pool, TaskSpawner(pool.task_group))
            bridge.settingsChanged.connect(settings_seen.append)
            bridge.rejected.connect(rejected.append)
            bridge.failed.connect(failed.append)
            bridge.set_max_workers(1)
            bridge.set_cancellable(False)
            assert pool.settings.max_workers == 1 and not pool.settings.cancellable
            bridge.dispatch(build_request(f"{SAMPLE}:sleep", "[30]"))
            await until(lambda: pool.batches() == [] and pool.jobs()[0].worker_pid is not None)
            job_id = pool.jobs()[0].job_id
            bridge.cancel_job(job_id)  # not cancellable: says so
            assert failed and "not cancellable" in failed[0]
            bridge.dispatch(
                build_request(f"{SAMPLE}:add", "", DispatchMode.MAP, "", inputs_file="/no/such/file")
            )
            await until(lambda: rejected != [])
            assert "does not exist" in rejected[0]
            details = []
            bridge.jobDetails.connect(details.append)
            bridge.request_details(job_id)
            assert details[0].job_id == job_id
            bridge.close()

    qt_run(scenario)
    assert [s.max_workers for s in settings_seen] == [1, 1]
    assert wait_no_workers() == []


def test_worker_polling_rests_with_no_workers_and_resumes_on_dispatch(qt_run, qapp):
    seen: list[list] = []

    async def scenario():
        async with open_local_pool(1) as pool:
            bridge = JobsBridge(pool, TaskSpawner(pool.task_group))
            bridge.workersChanged.connect(seen.append)
            # No workers, no jobs: one look, then no more polling.
            await until(lambda: seen and not bridge._workers_timer.isActive())
            bridge.dispatch(build_request(f"{SAMPLE}:add", "[1, 2]"))
            assert bridge._workers_timer.isActive()
            await until(lambda: any(workers for workers in seen))  # the new worker is seen
            bridge.close()

    qt_run(scenario)
    assert wait_no_workers() == []
