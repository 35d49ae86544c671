"""Procfile and process-compose imports: the common fields, and a report of what was skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from procdeck.core.profile import EnvVar, StartAfter, StartCondition
from procdeck.core.restart_policy import RestartMode
from procdeck.engine.profiles.importers import (
    ImportFailed,
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
    assert list(by_name) == ["db", "migrate", "web"]
    db, migrate, web = by_name["db"], by_name["migrate"], by_name["web"]
    assert db.cwd == str((FIXTURES / "db").resolve())
    assert (
        db.restart.mode is RestartMode.ALWAYS and db.restart.backoff_s == 2 and db.restart.max_restarts == 5
    )
    assert db.stop_signal == "SIGINT" and db.grace_s == 10
    assert migrate.env == (EnvVar("GLOBAL", "override"), EnvVar("DB_URL", "postgres://localhost/x?a=b"))
    assert migrate.start_after == (StartAfter("db", StartCondition.STARTED),)
    assert web.start_after == (StartAfter("migrate", StartCondition.SUCCEEDED), StartAfter("db"))
    assert web.group == "frontend" and web.notes == "The site" and web.env[-1] == EnvVar("PORT", "8000")
    assert web.restart.mode is RestartMode.ON_FAILURE
    skipped = " | ".join(result.skipped)
    for words in (
        "'log_location'",
        "'readiness_probe'",
        "process_healthy",
        "'old': disabled",
        "'broken': no command",
    ):
        assert words in skipped, words


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
