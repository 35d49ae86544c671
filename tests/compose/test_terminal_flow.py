"""Terminal runs in the real window: the screen, keys, focus, resize, signals, scrollback."""

from __future__ import annotations

import shutil
import sys
from contextlib import asynccontextmanager

import anyio
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut

from procdeck.core.run_state import RunState
from procdeck.ui.viewer.input_line import InputLine
from tests.compose.test_window_flow import open_window as _open_window
from tests.compose.test_window_flow import until as _until
from tests.engine.conftest import wait_for


async def until(predicate, timeout=30.0):
    """Generous: children start slowly on a busy machine."""
    await _until(predicate, timeout)


@asynccontextmanager
async def open_window(qtbot):
    """The real window; whatever a failing test leaves running is stopped, without the
    quit confirmation (which would wait for a click)."""
    async with _open_window(qtbot) as (engine, parts, window):
        window.confirm_quit = lambda: True
        try:
            yield engine, parts, window
        finally:
            await engine.processes.shutdown()


CURSES_APP = """
import curses
def put(win, y, text):
    try:
        win.addstr(min(y, win.getmaxyx()[0] - 1), 0, text)
    except curses.error:  # a tiny window
        pass
def main(win):
    curses.curs_set(0)
    win.addstr(2, 10, "FULL-SCREEN TITLE", curses.A_BOLD)
    rows, cols = win.getmaxyx()
    put(win, 4, f"size {rows}x{cols}")
    win.refresh()
    while True:
        key = win.getch()
        if key == ord("q"):
            return
        if key == curses.KEY_RESIZE:
            rows, cols = win.getmaxyx()
            put(win, 4, f"size {rows}x{cols}   ")
        else:
            put(win, 5, f"key {key}     ")
        win.refresh()
curses.wrapper(main)
print("back on the main screen")
"""


def launch_terminal(window, command: str) -> None:
    window.launcher.command.setText(command)
    window.launcher.shell.setChecked(False)
    window.launcher.terminal.setChecked(True)
    window.launcher.submit()


def terminal(parts_window):
    from procdeck.ui.terminal.panel import TerminalPanel

    return parts_window.output.findChild(TerminalPanel)


def launch_python_script(window, script):
    """Show the window at a comfortable size and run ``script`` on a terminal; its panel."""
    window.resize(1100, 800)
    window.show()
    launch_terminal(window, f"{sys.executable} {script}")
    return terminal(window)


def screen_row(panel, row: int) -> str:
    panel.view.flush()
    return panel.view.screen_lines()[row]


def test_full_screen_program_keys_resize_and_alternate_screen(qt_run, qtbot, tmp_path):
    script = tmp_path / "app.py"
    script.write_text(CURSES_APP)

    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            panel = launch_python_script(window, script)
            await until(lambda: panel.isVisible())
            view = panel.view
            await until(lambda: "FULL-SCREEN TITLE" in (view.flush() or view.screen_text()))
            assert screen_row(panel, 2)[10:27] == "FULL-SCREEN TITLE"
            assert view.term.alternate
            # The program sees the view's size (the pty follows the view once it settles).
            await until(
                lambda: "size {}x{}".format(*view.grid_size()) in (view.flush() or view.screen_text())
            )
            rows, cols = view.grid_size()
            # Resize the view: the pty follows (debounced), the program gets SIGWINCH.
            window.resize(window.width() - 250, window.height() - 40)
            await until(lambda: view.grid_size() != (rows, cols))
            new_rows, new_cols = view.grid_size()
            await until(lambda: f"size {new_rows}x{new_cols}" in (view.flush() or view.screen_text()))
            # Keys reach the program (an arrow key in curses' keypad mode).
            view.setFocus()
            qtbot.keyClick(view, Qt.Key.Key_Down)
            await until(lambda: "key 258" in (view.flush() or view.screen_text()))  # KEY_DOWN
            qtbot.keyClick(view, Qt.Key.Key_Q)
            run_id = window.table.current_run()
            await until(lambda: window.runs_model.info(run_id).state is RunState.EXITED)
            await until(lambda: "back on the main screen" in (view.flush() or view.screen_text()))
            assert "FULL-SCREEN TITLE" not in view.screen_text()  # the main screen came back
            assert not view.term.alternate
            # Scrollback: the normal viewer on the same run's output.
            panel.scrollback_button.click()
            assert window.output.tabs.currentWidget() is window.output.preview
            await until(lambda: "back on the main screen" in window.output.plain_text())

    qt_run(scenario)


MOUSE_APP = """
import curses
def main(win):
    curses.mousemask(curses.ALL_MOUSE_EVENTS)
    curses.mouseinterval(0)
    win.addstr(0, 0, "CLICK ME")
    win.refresh()
    while True:
        key = win.getch()
        if key == curses.KEY_MOUSE:
            _id, x, y, _z, state = curses.getmouse()
            win.addstr(1, 0, f"mouse at {y},{x}   ")
            win.refresh()
        elif key == ord("q"):
            return
curses.wrapper(main)
"""


def test_a_program_that_asks_for_the_mouse_gets_clicks(qt_run, qtbot, tmp_path):
    from procdeck.ui.terminal.view import MARGIN

    script = tmp_path / "mouse.py"
    script.write_text(MOUSE_APP)

    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            view = launch_python_script(window, script).view
            await until(lambda: "CLICK ME" in (view.flush() or view.screen_text()))
            await until(lambda: view.term.mode & {1000 << 5, 1002 << 5, 1003 << 5})
            point = QPoint(int(MARGIN + 7.5 * view._cw), int(MARGIN + 4.5 * view._ch))
            qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=point)
            await until(lambda: "mouse at 4,7" in (view.flush() or view.screen_text()))
            view.setFocus()
            qtbot.keyClick(view, Qt.Key.Key_Q)
            run_id = window.table.current_run()
            await until(lambda: window.runs_model.info(run_id).state is RunState.EXITED)

    qt_run(scenario)


@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed")
def test_less_on_a_file(qt_run, qtbot, tmp_path):
    text = tmp_path / "numbers.txt"
    text.write_text("".join(f"line number {i}\n" for i in range(1, 501)))

    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.show()
            launch_terminal(window, f"less {text}")
            panel = terminal(window)
            view = panel.view
            run_id = await wait_for(lambda: window.table.current_run())
            await until(lambda: not view._resize.isActive())
            await until(lambda: engine.processes.terminal_size(run_id) == view.grid_size())
            rows = view.grid_size()[0]
            # less fills the screen but its last row (the prompt).
            await until(lambda: screen_row(panel, rows - 2).rstrip() == f"line number {rows - 1}")
            assert screen_row(panel, 0).rstrip() == "line number 1"
            view.setFocus()
            qtbot.keyClick(view, Qt.Key.Key_PageDown)
            await until(lambda: screen_row(panel, 0).rstrip() == f"line number {rows}")
            qtbot.keyClick(view, Qt.Key.Key_End)  # less: to the end of the file
            await until(lambda: "line number 500" in (view.flush() or view.screen_text()))
            qtbot.keyClick(view, Qt.Key.Key_Q)
            await until(lambda: window.runs_model.info(run_id).state is RunState.EXITED)

    qt_run(scenario)


def test_window_shortcuts_do_not_swallow_program_keys_and_ctrl_c_interrupts(qt_run, qtbot, tmp_path):
    code = (
        "import sys, time\n"
        "print('READY', flush=True)\n"
        "try:\n    line = sys.stdin.readline()\n    print('GOT', repr(line), flush=True)\n    time.sleep(60)\n"
        "except KeyboardInterrupt:\n    print('INTERRUPTED', flush=True)\n"
    )

    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.show()
            fired = []
            shortcut = QShortcut(QKeySequence("Ctrl+E"), window)  # any window shortcut
            shortcut.activated.connect(lambda: fired.append(1))
            script = tmp_path / "child.py"
            script.write_text(code)
            launch_terminal(window, f"{sys.executable} {script}")
            panel = terminal(window)
            view = panel.view
            await until(lambda: "READY" in (view.flush() or view.screen_text()))
            view.setFocus()
            await until(lambda: view.hasFocus())
            qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # shown as ^E by the tty
            qtbot.keyClicks(view, "hi")
            qtbot.keyClick(view, Qt.Key.Key_Tab)
            await until(lambda: "^Ehi" in (view.flush() or view.screen_text()))
            assert fired == [] and view.hasFocus()  # Tab stayed in the terminal
            qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
            await until(lambda: "INTERRUPTED" in (view.flush() or view.screen_text()))
            # Ctrl+Shift+Escape gives the focus back to the window.
            qtbot.keyClick(
                view,
                Qt.Key.Key_Escape,
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
            )
            assert not view.hasFocus()

    qt_run(scenario)


def test_a_terminal_run_typed_into_the_launcher_takes_the_keys(qt_run, qtbot, tmp_path):
    """Launched from the launcher bar, a terminal run gets the keyboard (it is there to be
    typed into); a pipe run leaves it in the launcher for the next command."""

    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.show()
            await until(lambda: window.launcher.isEnabled())
            window.launcher.command.setFocus()
            window.launcher.command.setText("echo piped")
            window.launcher.shell.setChecked(True)
            window.launcher.terminal.setChecked(False)
            window.launcher.submit()
            await until(lambda: "piped" in window.output.plain_text())
            assert window.focusWidget() is window.launcher.command
            script = tmp_path / "echo_back.py"
            script.write_text("print('READY', flush=True)\nprint('GOT', input(), flush=True)\n")
            launch_terminal(window, f"{sys.executable} {script}")
            view = terminal(window).view
            await until(lambda: "READY" in (view.flush() or view.screen_text()))
            await until(lambda: window.focusWidget() is view)
            qtbot.keyClicks(view, "typed")
            qtbot.keyClick(view, Qt.Key.Key_Return)
            await until(lambda: "GOT typed" in (view.flush() or view.screen_text()))
            # Once the program has exited, the window's shortcuts work in its screen again
            # (Ctrl+Q used to go to a program that was no longer there; while it runs, they
            # go to the program: test_window_shortcuts_do_not_swallow_program_keys...).
            fired = []
            shortcut = QShortcut(QKeySequence("Ctrl+E"), window)
            shortcut.activated.connect(lambda: fired.append(1))
            await until(lambda: window.runs_model.info(window.table.current_run()).state is RunState.EXITED)
            await until(lambda: not view.program_reads_keys)
            qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
            assert fired == [1]

    qt_run(scenario)


def test_signal_menu_and_selection_copy(qt_run, qtbot, tmp_path):
    code = (
        "import signal, time\n"
        "signal.signal(signal.SIGUSR1, lambda *_: print('GOT-USR1', flush=True))\n"
        "print('copy me please', flush=True)\n"
        "time.sleep(60)\n"
    )

    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.show()
            script = tmp_path / "child.py"
            script.write_text(code)
            launch_terminal(window, f"{sys.executable} {script}")
            panel = terminal(window)
            view = panel.view
            await until(lambda: "copy me please" in (view.flush() or view.screen_text()))
            usr1 = next(a for a in panel.signal_button.menu().actions() if a.text() == "SIGUSR1")
            usr1.trigger()
            await until(lambda: "GOT-USR1" in (view.flush() or view.screen_text()))
            assert "process group" in window.statusBar().currentMessage()
            # Drag over "copy me" on row 0 (once the view's size has settled), then Ctrl+Shift+C.
            await until(lambda: not view._resize.isActive())
            await anyio.sleep(0.2)
            view.flush()
            row = next(i for i, line in enumerate(view.screen_lines()) if "copy me please" in line)
            y = 4 + view._ch * (row + 0.5)
            drag(view, _pt(4 + view._cw / 2, y), _pt(4 + view._cw * 6.5, y))
            assert view.selected_text() == "copy me", (
                view._selection,
                view.screen_lines()[:2],
                view.grid_size(),
            )
            qtbot.keyClick(
                view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
            )
            from PySide6.QtGui import QGuiApplication

            assert QGuiApplication.clipboard().text() == "copy me"
            run_id = window.table.current_run()
            await engine.processes.stop(run_id)
            await anyio.sleep(0)

    qt_run(scenario)


def drag(widget, start, end) -> None:
    """A left-button drag (QTest's mouseMove carries no button state)."""
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for kind, pos, button, buttons in (
        (QEvent.Type.MouseButtonPress, start, left, left),
        (QEvent.Type.MouseMove, end, none, left),
        (QEvent.Type.MouseButtonRelease, end, left, none),
    ):
        local = QPointF(pos)
        event = QMouseEvent(
            kind, local, widget.mapToGlobal(local), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(widget, event)


def _pt(x: float, y: float):
    from PySide6.QtCore import QPoint

    return QPoint(int(x), int(y))


def test_pipe_mode_input_line_sends_lines_and_eof(qt_run, qtbot):
    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.show()
            window.launcher.command.setText("cat")
            window.launcher.stdin_pipe.setChecked(True)
            window.launcher.submit()
            line = window.output.findChild(InputLine)
            await until(lambda: line.isVisible())
            assert terminal(window) is None or not terminal(window).isVisible()  # a pipe run: no terminal
            qtbot.keyClicks(line.edit, "hello from the window")
            qtbot.keyClick(line.edit, Qt.Key.Key_Return)
            await until(lambda: "hello from the window" in window.output.plain_text())
            run_id = window.table.current_run()
            qtbot.mouseClick(line.eof_button, Qt.MouseButton.LeftButton)
            await until(lambda: window.runs_model.info(run_id).state is RunState.EXITED)
            await until(lambda: not line.isVisible())
            assert window.runs_model.info(run_id).outcome.returncode == 0

    qt_run(scenario)
