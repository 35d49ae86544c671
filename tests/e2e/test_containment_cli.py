"""Acceptance of containment, from outside: `procdeck run` signalled, SIGKILLed, and
SIGKILLed with its watchdog (then `procdeck leftovers`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from procdeck.engine.containment import cookie, procfs
from tests.engine.containment.helpers import sleeps, sleeps_cleaned_up, unique_seconds, wait_until

pytestmark = pytest.mark.e2e

PROCDECK = [sys.executable, "-m", "procdeck"]


@pytest.fixture
def esc(tmp_path: Path) -> Path:
    script = tmp_path / "esc.sh"
    script.write_text('#!/bin/sh\n(setsid sleep "$1" &); exec sleep "$2"\n')
    script.chmod(0o755)
    return script


def _start(*args: str, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*PROCDECK, "run", *args], cwd=cwd, stdout=subprocess.DEVNULL)


def _watchdog_of(pid: int) -> int:
    def find() -> int | None:
        for name in os.listdir("/proc"):
            entry = procfs.read_entry(int(name)) if name.isdigit() else None
            if entry and entry.ppid == pid and "containment.watchdog" in procfs.cmdline(entry.pid):
                return entry.pid
        return None

    assert wait_until(lambda: find() is not None)
    found = find()
    assert found is not None
    return found


def test_sigterm_to_procdeck_run_stops_the_escapee_too(esc):
    a, b = unique_seconds(), unique_seconds()
    with sleeps_cleaned_up(a, b):
        proc = _start("--", "./esc.sh", a, b, cwd=esc.parent)
        try:
            assert wait_until(lambda: len(sleeps(a, b)) == 2)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 128 + signal.SIGTERM
            assert sleeps(a, b) == []
        finally:
            proc.kill()
            proc.wait()


def test_sigkilled_procdeck_run_is_cleaned_up_by_its_watchdog(esc):
    a, b, c = unique_seconds(), unique_seconds(), unique_seconds()
    with sleeps_cleaned_up(a, b, c):
        proc = _start("--", "sh", "-c", f"./esc.sh {a} {b} & sleep {c} & wait", cwd=esc.parent)
        try:
            assert wait_until(lambda: len(sleeps(a, b, c)) == 3)
            watchdog = _watchdog_of(proc.pid)
            proc.kill()
            proc.wait()
            # Acceptance: gone within 3 s; the generous bound only keeps a busy machine from flaking.
            assert wait_until(lambda: not sleeps(a, b, c), 15)
            assert wait_until(lambda: not procfs.is_alive((watchdog, procfs.start_of(watchdog) or -1)), 15)
        finally:
            proc.kill()
            proc.wait()


def test_leftovers_lists_and_stops_what_a_killed_procdeck_and_watchdog_left(esc):
    a, b, c = unique_seconds(), unique_seconds(), unique_seconds()
    with sleeps_cleaned_up(a, b, c):
        proc = _start("--", "sh", "-c", f"./esc.sh {a} {b} & sleep {c} & wait", cwd=esc.parent)
        try:
            assert wait_until(lambda: len(sleeps(a, b, c)) == 3)
            watchdog = _watchdog_of(proc.pid)
            os.kill(watchdog, signal.SIGKILL)
            proc.kill()
            proc.wait()
        finally:
            proc.kill()
            proc.wait()
        left = sleeps(a, b, c)
        assert len(left) == 3
        value = procfs.read_cookie(left[0])
        assert value is not None
        instance = cookie.Cookie.parse(value).instance

        listing = subprocess.run([*PROCDECK, "leftovers"], capture_output=True, text=True, timeout=60)
        assert listing.returncode == 0
        assert "from an earlier Procdeck session" in listing.stdout
        for pid in left:
            assert any(
                line.startswith(f"{pid} ") and instance in line for line in listing.stdout.splitlines()
            )

        stopping = subprocess.run(
            [*PROCDECK, "leftovers", "--stop", "--instance", instance],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert stopping.returncode == 0, stopping.stderr
        assert "Stopped 4 processes." in stopping.stdout  # the sh -c, three sleeps
        assert sleeps(a, b, c) == []
        again = subprocess.run(
            [*PROCDECK, "leftovers", "--instance", instance], capture_output=True, text=True, timeout=60
        )
        assert again.stdout.startswith("No processes")


def test_leftovers_rejects_a_negative_grace():
    result = subprocess.run(
        [*PROCDECK, "leftovers", "--grace", "-1"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "--grace must be 0 or more seconds" in result.stderr
