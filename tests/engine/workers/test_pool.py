"""The local job pool with real worker processes: results, every failure mode, recovery."""

from __future__ import annotations

import anyio
import psutil
import pytest

from procdeck.core.jobs import FailureKind, JobSpec, JobSpecError, JobState
from procdeck.engine.workers.local import open_local_pool

from .conftest import SAMPLE, worker_children

pytestmark = pytest.mark.anyio


def spec(name: str, *args, **kwargs) -> JobSpec:
    return JobSpec(f"{SAMPLE}:{name}", args, kwargs)


async def test_result_output_and_worker_pid(pool):
    info = await pool.run(spec("shout", "hi"))
    assert info.state is JobState.DONE
    assert info.result_repr == "'HI'"
    assert pool.result(info.job_id) == "HI"
    assert info.stdout == "out: hi\n"
    assert info.stderr == "err: hi\n"
    assert info.worker_pid in {p.pid for p in worker_children()}
    assert info.duration() is not None and info.duration() >= 0


async def test_keyword_arguments(pool):
    info = await pool.run(spec("add", 2, b=40))
    assert pool.result(info.job_id) == 42
    # A plain silent result comes back alone; the pid is still known (from the board).
    assert info.worker_pid in {p.pid for p in worker_children()}
    assert (info.stdout, info.stderr) == ("", "")


async def test_tuple_results_are_not_mistaken_for_replies(pool):
    info = await pool.run(spec("add", (1, 2), (3,)))
    assert pool.result(info.job_id) == (1, 2, 3)


async def test_exception_has_worker_traceback(pool):
    info = await pool.run(spec("fail", "kaput"))
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.EXCEPTION
    assert info.failure.message == "ValueError: kaput"
    assert "in inner" in info.failure.traceback
    assert "sample_jobs.py" in info.failure.traceback
    assert "trampoline" not in info.failure.traceback


async def test_sys_exit_is_a_failed_job_and_the_worker_survives(pool):
    info = await pool.run(spec("exit_with", 3))
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.EXIT
    assert "sys.exit(3)" in info.failure.message
    assert info.stdout == "about to exit\n"
    after = await pool.run(spec("pid"))
    assert after.state is JobState.DONE
    assert pool.result(after.job_id) == info.worker_pid  # same worker, not broken


async def test_keyboard_interrupt_is_a_failed_job(pool):
    info = await pool.run(spec("interrupt"))
    assert info.failure.kind is FailureKind.INTERRUPT
    assert (await pool.run(spec("add", 1, 1))).state is JobState.DONE


async def test_os_exit_reports_worker_died_with_code_and_pool_recovers(pool):
    info = await pool.run(spec("hard_exit", 7))
    assert info.state is JobState.FAILED
    assert info.failure.kind is FailureKind.WORKER_DIED
    assert info.failure.message == f"worker died (pid {info.worker_pid}, exit code 7)"
    assert (
        not psutil.pid_exists(info.worker_pid)
        or psutil.Process(info.worker_pid).status() == psutil.STATUS_ZOMBIE
    )
    after = await pool.run(spec("add", 2, 3))
    assert after.state is JobState.DONE and pool.result(after.job_id) == 5


@pytest.mark.parametrize("name", ["segfault", "null_deref"])
async def test_segfault_reports_the_signal(pool, name, caplog):
    for _ in range(3):  # the reaping race with asyncio's child watcher goes either way
        info = await pool.run(spec(name))
        assert info.failure.kind is FailureKind.WORKER_DIED
        assert "SIGSEGV" in info.failure.message
    assert (await pool.run(spec("add", 1))).state is JobState.DONE
    assert not [r for r in caplog.records if "Unknown child process" in r.getMessage()]


async def test_unpicklable_result(pool):
    info = await pool.run(spec("unpicklable_result"))
    assert info.failure.kind is FailureKind.BAD_RESULT
    assert "lock" in info.failure.message
    assert (await pool.run(spec("add", 1))).state is JobState.DONE


async def test_unpicklable_exception_still_reports(pool):
    info = await pool.run(spec("raise_unpicklable"))
    assert info.failure.kind is FailureKind.EXCEPTION
    assert "Unpicklable: cannot pickle me" in info.failure.message
    assert "raise_unpicklable" in info.failure.traceback


async def test_unpicklable_argument(pool):
    import threading

    info = await pool.run(spec("add", threading.Lock()))
    assert info.failure.kind is FailureKind.BAD_ARGUMENT
    assert "lock" in info.failure.message
    assert (await pool.run(spec("add", 1))).state is JobState.DONE


async def test_lambda_argument_is_unpicklable(pool):
    info = await pool.run(spec("add", lambda: 1))
    assert info.failure.kind is FailureKind.BAD_ARGUMENT


def test_lambda_and_main_targets_are_refused_before_dispatch():
    with pytest.raises(JobSpecError, match="lambda"):
        JobSpec.for_callable(lambda x: x)

    def local():
        pass

    with pytest.raises(JobSpecError, match="inside another function"):
        JobSpec.for_callable(local)
    with pytest.raises(JobSpecError, match="__main__"):
        JobSpec("__main__:work")


async def test_module_level_lambda_by_path_works(pool):
    info = await pool.run(spec("square", 9))
    assert pool.result(info.job_id) == 81


@pytest.mark.parametrize(
    ("target", "kind", "text"),
    [
        ("no_such_module_xyz:f", FailureKind.IMPORT, "No module named 'no_such_module_xyz'"),
        (f"{SAMPLE}:missing", FailureKind.IMPORT, "has no attribute 'missing'"),
        ("tests.engine.workers.broken_module:f", FailureKind.IMPORT, "broken on purpose"),
        (f"{SAMPLE}:NOT_CALLABLE", FailureKind.NOT_CALLABLE, "is a int, not a function"),
    ],
)
async def test_bad_import_paths(pool, target, kind, text):
    info = await pool.run(JobSpec(target))
    assert info.state is JobState.FAILED
    assert info.failure.kind is kind
    assert text in info.failure.message


async def test_user_task_folder(pool, tmp_path):
    (tmp_path / "my_tasks_mod.py").write_text("def triple(x):\n    return 3 * x\n")
    info = await pool.run(JobSpec("my_tasks_mod:triple", (5,), {}, (str(tmp_path),)))
    assert pool.result(info.job_id) == 15


async def test_map_keeps_input_order_and_counts(pool):
    batch_id = pool.map(spec("add", b=100), range(50))
    info = await pool.wait_batch(batch_id)
    assert (info.total, info.done, info.failed, info.cancelled) == (50, 50, 0, 0)
    rows = pool.results(batch_id)
    assert [r.input for r in rows] == list(range(50))
    assert [r.result for r in rows] == [i + 100 for i in range(50)]


async def test_batch_with_failures_counts_them(pool):
    batch_id = pool.map(spec("add", b=1), [1, "x", 2])
    info = await pool.wait_batch(batch_id)
    assert (info.done, info.failed) == (2, 1)
    assert "TypeError" in pool.results(batch_id)[1].error


async def test_changes_are_coalesced(pool):
    wakes = []
    pool.subscribe(lambda: wakes.append(1))
    pool.take_changes()
    batch_id = pool.map(spec("add", b=1), range(300))
    await pool.wait_batch(batch_id)
    # Nobody took the changes, so the listener was woken once, not 900 times.
    assert len(wakes) == 1
    jobs, batches = pool.take_changes()
    assert len(jobs) == 300 and all(j.state is JobState.DONE for j in jobs)
    assert batches[-1].done == 300


async def test_buffered_print_is_captured_without_pythonunbuffered(monkeypatch, no_leftover_workers):
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    async with open_local_pool(1) as pool:
        info = await pool.run(spec("buffered_print"))
        big = await pool.run(spec("print_lines", 5000))
    assert info.stdout == "partial"
    assert big.stdout.count("\n") == 5000


async def test_max_workers_bounds_concurrency(no_leftover_workers):
    async with open_local_pool(2) as pool:
        batch_id = pool.map(spec("sleep"), [0.3] * 6)
        peak = 0
        while not pool.batch(batch_id).is_complete:
            peak = max(peak, pool.batch(batch_id).running)
            await anyio.sleep(0.01)
        assert peak == 2
        assert len({pool.info(j.job_id).worker_pid for j in pool.jobs()}) == 2
        pool.set_max_workers(1)
        assert pool.settings.max_workers == 1


async def test_workers_view_lists_busy_workers(pool):
    job_id = pool.submit(spec("sleep", 5))
    pid = None
    with anyio.fail_after(20):
        while pid is None:
            pid = pool.info(job_id).worker_pid
            await anyio.sleep(0.02)
    workers = await pool.workers()
    busy = [w for w in workers if w.busy]
    assert [(w.pid, w.job_id) for w in busy] == [(pid, job_id)]
    assert busy[0].rss > 0
    pool.cancel(job_id)
    await pool.wait(job_id)


async def test_changes_can_be_taken_in_slices(pool):
    wakes = []
    pool.subscribe(lambda: wakes.append(1))
    pool.take_changes()
    batch_id = pool.map(spec("add", b=1), range(250))
    pool.cancel_batch(batch_id)
    first, _ = pool.take_changes(limit=100)
    assert [j.index for j in first] == list(range(100))
    assert pool.has_changes
    second, _ = pool.take_changes(limit=100)
    third, batches = pool.take_changes(limit=100)
    assert [j.index for j in second + third] == list(range(100, 250))
    assert not pool.has_changes and batches == []
    pool.submit(spec("add", 1))
    assert len(wakes) == 2  # woken again once everything was taken


async def test_idle_workers_retire(pool):
    pool.backend.retire_idle_after = 0.3
    await pool.wait_batch(pool.map(spec("add", b=1), range(10)))
    assert len(await pool.workers()) == 2
    with anyio.fail_after(20):
        while await pool.workers():
            await anyio.sleep(0.1)
    assert worker_children() == []
    info = await pool.run(spec("add", 1, 1))  # a new worker starts as needed
    assert info.state is JobState.DONE


async def test_the_temporary_files_are_made_on_the_first_job_and_removed_at_close(monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    async with open_local_pool(1) as pool:
        await anyio.sleep(0.05)
        assert list(tmp_path.iterdir()) == []  # a pool that ran no job leaves nothing to clean up
        info = await pool.run(spec("add", 4, 5))
        assert pool.result(info.job_id) == 9
        assert sorted(p.name.startswith("procdeck-workers-") for p in tmp_path.iterdir()) == [True, True]
    assert list(tmp_path.iterdir()) == []
