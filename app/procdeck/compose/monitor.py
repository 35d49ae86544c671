"""Wires the monitor: sampler (engine) <-> MonitorBridge <-> charts and Processes view (ui).

``wire(engine, window, spawner)`` starts the engine's sampler, adds four dock panels
(Workers, Runs, System charts and Processes) and a View menu entry to choose the sample
rate, and returns the parts so the caller can ``close()`` them at shutdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from procdeck.bridge.monitor_bridge import MonitorBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.samples import SignalResult
from procdeck.engine.engine import Engine
from procdeck.ui.lazy_panel import LazyPanel
from procdeck.ui.main_window import MainWindow
from procdeck.ui.processes import ProcessesView

if TYPE_CHECKING:
    from procdeck.ui.charts import RunsChart, SystemChart, TimeChart, WorkersChart

RATES_HZ = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
NO_RUNS = "Nothing to chart yet: launch a command, or chart a process from the Processes panel."
NO_WORKERS = "No workers yet: they start with the first job (Jobs panel or procdeck job)."
STAGGER_MS = 120


@dataclass
class MonitorParts:
    """The charts start as placeholders (ui.lazy_panel): pyqtgraph and numpy are imported
    and a chart is built when it is first on screen, or when code asks for it here."""

    bridge: MonitorBridge
    workers_panel: LazyPanel[WorkersChart]
    runs_panel: LazyPanel[RunsChart]
    system_panel: LazyPanel[SystemChart]
    processes: ProcessesView

    @property
    def workers_chart(self) -> WorkersChart:
        return self.workers_panel.content()

    @property
    def runs_chart(self) -> RunsChart:
        return self.runs_panel.content()

    @property
    def system_chart(self) -> SystemChart:
        return self.system_panel.content()

    @property
    def charts(self) -> tuple[TimeChart, ...]:
        """Every chart, built now if it was not yet."""
        return (self.workers_chart, self.runs_chart, self.system_chart)

    @property
    def built_charts(self) -> tuple[TimeChart, ...]:
        panels = (self.workers_panel, self.runs_panel, self.system_panel)
        return tuple(c for c in (p.content_if_built() for p in panels) if c is not None)

    def close(self) -> None:
        self.bridge.close()


def wire(engine: Engine, window: MainWindow, spawner: TaskSpawner) -> MonitorParts:
    engine.start_monitor()
    bridge = MonitorBridge(engine.monitor, spawner, window)
    parts = MonitorParts(
        bridge=bridge,
        workers_panel=_chart_panel(bridge, "WorkersChart", 0, NO_WORKERS),
        runs_panel=_chart_panel(bridge, "RunsChart", 1, NO_RUNS),
        system_panel=_chart_panel(bridge, "SystemChart", 2),
        processes=ProcessesView(),
    )
    bottom = Qt.DockWidgetArea.BottomDockWidgetArea
    docks = [
        window.add_panel("runs-chart", "Runs chart", parts.runs_panel, bottom),
        window.add_panel("workers-chart", "Workers chart", parts.workers_panel, bottom),
        window.add_panel("system-chart", "System chart", parts.system_panel, bottom),
        window.add_panel("processes", "Processes", parts.processes, bottom),
    ]

    view = parts.processes
    # A dock tabbed behind another is not hidden in the QWidget sense; the dock's
    # visibilityChanged is what tells whether the Processes table is on screen.
    docks[3].visibilityChanged.connect(bridge.set_table_active)
    # Likewise the System chart: with nothing running and it hidden, the sampler rests.
    bridge.set_system_active(False)
    docks[2].visibilityChanged.connect(bridge.set_system_active)
    bridge.tableChanged.connect(view.set_rows)
    view.signalRequested.connect(bridge.send_signal)

    def on_result(result: SignalResult) -> None:
        view.show_result(result)
        window.show_message(result.describe())

    bridge.signalResult.connect(on_result)
    bridge.failed.connect(window.show_message)

    def chart_process(pid: int, create_time: float, name: str) -> None:
        group = bridge.pin(pid, create_time, name)
        docks[0].show()
        docks[0].raise_()
        parts.runs_chart.refresh(force=True)
        parts.runs_chart.set_group_checked(group, True)
        window.show_message(f"Charting {name} ({pid}); samples appear within a second.")

    view.chartRequested.connect(chart_process)
    _add_rate_menu(window, bridge)
    return parts


def _import_charts() -> None:
    from procdeck.ui import charts  # noqa: F401  (pyqtgraph and numpy, ~0.3 s)


def _chart_panel(bridge: MonitorBridge, name: str, index: int, empty: str | None = None) -> LazyPanel[Any]:
    """A placeholder for one chart; the chart is built on first show (see LazyPanel).

    With ``empty`` (what to say while there is nothing to chart) the chart also waits for
    the sampler's first samples: the sampler only ticks when there is something to sample
    (a run, a pinned process, a worker, or the System chart on screen).
    """

    def build() -> TimeChart:
        from procdeck.ui import charts  # pyqtgraph and numpy: only now
        from procdeck.ui.theme import restyle_charts

        chart: TimeChart = getattr(charts, name)(bridge.source)
        # Charts pull from the history at the bridge's coalesced rate; hidden ones skip.
        # Each gets its own delay so that three repaints never block the loop in one go.
        chart.set_refresh_delay(index * STAGGER_MS)
        bridge.updated.connect(chart.schedule_refresh)
        restyle_charts(chart)
        chart.refresh()
        return chart

    build_chart: Callable[[], TimeChart] = build
    panel: LazyPanel[Any] = LazyPanel(
        build_chart,
        settings_name=name,
        placeholder=empty or "Loading chart…",
        ready=empty is None,
        prepare=_import_charts,
    )
    if empty is not None:

        def samples_arrived() -> None:
            if not panel.ready:
                panel.set_ready(True, "Loading chart…")
                bridge.updated.disconnect(samples_arrived)

        bridge.updated.connect(samples_arrived)
    return panel


def _add_rate_menu(window: MainWindow, bridge: MonitorBridge) -> None:
    menu = QMenu("Sample rate", window)
    group = QActionGroup(menu)
    settings = bridge.sampler.settings
    for hz in RATES_HZ:
        action = QAction(f"{hz:g} Hz", menu)
        action.setCheckable(True)
        action.setChecked(hz == settings.rate_hz)
        action.triggered.connect(lambda _checked=False, hz=hz: bridge.set_rate(hz))
        group.addAction(action)
        menu.addAction(action)
    menu.addSeparator()
    info = QAction(f"History: {settings.describe()}", menu)
    info.setEnabled(False)
    menu.addAction(info)
    window.menus["View"].addMenu(menu)
