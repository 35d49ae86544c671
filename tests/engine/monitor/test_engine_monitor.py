"""The Engine owns the sampler: runs and pool workers are tracked, and it stops with the engine."""

from __future__ import annotations

import sys

import anyio
import pytest

from procdeck.core.jobs import JobSpec
from procdeck.core.process_spec import ProcessSpec
from procdeck.core.samples import HistorySettings
from procdeck.engine.engine import Engine

pytestmark = pytest.mark.anyio


async def until(predicate, timeout=30.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.05)


async def test_engine_samples_runs_and_pool_workers() -> None:
    async with Engine(monitor_settings=HistorySettings(rate_hz=5.0)) as engine:
        engine.start_monitor()
        engine.start_monitor()  # idempotent
        run_id = engine.processes.launch(
            ProcessSpec((sys.executable, "-c", "import time; time.sleep(60)"), name="napper")
        )
        info = await engine.jobs.run(JobSpec("tests.engine.workers.sample_jobs:add", (2,), {"b": 40}))
        assert engine.jobs.result(info.job_id) == 42
        hist = engine.monitor.history
        await until(lambda: f"run/{run_id}/tree/cpu" in hist)
        await until(lambda: any(i.key.startswith("worker/") for i in hist.series("worker/")))
        assert "pool/cpu" in hist
        labels = {t.label for t in engine.monitor.last.trees}
        assert labels == {f"#{run_id} napper"}
        await engine.processes.stop(run_id)
        await until(
            lambda: (
                bool(hist.markers(f"run/{run_id}")) and hist.markers(f"run/{run_id}")[-1].kind.value == "exit"
            )
        )
        await engine.processes.remove(run_id)
        assert f"run/{run_id}/tree/cpu" not in hist  # removed runs are forgotten
    assert engine.monitor._scope is None  # the sampler's task ended with the engine
