"""Viewers on real children through the whole window: hostile output, floods, logs.

Each test runs the real engine and the real window on Procdeck's Qt-driven loop (one
thread, as in the app), launches a real ``sys.executable -c`` child and watches the
selection-following viewer. Logs go to the per-test data directory (tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import anyio
import pytest
from PySide6.QtCore import Qt, QTimer

from procdeck.compose.window import build
from procdeck.core.line_source import LineKind
from procdeck.core.output import Stream
from procdeck.core.process_spec import ProcessSpec
from procdeck.engine.engine import Engine

pytestmark = pytest.mark.e2e


async def until(predicate, timeout=30.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


def shown(viewer) -> list[str]:
    return viewer.shown_text().splitlines()


def last_rows(viewer, k: int) -> list[str]:
    """The last k rows (cheap to poll, unlike all rows of a big scrollback)."""
    source = viewer.source()
    first, end = source.row_range()
    return [source.plain(r) for r in range(max(first, end - k), end)]


def run_in_window(qt_run, qtbot, code: str, check) -> None:
    """Launch ``code`` in a child from the window and hand (parts, run_id, viewer) to check."""

    async def scenario():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None)
            window = parts.window
            qtbot.addWidget(window)
            window.resize(1000, 700)
            window.show()
            run_id = parts.bridge.launch(ProcessSpec((sys.executable, "-c", code)))
            assert run_id is not None
            window.table.select_run(run_id)
            await until(lambda: window.output.preview.source() is not None)
            try:
                await check(parts, engine, run_id, window.output.preview)
            finally:
                parts.close()
                window.finish_quit()  # closes without the "processes still running" question

    qt_run(scenario)


async def finished_log(engine, run_id) -> Path:
    await engine.processes.wait_output(run_id)
    output = engine.processes.output(run_id)
    await output.aclose()  # the log writer has written everything
    return Path(output.log_paths()[0])


def test_invalid_utf8_and_nul_bytes_are_shown_replaced_and_logged_raw(qt_run, qtbot):
    code = (
        "import sys; w = sys.stdout.buffer.write\n"
        "w(b'ok \\xff\\xfe bad\\n'); w(b'nul\\x00here\\n'); w(b'cut \\xe2\\x82'); w(b'\\nafter\\n')"
    )

    async def check(parts, engine, run_id, viewer):
        await until(lambda: "after" in shown(viewer))
        assert shown(viewer)[:4] == ["ok \ufffd\ufffd bad", "nul\u2400here", "cut \ufffd", "after"]
        log = await finished_log(engine, run_id)
        assert log.read_bytes() == b"ok \xff\xfe bad\nnul\x00here\ncut \xe2\x82\nafter\n"

    run_in_window(qt_run, qtbot, code, check)


def test_a_50_mb_line_without_newline_neither_freezes_nor_loses_the_rest(qt_run, qtbot):
    code = (
        "import sys; w = sys.stdout.buffer.write\n"
        "block = b'0123456789abcdef' * 65536\n"  # 1 MiB
        "[w(block) for _ in range(50)]; w(b'\\nafter the long line\\n')"
    )

    async def check(parts, engine, run_id, viewer):
        ticks = []
        probe = QTimer()
        probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
        probe.start(16)
        await until(lambda: last_rows(viewer, 1) == ["after the long line"], timeout=60)
        probe.stop()
        # the window kept running while 50 MB went through (no multi-second stall)
        assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < 2.0
        rows = shown(viewer)
        assert len(rows) == 51 and all(len(r) <= 10_000 for r in rows)  # capped for display
        source = viewer.source()
        assert source.display(source.row_range()[0]).clipped_chars > 0
        log = await finished_log(engine, run_id)
        expected = hashlib.sha256(b"0123456789abcdef" * 65536 * 50 + b"\nafter the long line\n").hexdigest()
        assert hashlib.sha256(log.read_bytes()).hexdigest() == expected

    run_in_window(qt_run, qtbot, code, check)


def test_a_carriage_return_progress_bar_updates_in_place(qtbot, qt_run):
    code = (
        "import sys, time\n"
        "for i in range(0, 101, 10):\n"
        "    sys.stdout.write('\\rprogress %3d%% ' % i + '#' * (i // 10)); sys.stdout.flush(); time.sleep(0.01)\n"
        "print(); print('\\x1b[32mdone\\x1b[0m')"
    )

    async def check(parts, engine, run_id, viewer):
        await until(lambda: "done" in shown(viewer))
        assert shown(viewer) == ["progress 100% ##########", "done"]
        row = viewer.source().row_range()[1] - 1
        assert viewer.source().display(row).runs[0].style.fg == 2  # green

    run_in_window(qt_run, qtbot, code, check)


def test_a_prompt_without_newline_shows_while_the_child_waits(qtbot, qt_run):
    code = "import sys, time; sys.stdout.write('Password: '); sys.stdout.flush(); time.sleep(60)"

    async def check(parts, engine, run_id, viewer):
        started = time.perf_counter()
        await until(lambda: shown(viewer) == ["Password: "], timeout=10)
        latency = time.perf_counter() - started
        assert engine.processes.info(run_id).state.is_live  # not at exit: while it waits
        assert latency < 5.0  # generous: typically one frame after the child's write
        source = viewer.source()
        assert source.display(source.row_range()[1] - 1).partial
        await engine.processes.kill(run_id)

    run_in_window(qt_run, qtbot, code, check)


def test_a_million_line_flood_keeps_the_window_responsive_and_the_log_exact(qtbot, qt_run):
    n = 1_000_000
    code = (
        "import sys; w = sys.stdout.buffer.write\n"
        f"for s in range(0, {n}, 10000): w(b''.join(b'%07d flood line\\n' % i for i in range(s, s + 10000)))\n"
        "sys.stderr.write('stderr at the end\\n')"
    )

    async def check(parts, engine, run_id, viewer):
        ticks = []
        probe = QTimer()
        probe.setTimerType(Qt.TimerType.PreciseTimer)
        probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
        started = time.perf_counter()
        probe.start(16)
        output = engine.processes.output(run_id)
        # Both pipes drained; the two streams' pumps may finish in either order.
        with anyio.fail_after(120):
            await engine.processes.wait_output(run_id)
        await until(lambda: "0999999 flood line" in last_rows(viewer, 3))
        # A fast machine shows the million lines within five ticks: watch a little longer
        # so that the probe has something to say (a stalled loop still fails below).
        await anyio.sleep(max(0.0, 0.3 - (time.perf_counter() - started)))
        probe.stop()
        gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
        assert len(ticks) > 5 and max(gaps) < 1.0
        source = viewer.source()
        first, end = source.row_range()
        assert end - first == 100_000  # the default scrollback; the rest is in the log
        assert viewer.dropped_label.isVisible()
        stderr_rows = output.view(frozenset({LineKind.STDERR}))
        assert [stderr_rows.plain(r) for r in range(*stderr_rows.row_range())] == ["stderr at the end"]
        log = await finished_log(engine, run_id)
        expected = b"".join(b"%07d flood line\n" % i for i in range(n))
        assert log.read_bytes() == expected
        assert output.total_bytes[Stream.STDOUT] == len(expected)

    run_in_window(qt_run, qtbot, code, check)


def test_attach_stdout_and_stderr_viewers_to_a_finished_run(qtbot, qt_run):
    code = "import sys; print('to stdout'); print('to stderr', file=sys.stderr); print('more stdout')"

    async def check(parts, engine, run_id, viewer):
        await engine.processes.wait_output(run_id)
        panel = parts.window.output
        await until(lambda: panel.attach_buttons["stderr"].isEnabled())
        panel.attach_buttons["stdout"].click()
        panel.attach_buttons["stderr"].click()
        tabs = panel.tabs
        assert tabs.count() == 3 and [tabs.tabText(i) for i in (1, 2)] == [
            f"#{run_id} stdout",
            f"#{run_id} stderr",
        ]
        out_viewer, err_viewer = tabs.widget(1), tabs.widget(2)
        assert shown(out_viewer) == ["to stdout", "more stdout"]
        assert shown(err_viewer) == ["to stderr"]
        assert sorted(shown(viewer)) == sorted(["to stdout", "to stderr", "more stdout"])
        tabs.close_tab(2)
        assert tabs.count() == 2 and len(parts.viewers._refreshers) == 2

    run_in_window(qt_run, qtbot, code, check)
