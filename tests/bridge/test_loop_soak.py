"""Several hundred thousand loop callbacks through the app's loop end in a clean exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CALLBACKS = 400_000


@pytest.mark.slow
def test_hundreds_of_thousands_of_callbacks_exit_cleanly():
    script = Path(__file__).with_name("soak_loop.py")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, str(script), str(CALLBACKS)], capture_output=True, text=True, timeout=600, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"callbacks {CALLBACKS}"
    assert result.stderr == ""
