"""The window's start-up path leaves the heavy parts for later (procdeck.ui.lazy_panel).

A fresh interpreter starts the real app (`procdeck` with no arguments, offscreen): the
window is painted before the engine and the features are imported (compose/shell.py);
when it is shown and wired with nothing running, pyqtgraph and numpy, the headless
subcommands and the About dialog are not imported; the Jobs panel, the terminal view
(pyte) and the Settings dialog are not imported before the first paint (the Runs chart, on screen in the
default layout, has nothing to chart); once a run is launched, the Runs chart is built
and pyqtgraph is there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = r"""
import asyncio, gc, json, sys
from procdeck import cli
from procdeck import main as app_main
from procdeck.bridge.event_loop import new_event_loop_factory

HEAVY = ("pyqtgraph", "numpy", "procdeck.commands.run", "procdeck.commands.job",
         "procdeck.ui.about_dialog", "procdeck.ui.charts", "procdeck.desktop.desktop_entry",
         "dask", "distributed")
# Built right after the first paint (Jobs is the front tab) or on first need.
AFTER_PAINT = ("pyte", "procdeck.ui.terminal.panel", "procdeck.ui.jobs.panel",
               "procdeck.bridge.jobs_bridge", "procdeck.ui.settings_dialog")
# Loaded once the window is painted (compose/shell.py): the engine and the features.
APP = ("procdeck.engine.engine", "procdeck.engine.process_manager", "procdeck.compose.window",
       "procdeck.bridge.engine_bridge", "procdeck.ui.profiles.panel")
report = {}

from procdeck.desktop import first_paint
_painted = first_paint._FirstPaint._done

def _done(self):
    report.setdefault("at_first_paint", [m for m in APP if m in sys.modules])
    _painted(self)

first_paint._FirstPaint._done = _done

def on_ready(parts):
    report["gc_enabled"] = gc.isenabled()  # off for start-up (as `procdeck` does), on again
    report["at_show"] = [m for m in HEAVY if m in sys.modules]
    report["at_show_after_paint"] = [m for m in AFTER_PAINT if m in sys.modules]
    panel = parts.monitor.runs_panel

    async def later():
        import anyio
        await anyio.sleep(1.0)  # painted and settled: a chart of nothing stays a placeholder
        report["idle"] = [m for m in HEAVY if m in sys.modules]
        report["idle_after_paint"] = [m for m in AFTER_PAINT if m in sys.modules]
        report["jobs_built"] = parts.jobs.is_built
        report["idle_built"] = panel.is_built
        parts.window.launcher.command.setText(sys.executable + ' -c "import time; time.sleep(30)"')
        parts.window.launcher.submit()
        parts.window.panels["runs-chart"].raise_()  # a tab behind Jobs: shown now
        with anyio.fail_after(60):
            while not panel.is_built:
                await anyio.sleep(0.02)
        report["after_run"] = [m for m in HEAVY if m in sys.modules]
        report["chart"] = type(panel.content()).__name__
        parts.window.begin_quit()

    parts.spawner.spawn(later)

parser = cli.build_parser([])  # the window's command line: no subcommand
report["after_cli"] = [m for m in HEAVY if m in sys.modules]
app = app_main.make_application([])
gc.disable()
with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
    runner.run(app_main.main_async(app, on_ready))
print(json.dumps(report))
"""


def test_heavy_modules_wait_until_a_chart_is_shown(tmp_path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PROCDECK_CONFIG_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["after_cli"] == []
    assert report["at_first_paint"] == []  # the window is painted before the app loads
    assert report["gc_enabled"]
    assert report["at_show"] == []
    assert report["at_show_after_paint"] == []  # the window is painted before these load
    # Painted: the Jobs panel, the front tab, is built; no terminal run, no pyte.
    assert report["jobs_built"]
    assert "procdeck.ui.jobs.panel" in report["idle_after_paint"]
    assert "pyte" not in report["idle_after_paint"]
    assert report["idle"] == [] and not report["idle_built"]
    # A run: the sampler ticks, the Runs chart (on screen by default) is built.
    assert "pyqtgraph" in report["after_run"] and "numpy" in report["after_run"]
    assert report["chart"] == "RunsChart"
    assert "procdeck.commands.run" not in report["after_run"]
    assert "procdeck.ui.about_dialog" not in report["after_run"]
