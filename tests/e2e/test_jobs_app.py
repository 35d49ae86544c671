"""The real app: dispatch a batch from the Jobs panel, cancel part of it, quit cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

DRIVER = Path(__file__).with_name("drive_jobs.py")

pytestmark = pytest.mark.e2e


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_batch_cancel_part_and_quit_leaves_no_worker():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen(
        [sys.executable, str(DRIVER)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    ) as app:
        try:
            out, err = app.communicate(timeout=120)
        finally:
            app.kill()
    assert app.returncode == 0, err
    assert err == ""  # no traceback, no pending-task warning, no Qt warning
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    states = lines["STATES"].split()
    assert states[:4] == ["done"] * 4
    assert states.count("cancelled") == 1 and states.count("running") == 2
    assert states.count("queued") == 3
    workers = [int(p) for p in lines["WORKERS"].split()]
    assert len(workers) >= 2
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in workers if _alive(p)] == []
