"""Launching real children: streaming, states, exit outcomes and bad input."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from procdeck.core.output import Stream
from procdeck.core.process_spec import ProcessSpec, SpecError, spec_from_text
from procdeck.core.run_state import RunState
from tests.engine.conftest import py, wait_for

pytestmark = pytest.mark.anyio


async def test_streams_stdout_and_stderr_separately(engine):
    run_id = engine.processes.launch(
        ProcessSpec(py("import sys; print('out1'); print('err1', file=sys.stderr); print('out2')"))
    )
    info = await engine.processes.wait(run_id)
    await engine.processes.wait_output(run_id)
    assert info.state is RunState.EXITED and info.outcome.returncode == 0
    output = engine.processes.output(run_id)
    assert output.text(Stream.STDOUT) == "out1\nout2"
    assert output.text(Stream.STDERR) == "err1"
    assert all(line.t > 0 for line in output.lines)


async def test_shell_string_cwd_and_env(engine, tmp_path):
    spec = ProcessSpec(
        'echo "$GREETING from $(pwd)"; exit 3', shell=True, cwd=str(tmp_path), env={"GREETING": "hi"}
    )
    run_id = engine.processes.launch(spec)
    info = await engine.processes.wait(run_id)
    await engine.processes.wait_output(run_id)
    assert info.outcome.returncode == 3
    assert engine.processes.output(run_id).text(Stream.STDOUT) == f"hi from {tmp_path}"


async def test_env_none_unsets_and_pythonunbuffered_default(engine, monkeypatch):
    monkeypatch.setenv("PROCDECK_TEST_VAR", "present")
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    code = (
        "import os; print(os.environ.get('PROCDECK_TEST_VAR', 'unset'), os.environ.get('PYTHONUNBUFFERED'))"
    )
    run_id = engine.processes.launch(ProcessSpec(py(code), env={"PROCDECK_TEST_VAR": None}))
    await engine.processes.wait(run_id)
    await engine.processes.wait_output(run_id)
    assert engine.processes.output(run_id).text() == "unset 1"


async def test_streaming_arrives_while_running_without_pythonunbuffered(engine, monkeypatch):
    """Python children stream line by line because Procdeck sets PYTHONUNBUFFERED."""
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    run_id = engine.processes.launch(ProcessSpec(py("import time\nprint('first')\ntime.sleep(60)")))
    output = engine.processes.output(run_id)
    await wait_for(lambda: output.text(Stream.STDOUT) == "first")
    assert engine.processes.info(run_id).state is RunState.RUNNING
    await engine.processes.kill(run_id)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("procdeck-no-such-command-xyz",), "Command not found: procdeck-no-such-command-xyz"),
        (("/tmp",), "Not a program (it is a folder): /tmp"),
    ],
)
async def test_failed_to_start_is_a_state_with_a_message(engine, argv, expected):
    run_id = engine.processes.launch(ProcessSpec(argv))
    info = await engine.processes.wait(run_id)
    assert info.state is RunState.FAILED_TO_START
    assert info.error == expected
    assert info.pid is None


async def test_missing_cwd_is_reported_before_starting(engine, tmp_path):
    missing = tmp_path / "nope"
    info = await engine.processes.wait(engine.processes.launch(ProcessSpec(("true",), cwd=str(missing))))
    assert info.state is RunState.FAILED_TO_START
    assert info.error == f"Working folder does not exist: {missing}"


async def test_not_executable_script(engine, tmp_path):
    script = tmp_path / "script.sh"
    script.write_text("echo hi\n")
    info = await engine.processes.wait(engine.processes.launch(ProcessSpec((str(script),))))
    assert info.error == f"Permission denied: {script} is not executable"


def test_bad_specs_are_refused_with_clear_messages():
    with pytest.raises(SpecError, match="The command is empty"):
        spec_from_text("   ", shell=False)
    with pytest.raises(SpecError, match="No closing quotation"):
        spec_from_text("echo 'unbalanced", shell=False)
    with pytest.raises(SpecError, match="Invalid environment variable name"):
        ProcessSpec(("true",), env={"A=B": "x"})


async def test_instant_exit_and_exit_code(engine):
    info = await engine.processes.wait(engine.processes.launch(ProcessSpec(py("raise SystemExit(7)"))))
    assert info.state is RunState.EXITED
    assert info.outcome.returncode == 7 and info.outcome.shell_status == 7
    assert info.duration() is not None


async def test_invalid_utf8_is_replaced_not_fatal(engine):
    code = "import sys; sys.stdout.buffer.write(b'ok \\xff\\xfe bad\\nafter\\n')"
    run_id = engine.processes.launch(ProcessSpec(py(code)))
    await engine.processes.wait(run_id)
    await engine.processes.wait_output(run_id)
    assert engine.processes.output(run_id).text() == "ok \ufffd\ufffd bad\nafter"


async def test_huge_line_without_newline_stays_bounded(engine):
    code = "import sys; sys.stdout.write('x' * (20 * 1024 * 1024)); sys.stdout.flush()"
    run_id = engine.processes.launch(ProcessSpec(py(code)))
    await engine.processes.wait(run_id)
    await engine.processes.wait_output(run_id)
    output = engine.processes.output(run_id)
    assert sum(len(line.text) for line in output.lines) == 20 * 1024 * 1024
    assert max(len(line.text) for line in output.lines) <= 1 << 20
    assert output.total_bytes[Stream.STDOUT] == 20 * 1024 * 1024


async def test_child_closing_stdout_keeps_running(engine):
    code = "import os, time\nprint('bye', flush=True)\nos.close(1)\ntime.sleep(60)"
    run_id = engine.processes.launch(ProcessSpec(py(code)))
    output = engine.processes.output(run_id)
    await wait_for(lambda: not output.is_open(Stream.STDOUT))
    assert engine.processes.info(run_id).state is RunState.RUNNING
    assert output.text(Stream.STDOUT) == "bye"
    info = await engine.processes.stop(run_id)
    assert info.outcome.signal == signal.SIGTERM


async def test_subscribers_see_every_state(engine):
    seen = []
    engine.processes.subscribe(lambda info: seen.append(info.state))
    await engine.processes.wait(engine.processes.launch(ProcessSpec(("true",))))
    assert seen[0] is RunState.STARTING and RunState.RUNNING in seen and seen[-1] is RunState.EXITED


async def test_restart_keeps_the_run_and_its_output(engine):
    run_id = engine.processes.launch(
        ProcessSpec(py("import time; print('attempt', flush=True); time.sleep(60)"))
    )
    output = engine.processes.output(run_id)
    await wait_for(lambda: "attempt" in output.text())
    first_pid = engine.processes.info(run_id).pid
    await engine.processes.restart(run_id)
    await wait_for(lambda: output.text().count("attempt") == 2)
    info = engine.processes.info(run_id)
    assert info.state is RunState.RUNNING and info.pid != first_pid
    assert "restarted" in output.text()


async def test_remove_forgets_the_run(engine):
    run_id = engine.processes.launch(ProcessSpec(("true",)))
    await engine.processes.wait(run_id)
    removed = []
    engine.processes.subscribe(lambda info: None, removed.append)
    await engine.processes.remove(run_id)
    assert removed == [run_id] and engine.processes.runs() == []


def test_python_is_real():
    assert os.path.exists(sys.executable)


async def test_a_script_without_a_shebang_runs_with_bin_sh(engine, tmp_path):
    script = tmp_path / "plain.sh"
    script.write_text('echo "args: $1 $2"\n')
    script.chmod(0o755)
    run_id = engine.processes.launch(ProcessSpec((str(script), "a", "b")))
    info = await engine.processes.wait(run_id)
    await engine.processes.wait_output(run_id)
    assert info.state is RunState.EXITED and info.outcome.returncode == 0
    assert engine.processes.output(run_id).text(Stream.STDOUT) == "args: a b"
