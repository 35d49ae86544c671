"""A terminal run's relays (engine/pty_relay.py), with real programs and real terminals."""

from __future__ import annotations

import hashlib
import os

import anyio
import psutil
import pytest

from procdeck.core.output import Stream
from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import RunState
from procdeck.engine import pty_relay
from procdeck.engine.containment import cookie, procfs
from procdeck.engine.pty_terminal import TerminalError, foreground_group, open_pty
from tests.engine.conftest import alive, launch_ready, py, wait_for

pytestmark = pytest.mark.anyio

FLOOD = r"""
import sys, termios
attrs = termios.tcgetattr(1)
attrs[1] &= ~termios.OPOST  # no output processing: bytes arrive as written
termios.tcsetattr(1, termios.TCSANOW, attrs)
sys.stdout.buffer.write(bytes(range(256)) * 4096)  # 1 MiB, every byte value
sys.stdout.flush()
"""


def relay_pids(engine) -> list[int]:
    """Processes carrying the engine's relay cookie."""
    wanted = engine.processes._containment.cookie_for(cookie.RELAYS_RUN)
    snap = procfs.scan(0)
    return sorted(pid for pid in snap.by_cookie.get(wanted, []) if not snap.entries[pid].zombie)


async def test_every_byte_of_a_flood_arrives_in_order(engine):
    run_id = engine.processes.launch(ProcessSpec(py(FLOOD), tty=True))
    info = await engine.processes.wait(run_id)
    with anyio.fail_after(20):
        await engine.processes.wait_output(run_id)
    assert info.outcome.returncode == 0
    terminal = engine.processes.output(run_id).terminal
    assert terminal is not None
    _start, data = terminal.read(0)
    expected = bytes(range(256)) * 4096
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(expected).hexdigest()
    assert engine.processes.output(run_id).total_bytes[Stream.STDOUT] == len(expected)


async def test_relays_are_cats_in_their_own_sessions_and_end_with_the_run(engine):
    run_id = engine.processes.launch(
        ProcessSpec(py("import time; print('UP', flush=True); time.sleep(60)"), tty=True)
    )
    output = engine.processes.output(run_id)
    await wait_for(lambda: "UP" in output.text())
    pids = relay_pids(engine)
    assert len(pids) == 2  # output and input
    leader = engine.processes.info(run_id).pid
    for pid in pids:
        process = psutil.Process(pid)
        assert os.path.basename(process.exe()) == "cat"
        assert os.getsid(pid) == pid  # a ^C for Procdeck's own group does not reach them
        assert os.getsid(pid) != os.getsid(leader)
    await engine.processes.stop(run_id)
    with anyio.fail_after(10):
        await engine.processes.wait_output(run_id)
    await wait_for(lambda: not any(alive(pid) for pid in pids))
    assert not relay_pids(engine)


async def test_a_stop_does_not_cut_the_programs_last_words(engine):
    code = (
        "import signal, sys, time\n"
        "def bye(*_):\n"
        "    sys.stdout.write('x' * 200000 + '\\nLAST-WORDS\\n'); sys.stdout.flush(); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        "print('UP', flush=True)\n"
        "time.sleep(60)\n"
    )
    run_id, output = await launch_ready(engine, ProcessSpec(py(code), tty=True), "UP")
    await engine.processes.stop(run_id)
    with anyio.fail_after(10):
        await engine.processes.wait_output(run_id)
    assert "LAST-WORDS" in output.text()
    assert engine.processes.info(run_id).outcome.returncode == 0


async def test_relays_of_a_running_terminal_end_when_the_engine_closes():
    from procdeck.engine.engine import Engine

    async with Engine() as engine:
        run_id = engine.processes.launch(
            ProcessSpec(py("import time; print('UP', flush=True); time.sleep(60)"), tty=True)
        )
        await wait_for(lambda: "UP" in engine.processes.output(run_id).text())
        pids = relay_pids(engine)
        assert len(pids) == 2
    assert not any(alive(pid) for pid in pids)


async def test_a_relay_that_cannot_start_is_a_message_and_the_program_does_not_stay(engine, monkeypatch):
    monkeypatch.setattr(pty_relay, "cat_path", lambda: "/nonexistent/cat")
    marker = "procdeck-relay-missing-test"
    run_id = engine.processes.launch(ProcessSpec(py(f"import time; time.sleep(60)  # {marker}"), tty=True))
    info = await engine.processes.wait(run_id)
    assert info.state is RunState.FAILED_TO_START
    assert "/nonexistent/cat" in (info.error or "") and "relay" in (info.error or "")
    await wait_for(
        lambda: (
            not [p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or ())]
        )
    )


def test_a_terminal_without_a_session_has_no_foreground_group():
    """tcgetpgrp gives 0 once the session's leader has gone; killpg(0) would signal us."""
    import subprocess
    import sys

    master, slave = open_pty(24, 80)
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", "import fcntl, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0)"],
            stdin=slave,
            start_new_session=True,
        )
        assert child.wait(10) == 0
        with pytest.raises(TerminalError, match="no foreground"):
            foreground_group(master)
    finally:
        os.close(master)
        os.close(slave)
