"""A procdeck.ini full of pickled objects runs nothing when the real window opens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.app_log import wait_for_text
from tests.ui.test_settings_store import _write_hostile_ini

pytestmark = pytest.mark.e2e


def test_window_opens_with_a_hostile_ini_and_executes_nothing(tmp_path: Path) -> None:
    config, logs = tmp_path / "config", tmp_path / "logs"
    config.mkdir()
    marker = tmp_path / "MARKER"
    _write_hostile_ini(config / "procdeck.ini", marker, geometry=b"\x01\xd9\xd0\xcb")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PROCDECK_LOG_DIR": str(logs)}
    app = subprocess.Popen(
        [sys.executable, "-m", "procdeck", "--config-dir", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        log = wait_for_text(logs / "procdeck.log", "window shown", app)
        app.send_signal(signal.SIGTERM)
        out, err = app.communicate(timeout=60)
    finally:
        app.kill()
    assert app.returncode == 0, err
    assert not marker.exists()
    assert "appearance/theme in procdeck.ini not migrated: @Variant" in log
    assert (config / "settings.json").is_file()
