"""The real window wired to the real engine: launch, watch, stop, remove."""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager

import anyio
import pytest
from PySide6.QtCore import Qt

from procdeck.compose.window import build
from procdeck.core.run_state import RunState
from procdeck.engine.engine import Engine
from procdeck.ui.runs_model import STATE
from tests.engine.conftest import alive


async def until(predicate, timeout=10.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


@asynccontextmanager
async def open_window(qtbot):
    """The real window on a real engine, closed (bridges first, then the engine) after."""
    async with Engine() as engine:
        parts = build(engine, on_quit=lambda: None)
        qtbot.addWidget(parts.window)
        try:
            yield engine, parts, parts.window
        finally:
            parts.close()


def _state(window, row=0):
    return window.runs_model.index(row, STATE).data()


def test_launch_watch_stop_remove(qt_run, qtbot):
    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.show()
            window.launcher.command.setText(
                f"{sys.executable} -u -c \"import time; print('hello', flush=True); time.sleep(60)\""
            )
            qtbot.mouseClick(window.launcher.run_button, Qt.MouseButton.LeftButton)
            await until(lambda: window.runs_model.rowCount() == 1 and _state(window) == "running")
            await until(lambda: "hello" in window.output.plain_text())
            assert window.table.current_run() is not None
            info = window.runs_model.infos()[0]
            assert "pid" in window.output.summary.text() and str(info.pid) in window.output.summary.text()
            assert window.counts.text().startswith("1 running")
            window.table.actions_by_name["stop"].trigger()
            await until(lambda: _state(window) == "stopped")
            assert not alive(info.pid)
            # Stopped by the user counts as stopped, not failed.
            assert window.counts.text() == "0 running · 0 exited · 1 stopped · 0 failed"
            assert window.output.summary.text().count("SIGTERM") == 1
            window.table.actions_by_name["remove"].trigger()
            await until(lambda: window.runs_model.rowCount() == 0)

    qt_run(scenario)


def test_bad_input_is_shown_inline_and_kept(qt_run, qtbot):
    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.launcher.command.setText("echo 'unbalanced")
            window.launcher.submit()
            assert "No closing quotation" in window.launcher.error.text()
            assert window.launcher.command.text() == "echo 'unbalanced"  # nothing lost
            assert window.runs_model.rowCount() == 0
            window.launcher.command.setText("procdeck-no-such-program")
            window.launcher.submit()
            await until(
                lambda: window.runs_model.rowCount() == 1 and _state(window) == RunState.FAILED_TO_START.value
            )
            assert "Command not found: procdeck-no-such-program" in window.output.summary.text()
            window.launcher.command.setText("")
            window.launcher.submit()
            assert window.launcher.error.text() == "The command is empty."

    qt_run(scenario)


def test_one_shot_capture_shows_output_exit_code_and_duration(qt_run, qtbot):
    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.launcher.shell.setChecked(True)
            window.launcher.capture.setChecked(True)
            window.launcher.command.setText("echo one; echo two >&2; exit 4")
            window.launcher.submit()
            await until(lambda: "exit 4" in window.output.summary.text())
            await until(
                lambda: window.output.plain_text() == "one\ntwo" or window.output.plain_text() == "two\none"
            )
            assert "took" in window.output.summary.text()

    qt_run(scenario)


@pytest.mark.parametrize("answer", [False, True])
def test_closing_with_live_runs_asks_first(qt_run, qtbot, monkeypatch, answer):
    async def scenario():
        quit_calls = []
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: quit_calls.append(1))
            window = parts.window
            qtbot.addWidget(window)
            asked = []
            monkeypatch.setattr(window, "confirm_quit", lambda: asked.append(window.live_runs()) or answer)
            window.launcher.command.setText("sleep 60")
            window.launcher.submit()
            await until(lambda: window.live_runs() == 1)
            window.show()
            window.close()
            assert asked == [1]
            assert quit_calls == ([1] if answer else [])
            assert window.isVisible()  # the window stays until the engine is down
            parts.close()
            window.finish_quit()

    qt_run(scenario)


def test_quit_confirmation_counts_running_jobs(qt_run, qtbot):
    from procdeck.core.jobs import JobSpec

    async def scenario():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None)
            qtbot.addWidget(parts.window)
            assert parts.window.busy_work() == []
            job_id = engine.jobs.submit(JobSpec(target="procdeck.tasks.builtin:sleep", args=(30,)))
            await until(lambda: parts.window.busy_work() == ["1 job"])
            engine.jobs.cancel(job_id)
            await until(lambda: parts.window.busy_work() == [])
            parts.close()

    qt_run(scenario)


def test_ctrl_f_reaches_the_viewer_search_right_after_a_launch(qt_run, qtbot):
    """Focus stays in the launcher bar after a launch; Ctrl+F still opens the search, and
    what is typed next lands there, not in the command field."""
    from PySide6.QtTest import QTest

    async def scenario():
        async with open_window(qtbot) as (_engine, _parts, window):
            window.show()
            window.activateWindow()
            command = window.launcher.command
            command.setFocus()
            command.setText(f"{sys.executable} -c \"print('needle')\"")
            QTest.keyClick(command, Qt.Key.Key_Return)
            await until(lambda: window.runs_model.rowCount() == 1)
            assert command.hasFocus()
            typed_before = command.text()
            QTest.keyClick(command, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
            search = window.output.preview.search_edit
            await until(search.hasFocus)
            QTest.keyClicks(search, "needle")
            assert search.text() == "needle" and command.text() == typed_before
            window.table.actions_by_name["remove"].trigger()
            await until(lambda: window.runs_model.rowCount() == 0)

    qt_run(scenario)
