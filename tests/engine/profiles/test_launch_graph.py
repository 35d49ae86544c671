"""Group launches as a dependency graph with real children: health conditions, blocking,
parallel branches, cancelling, reverse-order stops, liveness restarts, env files."""

from __future__ import annotations

import socket

import anyio
import pytest

from procdeck.core.group_graph import GroupLaunchState, NodeState
from procdeck.core.output import Stream
from procdeck.core.probes import Health, Probe, ProbeKind
from procdeck.core.profile import EnvVar, Profile, StartAfter, StartCondition
from procdeck.core.restart_policy import RestartMode, RestartPolicy
from procdeck.core.run_state import RunState
from procdeck.engine.profiles.launcher import ProfileLauncher
from tests.engine.conftest import py, wait_for

pytestmark = pytest.mark.anyio

SLEEP = py("import time; time.sleep(30)")


def on(name: str, condition: StartCondition) -> tuple[StartAfter, ...]:
    return (StartAfter(name, condition),)


def exec_probe(command: str, **kw: float) -> Probe:
    return Probe(ProbeKind.EXEC, command=command, period_s=kw.pop("period_s", 0.05), **kw)  # type: ignore[arg-type]


def by_name(*profiles: Profile) -> dict[str, Profile]:
    return {p.name: p for p in profiles}


async def test_healthy_waits_for_the_readiness_probe(engine, tmp_path):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    flag = tmp_path / "up"
    db = Profile(
        "db",
        py(
            f"import time, pathlib; time.sleep(0.4); pathlib.Path({str(flag)!r}).write_text('x'); time.sleep(30)"
        ),
        readiness=exec_probe(f"test -f {flag}", failure_threshold=1000),
    )
    api = Profile("api", py("print('api')"), start_after=on("db", StartCondition.HEALTHY))
    states: list[GroupLaunchState] = []
    progress: list[str] = []
    result = await launcher.launch_group(by_name(db, api), ["api"], progress.append, on_state=states.append)
    assert set(result.started) == {"db", "api"} and not result.skipped
    assert flag.exists()  # api started only once db was healthy
    assert launcher.run_of(result.started["db"]).health is Health.HEALTHY
    assert "api waits until db is healthy" in progress
    final = launcher.last_group_launch
    assert final is not None and final.settled
    db_node, api_node = final.node("db"), final.node("api")
    assert db_node.healthy_after_s is not None and api_node.started_after_s >= db_node.healthy_after_s
    assert any(s.node("api").state is NodeState.WAITING for s in states)
    assert final.critical_chain() == ["db", "api"]
    await launcher.stop_group(by_name(db, api), ["db", "api"])


async def test_tcp_and_log_line_readiness(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = Profile(
        "server",
        py(
            "import socket, time; time.sleep(0.3); s = socket.socket(); "
            f"s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', {port})); "
            "s.listen(); time.sleep(30)"
        ),
        readiness=Probe(ProbeKind.TCP, port=port, period_s=0.05, failure_threshold=1000),
    )
    logger = Profile(
        "logger",
        py(
            "import sys, time; time.sleep(0.2); print('noise'); print('Ready on', 42, file=sys.stderr); time.sleep(30)"
        ),
        readiness=Probe(ProbeKind.LOG_LINE, pattern=r"Ready on \d+", streams=("stderr",)),
    )
    after = Profile(
        "after",
        py("print('go')"),
        start_after=(
            StartAfter("server", StartCondition.HEALTHY),
            StartAfter("logger", StartCondition.HEALTHY),
        ),
    )
    profiles = by_name(server, logger, after)
    result = await launcher.launch_group(profiles, ["after"])
    assert set(result.started) == {"server", "logger", "after"}
    assert launcher.run_of(result.started["server"]).health is Health.HEALTHY
    logger_run = launcher.run_of(result.started["logger"])
    assert logger_run.health is Health.HEALTHY and "Ready on 42" in logger_run.health_detail
    await launcher.stop_group(profiles, list(profiles))


async def test_failed_readiness_blocks_dependents_and_stops_the_run(engine, tmp_path):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    never = Profile("never", SLEEP, readiness=exec_probe("false", failure_threshold=2))
    blocked = Profile("blocked", py("print('BLOCKED-RAN')"), start_after=on("never", StartCondition.HEALTHY))
    also = Profile("also", py("print('x')"), start_after=on("blocked", StartCondition.STARTED))
    result = await launcher.launch_group(by_name(never, blocked, also), ["also"])
    assert list(result.started) == ["never"]
    assert result.skipped["blocked"].startswith("blocked: waits on never, which failed its readiness probe (")
    assert result.skipped["also"] == f"blocked: waits on blocked, which is {result.skipped['blocked']}"
    assert set(result.blocked) == {"blocked", "also"}
    run_id = result.started["never"]
    info = await engine.processes.wait(run_id)
    assert info.stop_requested and launcher.run_of(run_id).finished
    node = launcher.last_group_launch.node("never")
    assert node.state is NodeState.UNHEALTHY and "failed its readiness probe" in node.detail
    assert "failed its readiness probe" in engine.processes.output(run_id).text()


@pytest.mark.parametrize(
    ("code", "condition", "starts", "why"),
    [
        (0, StartCondition.SUCCEEDED, True, ""),
        (
            3,
            StartCondition.SUCCEEDED,
            False,
            "blocked: waits on first, which did not exit successfully (exit status 3)",
        ),
        (3, StartCondition.EXITED, True, ""),
        (0, StartCondition.STARTED, True, ""),
        (3, StartCondition.HEALTHY, True, ""),  # no readiness probe: healthy once running
    ],
)
async def test_exit_conditions(engine, code, condition, starts, why):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    first = Profile("first", py(f"import sys, time; time.sleep(0.1); sys.exit({code})"))
    second = Profile("second", py("print('second')"), start_after=on("first", condition))
    result = await launcher.launch_group(by_name(first, second), ["second"])
    assert ("second" in result.started) is starts
    if not starts:
        assert result.skipped["second"] == why
    await engine.processes.wait(result.started["first"])


async def test_independent_branches_start_in_parallel(engine, tmp_path):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    slow = Profile("slow", py("import time; time.sleep(1.0)"))
    after_slow = Profile("after_slow", py("pass"), start_after=on("slow", StartCondition.SUCCEEDED))
    quick = Profile("quick", py("pass"))
    after_quick = Profile("after_quick", py("pass"), start_after=on("quick", StartCondition.EXITED))
    states: list[GroupLaunchState] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(
            lambda: launcher.launch_group(
                by_name(slow, after_slow, quick, after_quick),
                ["after_slow", "after_quick"],
                on_state=states.append,
            )
        )
        # after_quick starts while after_slow still waits for slow.
        await wait_for(lambda: states and states[-1].node("after_quick").run_id is not None, timeout=20)
        assert states[-1].node("after_slow").state is NodeState.WAITING
    assert launcher.last_group_launch.node("after_slow").run_id is not None


async def test_a_waiting_launch_can_be_cancelled(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    base = Profile("base", SLEEP, readiness=exec_probe("false", failure_threshold=10_000))
    top = Profile("top", py("print('top')"), start_after=on("base", StartCondition.HEALTHY))
    results = []

    async def launch() -> None:
        results.append(await launcher.launch_group(by_name(base, top), ["top"]))

    async with anyio.create_task_group() as tg:
        tg.start_soon(launch)
        await wait_for(
            lambda: (
                launcher.last_group_launch
                and launcher.last_group_launch.node("top").state is NodeState.WAITING
            )
        )
        assert launcher.cancel_launches() == 1
    (result,) = results
    assert result.cancelled and list(result.started) == ["base"]
    assert "cancelled" in result.skipped["top"]
    assert launcher.last_group_launch.node("top").state is NodeState.CANCELLED
    assert launcher.cancel_launches() == 0
    await launcher.stop_group(by_name(base, top), ["base", "top"])


async def test_stop_group_stops_dependents_first(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    # Each takes a moment to exit on SIGTERM, so the order shows in the exit times.
    slow_exit = py(
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: (time.sleep(0.3), sys.exit(0)))\n"
        "print('up', flush=True)\ntime.sleep(30)"
    )
    db = Profile("db", slow_exit)
    api = Profile("api", slow_exit, start_after=on("db", StartCondition.STARTED))
    web = Profile("web", slow_exit, start_after=on("api", StartCondition.STARTED))
    profiles = by_name(db, api, web)
    result = await launcher.launch_group(profiles, ["web"])
    for run_id in result.started.values():
        await wait_for(lambda run_id=run_id: "up" in engine.processes.output(run_id).text())
    await launcher.stop_group(profiles, ["db", "api", "web"])
    ended = {n: engine.processes.info(r).ended_mono for n, r in result.started.items()}
    assert ended["web"] < ended["api"] < ended["db"]
    assert all(launcher.run_of(r).finished for r in result.started.values())


async def test_restart_with_dependents_keeps_their_runs(engine):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    db = Profile("db", SLEEP)
    api = Profile("api", SLEEP, start_after=on("db", StartCondition.STARTED))
    other = Profile("other", SLEEP)
    profiles = by_name(db, api, other)
    first = await launcher.launch_group(profiles, ["api", "other"])
    pids = {n: engine.processes.info(r).pid for n, r in first.started.items()}
    again = await launcher.restart_with_dependents("db", profiles, reason="files changed: x.py")
    assert again.started == {"db": first.started["db"], "api": first.started["api"]}
    for name in ("db", "api"):
        run_id = first.started[name]
        await wait_for(lambda run_id=run_id: engine.processes.info(run_id).state is RunState.RUNNING)
        assert engine.processes.info(run_id).pid != pids[name]
        assert launcher.run_of(run_id).last_restart_reason == "files changed: x.py"
    assert engine.processes.info(first.started["other"]).pid == pids["other"]
    await launcher.stop_group(profiles, list(profiles))


async def test_liveness_failure_restarts_with_backoff_then_gives_up(engine, tmp_path):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    policy = RestartPolicy(
        RestartMode.ON_FAILURE, backoff_s=0.2, backoff_factor=2, max_restarts=2, window_s=60
    )
    profile = Profile(
        "live", SLEEP, restart=policy, liveness=exec_probe("exit 1", failure_threshold=2, initial_delay_s=0.1)
    )
    seen = []
    launcher.subscribe(seen.append)
    run_id = launcher.launch(profile)
    await wait_for(lambda: launcher.all_finished([run_id]), timeout=30)
    run = launcher.run_of(run_id)
    assert run.restart.restarts == 2
    assert run.last_restart_reason.startswith("liveness probe: exec 'exit 1' failed 2 times in a row")
    assert "liveness probe failed; not restarted (gave up after 2 restarts" in run.restart.gave_up
    delays = sorted(
        {round(s.restart.next_restart_at - t, 1) for s in seen for t in [0] if s.restart.next_restart_at}
    )
    assert len(delays) >= 2  # a pending restart was announced for each attempt
    assert engine.processes.output(run_id).text().count("restarting by its restart policy") == 3


async def test_env_file_precedence_and_errors(engine, tmp_path):
    launcher = ProfileLauncher(engine.processes, engine.task_group)
    (tmp_path / "group.env").write_text("A=group\nB=group\nC=group\nD=group\n")
    (tmp_path / "one.env").write_text("B=one\nC=one\nD=one\n")
    (tmp_path / "two.env").write_text("C=two\nD=two\nS=secret-from-file\n")
    profile = Profile(
        "env",
        py("import os; print(*(os.environ.get(k) for k in 'ABCDS'))"),
        cwd=str(tmp_path),
        env_files=("one.env", str(tmp_path / "two.env")),
        env=(EnvVar("D", "own"), EnvVar("S", None)),
    )
    run_id = launcher.launch(profile, group_env_file="group.env")
    await engine.processes.wait(run_id)
    await engine.processes.wait_output(run_id)
    assert engine.processes.output(run_id).text(Stream.STDOUT) == "group one two own None"
    result = await launcher.launch_group(by_name(profile.with_changes(env_files=("missing.env",))), ["env"])
    assert result.skipped["env"] == f"Profile 'env': env file {tmp_path / 'missing.env'} does not exist."
    (tmp_path / "bad.env").write_text("OK=1\nnot a line\n")
    with pytest.raises(Exception, match=r"bad.env, line 2: cannot parse 'not a line'"):
        launcher.launch(profile.with_changes(env_files=("bad.env",)))


async def test_health_changes_become_runs_chart_markers(engine, tmp_path):
    from procdeck.core.samples import MarkerKind

    launcher = engine.profiles.launcher
    flag = tmp_path / "up"
    flag.write_text("")
    run_id = launcher.launch(
        Profile("svc", SLEEP, readiness=exec_probe(f"test -f {flag}", failure_threshold=2))
    )
    await wait_for(lambda: launcher.run_of(run_id).health is Health.HEALTHY)
    flag.unlink()
    await wait_for(lambda: launcher.run_of(run_id).health is Health.UNHEALTHY)
    kinds = [m.kind for m in engine.monitor.history.markers(f"run/{run_id}")]
    assert MarkerKind.HEALTHY in kinds and kinds.index(MarkerKind.HEALTHY) < kinds.index(MarkerKind.UNHEALTHY)
    assert engine.processes.info(run_id).state is RunState.RUNNING  # was healthy once: not stopped
    await engine.processes.stop(run_id)
