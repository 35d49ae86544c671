"""Waiting for a line in the log of an app started as a subprocess by an end-to-end test."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def wait_for_text(path: Path, text: str, app: subprocess.Popen, timeout: float = 90) -> str:
    """The log's content once ``text`` is in it; fails if the app exits first or in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content:
            return content
        assert app.poll() is None, app.communicate()
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {path}")
