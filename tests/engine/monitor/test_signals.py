from __future__ import annotations

import os
import signal

import anyio
import psutil
import pytest

from procdeck.core.samples import SignalRequest
from procdeck.engine.monitor.sampler import Sampler
from procdeck.engine.monitor.signals import send_signal, valid_signals

from .conftest import IDLE, PARENT_OF_TWO


def test_terminate_one_process(spawn) -> None:
    proc = spawn(IDLE)
    ct = psutil.Process(proc.pid).create_time()
    result = send_signal(SignalRequest(proc.pid, ct, int(signal.SIGTERM), name="python"))
    assert result.ok and result.sent == (proc.pid,)
    assert proc.wait(timeout=30) == -signal.SIGTERM


def test_kill_whole_tree(spawn) -> None:
    parent = spawn(PARENT_OF_TWO)
    assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
    kids = psutil.Process(parent.pid).children()
    ct = psutil.Process(parent.pid).create_time()
    result = send_signal(SignalRequest(parent.pid, ct, int(signal.SIGKILL), tree=True))
    assert set(result.sent) == {parent.pid, *(k.pid for k in kids)}
    parent.wait(timeout=30)
    gone, alive = psutil.wait_procs(kids, timeout=30)
    assert not alive


def test_reused_pid_is_refused(spawn) -> None:
    proc = spawn(IDLE)
    ct = psutil.Process(proc.pid).create_time()
    result = send_signal(SignalRequest(proc.pid, ct - 60.0, int(signal.SIGKILL)))
    assert result.reused and not result.sent
    assert "another process" in result.describe()
    assert proc.poll() is None  # still alive: nothing was sent


def test_gone_process(spawn) -> None:
    proc = spawn(IDLE)
    ct = psutil.Process(proc.pid).create_time()
    proc.kill()
    proc.wait(timeout=30)
    result = send_signal(SignalRequest(proc.pid, ct, int(signal.SIGTERM)))
    assert result.gone == (proc.pid,) and not result.ok


@pytest.mark.skipif(os.geteuid() == 0, reason="root may signal anything")
def test_access_denied_is_reported_not_raised() -> None:
    init = psutil.Process(1)
    result = send_signal(SignalRequest(1, init.create_time(), int(signal.SIGCONT)))
    assert result.denied == (1,) and not result.ok
    assert "access denied" in result.describe()


def test_bad_signal_and_pid_are_clear_errors() -> None:
    assert "not a valid signal" in send_signal(SignalRequest(os.getpid(), 0.0, 9999)).describe()
    assert "not a process id" in send_signal(SignalRequest(0, 0.0, int(signal.SIGTERM))).describe()
    assert int(signal.SIGTERM) in valid_signals()


@pytest.mark.anyio
async def test_sampler_sends_off_the_loop(spawn) -> None:
    proc = spawn(IDLE)
    ct = psutil.Process(proc.pid).create_time()
    result = await Sampler().send_signal(SignalRequest(proc.pid, ct, int(signal.SIGTERM)))
    assert result.ok
    with anyio.fail_after(30):
        while proc.poll() is None:
            await anyio.sleep(0.05)


def test_access_denied_in_a_tree_is_collected(spawn, monkeypatch) -> None:
    """Root may signal anything, so simulate the kernel's EPERM for one child."""
    parent = spawn(PARENT_OF_TWO)
    assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
    kids = psutil.Process(parent.pid).children()
    protected = kids[0].pid
    real = psutil.Process.send_signal

    def guarded(self: psutil.Process, sig: int) -> None:
        if self.pid == protected:
            raise psutil.AccessDenied(self.pid)
        real(self, sig)

    monkeypatch.setattr(psutil.Process, "send_signal", guarded)
    ct = psutil.Process(parent.pid).create_time()
    result = send_signal(SignalRequest(parent.pid, ct, int(signal.SIGCONT), tree=True, name="py"))
    assert result.denied == (protected,)
    assert set(result.sent) == {parent.pid, kids[1].pid}
    assert not result.ok
    assert f"access denied for pid {protected}" in result.describe()
