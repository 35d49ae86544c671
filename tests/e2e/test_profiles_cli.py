"""`procdeck profiles ...` and `procdeck run NAME / --group NAME` in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from procdeck.core.profile import EnvVar, Profile, StartAfter, StartCondition
from procdeck.core.restart_policy import RestartMode, RestartPolicy
from procdeck.engine.profiles.store import ProfileStore

pytestmark = pytest.mark.e2e

PROCDECK = [sys.executable, "-m", "procdeck"]


def procdeck(*args: str, cfg: Path | None = None, **kw) -> subprocess.CompletedProcess:
    extra = ["--config-dir", str(cfg)] if cfg else []
    return subprocess.run([*PROCDECK, *extra, *args], capture_output=True, text=True, timeout=120, **kw)


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    store = ProfileStore(tmp_path / "cfg")
    store.load()
    store.save(
        [
            Profile(
                "hello",
                py("import os; print('hi', os.environ['WHO'], os.getcwd())"),
                cwd=str(tmp_path),
                env=(EnvVar("WHO", "there"), EnvVar("TOKEN", "hunter2", secret=True)),
                group="g",
            ),
            Profile(
                "crash",
                py("import sys; print('crashing'); sys.exit(4)"),
                group="g2",
                restart=RestartPolicy(RestartMode.ON_FAILURE, backoff_s=0.05, max_restarts=2),
            ),
            Profile("first", py("import time; time.sleep(0.3); print('first done')"), group="g"),
            Profile(
                "second",
                py("print('second')"),
                group="g",
                start_after=(StartAfter("first", StartCondition.SUCCEEDED),),
            ),
        ]
    )
    return tmp_path / "cfg"


def test_list_and_show_mask_secrets(cfg: Path) -> None:
    result = procdeck("profiles", "list", cfg=cfg)
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["hello", "crash", "first", "second"]
    shown = procdeck("profiles", "show", "hello", "--config-dir", str(cfg))
    assert shown.returncode == 0 and "TOKEN=••••••" in shown.stdout and "WHO=there" in shown.stdout
    assert "hunter2" not in shown.stdout + shown.stderr
    assert procdeck("profiles", "show", "nope", cfg=cfg).returncode == 1


def test_config_dir_from_environment(cfg: Path) -> None:
    result = procdeck("profiles", "list", env={**os.environ, "PROCDECK_CONFIG_DIR": str(cfg)})
    assert result.returncode == 0 and "hello" in result.stdout


def test_run_profile_uses_its_settings(cfg: Path, tmp_path: Path) -> None:
    result = procdeck("run", "hello", cfg=cfg)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"hi there {tmp_path}\n"


def test_run_profile_applies_restart_policy_and_exit_status(cfg: Path) -> None:
    result = procdeck("run", "crash", cfg=cfg)
    assert result.returncode == 4
    assert result.stdout.count("crashing") == 3  # first run + 2 restarts
    assert "gave up after 2 restarts" in result.stderr


def test_run_group_honours_start_after(cfg: Path, tmp_path: Path) -> None:
    result = procdeck("run", "--group", "g", cfg=cfg)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"hello | hi there {tmp_path}" in lines
    assert lines.index("first | first done") < lines.index("second | second")


def test_unknown_profile_hints_at_double_dash(cfg: Path) -> None:
    result = procdeck("run", "nope", cfg=cfg)
    assert result.returncode == 1 and "procdeck run -- nope" in result.stderr


@pytest.mark.parametrize(
    "content", [b'schema = 1\n[[profiles]]\nname = "a"\ncommand = [', b"\x00\x01garbage", b""]
)
def test_broken_file_one_line_error_and_untouched(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "profiles.toml").write_bytes(content)
    before = sorted(p.name for p in tmp_path.iterdir())
    for args in (
        ("profiles", "list"),
        ("run", "x"),
        ("run", "--group", "g"),
        ("profiles", "import", str(tmp_path / "none")),
    ):
        result = procdeck(*args, cfg=tmp_path)
        assert result.returncode == 1, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("procdeck: ")
    assert (tmp_path / "profiles.toml").read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_import_and_export_round_trip(tmp_path: Path, cfg: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: echo web\nbad line\n")
    result = procdeck("profiles", "import", str(procfile), cfg=cfg)
    assert result.returncode == 0 and "skipped: line 2" in result.stderr
    exported = procdeck("profiles", "export", "hello", "web", cfg=cfg)
    assert exported.returncode == 0 and 'name = "web"' in exported.stdout
    other = tmp_path / "other"
    out_file = tmp_path / "export.toml"
    assert procdeck("profiles", "export", "-o", str(out_file), cfg=cfg).returncode == 0
    assert oct(out_file.stat().st_mode & 0o777) == "0o600"
    assert procdeck("profiles", "import", str(out_file), cfg=other).returncode == 0
    names = procdeck("profiles", "list", cfg=other).stdout.split()
    assert "web" in names and "hello" in names
    # Importing again renames instead of overwriting.
    again = procdeck("profiles", "import", str(out_file), cfg=other)
    assert "imported as 'hello (2)'" in again.stderr


def test_sigint_stops_a_restarting_profile(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.load()
    store.save(
        [
            Profile(
                "svc",
                py("import time; print('up', flush=True); time.sleep(60)"),
                restart=RestartPolicy(RestartMode.ALWAYS, backoff_s=0.05),
            )
        ]
    )
    proc = subprocess.Popen(
        [*PROCDECK, "--config-dir", str(tmp_path), "run", "svc"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "up"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        assert time.monotonic() - t0 < 30
        assert "up" not in proc.stdout.read()  # no restart after the stop
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_command_options_with_a_profile_are_a_usage_error(cfg: Path) -> None:
    result = procdeck("run", "--cwd", "/tmp", "hello", cfg=cfg)
    assert result.returncode == 2 and "apply to commands" in result.stderr


def test_run_refuses_a_worker_job_profile_with_a_pointer_to_procdeck_job(tmp_path):
    (tmp_path / "profiles.toml").write_text(
        'schema = 1\n\n[[profiles]]\nname = "primes"\n\n[profiles.job]\n'
        'target = "procdeck.tasks.builtin:count_primes"\nargs = ["1000"]\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "procdeck", "--config-dir", str(tmp_path), "run", "primes"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        "worker job" in result.stderr and "procdeck job procdeck.tasks.builtin:count_primes" in result.stderr
    )
    assert len(result.stderr.splitlines()) == 1


def test_export_to_stdout_masks_secrets_unless_asked(tmp_path: Path, cfg: Path) -> None:
    masked = procdeck("profiles", "export", "hello", cfg=cfg)
    assert masked.returncode == 0
    assert "hunter2" not in masked.stdout and "TOKEN" in masked.stdout and "there" in masked.stdout
    assert "secret values are masked" in masked.stderr
    shown = procdeck("profiles", "export", "hello", "--include-secrets", cfg=cfg)
    assert shown.returncode == 0 and "hunter2" in shown.stdout
    out_file = tmp_path / "secret.toml"
    assert procdeck("profiles", "export", "hello", "-o", str(out_file), cfg=cfg).returncode == 0
    assert "hunter2" in out_file.read_text() and oct(out_file.stat().st_mode & 0o777) == "0o600"
