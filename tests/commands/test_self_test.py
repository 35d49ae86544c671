"""`procdeck --self-test`: real checks, one line each, exit code and a clean stderr."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import anyio
import pytest

from procdeck.commands.self_test import CHECKS, Check, CheckFailed, run_checks


@pytest.mark.e2e
@pytest.mark.slow
def test_self_test_passes_with_clean_stderr() -> None:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # buffering bugs must not hide behind the machine's setting
    result = subprocess.run(
        [sys.executable, "-m", "procdeck", "--self-test"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert len(lines) == len(CHECKS) + 1
    for check, line in zip(CHECKS, lines, strict=False):
        assert line.startswith(f"ok    {check.name}: "), line
    assert lines[-1] == f"self-test: all {len(CHECKS)} checks passed"


def _run(checks: tuple[Check, ...]) -> tuple[int, list[str]]:
    out = io.StringIO()
    failures = anyio.run(run_checks, checks, out)
    return failures, out.getvalue().splitlines()


def test_failures_are_one_line_each_and_counted() -> None:
    async def good() -> str:
        return "fine"

    async def refused() -> str:
        raise CheckFailed("exit code 1, expected 3")

    async def crashed() -> str:
        raise RuntimeError("boom")

    failures, lines = _run((Check("a", good), Check("b", refused), Check("c", crashed)))
    assert failures == 2
    assert lines == [
        "ok    a: fine",
        "FAIL  b: exit code 1, expected 3",
        "FAIL  c: RuntimeError: boom",
        "self-test: 2 of 3 checks failed",
    ]


def test_exit_code_is_nonzero_on_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    from procdeck.commands import self_test

    async def refused() -> str:
        raise CheckFailed("no")

    monkeypatch.setattr(self_test, "CHECKS", (Check("x", refused),))
    out = io.StringIO()
    assert self_test.main(out) == 1
    assert out.getvalue().splitlines()[0] == "FAIL  x: no"
