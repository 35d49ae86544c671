from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import anyio
import psutil
import pytest

from procdeck.engine.engine import Engine


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    async with Engine() as engine:
        yield engine


def py(code: str) -> tuple[str, ...]:
    """argv running ``code`` in a fresh Python child."""
    return (sys.executable, "-c", code)


async def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02):
    """Poll ``predicate`` until it is truthy (no fixed sleeps in tests)."""
    with anyio.fail_after(timeout):
        while not (result := predicate()):
            await anyio.sleep(interval)
    return result


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def launch_ready(engine: Engine, spec, marker: str = "READY"):
    """Launch ``spec`` and wait until its output shows ``marker``: (run id, its output)."""
    run_id = engine.processes.launch(spec)
    output = engine.processes.output(run_id)
    await wait_for(lambda: marker in output.text())
    return run_id, output
