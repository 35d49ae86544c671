"""Stop reaches escaped, re-parented and environment-clearing members, and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import anyio
import pytest

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import RunState
from procdeck.engine.containment import cookie, procfs
from tests.engine.containment.helpers import sleeps, sleeps_cleaned_up, unique_seconds

pytestmark = pytest.mark.anyio


async def _until(predicate, timeout: float = 10.0):
    with anyio.fail_after(timeout):
        while not (result := predicate()):
            await anyio.sleep(0.02)
    return result


async def test_double_forked_setsid_escapee_is_stopped(engine):
    a, b = unique_seconds(), unique_seconds()
    with sleeps_cleaned_up(a, b):
        run_id = engine.processes.launch(ProcessSpec(f"(setsid sleep {a} &); exec sleep {b}", shell=True))
        await _until(lambda: len(sleeps(a, b)) == 2)
        escapee = sleeps(a)[0]
        assert os.getsid(escapee) != engine.processes.info(run_id).pid  # it left the session
        info = await engine.processes.stop(run_id)
        assert info.state is RunState.EXITED
        assert sleeps(a, b) == []
        assert (info.stopped_processes, info.escaped_processes) == (2, 1)
        assert info.stop_summary == "stopped 2 processes, 1 had left the session"


async def test_child_that_clears_its_environment_is_stopped_through_the_session(engine):
    a, b = unique_seconds(), unique_seconds()
    with sleeps_cleaned_up(a, b):
        run_id = engine.processes.launch(ProcessSpec(f"env -i sleep {a} & exec sleep {b}", shell=True))
        await _until(lambda: len(sleeps(a, b)) == 2)
        child = sleeps(a)[0]
        assert procfs.read_cookie(child) is None  # the cookie net cannot see it
        await engine.processes.stop(run_id)
        assert sleeps(a, b) == []


async def test_remembered_member_is_stopped_after_it_cleared_env_and_escaped(engine):
    """Seen once by a scan, a process stays attributed after setsid + env -i."""
    a, b = unique_seconds(), unique_seconds()
    pause = f"1.{unique_seconds()}"  # a unique short sleep, to know when the helper is up
    script = f"sleep {pause}; exec env -i setsid sleep {a}"
    with sleeps_cleaned_up(a, b, pause):
        run_id = engine.processes.launch(ProcessSpec(f"(sh -c '{script}' &); exec sleep {b}", shell=True))
        await _until(lambda: sleeps(b) and sleeps(pause))
        await engine.processes.scan_tree(run_id)  # remembers the helper shell by (pid, start)
        await _until(lambda: sleeps(a))
        assert procfs.read_cookie(sleeps(a)[0]) is None
        await engine.processes.stop(run_id)
        assert sleeps(a, b) == []


async def test_unrelated_sleep_with_the_same_command_line_is_never_touched(engine):
    a, b = unique_seconds(), unique_seconds()
    with sleeps_cleaned_up(a, b):
        # The user's own processes: same command lines, one in a session of its own, one
        # even carrying a cookie of another (dead) Procdeck instance.
        foreign = cookie.Cookie(cookie.new_instance_id(1, 1), "3").value
        mine = [
            subprocess.Popen(["sleep", a], start_new_session=True),
            subprocess.Popen(["sleep", b], env={**os.environ, cookie.VARIABLE: foreign}),
        ]
        try:
            run_id = engine.processes.launch(ProcessSpec(f"(setsid sleep {a} &); exec sleep {b}", shell=True))
            await _until(lambda: len(sleeps(a, b)) == 4)
            await engine.processes.stop(run_id)
            assert sorted(sleeps(a, b)) == sorted(p.pid for p in mine)
            assert all(p.poll() is None for p in mine)
        finally:
            for p in mine:
                p.kill()
                p.wait()


async def test_each_process_gets_the_stop_signal_once(engine, tmp_path):
    """Found by several nets and several passes, a process still gets SIGTERM once."""
    log = tmp_path / "terms"
    code = (
        "import os, signal, sys, time\n"
        "def on_term(*_):\n"
        f"    open({str(log)!r}, 'a').write('x')\n"
        "signal.signal(signal.SIGTERM, on_term)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"  # an escapee that ignores SIGTERM too: every net and pass sees it
        "print('ready', flush=True)\n"
        "while True: time.sleep(1)\n"
    )
    run_id = engine.processes.launch(ProcessSpec((sys.executable, "-c", code), grace_s=0.6))
    output = engine.processes.output(run_id)
    await _until(lambda: output.text().count("ready") == 2)
    info = await engine.processes.stop(run_id)
    assert info.signals_sent == ("SIGTERM", "SIGKILL")
    assert log.read_text() == "xx"  # two processes, one SIGTERM each
    assert (info.stopped_processes, info.escaped_processes) == (2, 1)


async def test_reused_pid_is_never_signalled():
    proc = subprocess.Popen(["sleep", unique_seconds()])
    try:
        start = procfs.start_of(proc.pid)
        assert start is not None
        assert not procfs.send((proc.pid, start - 1), signal.SIGKILL)  # same pid, other process
        assert proc.poll() is None
        assert procfs.send((proc.pid, start), signal.SIGKILL)
        assert proc.wait(5) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()
