"""The linters and the type checker the project is configured for run as part of the suite (and so in CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_is_clean() -> None:
    result = _run("ruff", "check", "app", "tests", "packaging")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run("ruff", "format", "--check", "app", "tests", "packaging")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    # Configured in pyproject.toml ([tool.mypy]: the package, strict for core and engine).
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
