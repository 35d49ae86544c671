"""`procdeck run --tty` and stdin forwarding, from outside, with real programs."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time

import pytest

pytestmark = pytest.mark.e2e

PROCDECK = [sys.executable, "-m", "procdeck", "run"]


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run([*PROCDECK, *args], capture_output=True, timeout=60, **kwargs)


def test_tty_run_gives_the_child_a_terminal_and_a_size():
    result = run("--tty", "--", "sh", "-c", "test -t 0 && test -t 1 && test -t 2 && echo TTY-OK; stty size")
    assert result.returncode == 0
    lines = result.stdout.decode().split("\r\n")
    assert "TTY-OK" in lines
    rows, cols = lines[lines.index("TTY-OK") + 1].split()
    assert int(rows) > 0 and int(cols) > 0


def test_stdin_is_forwarded_to_a_pipe_and_closed_at_eof():
    result = run("--", "cat", input=b"hello-stdin\n", stdin=None)
    assert result.returncode == 0
    assert result.stdout == b"hello-stdin\n"


def test_large_stdin_is_forwarded_whole(tmp_path):
    data = os.urandom(1 << 20)
    src = tmp_path / "data.bin"
    src.write_bytes(data)
    with open(src, "rb") as f:  # a regular file: read without epoll
        result = run("--", "cat", stdin=f)
    assert result.stdout == data
    result = run("--", "cat", input=data, stdin=None)  # a pipe, more than the input queue holds
    assert result.stdout == data


def test_piped_input_to_python_on_a_tty():
    result = run("--tty", "--", "python3", "-q", input=b"print(6*7)\nexit()\n", stdin=None)
    assert result.returncode == 0
    assert "42" in result.stdout.decode().split("\r\n")


def test_unfinished_last_line_still_reaches_eof_on_a_tty():
    result = run("--tty", "--", "cat", input=b"abc", stdin=None)
    assert result.returncode == 0  # cat saw end of file: ^D flushed the line, a second ended it


@pytest.mark.parametrize("status", [0, 3, 77])
def test_tty_run_passes_the_exit_status_through(status):
    assert run("--tty", "--", "sh", "-c", f"exit {status}").returncode == status
    assert run("--tty", "--", "sh", "-c", "kill -TERM $$").returncode == 128 + signal.SIGTERM


def _read_until(fd: int, needle: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{needle!r} never came; got {seen!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


@pytest.mark.parametrize("ending", ["exit", "sigterm"])
def test_own_terminal_goes_raw_is_forwarded_and_is_restored(ending):
    """procdeck on a real terminal: keys (^C included) reach the child; the terminal's
    settings come back afterwards, also when procdeck itself is told to stop."""
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    code = (
        "import sys, time\n"
        "print('READY', flush=True)\n"
        "try:\n    line = input()\n    print('GOT', line[::-1], flush=True)\n"
        "    time.sleep(30)\n"
        "except KeyboardInterrupt:\n    print('CHILD-SIGINT', flush=True)\n"
    )
    proc = subprocess.Popen(
        [*PROCDECK, "--tty", "--", sys.executable, "-c", code],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=lambda: __import__("fcntl").ioctl(0, termios.TIOCSCTTY, 0),
    )
    try:
        _read_until(master, b"READY")
        during = termios.tcgetattr(slave)
        assert not during[3] & termios.ICANON and not during[3] & termios.ECHO  # raw
        os.write(master, b"olleh\r")
        _read_until(master, b"GOT hello")
        if ending == "exit":
            os.write(master, b"\x03")  # ^C: a byte for procdeck, SIGINT for the child
            _read_until(master, b"CHILD-SIGINT")
            assert proc.wait(timeout=20) == 0
        else:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 128 + signal.SIGTERM
        assert termios.tcgetattr(slave) == before
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
