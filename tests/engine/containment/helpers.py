"""Finding test processes by a unique sleep duration, and cleaning them up."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
from collections.abc import Iterator

from procdeck.engine.containment import procfs


def unique_seconds() -> str:
    """A sleep duration no other test (or user) is likely to use right now."""
    return str(random.randint(1_000_000, 9_999_999))


def sleeps(*durations: str) -> list[int]:
    """Live pids of ``sleep D`` for each D in ``durations``."""
    wanted = {f"sleep {d}" for d in durations}
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            entry = procfs.read_entry(int(name))
            if entry is not None and not entry.zombie and procfs.cmdline(entry.pid) in wanted:
                found.append(entry.pid)
    return found


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def sleeps_cleaned_up(*durations: str) -> Iterator[None]:
    """Whatever happens, no ``sleep D`` of these durations outlives the test."""
    try:
        yield
    finally:
        kill_all(sleeps(*durations))
