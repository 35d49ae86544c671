"""The built PyInstaller bundle, for real: self-test, worker routing, environment, GUI.

Slow and skipped unless PROCDECK_BUNDLE names the bundle's executable, e.g.

    python3 packaging/build_bundle.py
    PROCDECK_BUNDLE=dist/procdeck/procdeck .venv/bin/python -m pytest tests/e2e/test_bundle.py

(.ci/bundle does both.)
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BUNDLE = os.environ.get("PROCDECK_BUNDLE", "")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not BUNDLE, reason="set PROCDECK_BUNDLE to a built bundle's executable"),
]


@pytest.fixture
def bundle() -> Path:
    path = Path(BUNDLE).resolve()
    assert path.is_file() and os.access(path, os.X_OK), f"PROCDECK_BUNDLE={BUNDLE} is not an executable"
    return path


def _user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A user's environment: no PYTHONUNBUFFERED (it would hide buffering bugs)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED" and not k.startswith("_PYI_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PROCDECK_CONFIG_DIR=str(tmp_path / "config"),
        PROCDECK_LOG_DIR=str(tmp_path / "log"),
    )
    env.update(extra)
    return env


def test_bundle_self_test_passes(bundle: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(bundle), "--self-test"], capture_output=True, text=True, timeout=600, env=_user_env(tmp_path)
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert re.search(r"^self-test: all \d+ checks passed$", result.stdout, re.M)
    assert "ok    worker job" in result.stdout


def test_bundle_serves_anyio_workers_without_a_window(bundle: Path, tmp_path: Path) -> None:
    """anyio's own worker command line: READY at once, unbuffered, nothing on stderr."""
    with subprocess.Popen(
        [str(bundle), "-u", "-m", "anyio.to_process"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_user_env(tmp_path, QT_QPA_PLATFORM="xcb", DISPLAY=":987"),  # a window would fail here
    ) as worker:
        readable, _, _ = select.select([worker.stdout], [], [], 20)  # anyio's own limit
        if not readable:
            worker.kill()
        assert readable, "no READY from the bundled worker within 20 s"
        assert worker.stdout.read(6) == b"READY\n"
        worker.stdin.close()  # EOF: the worker returns
        assert worker.wait(timeout=60) == 0
        assert worker.stderr.read() == b""


def test_launched_programs_get_the_user_environment(bundle: Path, tmp_path: Path) -> None:
    env_program = shutil.which("env")
    assert env_program
    env = _user_env(tmp_path, LD_LIBRARY_PATH="/opt/user/lib", PROCDECK_MARK="1")
    result = subprocess.run(
        [str(bundle), "run", "--", env_program, "-0"], capture_output=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    seen = dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    assert seen["LD_LIBRARY_PATH"] == "/opt/user/lib"
    assert seen["PROCDECK_MARK"] == "1"
    assert [name for name in seen if name.startswith(("_PYI_", "_MEIPASS"))] == []
    assert "QT_PLUGIN_PATH" not in seen  # the bundle's Qt plugins are not the user's


def test_no_library_path_when_the_user_had_none(bundle: Path, tmp_path: Path) -> None:
    env = _user_env(tmp_path)
    env.pop("LD_LIBRARY_PATH", None)
    result = subprocess.run(
        [
            str(bundle),
            "run",
            "--",
            sys.executable,
            "-c",
            "import json, os; print(json.dumps(dict(os.environ)))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert "LD_LIBRARY_PATH" not in seen


def test_bundle_installs_a_desktop_entry_pointing_at_itself(bundle: Path, tmp_path: Path) -> None:
    env = _user_env(tmp_path, XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run(
        [str(bundle), "--install-desktop-entry"], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    entry = (tmp_path / "data" / "applications" / "io.procdeck.Procdeck.desktop").read_text()
    assert f"TryExec={bundle}" in entry.splitlines()
    assert (
        tmp_path / "data" / "icons" / "hicolor" / "256x256" / "apps" / "io.procdeck.Procdeck.png"
    ).is_file()
    removed = subprocess.run(
        [str(bundle), "--uninstall-desktop-entry"], capture_output=True, text=True, timeout=120, env=env
    )
    assert (
        removed.returncode == 0
        and not (tmp_path / "data" / "applications" / "io.procdeck.Procdeck.desktop").exists()
    )


def test_bundled_window_starts_logs_and_quits_cleanly(bundle: Path, tmp_path: Path) -> None:
    env = _user_env(tmp_path)
    log = tmp_path / "log" / "procdeck.log"
    with subprocess.Popen([str(bundle)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as app:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and app.poll() is None:
            if log.exists() and "window shown" in log.read_text():
                break
            time.sleep(0.1)
        assert log.exists() and "window shown" in log.read_text(), (
            app.stderr.read() if app.poll() is not None else ""
        )
        app.send_signal(signal.SIGTERM)
        out, err = app.communicate(timeout=60)
        assert app.returncode == 0, err
        assert err == b""
        assert (tmp_path / "config" / "settings.json").is_file()  # layout saved for the next start
