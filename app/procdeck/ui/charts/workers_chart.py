"""Workers chart: CPU% of each worker process of the pool, plus the pool total."""

from __future__ import annotations

from procdeck.ui.charts.time_chart import CurveSpec, TimeChart


class WorkersChart(TimeChart):
    PLOTS = (("CPU % (100 = 1 core)", "%"),)

    def curve_specs(self) -> list[CurveSpec]:
        if self.source is None:
            return []
        specs = [
            CurveSpec(info.key, info.label)
            for info in self.source.series("worker/")
            if info.key.endswith("/cpu")
        ]
        if specs and any(info.key == "pool/cpu" for info in self.source.series("pool/")):
            specs.append(CurveSpec("pool/cpu", "pool total", width=3.0, color=(230, 230, 230)))
        return specs
