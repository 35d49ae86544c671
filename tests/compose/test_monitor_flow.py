"""The monitor wired into the real window and engine: runs charted, processes table, signals."""

from __future__ import annotations

import signal
import subprocess
import sys

import anyio
import psutil

from procdeck.compose.window import build
from procdeck.core.samples import HistorySettings, MarkerKind
from procdeck.engine.engine import Engine

BUSY = f'{sys.executable} -c "while True: pass"'


async def until(predicate, timeout=30.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.05)


def test_run_is_charted_with_markers_and_table_refreshes_only_when_visible(qt_run, qtbot, monkeypatch):
    async def scenario():
        async with Engine(monitor_settings=HistorySettings(rate_hz=4.0)) as engine:
            parts = build(engine, on_quit=lambda: None)
            window, mon = parts.window, parts.monitor
            assert mon is not None
            qtbot.addWidget(window)
            monkeypatch.setattr(window, "confirm_quit", lambda: True)  # no modal dialog at teardown
            window.show()
            assert set(window.panels) >= {"runs-chart", "workers-chart", "system-chart", "processes"}
            window.panels["runs-chart"].raise_()
            window.launcher.command.setText(BUSY)
            window.launcher.submit()
            await until(lambda: "run/1/tree/cpu" in engine.monitor.history)
            chart = mon.runs_chart
            await until(lambda: chart.groups() == ["run/1"] and "run/1/tree/cpu" in chart._curves)
            await until(
                lambda: (chart.curve_data("run/1/tree/cpu")[1] > 5).any()
            )  # busy, even on a loaded machine
            # The Processes tab is hidden behind the Runs chart: no machine-wide walks.
            assert mon.processes.visibleRegion().isEmpty() and not mon.bridge.table_active
            window.table.actions_by_name["stop"].trigger()
            await until(lambda: engine.processes.runs()[0].state.value == "exited")
            kinds = [m.kind for m in engine.monitor.history.markers("run/1")]
            assert kinds[0] is MarkerKind.START and kinds[-1] is MarkerKind.EXIT
            assert MarkerKind.STOP_REQUESTED in kinds and MarkerKind.SIGNAL in kinds
            await until(lambda: any(t.startswith("exit") for t in chart.marker_texts()))
            # Show the Processes view: the table starts refreshing.
            window.panels["processes"].raise_()
            await until(lambda: mon.bridge.table_active and mon.processes.model.row_count_total() > 5)
            # The system chart is hidden (tabbed away): it did not redraw meanwhile.
            count = mon.system_chart.refresh_count
            await anyio.sleep(1.0)
            assert mon.system_chart.refresh_count == count
            window.panels["runs-chart"].raise_()
            await until(lambda: not mon.bridge.table_active)
            parts.close()

    qt_run(scenario)


def test_signal_and_chart_a_process_from_the_processes_view(qt_run, qtbot, monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(1)"])
    try:

        async def scenario():
            async with Engine() as engine:
                parts = build(engine, on_quit=lambda: None)
                window, mon = parts.window, parts.monitor
                qtbot.addWidget(window)
                monkeypatch.setattr(window, "confirm_quit", lambda: True)
                window.show()
                window.panels["processes"].raise_()
                view = mon.processes
                await until(lambda: view.select_pid(child.pid))
                view.chart_button.click()
                key = f"pid/{child.pid}@"
                await until(lambda: any(g.startswith(key) for g in mon.runs_chart.groups()))
                group = next(g for g in mon.runs_chart.groups() if g.startswith(key))
                assert group in mon.runs_chart.selected_groups()
                view.confirm = lambda req: True
                view.terminate_button.click()
                await until(lambda: child.poll() is not None)
                assert child.returncode == -signal.SIGTERM
                await until(lambda: "sent to 1 process" in view.status_label.text())
                assert "SIGTERM" in window.statusBar().currentMessage()
                parts.close()

        qt_run(scenario)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        assert not psutil.pid_exists(child.pid) or psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE
