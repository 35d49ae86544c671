"""Live pyqtgraph charts of the monitor's history: workers, runs, system."""

from procdeck.ui.charts.runs_chart import RunsChart
from procdeck.ui.charts.system_chart import SystemChart
from procdeck.ui.charts.time_chart import CurveSpec, TimeChart
from procdeck.ui.charts.workers_chart import WorkersChart

__all__ = ["CurveSpec", "RunsChart", "SystemChart", "TimeChart", "WorkersChart"]
