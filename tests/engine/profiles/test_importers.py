"""Procfile and process-compose imports: the common fields, and a report of what was skipped."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from procdeck.core.probes import Probe, ProbeKind
from procdeck.core.profile import EnvVar, StartAfter, StartCondition
from procdeck.core.restart_policy import RestartMode
from procdeck.engine.profiles.importers import (
    ImportFailed,
    ImportResult,
    import_any,
    import_process_compose,
    import_procfile,
)

FIXTURES = Path(__file__).parent / "fixtures"


def test_procfile() -> None:
    result = import_procfile(FIXTURES / "Procfile")
    assert [p.name for p in result.profiles] == ["web", "worker"]
    web = result.profiles[0]
    assert web.shell and web.command == "python3 -m http.server ${PORT:-8000}"
    assert web.cwd == str(FIXTURES.resolve()) and web.group == "fixtures"
    assert result.profiles[1].command == 'python3 worker.py --queue "default jobs"'
    skipped = " | ".join(result.skipped)
    assert "line 5" in skipped and "line 6" in skipped and "line 7" in skipped and "twice" in skipped
    assert all(p.problems() == [] for p in result.profiles)


def test_process_compose() -> None:
    result = import_any(FIXTURES / "process-compose.yaml")
    by_name = {p.name: p for p in result.profiles}
    assert list(by_name) == ["db", "migrate", "web", "old"]
    db, migrate, web = by_name["db"], by_name["migrate"], by_name["web"]
    assert db.cwd == str((FIXTURES / "db").resolve())
    assert (
        db.restart.mode is RestartMode.ALWAYS and db.restart.backoff_s == 2 and db.restart.max_restarts == 5
    )
    assert db.stop_signal == "SIGINT" and db.grace_s == 10
    assert db.readiness == Probe(
        ProbeKind.EXEC, command="pg_isready", period_s=10, timeout_s=1, failure_threshold=3
    )
    user_env = [v for v in migrate.env if not v.name.startswith("PC_")]
    assert user_env == [EnvVar("GLOBAL", "override"), EnvVar("DB_URL", "postgres://localhost/x?a=b")]
    assert EnvVar("PC_PROC_NAME", "migrate") in migrate.env
    assert migrate.start_after == (StartAfter("db", StartCondition.HEALTHY),)
    assert web.start_after == (StartAfter("migrate", StartCondition.SUCCEEDED), StartAfter("db"))
    assert web.group == "frontend" and web.notes == "The site" and web.env[-1] == EnvVar("PORT", "8000")
    assert web.restart.mode is RestartMode.ON_FAILURE
    assert by_name["old"].disabled
    skipped = " | ".join(result.skipped)
    assert "'log_location'" in skipped and "'broken': no command" in skipped
    for words in ("readiness", "process_healthy", "disabled"):
        assert words not in skipped, words


def _compose(tmp_path: Path, text: str) -> ImportResult:
    path = tmp_path / "process-compose.yaml"
    path.write_text(textwrap.dedent(text))
    return import_process_compose(path)


def test_process_compose_probes_conditions_and_availability(tmp_path: Path) -> None:
    result = _compose(
        tmp_path,
        """
        processes:
          api:
            command: "serve"
            env_file: api.env
            readiness_probe:
              http_get: {host: localhost, port: 8080, path: /health, scheme: http, status_code: 204}
              initial_delay_seconds: 2
              period_seconds: 3
              timeout_seconds: 4
              success_threshold: 2
              failure_threshold: 5
            liveness_probe:
              exec: {command: "curl -f localhost:8080"}
            availability: {restart: on_failure, backoff_seconds: 3, max_restarts: 4, exit_on_failure: true}
            shutdown: {signal: 15, timeout_seconds: 7, command: "api stop"}
          worker:
            command: "work"
            ready_log_line: "ready (1/1)"
            depends_on:
              api: {condition: process_healthy}
              seed: {condition: process_completed}
              check: {condition: process_completed_successfully}
              ghost: {condition: process_started}
          seed: {command: "seed"}
          check: {command: "check"}
        """,
    )
    by_name = {p.name: p for p in result.profiles}
    api, worker = by_name["api"], by_name["worker"]
    assert api.readiness == Probe(
        ProbeKind.HTTP_GET, host="localhost", port=8080, path="/health", status_min=204, status_max=204,
        initial_delay_s=2, period_s=3, timeout_s=4, success_threshold=2, failure_threshold=5,
    )  # fmt: skip
    assert api.liveness is not None and api.liveness.kind is ProbeKind.EXEC
    assert api.env_files == (str(tmp_path / "api.env"),)
    assert api.restart.mode is RestartMode.ON_FAILURE and api.restart.max_restarts == 4
    assert api.stop_group_on_failure and api.grace_s == 7
    assert worker.readiness is not None and worker.readiness.kind is ProbeKind.LOG_LINE
    assert re.search(worker.readiness.pattern, "x ready (1/1) y") and not re.search(
        worker.readiness.pattern, "ready 1"
    )
    assert worker.start_after == (
        StartAfter("api", StartCondition.HEALTHY),
        StartAfter("seed", StartCondition.EXITED),
        StartAfter("check", StartCondition.SUCCEEDED),
        StartAfter("ghost", StartCondition.STARTED),
    )
    skipped = " | ".join(result.skipped)
    assert "depends_on 'ghost', which is not in this file" in skipped
    assert "shutdown command is not supported" in skipped
    assert "exit_on_failure" not in skipped and "readiness" not in skipped


def test_process_compose_shell_and_templates(tmp_path: Path) -> None:
    result = _compose(
        tmp_path,
        """
        shell: {shell_command: bash, shell_argument: -c}
        vars: {PORT: 9000, NAME: site}
        processes:
          web:
            command: "echo {{.NAME}} $((1+1)) on {{ .PORT }} replica {{.PC_REPLICA_NUM}}"
            vars: {NAME: local}
            readiness_probe:
              http_get: {port: "{{.PORT}}"}
          bad:
            command: "echo {{.MISSING}}"
          fancy:
            command: "echo {{if .PORT}}x{{end}}"
        """,
    )
    (web,) = result.profiles
    assert web.command == ("bash", "-c", "echo local $((1+1)) on 9000 replica 0") and not web.shell
    assert web.readiness is not None and web.readiness.port == 9000
    skipped = " | ".join(result.skipped)
    assert "'bad': not imported: template variable 'MISSING'" in skipped
    assert "'fancy': not imported: template" in skipped
    assert all("{{" not in " ".join(p.argv) for p in result.profiles)


def test_procfile_ports_and_dotenv(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text("web: serve $PORT\nworker: work\napi: api\n")
    result = import_procfile(tmp_path / "Procfile")
    ports = [dict((v.name, v.value) for v in p.env)["PORT"] for p in result.profiles]
    assert ports == ["5000", "5100", "5200"] and all(p.env_files == () for p in result.profiles)
    (tmp_path / ".env").write_text("PORT=7000\nSECRET=x\n")
    result = import_procfile(tmp_path / "Procfile")
    ports = [dict((v.name, v.value) for v in p.env)["PORT"] for p in result.profiles]
    assert ports == ["7000", "7100", "7200"]
    assert all(p.env_files == (str(tmp_path / ".env"),) for p in result.profiles)
    (tmp_path / ".env").write_text("this is not dotenv\n")
    result = import_procfile(tmp_path / "Procfile")
    assert "line 1: cannot parse" in " ".join(result.skipped)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("pc.yaml", "processes: [\n", "line 2"),
        ("pc.yaml", "just: text\n", "no 'processes:'"),
        ("pc.yaml", b"\xff\xfe", "not UTF-8"),
        ("Procfile", "\n# nothing\n", "no processes"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, name: str, content: str | bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ImportFailed) as info:
        import_any(path)
    assert words in str(info.value) and str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="cannot read"):
        import_process_compose(tmp_path / "nope.yaml")


def test_process_compose_loads_the_dotenv_beside_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\n")
    result = _compose(
        tmp_path, "processes:\n  p:\n    command: run\n    env_file: p.env\n    is_daemon: true\n"
    )
    (p,) = result.profiles
    assert p.env_files == (str(tmp_path / ".env"), str(tmp_path / "p.env"))
    assert "'is_daemon' is not supported" in " ".join(result.skipped)
