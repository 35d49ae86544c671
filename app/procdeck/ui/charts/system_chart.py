"""System chart: total and per-core CPU, memory and swap of the whole machine."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from procdeck.core.samples import SeriesSource, format_bytes
from procdeck.ui.charts.time_chart import CurveSpec, TimeChart


class SystemChart(TimeChart):
    PLOTS = (("CPU %", "%"), ("Memory", "B"))

    def __init__(self, source: SeriesSource | None = None, parent: QWidget | None = None) -> None:
        super().__init__(source, parent)
        from PySide6.QtWidgets import QCheckBox, QLabel

        self.cores_box = QCheckBox("Per core")
        self.cores_box.setChecked(True)
        self.cores_box.toggled.connect(lambda _on: self.refresh(force=True))
        self.status = QLabel("")
        self._bar.insertWidget(4, self.cores_box)
        self._bar.insertWidget(5, self.status)

    def curve_specs(self) -> list[CurveSpec]:
        if self.source is None:
            return []
        keys = {info.key: info for info in self.source.series("sys/")}
        specs: list[CurveSpec] = []
        if "sys/cpu" in keys:
            specs.append(CurveSpec("sys/cpu", "total", width=3.0, color=(230, 230, 230)))
        if self.cores_box.isChecked():
            cores = sorted(
                (k for k in keys if k.startswith("sys/core/")), key=lambda k: int(k.rsplit("/", 1)[1])
            )
            specs.extend(CurveSpec(k, keys[k].label, width=1.0) for k in cores)
        if "sys/mem" in keys:
            specs.append(
                CurveSpec("sys/mem", "memory used", plot=1, unit="B", width=2.0, color=(80, 170, 255))
            )
        if "sys/swap" in keys:
            specs.append(
                CurveSpec("sys/swap", "swap used", plot=1, unit="B", width=1.5, color=(255, 140, 60))
            )
        return specs

    def after_refresh(self, t0: float, t1: float) -> None:
        source = self.source
        if source is None:
            return
        parts = []
        _, load = source.window("sys/load1", t1 - 30.0, t1 + 2.0)
        if len(load):
            parts.append(f"load {float(load[-1]):.2f}")
        _, mem = source.window("sys/mem", t1 - 30.0, t1 + 2.0)
        if len(mem):
            parts.append(f"mem {format_bytes(float(mem[-1]))}")
        self.status.setText("  ".join(parts))
