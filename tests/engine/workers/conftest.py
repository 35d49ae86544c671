"""Fixtures for worker pool tests: a real local pool, and a check that no worker is left."""

from __future__ import annotations

import time

import psutil
import pytest

from procdeck.engine.workers.local import open_local_pool
from procdeck.engine.workers.worker_process import WORKER_MODULE

SAMPLE = "tests.engine.workers.sample_jobs"


def worker_children() -> list[psutil.Process]:
    """This process's worker processes that are still alive."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if WORKER_MODULE in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def wait_no_workers(timeout: float = 10.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := worker_children()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture
def no_leftover_workers():
    yield
    assert wait_no_workers() == []


@pytest.fixture
async def pool(no_leftover_workers):
    async with open_local_pool(2) as p:
        yield p
