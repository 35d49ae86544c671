"""Runs chart: CPU% and RSS of the chosen runs and pinned processes, with markers.

Each launched run (and each process pinned with "Chart this process") is a group of
series; by default its whole process tree is summed, and "Whole tree" off shows the
parent process alone. Start, stop requested, signal and exit events are drawn as
labelled vertical lines on the same time axis.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QCheckBox, QListWidget, QListWidgetItem, QSplitter, QWidget

from procdeck.core.samples import MarkerKind, SeriesSource
from procdeck.ui.charts.time_chart import CurveSpec, TimeChart

MARKER_COLORS = {
    MarkerKind.START: (90, 200, 90),
    MarkerKind.STOP_REQUESTED: (230, 200, 60),
    MarkerKind.SIGNAL: (240, 140, 40),
    MarkerKind.EXIT: (230, 70, 70),
    MarkerKind.HEALTHY: (60, 170, 220),
    MarkerKind.UNHEALTHY: (200, 60, 160),
}


class RunsChart(TimeChart):
    PLOTS = (("CPU % (100 = 1 core)", "%"), ("Memory (RSS)", "B"))

    def __init__(self, source: SeriesSource | None = None, parent: QWidget | None = None) -> None:
        super().__init__(source, parent)
        self.tree_box = QCheckBox("Whole tree")
        self.tree_box.setToolTip("Sum the process and all its descendants; off: the parent process alone")
        self.tree_box.setChecked(True)
        self.tree_box.toggled.connect(lambda _on: self.refresh(force=True))
        self._bar.insertWidget(4, self.tree_box)
        self.run_list = QListWidget()
        self.run_list.setToolTip("Runs and pinned processes: tick the ones to chart")
        self.run_list.itemChanged.connect(lambda _item: self.refresh(force=True))
        self._items: dict[str, QListWidgetItem] = {}
        self._marker_lines: dict[tuple[str, float, str, str], list[pg.InfiniteLine]] = {}
        # Put the list left of the plots.
        layout = self.layout()
        assert isinstance(layout, QBoxLayout)  # TimeChart's own vertical layout
        layout.removeWidget(self.graphics)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.run_list)
        splitter.addWidget(self.graphics)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([160, 600])
        layout.insertWidget(1, splitter, 1)

    # -- which groups --------------------------------------------------------------------
    def _sync_groups(self) -> None:
        if self.source is None:
            return
        labels: dict[str, str] = {}
        for prefix in ("run/", "pid/"):
            for info in self.source.series(prefix):
                labels.setdefault(info.group, info.label)
        self.run_list.blockSignals(True)
        try:
            for group, label in labels.items():
                item = self._items.get(group)
                if item is None:
                    item = QListWidgetItem(label)
                    item.setToolTip(label)
                    item.setData(Qt.ItemDataRole.UserRole, group)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked)  # new runs and pins show at once
                    self.run_list.addItem(item)
                    self._items[group] = item
                elif item.text() != label:
                    item.setText(label)
                    item.setToolTip(label)
            for group in [g for g in self._items if g not in labels]:
                item = self._items.pop(group)
                self.run_list.takeItem(self.run_list.row(item))
        finally:
            self.run_list.blockSignals(False)

    def groups(self) -> list[str]:
        return list(self._items)

    def selected_groups(self) -> list[str]:
        return [g for g, item in self._items.items() if item.checkState() == Qt.CheckState.Checked]

    def set_group_checked(self, group: str, checked: bool = True) -> None:
        self._sync_groups()
        item = self._items.get(group)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def show_only(self, group: str) -> None:
        """Chart one group alone (e.g. after "Chart this process")."""
        self._sync_groups()
        for g in self._items:
            self.set_group_checked(g, g == group)

    @property
    def whole_tree(self) -> bool:
        return self.tree_box.isChecked()

    # -- curves and markers --------------------------------------------------------------
    def curve_specs(self) -> list[CurveSpec]:
        self._sync_groups()
        part = "tree" if self.whole_tree else "parent"
        specs: list[CurveSpec] = []
        for group in self.selected_groups():
            label = _short(self._items[group].text())
            specs.append(
                CurveSpec(f"{group}/{part}/cpu", label, plot=0, unit="%", color=self._group_color(group))
            )
            specs.append(
                CurveSpec(f"{group}/{part}/rss", label, plot=1, unit="B", color=self._group_color(group))
            )
        return specs

    def _group_color(self, group: str) -> object:
        color = self._colors.get(group)
        if color is None:
            color = pg.intColor(self._palette_next, hues=9, values=1, maxValue=230)
            self._palette_next += 1
            self._colors[group] = color
        return color

    def after_refresh(self, t0: float, t1: float) -> None:
        wanted: set[tuple[str, float, str, str]] = set()
        if self.source is not None:
            for group in self.selected_groups():
                for marker in self.source.markers(group):
                    wanted.add((group, marker.t, marker.kind.value, marker.text))
        for key in [k for k in self._marker_lines if k not in wanted]:
            for plot, line in zip(self.plots, self._marker_lines.pop(key), strict=False):
                plot.removeItem(line)
        for key in wanted - self._marker_lines.keys():
            group, t, kind, text = key
            pen = pg.mkPen(MARKER_COLORS[MarkerKind(kind)], width=1.5)
            lines = []
            for i, plot in enumerate(self.plots):
                line = pg.InfiniteLine(
                    pos=t,
                    angle=90,
                    movable=False,
                    pen=pen,
                    label=text if i == 0 else None,
                    labelOpts={
                        "position": 0.9,
                        "color": MARKER_COLORS[MarkerKind(kind)],
                        "rotateAxis": (1, 0),
                    },
                )
                plot.addItem(line, ignoreBounds=True)
                lines.append(line)
            self._marker_lines[key] = lines

    def marker_texts(self) -> list[str]:
        return sorted(text for (_g, _t, _k, text) in self._marker_lines)


def _short(label: str, limit: int = 40) -> str:
    """Legend text: long command lines would cover the plot."""
    return label if len(label) <= limit else label[: limit - 1] + "…"
