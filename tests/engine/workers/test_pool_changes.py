"""Listeners hear about every change, including a batch that ends (coalesced UI updates)."""

from __future__ import annotations

import anyio
import pytest

from procdeck.core.jobs import JobSpec

pytestmark = pytest.mark.anyio


async def test_the_end_of_a_batch_wakes_listeners(pool) -> None:
    ended = []

    def wake() -> None:  # what the jobs bridge does: take the changes at its own pace
        _jobs, batches = pool.take_changes()
        ended.extend(b for b in batches if b.ended_mono is not None)

    pool.subscribe(wake)
    batch_id = pool.map(JobSpec("tests.engine.workers.sample_jobs:square"), [1, 2, 3])
    with anyio.fail_after(60):
        await pool.wait_batch(batch_id)
        while not ended:
            await anyio.sleep(0.01)
    assert ended[-1].batch_id == batch_id and ended[-1].done == 3
