"""MonitorBridge: coalesced chart updates, table walks only while shown, signals off the loop."""

from __future__ import annotations

import signal
import subprocess
import sys

import anyio
import psutil

from procdeck.bridge.monitor_bridge import CHART_HZ, MonitorBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.samples import HistorySettings, SignalRequest
from procdeck.engine.monitor.sampler import Sampler


async def until(predicate, timeout=30.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


def test_fast_samples_become_few_chart_updates(qt_run, qtbot):
    async def scenario():
        async with anyio.create_task_group() as tg:
            sampler = Sampler(HistorySettings(rate_hz=10.0))
            bridge = MonitorBridge(sampler, TaskSpawner(tg))
            updates, snaps = [], []
            bridge.updated.connect(lambda: updates.append(1))
            bridge.snapshot.connect(snaps.append)
            await tg.start(sampler.run)
            start = anyio.current_time()
            await until(lambda: sampler.ticks >= 25)
            elapsed = anyio.current_time() - start
            sampler.stop()
            await anyio.sleep(1.0 / CHART_HZ + 0.2)
            assert updates, "no update at all"
            assert len(updates) <= elapsed * CHART_HZ + 2  # ~10 Hz samples, <= 2 Hz updates
            assert snaps[-1] is sampler.last  # the newest snapshot is never lost
            bridge.close()

    qt_run(scenario)


def test_table_refreshes_only_while_active(qt_run, qtbot):
    async def scenario():
        async with anyio.create_task_group() as tg:
            sampler = Sampler()
            bridge = MonitorBridge(sampler, TaskSpawner(tg), table_interval_ms=100)
            tables = []
            bridge.tableChanged.connect(tables.append)
            await anyio.sleep(0.5)
            assert tables == []
            bridge.set_table_active(True)
            await until(lambda: len(tables) >= 2)
            assert any(row.pid == psutil.Process().pid for row in tables[-1])
            bridge.set_table_active(False)
            await anyio.sleep(0.3)  # a walk in flight may still land... but is dropped
            count = len(tables)
            await anyio.sleep(0.5)
            assert len(tables) == count
            bridge.close()

    qt_run(scenario)


def test_signal_result_comes_back(qt_run, qtbot):
    child = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(1)"])
    try:

        async def scenario():
            async with anyio.create_task_group() as tg:
                bridge = MonitorBridge(Sampler(), TaskSpawner(tg))
                results = []
                bridge.signalResult.connect(results.append)
                ct = psutil.Process(child.pid).create_time()
                bridge.send_signal(SignalRequest(child.pid, ct, int(signal.SIGTERM), name="sleeper"))
                await until(lambda: results)
                assert results[0].ok and results[0].sent == (child.pid,)
                bridge.send_signal(SignalRequest(child.pid, ct - 30, int(signal.SIGKILL)))
                await until(lambda: len(results) == 2)
                assert results[1].reused
                failures = []
                bridge.failed.connect(failures.append)
                bridge.set_rate(100.0)
                assert failures and "between 0.25 and 10" in failures[0]
                bridge.close()

        qt_run(scenario)
        assert child.wait(timeout=30) == -signal.SIGTERM
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
