"""The display goes away under the real app (its X server dies): the app exits.

Qt ends its event loop when the X11 connection breaks. The app used to hang at exit from
then on (waiting for the worker threads of a loop that would never run again), with no
window and with its runs still going. Needs Xvfb (skipped without it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.app_log import wait_for_text

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (package xvfb)"),
]


def _free_display() -> int:
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    pytest.skip("no free X display number")


def test_the_app_exits_when_its_display_goes_away(tmp_path: Path) -> None:
    number = _free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = None
    try:
        deadline = time.monotonic() + 20
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert xvfb.poll() is None and time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        logs = tmp_path / "logs"
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=f":{number}", PROCDECK_LOG_DIR=str(logs), PROCDECK_DATA_DIR=str(tmp_path / "data"))
        app = subprocess.Popen(
            [sys.executable, "-m", "procdeck", "--config-dir", str(tmp_path / "config")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_text(logs / "procdeck.log", "window shown", app, timeout=60)
        time.sleep(1.0)  # the features are wired behind the shown window
        xvfb.send_signal(signal.SIGTERM)
        xvfb.wait(timeout=20)
        _out, err = app.communicate(timeout=30)  # it used to hang here for good
        assert app.returncode == 1, err
        log = (logs / "procdeck.log").read_text(errors="replace")
        assert "Qt's event loop ended while Procdeck was running" in log
    finally:
        if app is not None:
            app.kill()
            app.wait(timeout=10)
        xvfb.kill()
        xvfb.wait(timeout=10)
