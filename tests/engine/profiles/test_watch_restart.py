"""Restart on file change with real files and real children: debounce, globs, excludes,
dependents, and a clear message for a path that does not exist."""

from __future__ import annotations

import threading

import anyio
import pytest

from procdeck.core.probes import WatchSpec
from procdeck.core.profile import Profile, StartAfter, StartCondition
from procdeck.core.run_state import RunState
from procdeck.engine.profiles.launcher import ProfileLauncher
from procdeck.engine.profiles.watch_restart import WatchError, _glob_match, watch_for_changes
from tests.engine.conftest import py, wait_for

pytestmark = pytest.mark.anyio

SLEEP = py("import time; print('up', flush=True); time.sleep(30)")


async def _running(engine, run_id: int) -> int:
    await wait_for(lambda: engine.processes.info(run_id).state is RunState.RUNNING, timeout=20)
    return engine.processes.info(run_id).pid


async def test_a_burst_of_changes_is_one_restart_and_excludes_are_ignored(engine, tmp_path):
    src = tmp_path / "src"
    (src / "deep").mkdir(parents=True)  # before the watch: inotify adds new folders with a delay
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    watch = WatchSpec(paths=("src/**/*.py",), excludes=("*_test.py",), debounce_s=0.3)
    run_id = launcher.launch(Profile("app", SLEEP, cwd=str(tmp_path), watch=watch))
    first_pid = await _running(engine, run_id)
    await anyio.sleep(0.3)  # the watcher is set up
    for name in ("a.py", "b.py", "c.py"):
        (src / name).write_text("x")
    await wait_for(lambda: launcher.run_of(run_id).last_restart_reason, timeout=20)
    assert launcher.run_of(run_id).last_restart_reason == "files changed: src/a.py (+2 more)"
    await wait_for(lambda: engine.processes.info(run_id).pid not in (None, first_pid), timeout=20)
    second_pid = await _running(engine, run_id)
    (src / "x_test.py").write_text("ignored")
    (src / "notes.txt").write_text("ignored")
    await anyio.sleep(0.8)  # longer than the debounce: an unexcluded change would show now
    assert engine.processes.info(run_id).pid == second_pid
    (src / "deep" / "d.py").write_text("x")
    await wait_for(
        lambda: launcher.run_of(run_id).last_restart_reason == "files changed: src/deep/d.py", timeout=20
    )
    assert engine.processes.output(run_id).text().count("restarting: files changed") == 2
    await wait_for(lambda: engine.processes.info(run_id).pid not in (None, second_pid), timeout=20)
    await _running(engine, run_id)
    await engine.processes.stop(run_id)
    (src / "a.py").write_text("after stop")
    await anyio.sleep(0.8)
    assert engine.processes.info(run_id).state is RunState.EXITED  # a stopped run stays stopped
    await launcher.shutdown()


async def test_restart_dependents_on_change(engine, tmp_path):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    db = Profile(
        "db",
        SLEEP,
        cwd=str(tmp_path),
        watch=WatchSpec(("schema.sql",), debounce_s=0.1, restart_dependents=True),
    )
    api = Profile("api", SLEEP, start_after=(StartAfter("db", StartCondition.STARTED),))
    (tmp_path / "schema.sql").write_text("v1")
    result = await launcher.launch_group({"db": db, "api": api}, ["api"])
    pids = {n: await _running(engine, r) for n, r in result.started.items()}
    await anyio.sleep(0.3)
    (tmp_path / "schema.sql").write_text("v2")
    for name, run_id in result.started.items():
        await wait_for(
            lambda run_id=run_id: launcher.run_of(run_id).last_restart_reason == "files changed: schema.sql",
            timeout=20,
        )
        await wait_for(
            lambda run_id=run_id, name=name: engine.processes.info(run_id).pid not in (None, pids[name]),
            timeout=20,
        )
    await launcher.stop_group({"db": db, "api": api}, ["db", "api"])
    await launcher.shutdown()


async def test_missing_path_is_a_clear_message(engine, tmp_path):
    with pytest.raises(WatchError, match=f"cannot watch {tmp_path / 'nope'}: it does not exist"):
        await watch_for_changes(WatchSpec(("nope/*.py",)), str(tmp_path), lambda reason: anyio.sleep(0))
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    run_id = launcher.launch(Profile("app", SLEEP, cwd=str(tmp_path), watch=WatchSpec(("nope",))))
    await wait_for(lambda: launcher.run_of(run_id).last_restart_reason.startswith("not watching"))
    assert engine.processes.info(run_id).state.is_live  # the run itself is not affected
    await engine.processes.stop(run_id)
    await launcher.shutdown()


async def test_cancelling_the_watch_stops_the_watcher_thread(tmp_path):
    # watchfiles runs the watcher in a worker thread and stops it through its stop event
    # when the task is cancelled; the cancel only completes once the thread returned.
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch_for_changes, WatchSpec((str(tmp_path),)), None, lambda reason: anyio.sleep(0))
            await anyio.sleep(0.3)
            tg.cancel_scope.cancel()
    watcher_threads = [t for t in threading.enumerate() if "watch" in t.name.lower()]
    assert watcher_threads == []


def test_glob_semantics():
    assert _glob_match("/p/src/x/y.py", "/p/src/**/*.py") and _glob_match("/p/src/y.py", "/p/src/**/*.py")
    assert not _glob_match("/p/src/x/y.py", "/p/src/*.py") and not _glob_match("/p/src/y.pyc", "/p/src/*.py")
    assert _glob_match("/p/a1.txt", "/p/a[0-9].txt") and not _glob_match("/p/a1.txt", "/p/a[!0-9].txt")
