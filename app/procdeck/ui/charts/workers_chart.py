"""Workers chart: CPU% of each worker process of the pool, plus the pool total."""

from __future__ import annotations

from procdeck.core.series_keys import POOL_CPU, POOL_PREFIX, WORKER_PREFIX, Metric, metric_of
from procdeck.ui.charts.time_chart import FOREGROUND, CurveSpec, TimeChart


class WorkersChart(TimeChart):
    PLOTS = (("CPU % (100 = 1 core)", "%"),)

    def curve_specs(self) -> list[CurveSpec]:
        if self.source is None:
            return []
        specs = [
            CurveSpec(info.key, info.label)
            for info in self.source.series(WORKER_PREFIX)
            if metric_of(info.key) is Metric.CPU
        ]
        if specs and any(info.key == POOL_CPU for info in self.source.series(POOL_PREFIX)):
            specs.append(CurveSpec(POOL_CPU, "pool total", width=3.0, color=FOREGROUND))
        return specs
