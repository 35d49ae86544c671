"""Launching profiles with real children: restart policies, giving up, start-after order."""

from __future__ import annotations

import time

import pytest

from procdeck.core.output import Stream
from procdeck.core.profile import EnvVar, Profile, StartAfter, StartCondition
from procdeck.core.restart_policy import RestartMode, RestartPolicy
from procdeck.core.run_state import RunState
from procdeck.engine.profiles.launcher import ProfileLauncher
from tests.engine.conftest import py, wait_for

pytestmark = pytest.mark.anyio


def fast(mode: RestartMode, **kw: float) -> RestartPolicy:
    return RestartPolicy(
        mode,
        backoff_s=kw.get("backoff_s", 0.05),
        backoff_factor=1,
        backoff_max_s=1,
        max_restarts=int(kw.get("max_restarts", 3)),
        window_s=60,
    )


async def test_profile_settings_reach_the_child(engine, tmp_path):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    p = Profile(
        "env",
        py("import os; print(os.getcwd(), os.environ['A'], os.environ.get('GONE'))"),
        cwd=str(tmp_path),
        env=(EnvVar("A", "x=1"), EnvVar("GONE", None)),
    )
    run_id = launcher.launch(p)
    await engine.processes.wait(run_id)
    await engine.processes.wait_output(run_id)
    assert engine.processes.output(run_id).text(Stream.STDOUT) == f"{tmp_path} x=1 None"
    await wait_for(lambda: launcher.last_runs("env"))
    (summary,) = launcher.last_runs("env")
    assert summary.ok and summary.status == "0" and summary.duration_s is not None
    await launcher.shutdown()


async def test_on_failure_restarts_then_gives_up(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    seen = []
    launcher.subscribe(seen.append)
    run_id = launcher.launch(
        Profile("crash", py("import sys; print('boom'); sys.exit(3)"), restart=fast(RestartMode.ON_FAILURE))
    )
    await wait_for(lambda: launcher.all_finished([run_id]), timeout=30)
    status = launcher.run_of(run_id).restart
    assert status.restarts == 3 and status.gave_up == "gave up after 3 restarts in 60 s"
    assert [s.status for s in launcher.last_runs("crash")] == ["3"] * 4
    assert engine.processes.output(run_id).text(Stream.STDOUT).count("boom") == 4
    assert any(s.restart.next_restart_at is not None for s in seen)  # "next restart in N s" was shown
    await launcher.shutdown()


async def test_on_failure_does_not_restart_success_and_always_does(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    ok_id = launcher.launch(Profile("ok", py("pass"), restart=fast(RestartMode.ON_FAILURE)))
    always_id = launcher.launch(
        Profile("again", py("pass"), restart=fast(RestartMode.ALWAYS, max_restarts=2))
    )
    await launcher.wait_finished([ok_id, always_id])
    assert launcher.run_of(ok_id).restart.restarts == 0
    assert launcher.run_of(always_id).restart.restarts == 2
    await launcher.shutdown()


async def test_backoff_is_respected(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    t0 = time.monotonic()
    run_id = launcher.launch(
        Profile(
            "slow",
            py("raise SystemExit(1)"),
            restart=fast(RestartMode.ON_FAILURE, backoff_s=0.6, max_restarts=1),
        )
    )
    await launcher.wait_finished([run_id])
    # One restart after a 0.6 s backoff: the whole thing cannot be quicker than that.
    assert time.monotonic() - t0 >= 0.6
    assert launcher.run_of(run_id).restart.restarts == 1
    await launcher.shutdown()


async def test_user_stop_cancels_restarts(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    run_id = launcher.launch(
        Profile(
            "svc",
            py("import time; print('up', flush=True); time.sleep(60)"),
            restart=fast(RestartMode.ALWAYS),
        )
    )
    await wait_for(lambda: engine.processes.info(run_id).state is RunState.RUNNING)
    await engine.processes.stop(run_id)
    await launcher.wait_finished([run_id])
    assert launcher.run_of(run_id).restart.restarts == 0
    # A pending restart is cancelled too.
    crash = launcher.launch(
        Profile("c", py("raise SystemExit(2)"), restart=fast(RestartMode.ALWAYS, backoff_s=30))
    )
    await wait_for(lambda: launcher.run_of(crash).restart.next_restart_at is not None)
    launcher.cancel_restart(crash)
    assert launcher.all_finished([crash]) and launcher.run_of(crash).restart.restarts == 0
    await launcher.shutdown()


async def test_group_respects_start_after(engine, tmp_path):
    marker = tmp_path / "migrated"
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    profiles = {
        "db": Profile(
            "db", py("import time; time.sleep(0.3); print('db up', flush=True); time.sleep(60)"), group="g"
        ),
        "migrate": Profile(
            "migrate",
            py(f"import time; time.sleep(0.3); open({str(marker)!r}, 'w').write('ok')"),
            group="g",
            start_after=(StartAfter("db"),),
        ),
        "web": Profile(
            "web",
            py(f"import os; print(os.path.exists({str(marker)!r}))"),
            group="g",
            start_after=(StartAfter("migrate", StartCondition.SUCCEEDED),),
        ),
        "broken": Profile("broken", py("raise SystemExit(1)"), group="g"),
        "after-broken": Profile(
            "after-broken",
            py("print('never')"),
            group="g",
            start_after=(StartAfter("broken", StartCondition.SUCCEEDED),),
        ),
    }
    progress: list[str] = []
    result = await launcher.launch_group(
        profiles, [n for n, p in profiles.items() if p.group == "g"], progress.append
    )
    assert "web waits until migrate exited successfully" in progress
    assert set(result.started) == {"db", "migrate", "web", "broken"}
    assert "did not exit successfully (exit status 1)" in result.skipped["after-broken"]
    web = result.started["web"]
    await engine.processes.wait(web)
    await engine.processes.wait_output(web)
    assert engine.processes.output(web).text(Stream.STDOUT) == "True"
    # Launching the group again reuses the live db run instead of starting a second one.
    again = await launcher.launch_group(profiles, ["db"])
    assert again.started["db"] == result.started["db"]
    await launcher.shutdown()


async def test_renamed_profile_keeps_its_last_runs(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    run_id = launcher.launch(Profile("old", py("pass")))
    await launcher.wait_finished([run_id])
    launcher.rename_history("old", "new")
    assert launcher.last_runs("old") == [] and len(launcher.last_runs("new")) == 1
    await launcher.shutdown()
