"""The bundle's entry routing, run for real with a stand-in for a frozen executable.

A PyInstaller bundle's sys.executable is the app, which ignores Python's own flags. The
stand-in here is a script that runs procdeck.frozen.main() with ``sys.frozen`` set and
block-buffered stdout (PYTHONUNBUFFERED removed, no -u), exactly the situation of a bundle.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import anyio
import anyio.to_process
import pytest

from procdeck.commands import self_test_child
from procdeck.frozen import is_anyio_worker_argv, route

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="stand-in launcher is a shell script")


def loaded_heavy_modules() -> list[str]:
    """Runs in the worker: which heavy modules did routing import?"""
    heavy = ("PySide6", "numpy", "pyqtgraph", "qasync", "procdeck.cli", "procdeck.main", "procdeck.ui")
    return sorted(name for name in sys.modules if name.startswith(heavy))


def worker_facts() -> tuple[int, bool, str]:
    return os.getpid(), bool(getattr(sys, "frozen", False)), type(sys.stdout).__name__


@pytest.fixture
def frozen_launcher(tmp_path: Path) -> Path:
    script = tmp_path / "procdeck-frozen"
    code = "import sys; sys.frozen = True; from procdeck.frozen import main; sys.exit(main())"
    script.write_text(f'#!/bin/sh\nexec env -u PYTHONUNBUFFERED "{sys.executable}" -c "{code}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-u", "-m", "anyio.to_process"], True),
        (["-m", "anyio.to_process"], True),
        (["-u", "-B", "-m", "anyio.to_process"], True),
        (["-m", "anyio.to_process", "extra"], False),
        (["-c", "-m", "anyio.to_process"], False),
        (["-m", "anyio"], False),
        (["-u", "-m", "procdeck.engine.workers.worker_main"], False),
        (["--self-test"], False),
        ([], False),
    ],
)
def test_worker_argv_detection(args: list[str], expected: bool) -> None:
    assert is_anyio_worker_argv(args) is expected


def test_normal_arguments_are_not_routed() -> None:
    assert route(["--self-test"]) is None
    assert route([]) is None


@pytest.mark.anyio
async def test_frozen_app_serves_anyio_worker_jobs(
    frozen_launcher: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(frozen_launcher))
    with anyio.fail_after(60):
        pid, frozen, stdout_type = await anyio.to_process.run_sync(worker_facts)
        heavy = await anyio.to_process.run_sync(loaded_heavy_modules)
        # A second job on the same worker: the protocol keeps flowing unbuffered.
        again = await anyio.to_process.run_sync(worker_facts)
    assert pid != os.getpid() and frozen
    assert again[0] == pid
    assert heavy == []
    assert stdout_type == "TextIOWrapper"


@pytest.mark.anyio
async def test_frozen_worker_propagates_exceptions(
    frozen_launcher: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(frozen_launcher))
    with anyio.fail_after(60), pytest.raises(ZeroDivisionError):
        await anyio.to_process.run_sync(divmod, 1, 0)


def test_frozen_app_runs_self_test_children(frozen_launcher: Path) -> None:
    result = subprocess.run(
        [str(frozen_launcher), "--self-test-child", "streams"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == self_test_child.STREAMS_EXIT_CODE
    assert result.stdout.splitlines() == list(self_test_child.STREAMS_STDOUT)
    assert result.stderr.splitlines() == list(self_test_child.STREAMS_STDERR)


def test_unknown_self_test_child_mode_is_reported(frozen_launcher: Path) -> None:
    result = subprocess.run(
        [str(frozen_launcher), "--self-test-child", "bogus"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "unknown self-test child mode: 'bogus'" in result.stderr


def write_to_descriptors() -> tuple[bool, int]:
    """Runs in a Procdeck worker: C-level writes to fd 1 and 2 must not break the reply."""
    os.write(1, b"fd one\n")
    os.write(2, b"fd two\n")
    return bool(getattr(sys, "frozen", False)), os.getpid()


@pytest.mark.anyio
async def test_frozen_app_serves_procdeck_workers(
    frozen_launcher: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from procdeck.core.jobs import JobSpec, JobState
    from procdeck.engine.workers.local import open_local_pool

    monkeypatch.setattr(sys, "executable", str(frozen_launcher))
    with anyio.fail_after(60):
        async with open_local_pool(1) as pool:
            first = await pool.run(JobSpec("tests.test_frozen:write_to_descriptors"))
            second = await pool.run(JobSpec("tests.test_frozen:loaded_heavy_modules"))
    assert first.state is JobState.DONE, first.failure
    assert "True" in (first.result_repr or "")
    assert (first.stdout, first.stderr) == ("fd one\n", "fd two\n")
    assert second.state is JobState.DONE and second.result_repr == "[]"
