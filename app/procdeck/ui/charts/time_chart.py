"""A rolling time-series chart: the shared machinery of the Workers, Runs and System charts.

Data is pulled from a core ``SeriesSource`` (the monitor's history) on ``refresh()``, which
the monitor bridge calls at a coalesced 1-4 Hz; a hidden or paused chart does no work.
Curves are created once per series and then only ``setData``-ed (pyqtgraph plot items
are reused, never rebuilt). While *following*, the x range rolls with the clock; a manual
zoom or pan stops following until the user presses "Follow". A crosshair shows the exact
values under the mouse; the chart exports to PNG and CSV.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.private_files import private_opener
from procdeck.core.samples import SeriesSource, format_bytes, format_percent
from procdeck.core.series_keys import SeriesKey

MIN_SPAN_S = 30.0  # a following chart never shows less than this (the time axis reads in seconds)
WINDOWS_S: tuple[tuple[str, float], ...] = (
    ("1 min", 60.0),
    ("5 min", 300.0),
    ("10 min", 600.0),
    ("1 h", 3600.0),
    ("24 h", 86400.0),
)


FOREGROUND = "foreground"


def describe_span(seconds: float) -> str:
    """``"12 s"``, ``"3 min"``, ``"2 h"``: how much history a chart shows."""
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


@dataclass(frozen=True, slots=True)
class CurveSpec:
    """One curve to draw: which series, on which plot, how."""

    key: SeriesKey
    label: str
    plot: int = 0
    unit: str = "%"
    width: float = 1.5
    color: object = None  # anything pg.mkPen accepts; None = next palette colour;
    # FOREGROUND = the theme's text colour (readable on light and dark backgrounds)


def format_value(value: float, unit: str) -> str:
    if value is None or math.isnan(value):
        return "-"
    if unit == "%":
        return format_percent(value)
    if unit == "B":
        return format_bytes(value)
    return f"{value:.2f}{unit}"


@dataclass(slots=True)
class _Plot:
    """One plot of a chart and what the chart keeps beside it."""

    item: pg.PlotItem
    crosshair: pg.InfiniteLine
    ymax: float = 0.0  # the y range's top as last set by _fit_y


class _BytesAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph ships no types: AxisItem is Any
    """Left axis for memory plots: 1.5 GiB, not 1.5e9."""

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [format_bytes(v * scale) for v in values]


class TimeChart(QWidget):
    """Base class: subclasses say which curves to draw (``curve_specs``) on which plots."""

    follow_changed = Signal(bool)

    PLOTS: tuple[tuple[str, str], ...] = (("CPU", "%"),)  # (title, unit) per plot
    #: Plots are stacked while each gets this much height; in a shorter panel they stand
    #: side by side (two stacked plots in the 1366x768 bottom panel were a few pixels
    #: high each, their axis labels drawn over one another).
    MIN_STACKED_PLOT_HEIGHT = 140

    def __init__(self, source: SeriesSource | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._specs: dict[str, CurveSpec] = {}
        self._palette_next = 0
        self._colors: dict[str, object] = {}
        self._paused = False
        self._following = True
        self._setting_range = False
        self._window_s = 600.0
        self.refresh_count = 0
        # schedule_refresh() runs refresh() after this delay: charts shown together are
        # given different delays so that their repaints do not land in one loop iteration.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self.set_paused)
        self.follow_button = QPushButton("Follow")
        self.follow_button.setToolTip("Scroll with the clock again after zooming or panning")
        self.follow_button.setEnabled(False)
        self.follow_button.clicked.connect(lambda: self.set_following(True))
        self.window_combo = QComboBox()
        for text, seconds in WINDOWS_S:
            self.window_combo.addItem(text, seconds)
        self.window_combo.setCurrentIndex(2)
        self.window_combo.currentIndexChanged.connect(
            lambda _i: self.set_window(float(self.window_combo.currentData()))
        )
        self.png_button = QPushButton("PNG…")
        self.png_button.clicked.connect(self._ask_png)
        self.csv_button = QPushButton("CSV…")
        self.csv_button.clicked.connect(self._ask_csv)
        for w in (self.pause_button, self.follow_button, QLabel("Window:"), self.window_combo):
            bar.addWidget(w)
        # "last 12 s" when there is less history than the window: the plot then starts
        # at the first sample instead of drawing a sliver at the right edge.
        self.span_label = QLabel("")
        self.span_label.setObjectName("chartSpan")
        bar.addWidget(self.span_label)
        self._bar = bar
        bar.addStretch(1)
        bar.addWidget(self.png_button)
        bar.addWidget(self.csv_button)
        layout.addLayout(bar)

        self.graphics = pg.GraphicsLayoutWidget()
        self._plots: list[_Plot] = []
        for i, (title, unit) in enumerate(self.PLOTS):
            axes = {"bottom": pg.DateAxisItem(orientation="bottom")}
            if unit == "B":
                axes["left"] = _BytesAxis(orientation="left")
            plot = self.graphics.addPlot(row=i, col=0, axisItems=axes)
            # The title goes above the plot, left-aligned and horizontal: a rotated left
            # axis label is longer than a short plot is high, and was clipped and drawn
            # over the tick labels in a small panel.
            plot.setTitle(title, size=f"{self.font().pointSizeF():g}pt", justify="left")
            # Room for the title's text and for the top tick label of the left axis, which
            # reaches half a line above the plot (the text is centred in its row).
            title_height = (
                math.ceil(plot.titleLabel.item.boundingRect().height()) + self.fontMetrics().height()
            )
            plot.layout.setRowFixedHeight(0, title_height)
            plot.titleLabel.setMaximumHeight(title_height)
            # A GridItem, not showGrid(): the axes' own grid is replayed from a QPicture on
            # every paint and made a 1600x400 chart cost ~20 ms per repaint here, the
            # GridItem ~1 ms (measured with pyqtgraph 0.14, offscreen raster).
            grid = pg.GridItem(pen=pg.mkPen((90, 90, 90, 110)), textPen=None)
            plot.addItem(grid, ignoreBounds=True)
            plot.addLegend(offset=(5, 5))
            plot.setMouseEnabled(x=True, y=False)
            # y is ranged by refresh() (see _fit_y), not by pyqtgraph's auto range, which
            # re-ranges during the paint after every x scroll and so paints each chart twice.
            plot.enableAutoRange(axis="y", enable=False)
            plot.setYRange(0, 100 if unit == "%" else 1024, padding=0)
            if self._plots:
                plot.setXLink(self._plots[0].item)
            plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
            line = pg.InfiniteLine(
                angle=90, movable=False, pen=pg.mkPen((150, 150, 150), style=Qt.PenStyle.DashLine)
            )
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self._plots.append(_Plot(plot, line))
        self.side_by_side = False
        self.graphics.installEventFilter(self)
        layout.addWidget(self.graphics, 1)
        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.readout)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.graphics and event.type() == QEvent.Type.Resize:
            self._arrange_plots()
        return super().eventFilter(watched, event)

    def _arrange_plots(self) -> None:
        """Stack the plots, or put them side by side when stacked ones would be too short."""
        count = len(self._plots)
        if count < 2:
            return
        side_by_side = self.graphics.height() < count * self.MIN_STACKED_PLOT_HEIGHT
        if side_by_side == self.side_by_side:
            return
        self.side_by_side = side_by_side
        layout = self.graphics.ci
        for plot in self._plots:
            layout.removeItem(plot.item)
        for i, plot in enumerate(self._plots):
            layout.addItem(plot.item, row=0 if side_by_side else i, col=i if side_by_side else 0)

    # -- data ----------------------------------------------------------------------------
    def set_source(self, source: SeriesSource) -> None:
        self._source = source
        self.refresh(force=True)

    @property
    def source(self) -> SeriesSource | None:
        return self._source

    @property
    def on_screen(self) -> bool:
        """Shown and not covered (a dock tabbed behind another stays "visible" in Qt)."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def curve_specs(self) -> list[CurveSpec]:
        """Which curves to draw now (subclasses override)."""
        return []

    def set_refresh_delay(self, ms: int) -> None:
        self._refresh_timer.setInterval(max(0, int(ms)))

    def schedule_refresh(self) -> None:
        """Refresh soon (after the chart's stagger delay); several calls coalesce."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def refresh(self, now: float | None = None, *, force: bool = False) -> None:
        """Pull the visible window from the source and update the curves in place."""
        if self._source is None or (self._paused and not force) or (not self.on_screen and not force):
            return
        self.refresh_count += 1
        now = time.time() if now is None else now
        specs = self.curve_specs()
        wanted = {s.key for s in specs}
        for key in [k for k in self._curves if k not in wanted]:
            curve = self._curves.pop(key)
            self._plots[self._specs.pop(key).plot].item.removeItem(curve)
        if self._following:
            t0, t1 = now - self._window_s, now
            data = [(spec, self._source.window(spec.key, t0 - 2.0, t1 + 2.0)) for spec in specs]
            t0 = self._start_of(t0, now, data)
            # The range goes first: set after the data, pyqtgraph paints the chart twice.
            self._setting_range = True
            try:
                self._plots[0].item.setXRange(t0, t1, padding=0)
            finally:
                self._setting_range = False
        else:
            t0, t1 = self._plots[0].item.vb.viewRange()[0]
            data = [(spec, self._source.window(spec.key, t0 - 2.0, t1 + 2.0)) for spec in specs]
            self.span_label.setText("")
        for spec, (xs, ys) in data:
            curve = self._curves.get(spec.key)
            if curve is None:
                pen = pg.mkPen(self._color(spec), width=spec.width)
                curve = pg.PlotDataItem(name=spec.label, pen=pen, connect="finite")
                curve.follows_text_colour = spec.color == FOREGROUND  # restyled with the theme
                curve.setClipToView(True)
                curve.setDownsampling(auto=True, method="peak")
                self._plots[spec.plot].item.addItem(curve)
                self._curves[spec.key] = curve
            elif self._specs[spec.key].label != spec.label:
                self._rename(spec)
            self._specs[spec.key] = spec
            curve.setData(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        self._fit_y()
        self.after_refresh(t0, t1)

    def _start_of(self, t0: float, now: float, data: Sequence[tuple[CurveSpec, tuple[Any, Any]]]) -> float:
        """Where a following chart starts: ``t0``, or the first sample when the history is
        shorter than the window (at least MIN_SPAN_S back); says so in ``span_label``."""
        firsts = [float(xs[0]) for _spec, (xs, _ys) in data if len(xs)]
        first = min(firsts, default=None)
        if first is None or first <= t0 + 1.0:
            self.span_label.setText("")
            return t0
        start = max(t0, min(first, now - MIN_SPAN_S))
        self.span_label.setText(f"last {describe_span(now - start)}")
        return start

    def _fit_y(self) -> None:
        """0 to a rounded-up maximum of what is drawn (at least 100 for percentages)."""
        peaks: dict[int, float] = {}
        for key, spec in self._specs.items():
            _xs, ys = self.curve_data(key)
            if len(ys):
                peak = float(np.nanmax(ys)) if not np.all(np.isnan(ys)) else 0.0
                peaks[spec.plot] = max(peaks.get(spec.plot, 0.0), peak)
        for index, plot in enumerate(self._plots):
            unit = self.PLOTS[index][1]
            peak = peaks.get(index, 0.0)
            top = max(100.0, peak * 1.1) if unit == "%" else max(1024.0, peak * 1.15)
            if unit == "%" and top > 100.0:
                top = math.ceil(top / 50.0) * 50.0  # 150, 200, ...: the axis does not jitter
            if top != plot.ymax:
                plot.ymax = top
                plot.item.setYRange(0, top, padding=0)

    @property
    def plots(self) -> list[pg.PlotItem]:
        """The chart's plots, top to bottom (``PLOTS`` order)."""
        return [plot.item for plot in self._plots]

    def after_refresh(self, t0: float, t1: float) -> None:
        """Hook for subclasses (markers, status labels)."""

    def _rename(self, spec: CurveSpec) -> None:
        plot = self._plots[self._specs[spec.key].plot].item
        curve = self._curves[spec.key]
        if plot.legend is not None:
            plot.legend.removeItem(curve)
            curve.opts["name"] = spec.label
            plot.legend.addItem(curve, spec.label)

    def _color(self, spec: CurveSpec) -> object:
        if spec.color == FOREGROUND:
            return QApplication.palette().color(QPalette.ColorRole.Text)
        if spec.color is not None:
            return spec.color
        color = self._colors.get(spec.key)
        if color is None:
            color = pg.intColor(self._palette_next, hues=9, values=1, maxValue=230)
            self._palette_next += 1
            self._colors[spec.key] = color
        return color

    def curve_labels(self, plot: int | None = None) -> list[str]:
        return [s.label for k, s in self._specs.items() if plot is None or s.plot == plot]

    def curve_data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        curve = self._curves[key]
        xs, ys = curve.xData, curve.yData
        return (np.empty(0), np.empty(0)) if xs is None else (xs, ys)

    # -- follow / pause / window ---------------------------------------------------------
    @property
    def following(self) -> bool:
        return self._following

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self.pause_button.isChecked() != paused:
            self.pause_button.setChecked(paused)
        self.pause_button.setText("Resume" if paused else "Pause")
        if not paused:
            self.refresh(force=True)

    def set_following(self, follow: bool) -> None:
        if follow == self._following:
            return
        self._following = follow
        self.follow_button.setEnabled(not follow)
        self.follow_changed.emit(follow)
        if follow:
            self.refresh(force=True)

    # -- persistence (procdeck.ui.settings_store.PersistentWidget) ------------------------
    def settings_state(self) -> dict[str, object]:
        """What the window saves for this chart: its time window."""
        return {"window_s": self._window_s}

    def restore_settings_state(self, state: dict[str, object]) -> None:
        try:
            raw = state.get("window_s", self._window_s)
            if not isinstance(raw, (int, float, str)):
                return
            seconds = float(raw)
        except ValueError:
            return
        index = self.window_combo.findData(seconds)
        if index >= 0:
            self.window_combo.setCurrentIndex(index)  # calls set_window

    def set_window(self, seconds: float) -> None:
        self._window_s = float(seconds)
        self.set_following(True)
        self.refresh(force=True)

    def _on_manual_range(self, *_args: object) -> None:
        if not self._setting_range:
            self.set_following(False)

    def zoom_to(self, t0: float, t1: float) -> None:
        """Show [t0, t1] and stop following (as a manual zoom does)."""
        self.set_following(False)
        self._plots[0].item.setXRange(t0, t1, padding=0)
        self.refresh(force=True)

    # -- crosshair -----------------------------------------------------------------------
    def _on_mouse_moved(self, pos: QPointF) -> None:
        for index, plot in enumerate(self.plots):
            if plot.sceneBoundingRect().contains(pos):
                self.show_crosshair(plot.vb.mapSceneToView(pos).x(), index)
                return
        self.hide_crosshair()

    def show_crosshair(self, x: float, plot_index: int = 0) -> str:
        """Put the crosshair at time x; the readout lists each curve's exact nearest value."""
        parts = [time.strftime("%H:%M:%S", time.localtime(x))]
        for key, spec in self._specs.items():
            if spec.plot != plot_index:
                continue
            xs, ys = self.curve_data(key)
            if len(xs) == 0:
                continue
            i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
            if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
                i -= 1
            parts.append(f"{spec.label}: {format_value(float(ys[i]), spec.unit)}")
        for plot in self._plots:
            plot.crosshair.setPos(x)
            plot.crosshair.setVisible(True)
        text = "  ".join(parts)
        self.readout.setText(text)
        self.graphics.setToolTip("\n".join(parts))  # the same values next to the mouse
        return text

    def hide_crosshair(self) -> None:
        for plot in self._plots:
            plot.crosshair.setVisible(False)

    # -- export --------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> Path:
        path = Path(path)
        if not self.graphics.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        return path

    def export_csv(self, path: str | Path) -> Path:
        """Every drawn curve as one column, one row per sample time (ISO local time)."""
        path = Path(path)
        columns = list(self._specs.items())
        rows: dict[float, dict[str, float]] = {}
        for key, _spec in columns:
            xs, ys = self.curve_data(key)
            for x, y in zip(xs.tolist(), ys.tolist(), strict=False):
                rows.setdefault(x, {})[key] = y
        with open(path, "w", newline="", encoding="utf-8", opener=private_opener) as f:
            writer = csv.writer(f)
            writer.writerow(
                ["time", "epoch_s"] + [f"{s.label} ({s.unit})" if s.unit else s.label for _k, s in columns]
            )
            for x in sorted(rows):
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(x)) + f".{int((x % 1) * 1000):03d}"
                values = rows[x]
                writer.writerow([stamp, f"{x:.3f}"] + [_csv_value(values.get(k)) for k, _s in columns])
        return path

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export chart as PNG", "chart.png", "PNG images (*.png)")
        if path:
            self._export(self.export_png, path)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export chart data as CSV", "chart.csv", "CSV files (*.csv)"
        )
        if path:
            self._export(self.export_csv, path)

    def _export(self, fn: Callable[[str], object], path: str) -> None:
        try:
            fn(path)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")


def _csv_value(value: float | None) -> str:
    if value is None or math.isnan(value):
        return ""
    return f"{value:.6g}"
