"""`procdeck run` in a subprocess: streams, exit statuses, and the stop ladder on signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

pytestmark = pytest.mark.e2e

PROCDECK = [sys.executable, "-m", "procdeck", "run"]


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*PROCDECK, *args], capture_output=True, timeout=60, **kwargs)


def test_streams_go_to_their_own_fd_and_the_status_is_the_childs():
    code = "import sys; print('to out'); print('to err', file=sys.stderr); sys.exit(5)"
    result = run("--", sys.executable, "-c", code)
    assert result.returncode == 5
    assert result.stdout == b"to out\n"
    assert result.stderr == b"to err\n"


def test_shell_mode_cwd_and_env(tmp_path):
    result = run("--shell", "--cwd", str(tmp_path), "--env", "WHO=procdeck", "--", 'echo "$WHO in $(pwd)"')
    assert result.returncode == 0
    assert result.stdout.decode() == f"procdeck in {tmp_path}\n"


def test_death_by_signal_is_128_plus_n():
    result = run("--shell", "--", "kill -KILL $$")
    assert result.returncode == 128 + signal.SIGKILL


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ["--", "procdeck-no-such-command"],
            127,
            b"procdeck run: Command not found: procdeck-no-such-command\n",
        ),
        (
            ["--cwd", "/nonexistent-procdeck", "--", "true"],
            127,
            b"procdeck run: Working folder does not exist: /nonexistent-procdeck\n",
        ),
        ([], 2, b"procdeck run: No command given: procdeck run [OPTIONS] -- COMMAND [ARG...]\n"),
        (["--env", "NOEQUALS", "--", "true"], 2, b"procdeck run: Expected KEY=VALUE, got 'NOEQUALS'.\n"),
    ],
)
def test_bad_input_is_one_line_and_a_nonzero_status(args, status, message):
    result = run(*args)
    assert result.returncode == status
    assert result.stderr == message
    assert result.stdout == b""


def test_bytes_pass_through_unchanged():
    payload = b"\xff\xfe raw \x00 bytes\r\nno newline at end"
    code = f"import sys; sys.stdout.buffer.write({payload!r})"
    result = run("--", sys.executable, "-c", code)
    assert result.stdout == payload


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_runs_the_stop_ladder_on_the_whole_tree(signum):
    script = "sleep 1000 & echo $!; sleep 1000 & echo $!; wait"
    with subprocess.Popen(
        [*PROCDECK, "--grace", "2", "--shell", "--", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        _signal_and_check(proc, signum)


def _signal_and_check(proc: subprocess.Popen, signum: int) -> None:
    try:
        pids = [int(proc.stdout.readline()), int(proc.stdout.readline())]
        proc.send_signal(signum)
        proc.wait(timeout=30)
        assert proc.returncode == 128 + signal.SIGTERM  # the shell died of the stop signal
        assert proc.stderr.read() == b""
        deadline = time.monotonic() + 10
        while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids):
            assert time.monotonic() < deadline, "a grandchild survived"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()


def test_unbuffered_python_children_stream_line_by_line():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    code = "import time\nprint('first')\ntime.sleep(30)"
    with subprocess.Popen(
        [*PROCDECK, "--", sys.executable, "-c", code], stdout=subprocess.PIPE, env=env
    ) as proc:
        try:
            assert proc.stdout.readline() == b"first\n"  # arrives while the child still sleeps
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
