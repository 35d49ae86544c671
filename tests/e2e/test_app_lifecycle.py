"""The real app in a subprocess: launch children, quit, exit 0, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

DRIVER = Path(__file__).with_name("drive_app.py")
COMMANDS = ["sleep 1000 & sleep 1000", "exec sleep 1000", "trap '' TERM; sleep 1000 & sleep 1000"]

pytestmark = pytest.mark.e2e


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _start(mode: str) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, str(DRIVER), mode, *COMMANDS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )


def _read_pids(app: subprocess.Popen) -> list[int]:
    line = app.stdout.readline()
    assert line.startswith("PIDS"), (line, app.stderr.read() if app.poll() is not None else "")
    pids = [int(p) for p in line.split()[1:]]
    assert len(pids) >= 5  # three leaders and their children
    return pids


def _assert_clean_exit(app: subprocess.Popen, pids: list[int]) -> None:
    out, err = app.communicate(timeout=60)
    assert app.returncode == 0, err
    assert err == ""  # no traceback, no "Task exception was never retrieved", no Qt warning
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in pids if _alive(p)] == []


def test_closing_the_window_stops_every_child_and_exits_cleanly():
    with _start("close") as app:
        try:
            pids = _read_pids(app)
            _assert_clean_exit(app, pids)
        finally:
            app.kill()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_app_stops_every_child_and_exits_cleanly(signum):
    with _start("wait") as app:
        try:
            pids = _read_pids(app)
            app.send_signal(signum)
            _assert_clean_exit(app, pids)
        finally:
            app.kill()


def test_when_qt_ends_its_loop_under_the_app_it_exits_and_nothing_is_left():
    """Qt ends its loop when the display connection breaks (the X server went away; the
    real thing is in test_display_lost.py): the app exits with status 1 and the watchdog
    ends every run, the one that ignores SIGTERM after its grace period."""
    with _start("qt-exit") as app:
        try:
            pids = _read_pids(app)
            _out, err = app.communicate(timeout=30)
            assert app.returncode == 1, err
            deadline = time.monotonic() + 30  # the default 5 s grace, then SIGKILL
            while any(_alive(p) for p in pids) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [p for p in pids if _alive(p)] == []
        finally:
            app.kill()
