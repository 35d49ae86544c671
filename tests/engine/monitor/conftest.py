"""Real child processes for the monitor tests, always cleaned up."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import psutil
import pytest

BUSY = "while True: pass"
IDLE = "import time\nwhile True: time.sleep(1)"
# A parent that starts two idle children and then idles itself.
PARENT_OF_TWO = (
    "import subprocess, sys, time\n"
    "kids = [subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True: time.sleep(1)']) for _ in range(2)]\n"
    "print('ready', flush=True)\n"
    "while True: time.sleep(1)\n"
)


@pytest.fixture
def spawn() -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Start `python -c code`; every process (and descendant) is killed at teardown."""
    started: list[subprocess.Popen[bytes]] = []

    def _spawn(code: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        started.append(proc)
        return proc

    yield _spawn
    for proc in started:
        try:
            kids = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            kids = []
        for p in [*kids]:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
        psutil.wait_procs(kids, timeout=30)
