"""The stop ladder reaches the whole tree; nothing is left behind."""

from __future__ import annotations

import signal

import anyio
import psutil
import pytest

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import RunState
from procdeck.engine.engine import Engine
from tests.engine.conftest import alive, py, wait_for

pytestmark = pytest.mark.anyio

TWO_SLEEPERS = "sleep 1000 & sleep 1000"


async def _wait_tree(engine, run_id, size):
    pids: list[int] = []

    async def scan():
        nonlocal pids
        pids = await engine.processes.scan_tree(run_id)
        return len(pids) >= size

    with anyio.fail_after(10):
        while not await scan():
            await anyio.sleep(0.02)
    return pids


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_stop_and_kill_leave_no_orphans(engine, how):
    run_id = engine.processes.launch(ProcessSpec(TWO_SLEEPERS, shell=True))
    pids = await _wait_tree(engine, run_id, 3)
    info = await getattr(engine.processes, how)(run_id)
    assert info.state is RunState.EXITED
    expected = signal.SIGTERM if how == "stop" else signal.SIGKILL
    assert info.outcome.signal == expected
    await wait_for(lambda: not any(alive(pid) for pid in pids))


async def test_engine_exit_leaves_no_orphans():
    async with Engine() as engine:
        run_id = engine.processes.launch(ProcessSpec(TWO_SLEEPERS, shell=True))
        pids = await _wait_tree(engine, run_id, 3)
    await wait_for(lambda: not any(alive(pid) for pid in pids))


async def test_child_ignoring_sigterm_is_killed_after_grace(engine):
    code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(60)"
    run_id = engine.processes.launch(ProcessSpec(py(code), grace_s=0.3))
    output = engine.processes.output(run_id)
    await wait_for(lambda: "ready" in output.text())
    info = await engine.processes.stop(run_id)
    assert info.outcome.signal == signal.SIGKILL
    assert info.signals_sent == ("SIGTERM", "SIGKILL")


async def test_grandchild_that_left_the_session_is_still_stopped(engine):
    # The grandchild calls setsid() itself: not in the run's session or process group.
    code = (
        "import os, subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(1000)'], start_new_session=True)\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(1000)\n"
    )
    run_id = engine.processes.launch(ProcessSpec(py(code)))
    output = engine.processes.output(run_id)
    await wait_for(lambda: output.text().strip().isdigit())
    grandchild = int(output.text().strip())
    assert psutil.Process(grandchild).pid == grandchild
    await engine.processes.stop(run_id)
    await wait_for(lambda: not alive(grandchild))


async def test_background_leftovers_of_an_exited_run_are_stopped_on_remove(engine):
    # The shell exits at once; its background sleeper keeps the pipes open.
    run_id = engine.processes.launch(ProcessSpec("sleep 1000 & echo started", shell=True))
    info = await engine.processes.wait(run_id)
    assert info.outcome.returncode == 0
    output = engine.processes.output(run_id)
    await wait_for(lambda: "started" in output.text())
    leftovers = await engine.processes.scan_tree(run_id)
    assert leftovers, "the background sleep should still be running"
    await engine.processes.remove(run_id)
    await wait_for(lambda: not any(alive(pid) for pid in leftovers))


async def test_custom_stop_signal(engine):
    code = "import signal, sys, time\nsignal.signal(signal.SIGINT, lambda *a: sys.exit(42))\nprint('ready', flush=True)\ntime.sleep(60)"
    run_id = engine.processes.launch(ProcessSpec(py(code), stop_signal=int(signal.SIGINT)))
    await wait_for(lambda: "ready" in engine.processes.output(run_id).text())
    info = await engine.processes.stop(run_id)
    assert info.outcome.returncode == 42 and info.signals_sent == ("SIGINT",)
