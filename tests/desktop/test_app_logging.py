"""The rotating log file and faulthandler's crash file, for real."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from procdeck.desktop import app_logging
from procdeck.desktop.app_logging import default_log_dir, start_logging


def test_records_reach_the_log_file_and_close_detaches(tmp_path: Path) -> None:
    session = start_logging(tmp_path / "logs")
    try:
        logging.getLogger("procdeck.test").warning("something to keep")
    finally:
        session.close()
    logging.getLogger("procdeck.test").warning("after close")
    text = session.log_file.read_text()
    assert "WARNING procdeck.test: something to keep" in text
    assert "after close" not in text
    assert session.handler not in logging.getLogger().handlers


def test_log_rotates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_logging, "MAX_BYTES", 2000)
    session = start_logging(tmp_path)
    try:
        for i in range(200):
            logging.getLogger("procdeck.test").warning("line %d %s", i, "x" * 40)
    finally:
        session.close()
    rotated = sorted(p.name for p in tmp_path.glob("procdeck.log.*"))
    assert rotated[: app_logging.BACKUP_COUNT] == [
        f"procdeck.log.{i}" for i in range(1, app_logging.BACKUP_COUNT + 1)
    ]
    assert all(p.stat().st_size <= 2100 for p in tmp_path.glob("procdeck.log*"))


def test_log_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCDECK_LOG_DIR", str(tmp_path))
    assert default_log_dir() == tmp_path
    monkeypatch.delenv("PROCDECK_LOG_DIR")
    assert "Procdeck" in str(default_log_dir())


def test_faulthandler_writes_a_crash_to_the_crash_file(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import faulthandler, pathlib, resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file from this crash
        from procdeck.desktop.app_logging import start_logging
        session = start_logging(pathlib.Path({str(tmp_path)!r}))
        faulthandler._sigsegv()
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path
    )
    assert result.returncode != 0
    crash = (tmp_path / "crash.log").read_text()
    assert "Fatal Python error: Segmentation fault" in crash
    assert "Segmentation fault" not in result.stderr
