"""The sampler rests while there is nothing to sample, and wakes when there is."""

from __future__ import annotations

import anyio
import pytest

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import RunInfo, RunState
from procdeck.core.samples import HistorySettings
from procdeck.engine.monitor.sampler import Sampler

from .conftest import IDLE

pytestmark = pytest.mark.anyio


async def until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


async def test_nothing_to_sample_parks_without_ticking() -> None:
    runs: list[tuple[int, int]] = []
    sampler = Sampler(HistorySettings(rate_hz=10.0), runs=lambda: runs, workers=lambda: [])
    sampler.set_system_wanted(False)
    assert not sampler.has_work()
    async with anyio.create_task_group() as tg:
        await tg.start(sampler.run)
        await until(lambda: sampler.parked)
        await anyio.sleep(0.5)  # five ticks' worth at 10 Hz
        assert sampler.ticks == 0
        sampler.stop()


async def test_wakes_for_system_totals_runs_and_pins(spawn) -> None:
    proc = spawn(IDLE)
    runs: list[tuple[int, int]] = []
    sampler = Sampler(HistorySettings(rate_hz=10.0), runs=lambda: runs)
    sampler.set_system_wanted(False)
    async with anyio.create_task_group() as tg:
        await tg.start(sampler.run)
        await until(lambda: sampler.parked)

        # A System chart comes on screen: system totals are sampled, then it goes away.
        sampler.set_system_wanted(True)
        await until(lambda: sampler.ticks >= 2 and "sys/cpu" in sampler.history)
        sampler.set_system_wanted(False)
        await until(lambda: sampler.parked)
        resting = sampler.ticks

        # A run starts (the process manager's feed): sampled as a tree until it ends.
        runs.append((1, proc.pid))
        sampler.on_run_info(RunInfo(1, ProcessSpec(("x",)), RunState.RUNNING, pid=proc.pid))
        await until(lambda: sampler.ticks >= resting + 2 and "run/1/tree/cpu" in sampler.history)
        runs.clear()
        await until(lambda: sampler.parked)

        # A pinned process keeps it ticking.
        sampler.pin(proc.pid, 0.0, "idle")
        await until(lambda: not sampler.parked and sampler.ticks >= resting + 4)
        sampler.stop()


async def test_stop_while_parked_ends_run() -> None:
    sampler = Sampler(HistorySettings(rate_hz=1.0), runs=lambda: [], workers=lambda: [])
    sampler.set_system_wanted(False)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            await tg.start(sampler.run)
            await until(lambda: sampler.parked)
            sampler.stop()
