"""The bridge coalesces engine events to UI rate and turns slot calls into engine work."""

from __future__ import annotations

import sys

import anyio

from procdeck.bridge.engine_bridge import EngineBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import RunState
from procdeck.engine.engine import Engine


async def until(predicate, timeout=10.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.01)


def test_a_chatty_run_becomes_few_run_signals(qt_run, qtbot):
    async def scenario():
        async with Engine() as engine:
            spawner = TaskSpawner(engine.task_group)
            bridge = EngineBridge(engine.processes, spawner)
            run_emits = []
            bridge.runsChanged.connect(run_emits.append)
            code = "import sys\nfor i in range(20000): print(i, flush=True)"
            run_id = bridge.launch(ProcessSpec((sys.executable, "-c", code)))
            await engine.processes.wait(run_id)
            await engine.processes.wait_output(run_id)
            await until(lambda: run_emits and run_emits[-1][-1].state is RunState.EXITED)
            bridge.flush_now()
            assert engine.processes.output(run_id).total_lines == 20000
            assert 1 <= len(run_emits) < 20  # starting, running, exited: a few UI updates
            assert all(info.run_id == run_id for batch in run_emits for info in batch)
            bridge.close()

    qt_run(scenario)


def test_failures_in_commands_become_messages(qt_run, qtbot):
    async def scenario():
        async with Engine() as engine:
            spawner = TaskSpawner(engine.task_group)
            bridge = EngineBridge(engine.processes, spawner)
            messages = []
            bridge.failed.connect(messages.append)
            bridge.stop(12345)  # no such run
            await until(lambda: messages)
            assert messages == ["There is no run 12345 (it was removed)."]
            bridge.close()

    qt_run(scenario)
