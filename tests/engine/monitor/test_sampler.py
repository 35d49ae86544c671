"""Sampler: async ticks off the loop, history recording, providers, lifecycle."""

from __future__ import annotations

import threading

import anyio
import psutil
import pytest

from procdeck.core.samples import HistorySettings, MonitorSnapshot, ProcState
from procdeck.engine.monitor.sampler import Sampler, pin_key

from .conftest import BUSY, IDLE

pytestmark = pytest.mark.anyio


def w2_idle_bound(hist) -> float:
    _, idle = hist.arrays("worker/w2/cpu")
    return float(idle[1])


async def test_tick_runs_psutil_off_the_loop(spawn, monkeypatch) -> None:
    proc = spawn(IDLE)
    sampler = Sampler(workers=lambda: [("w1", proc.pid)])
    threads: list[str] = []
    real_tick = sampler._probe.tick

    def tick(request):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real_tick(request)

    monkeypatch.setattr(sampler._probe, "tick", tick)
    await sampler.tick()
    assert threads and threads[0] != threading.main_thread().name


async def test_busy_worker_series_and_pool_total(spawn) -> None:
    busy = spawn(BUSY)
    idle = spawn(IDLE)
    sampler = Sampler(workers=lambda: [("w1", busy.pid), ("w2", idle.pid)])
    seen: list[MonitorSnapshot] = []
    unsubscribe = sampler.subscribe(seen.append)
    await sampler.tick()
    await anyio.sleep(1.0)
    snap = await sampler.tick()
    unsubscribe()
    await sampler.tick()
    assert len(seen) == 2 and seen[-1] is snap
    hist = sampler.history
    _, busy_cpu = hist.arrays("worker/w1/cpu")
    assert len(busy_cpu) == 3
    assert busy_cpu[1] >= 5.0  # ~100 on a free machine; a loaded one gives the loop less
    assert busy_cpu[1] > w2_idle_bound(hist)
    _, pool = hist.arrays("pool/cpu")
    _, w2 = hist.arrays("worker/w2/cpu")
    assert pool[1] == pytest.approx(busy_cpu[1] + w2[1])
    assert {i.label for i in hist.series("worker/")} == {"w1", "w2"}
    assert "sys/cpu" in hist and "sys/mem" in hist and "sys/core/0" in hist


async def test_run_trees_and_pins(spawn) -> None:
    proc = spawn(IDLE)
    other = spawn(IDLE)
    sampler = Sampler(runs=lambda: [(7, proc.pid)], run_label=lambda rid: f"job {rid}")
    ct = psutil.Process(other.pid).create_time()
    key = sampler.pin(other.pid, ct, "python")
    assert key == pin_key(other.pid, ct) and sampler.pinned == [key]
    await sampler.tick()
    snap = await sampler.tick()
    keys = {t.key for t in snap.trees}
    assert keys == {"run/7", key}
    assert next(t for t in snap.trees if t.key == "run/7").label == "job 7"
    assert f"{key}/tree/cpu" in sampler.history
    assert "run/7/parent/rss" in sampler.history
    sampler.unpin(key)
    snap = await sampler.tick()
    assert {t.key for t in snap.trees} == {"run/7"}


async def test_run_loop_ticks_and_stops(spawn) -> None:
    sampler = Sampler(HistorySettings(rate_hz=10.0))
    async with anyio.create_task_group() as tg:
        await tg.start(sampler.run)
        with anyio.fail_after(30):
            while sampler.ticks < 3:
                await anyio.sleep(0.05)
        sampler.stop()
    assert sampler.ticks >= 3


async def test_stop_before_run_returns_immediately() -> None:
    sampler = Sampler()
    sampler.stop()
    with anyio.fail_after(10):
        await sampler.run()


async def test_set_rate_validates_and_applies() -> None:
    sampler = Sampler(HistorySettings(rate_hz=0.25))
    with pytest.raises(ValueError, match="between 0.25 and 10"):
        sampler.set_rate(50)
    async with anyio.create_task_group() as tg:
        await tg.start(sampler.run)
        await anyio.sleep(0.1)
        sampler.set_rate(10.0)  # a 4 s wait is cut short
        with anyio.fail_after(30):
            while sampler.ticks < 4:
                await anyio.sleep(0.05)
        sampler.stop()
    assert sampler.rate_hz == 10.0


async def test_gone_worker_is_a_gap_not_an_error(spawn) -> None:
    proc = spawn(IDLE)
    sampler = Sampler(workers=lambda: [("w", proc.pid)])
    await sampler.tick()
    proc.kill()
    proc.wait(timeout=30)
    snap = await sampler.tick()
    assert snap.workers[0][1].state is ProcState.GONE
    _, values = sampler.history.arrays("worker/w/cpu")
    assert values[-1] != values[-1]  # NaN: a gap in the chart
