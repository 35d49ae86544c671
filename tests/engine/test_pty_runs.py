"""Terminal (pty) runs and stdin pipes with real children."""

from __future__ import annotations

import os
import signal

import anyio
import pytest

from procdeck.core.output import Stream
from procdeck.core.process_spec import ProcessSpec, SpecError, StdinMode
from procdeck.core.run_state import RunState
from procdeck.engine.input_feed import INPUT_LIMIT, InputRefused
from procdeck.engine.pty_terminal import TerminalError
from tests.engine.conftest import alive, launch_ready, py, wait_for

pytestmark = pytest.mark.anyio


async def finish(engine, run_id):
    info = await engine.processes.wait(run_id)
    with anyio.fail_after(10):
        await engine.processes.wait_output(run_id)
    return info


def screen_text(engine, run_id) -> str:
    return engine.processes.output(run_id).text()


async def test_child_sees_a_terminal_as_stdin_stdout_stderr_with_size_and_term(engine):
    code = (
        "import os, sys\n"
        "print('TTY', all(os.isatty(fd) for fd in (0, 1, 2)))\n"
        "print('SIZE', os.get_terminal_size().lines, os.get_terminal_size().columns)\n"
        "print('TERM', os.environ['TERM'])\n"
        "print('LEADER', os.getsid(0) == os.getpid(), os.tcgetpgrp(0) == os.getpgrp())\n"
        "fd = os.open('/dev/tty', os.O_RDWR); os.write(fd, b'DEVTTY\\n')\n"
    )
    run_id = engine.processes.launch(ProcessSpec(py(code), tty=True, rows=33, cols=101))
    info = await finish(engine, run_id)
    assert info.outcome.returncode == 0, screen_text(engine, run_id)
    text = screen_text(engine, run_id)
    assert "TTY True" in text
    assert "SIZE 33 101" in text
    assert "TERM xterm-256color" in text
    assert "LEADER True True" in text  # session leader, and the pty is its controlling terminal
    assert "DEVTTY" in text
    output = engine.processes.output(run_id)
    assert output.terminal is not None and output.terminal.end > 0
    assert b"\r\n" in output.terminal.read(0)[1]  # raw bytes kept for terminal views


async def test_python_repl_through_the_terminal(engine):
    run_id = engine.processes.launch(ProcessSpec(("python3", "-q"), tty=True))
    engine.processes.send_input(run_id, b"print(6*7)\n")
    output = engine.processes.output(run_id)
    await wait_for(lambda: "42" in output.text().splitlines())
    engine.processes.send_input(run_id, b"exit()\n")
    info = await finish(engine, run_id)
    assert info.outcome.returncode == 0


async def test_resize_sends_sigwinch_and_the_child_sees_the_new_size(engine):
    code = (
        "import os, signal, sys, time\n"
        "def winch(*_):\n"
        "    s = os.get_terminal_size(); print('WINCH', s.lines, s.columns, flush=True)\n"
        "signal.signal(signal.SIGWINCH, winch)\n"
        "print('READY', flush=True)\n"
        "time.sleep(30)\n"
    )
    run_id, output = await launch_ready(engine, ProcessSpec(py(code), tty=True))
    engine.processes.resize(run_id, 50, 132)
    await wait_for(lambda: "WINCH 50 132" in output.text())
    assert engine.processes.terminal_size(run_id) == (50, 132)
    # A resize storm ends on the last size; 1x1 is a valid terminal.
    for i in range(500):
        engine.processes.resize(run_id, 10 + i % 40, 20 + i % 90)
    engine.processes.resize(run_id, 1, 1)
    await wait_for(lambda: "WINCH 1 1" in output.text())
    with pytest.raises(TerminalError, match="between 1 and"):
        engine.processes.resize(run_id, 0, 80)
    await engine.processes.stop(run_id)


async def test_ctrl_c_reaches_the_program_through_the_terminal(engine):
    code = (
        "import time\n"
        "print('READY', flush=True)\n"
        "try:\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    print('GOT-SIGINT', flush=True)\n"
    )
    run_id, output = await launch_ready(engine, ProcessSpec(py(code), tty=True))
    engine.processes.send_input(run_id, b"\x03")  # the line discipline turns ^C into SIGINT
    info = await finish(engine, run_id)
    assert "GOT-SIGINT" in output.text()
    assert info.outcome.returncode == 0


async def test_signal_to_the_foreground_process_group(engine):
    code = (
        "import signal, time\n"
        "signal.signal(signal.SIGUSR1, lambda *_: print('USR1', flush=True))\n"
        "print('READY', flush=True)\n"
        "time.sleep(30)\n"
    )
    run_id, output = await launch_ready(engine, ProcessSpec(py(code), tty=True))
    pgrp = engine.processes.signal_foreground(run_id, signal.SIGUSR1)
    assert pgrp == engine.processes.info(run_id).pid
    await wait_for(lambda: "USR1" in output.text())
    await engine.processes.stop(run_id)
    with pytest.raises(TerminalError):
        engine.processes.signal_foreground(run_id, signal.SIGUSR1)


async def test_stdin_pipe_sends_lines_and_eof(engine):
    run_id = engine.processes.launch(ProcessSpec(("cat",), stdin=StdinMode.PIPE))
    engine.processes.send_input(run_id, b"first line\n")
    output = engine.processes.output(run_id)
    await wait_for(lambda: output.text(Stream.STDOUT) == "first line")
    engine.processes.send_input(run_id, b"second\n")
    engine.processes.close_input(run_id)
    info = await finish(engine, run_id)
    assert info.outcome.returncode == 0
    assert output.text(Stream.STDOUT) == "first line\nsecond"
    with pytest.raises(InputRefused, match="exited"):
        engine.processes.send_input(run_id, b"late\n")


async def test_stdin_none_is_dev_null_and_input_is_refused(engine):
    run_id = engine.processes.launch(ProcessSpec(py("import sys; print(repr(sys.stdin.read()))")))
    with pytest.raises(InputRefused, match="without input"):
        engine.processes.send_input(run_id, b"x")
    await finish(engine, run_id)
    assert engine.processes.output(run_id).text() == "''"


@pytest.mark.parametrize("tty", [False, True], ids=["pipe", "pty"])
async def test_input_to_a_program_that_never_reads_is_bounded(engine, tty):
    spec = ProcessSpec(
        py("import time; print('READY', flush=True); time.sleep(60)"), tty=tty, stdin=StdinMode.PIPE
    )
    run_id = engine.processes.launch(spec)
    output = engine.processes.output(run_id)
    await wait_for(lambda: "READY" in output.text())
    chunk = b"y" * 1000 + b"\n"
    refused = None
    with anyio.fail_after(10):  # never blocks: each call returns at once
        for _ in range(10 * INPUT_LIMIT // len(chunk)):
            try:
                engine.processes.send_input(run_id, chunk)
            except InputRefused as exc:
                refused = str(exc)
                break
            await anyio.sleep(0)
    assert refused is not None and "not reading its input" in refused
    await anyio.sleep(0.05)  # the loop still runs: other work goes on
    info = await engine.processes.stop(run_id)
    assert info.state is RunState.EXITED


async def test_a_program_that_closes_its_terminal_ends_the_stream(engine):
    # The child closes every descriptor on the pty and keeps running: the master reads EIO.
    code = "import os, time\nprint('BYE', flush=True)\nfor fd in (0, 1, 2): os.close(fd)\ntime.sleep(0.5)\n"
    run_id = engine.processes.launch(ProcessSpec(py(code), tty=True))
    await wait_for(lambda: engine.processes.output(run_id).closed)
    info = await finish(engine, run_id)
    assert info.outcome.returncode == 0
    assert "BYE" in screen_text(engine, run_id)


async def test_binary_flood_and_invalid_utf8_on_a_terminal(engine):
    code = "import os, sys\nfor _ in range(64): os.write(1, os.urandom(32768))\nos.write(1, b'\\xff\\xfe END\\n')\n"
    run_id = engine.processes.launch(ProcessSpec(py(code), tty=True))
    info = await finish(engine, run_id)
    assert info.outcome.returncode == 0
    output = engine.processes.output(run_id)
    assert output.total_bytes[Stream.STDOUT] >= 64 * 32768  # every byte read (the tty may add CRs)
    assert "END" in output.text()


async def test_stop_ladder_and_restart_work_for_terminal_runs(engine):
    code = "import time\nprint('UP', flush=True)\ntime.sleep(60)\n"
    run_id, output = await launch_ready(engine, ProcessSpec(py(code), tty=True, grace_s=2.0), "UP")
    first_pid = engine.processes.info(run_id).pid
    engine.processes.resize(run_id, 30, 90)
    await engine.processes.restart(run_id)
    await wait_for(lambda: engine.processes.info(run_id).state is RunState.RUNNING)
    await wait_for(lambda: output.text().count("UP") == 2)
    assert not alive(first_pid)
    assert b"\x1bc" in output.terminal.read(0)[1]  # views start the new attempt on a clean screen
    engine.processes.send_input(run_id, b"")  # the new attempt takes input again
    info = await engine.processes.stop(run_id)
    assert info.state is RunState.EXITED and info.outcome.signal == signal.SIGTERM


async def test_a_terminal_run_that_cannot_start_is_a_message(engine):
    run_id = engine.processes.launch(ProcessSpec(("no-such-program-procdeck",), tty=True))
    info = await engine.processes.wait(run_id)
    assert info.state is RunState.FAILED_TO_START
    assert info.error == "Command not found: no-such-program-procdeck"
    with pytest.raises(InputRefused, match="did not start"):
        engine.processes.send_input(run_id, b"x")
    assert len(os.listdir("/proc/self/fd")) < 200  # the pty pair was closed


def test_bad_terminal_sizes_and_stdin_modes_are_messages():
    with pytest.raises(SpecError, match="rows must be between 1 and"):
        ProcessSpec(("true",), tty=True, rows=0)
    with pytest.raises(SpecError, match="columns must be a whole number"):
        ProcessSpec(("true",), tty=True, cols=12.5)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="Unknown stdin mode"):
        ProcessSpec(("true",), stdin="pipe")  # type: ignore[arg-type]
