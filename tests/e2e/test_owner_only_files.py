"""After a real session every file Procdeck wrote is 0600 and every folder 0700 (umask 022)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from procdeck.core.profile import Profile
from procdeck.engine.profiles.store import ProfileStore

pytestmark = pytest.mark.e2e

DRIVER = Path(__file__).with_name("drive_app.py")
LINE = "owner-only-line-42"


def _modes(root: Path) -> list[tuple[str, str]]:
    """Everything under ``root`` (and root itself) that is not owner-only."""
    loose = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        wanted = 0o700 if path.is_dir() else 0o600
        if mode != wanted:
            loose.append((str(path), oct(mode)))
    return loose


def test_a_session_leaves_only_owner_only_files_and_folders(tmp_path: Path) -> None:
    config, data, logs = tmp_path / "config", tmp_path / "data", tmp_path / "logs"
    old = os.umask(0o022)
    try:
        store = ProfileStore(config)
        store.load()
        store.save([Profile("hello", (sys.executable, "-c", f"print({LINE!r})"))])
    finally:
        os.umask(old)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PROCDECK_CONFIG_DIR": str(config),
        "PROCDECK_DATA_DIR": str(data),
        "PROCDECK_LOG_DIR": str(logs),
    }
    # The real app's logging (procdeck.log, crash.log) around the window driver.
    wrapper = (
        "import runpy, sys\n"
        "from procdeck.desktop.app_logging import start_logging\n"
        "session = start_logging()\n"
        "sys.argv = sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "finally:\n"
        "    session.close()\n"
    )
    app = subprocess.run(
        [sys.executable, "-c", wrapper, str(DRIVER), "close", f"echo {LINE}; sleep 1000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert app.returncode == 0, app.stderr
    assert (config / "settings.json").is_file() and (logs / "procdeck.log").is_file()
    run_logs = list(data.rglob("*.stdout.log"))
    assert run_logs and any(LINE in p.read_text() for p in run_logs)
    assert [_modes(root) for root in (config, data, logs)] == [[], [], []]


def test_launch_flag_session_is_owner_only_and_logs_the_line(tmp_path: Path) -> None:
    """The acceptance as written: ``procdeck --config-dir C --launch NAME`` under umask 022."""
    import signal
    import time

    config, data, logs = tmp_path / "config", tmp_path / "data", tmp_path / "logs"
    old = os.umask(0o022)
    try:
        store = ProfileStore(config)
        store.load()
        store.save([Profile("hello", f"echo {LINE}; sleep 1000", shell=True)])
    finally:
        os.umask(old)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PROCDECK_DATA_DIR": str(data),
        "PROCDECK_LOG_DIR": str(logs),
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "procdeck", "--config-dir", str(config), "--launch", "hello"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.umask(0o022),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run_logs = list(data.rglob("*.stdout.log")) if data.exists() else []
            if any(LINE in p.read_text() for p in run_logs):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the launched profile's line never reached its log")
    finally:
        app.send_signal(signal.SIGTERM)
        _, stderr = app.communicate(timeout=60)
    assert app.returncode == 0, stderr
    assert [_modes(root) for root in (data, logs)] == [[], []]
