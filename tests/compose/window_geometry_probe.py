"""Runs the real app on whatever screen Qt offers, measures its geometry, prints JSON.

Started by test_window_geometry.py in a subprocess, because the screen size and the
scale factor are fixed when a QApplication starts: each screen gets its own process
(QT_QPA_PLATFORM=offscreen:configfile=..., QT_SCALE_FACTOR). The app is driven through
its own widgets: a 300-character command line launched from the launcher bar, a job
dispatched from the Jobs panel. Every check reads widgets as they are on screen.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import anyio
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QApplication, QDockWidget, QWidget

LONG_ARG = "x" * 300


def _rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _shown_height(widget: QWidget) -> int:
    """Height of the part of ``widget`` actually on screen (0 when hidden or tabbed away)."""
    if not widget.isVisible():
        return 0
    return widget.visibleRegion().boundingRect().height()


def elided_buttons(window: QWidget) -> list[str]:
    """Visible buttons whose text (plus icon) does not fit in the part of them on screen."""
    found = []
    for button in window.findChildren(QAbstractButton):
        text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        if not text or not button.isVisible() or button.visibleRegion().isEmpty():
            continue
        if isinstance(button.parentWidget(), QDockWidget):
            continue  # a dock's own float/close buttons have no text
        needed = button.fontMetrics().horizontalAdvance(text)
        if not button.icon().isNull():
            needed += button.iconSize().width() + 4
        shown = button.visibleRegion().boundingRect().width()
        if shown < needed:
            found.append(f"{text!r}: {shown} < {needed}")
    return found


def measure(parts: Any, stage: str) -> dict[str, Any]:
    window = parts.window
    screen = window.screen().availableGeometry()
    frame = window.frameGeometry()
    docks = {
        # A tab in front has a visible region (its content may paint natively).
        key: dock.height() if dock.isVisible() and not dock.visibleRegion().isEmpty() else 0
        for key, dock in window.panels.items()
        if window.dockWidgetArea(dock).name == "BottomDockWidgetArea"
    }
    return {
        "stage": stage,
        "screen": _rect(screen),
        "frame": _rect(frame),
        "within": screen.contains(frame),
        "min_size": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
        "output_height": _shown_height(window.output.preview.view),
        "runs_height": _shown_height(window.table.view),
        "bottom_panels": docks,
        "side_width": {
            key: dock.width()
            for key, dock in window.panels.items()
            if dock.isVisible() and window.dockWidgetArea(dock).name == "LeftDockWidgetArea"
        },
        "elided_buttons": elided_buttons(window),
    }


async def drive(parts: Any, report: list[dict[str, Any]]) -> None:
    window = parts.window
    try:
        await anyio.sleep(0.5)
        report.append(measure(parts, "start"))
        python = sys.executable
        window.launcher.command.setText(f'{python} -c "import time; time.sleep(30)" {LONG_ARG}')
        window.launcher.submit()
        with anyio.fail_after(20):
            while not any(i.state.value == "running" for i in window.runs_model.infos()):
                await anyio.sleep(0.05)
        await anyio.sleep(0.5)
        report.append(measure(parts, "long command running"))
        jobs = parts.jobs.panel
        jobs.form.target.setCurrentText("procdeck.tasks.builtin:count_primes")
        jobs.form.args.setText("[]")
        jobs.form.map.setChecked(True)  # a batch: its progress bar shows too
        jobs.form.inputs.setText("[1000, 2000, 3000]")
        window.panels["processes"].raise_()  # Dispatch must bring the job table forward
        await anyio.sleep(0.2)
        jobs.form.dispatch_button.click()
        with anyio.fail_after(20):
            while jobs.model.rowCount() < 3:
                await anyio.sleep(0.05)
        await anyio.sleep(0.3)
        after = measure(parts, "after dispatch")
        row_height = jobs.table.verticalHeader().defaultSectionSize()
        after["job_table_height"] = _shown_height(jobs.table.viewport())
        after["job_row_height"] = row_height
        after["job_row_visible"] = not jobs.table.visualRect(jobs.model.index(0, 0)).isEmpty() and (
            jobs.table.viewport().visibleRegion().contains(jobs.table.visualRect(jobs.model.index(0, 0)))
        )
        report.append(after)
        for key in window.panels:  # every panel in front in turn: none widens the window
            window.panels[key].show()
            window.panels[key].raise_()
            await anyio.sleep(0.3)
            report.append(measure(parts, f"{key} in front"))
    finally:
        window.confirm_quit = lambda: True
        window.close()


def main() -> int:
    from procdeck.bridge.event_loop import new_event_loop_factory
    from procdeck.main import main_async, make_application

    app = make_application([])
    report: list[dict[str, Any]] = []

    def on_ready(parts: Any) -> None:
        parts.spawner.spawn(drive, parts, report)

    with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
        code = runner.run(main_async(app, on_ready))
    assert isinstance(app, QApplication)
    print(json.dumps(report))
    return code


if __name__ == "__main__":
    sys.exit(main())
