"""Many launch/stop cycles at once, stops landing mid-fork: nothing is left behind."""

from __future__ import annotations

import random

import anyio
import pytest

from procdeck.core.process_spec import ProcessSpec
from procdeck.engine.engine import Engine
from tests.engine.containment.helpers import kill_all, sleeps, unique_seconds

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CYCLES = 300


async def test_300_concurrent_launch_stop_cycles_leave_no_orphans():
    durations: set[str] = set()
    escaped = 0
    try:
        async with Engine() as engine:

            async def cycle() -> None:
                a, b = unique_seconds(), unique_seconds()
                durations.update((a, b))
                script = f"(setsid sleep {a} &); sleep {b} & wait"
                run_id = engine.processes.launch(ProcessSpec(script, shell=True, grace_s=2.0))
                await anyio.sleep(random.uniform(0, 0.3))  # some stops land while the tree forks
                info = await engine.processes.stop(run_id)
                nonlocal escaped
                escaped += info.escaped_processes

            with anyio.fail_after(120):
                async with anyio.create_task_group() as tg:
                    for _ in range(CYCLES):
                        tg.start_soon(cycle)
            orphans = sleeps(*durations)
        assert orphans == []
        assert escaped > CYCLES // 3  # the test did catch escapees (most stops land after the fork)
        await anyio.sleep(0.5)  # nothing shows up late either
        assert sleeps(*durations) == []
    finally:
        kill_all(sleeps(*durations))
