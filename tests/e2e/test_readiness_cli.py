"""The readiness acceptance, from outside: a process-compose.yaml with an HTTP readiness
probe, an env file, a healthy condition and a dependency that never gets healthy, imported
and run headless with the installed ``procdeck``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.e2e

_SCRIPT = Path(sys.executable).parent / "procdeck"
PROCDECK = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "procdeck"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_stack(folder: Path, port: int) -> Path:
    client = (
        "import os, urllib.request; "
        f"r = urllib.request.urlopen('http://127.0.0.1:{port}/'); "
        "print('CLIENT', r.status, os.environ['GREETING'])"
    )
    compose = folder / "process-compose.yaml"
    compose.write_text(
        textwrap.dedent(
            f"""\
            version: "0.5"
            processes:
              server:
                command: "sleep 1.5; exec {sys.executable} -m http.server {port} --bind 127.0.0.1"
                readiness_probe:
                  http_get:
                    host: 127.0.0.1
                    port: {port}
                    path: /
                  period_seconds: 1
                  failure_threshold: 30
              client:
                command: {json.dumps(f'{sys.executable} -c "{client}"')}
                env_file: client.env
                depends_on:
                  server:
                    condition: process_healthy
              never:
                command: "sleep 30"
                readiness_probe:
                  exec:
                    command: "false"
                  period_seconds: 1
                  failure_threshold: 2
              blocked:
                command: "echo BLOCKED-RAN"
                depends_on:
                  never:
                    condition: process_healthy
            """
        )
    )
    (folder / "client.env").write_text("GREETING=from-env-file\n")
    return compose


def test_group_waits_for_healthy_and_blocks_on_failed_readiness(tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    stack.mkdir()
    compose = write_stack(stack, free_port())
    cfg = ["--config-dir", str(tmp_path / "cfg")]
    imported = subprocess.run(
        [*PROCDECK, "profiles", "import", *cfg, str(compose)], capture_output=True, text=True, timeout=60
    )
    assert imported.returncode == 0, imported.stderr
    report = (imported.stdout + imported.stderr).replace(str(tmp_path), "TMP")
    for word in ("readiness", "env_file", "healthy", "Skipped"):
        assert word not in report, report
    before = {p.pid for p in psutil.process_iter()}
    run = subprocess.run(
        [*PROCDECK, "run", *cfg, "--group", "stack"], capture_output=True, text=True, timeout=120
    )
    output = run.stdout + run.stderr
    assert "CLIENT 200 from-env-file" in run.stdout, output
    assert "BLOCKED-RAN" not in output
    assert "blocked: blocked: waits on never, which failed its readiness probe" in run.stderr, output
    assert run.returncode != 0
    leftovers = [
        p.pid for p in psutil.process_iter() if p.pid not in before and _cwd(p).startswith(str(stack))
    ]
    assert leftovers == []


def _cwd(process: psutil.Process) -> str:
    try:
        return process.cwd()
    except psutil.Error:
        return ""


def test_group_env_file_precedence_and_a_malformed_file(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (tmp_path / "group.env").write_text("A=group\nB=group\nC=group\n")
    (tmp_path / "own.env").write_text("B=own-file\nC=own-file\n")
    (tmp_path / "bad.env").write_text("A=1\n=oops\n")
    show = "import os; print('VALUES', *(os.environ.get(k) for k in 'ABC'))"
    (cfg / "profiles.toml").write_text(
        textwrap.dedent(
            f"""\
            schema = 1

            [groups.g]
            env_file = "{tmp_path / "group.env"}"

            [[profiles]]
            name = "show"
            command = [{json.dumps(sys.executable)}, "-c", {json.dumps(show)}]
            cwd = "{tmp_path}"
            group = "g"
            env_files = ["own.env"]

            [profiles.env]
            C = "own"

            [[profiles]]
            name = "bad"
            command = ["true"]
            cwd = "{tmp_path}"
            group = "h"
            env_files = ["bad.env"]
            """
        )
    )
    run = subprocess.run(
        [*PROCDECK, "run", "--config-dir", str(cfg), "--group", "g"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "VALUES group own-file own" in run.stdout, run.stdout + run.stderr
    assert run.returncode == 0
    bad = subprocess.run(
        [*PROCDECK, "run", "--config-dir", str(cfg), "bad"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode != 0
    assert f"Profile 'bad': env file {tmp_path / 'bad.env'}, line 2: cannot parse '=oops'" in bad.stderr
