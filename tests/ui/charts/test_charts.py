"""Chart widgets offscreen, fed from a real History with known values."""

from __future__ import annotations

import csv
import time

import numpy as np
import pytest
from PySide6.QtGui import QImage

from procdeck.core.samples import MarkerKind, RunMarker, SeriesInfo
from procdeck.engine.monitor.history import History
from procdeck.ui.charts import RunsChart, SystemChart, WorkersChart

NOW = time.time()


def _fill(
    hist: History,
    key: str,
    group: str,
    label: str,
    unit: str,
    values: list[float | None],
    t0: float = NOW - 10,
) -> None:
    for i, v in enumerate(values):
        hist.append(SeriesInfo(key, group, label, unit), t0 + i, v)


@pytest.fixture
def hist() -> History:
    h = History()
    _fill(h, "worker/w1/cpu", "worker/w1", "w1", "%", [10.0, 20.0, 30.0])
    _fill(h, "worker/w2/cpu", "worker/w2", "w2", "%", [None, 5.0, 7.0])
    _fill(h, "worker/w1/rss", "worker/w1", "w1", "B", [1e6, 1e6, 1e6])
    _fill(h, "pool/cpu", "pool", "pool total", "%", [None, 25.0, 37.0])
    _fill(h, "sys/cpu", "sys", "CPU total", "%", [None, 40.0, 50.0])
    _fill(h, "sys/core/0", "sys", "core 0", "%", [None, 30.0, 60.0])
    _fill(h, "sys/core/1", "sys", "core 1", "%", [None, 50.0, 40.0])
    _fill(h, "sys/mem", "sys", "memory used", "B", [2e9, 2.1e9, 2.2e9])
    _fill(h, "sys/load1", "sys", "load", "", [0.5, 0.6, 0.7])
    for part, cpu, rss in (
        ("tree", [None, 150.0, 160.0], [3e6, 3e6, 4e6]),
        ("parent", [None, 1.0, 2.0], [1e6, 1e6, 1e6]),
    ):
        _fill(h, f"run/1/{part}/cpu", "run/1", "sleep run", "%", cpu)
        _fill(h, f"run/1/{part}/rss", "run/1", "sleep run", "B", rss)
    _fill(h, "run/2/tree/cpu", "run/2", "other run", "%", [1.0, 1.0, 1.0])
    _fill(h, "run/2/tree/rss", "run/2", "other run", "B", [1.0, 1.0, 1.0])
    h.add_marker(RunMarker("run/1", NOW - 10, MarkerKind.START, "start (pid 5)"))
    h.add_marker(RunMarker("run/1", NOW - 8, MarkerKind.EXIT, "exit 0"))
    return h


def test_workers_chart_lines_per_worker_and_pool_total(qtbot, hist: History) -> None:
    chart = WorkersChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    chart.refresh(NOW)
    assert chart.curve_labels() == ["w1", "w2", "pool total"]
    xs, ys = chart.curve_data("worker/w1/cpu")
    assert ys.tolist() == [10.0, 20.0, 30.0]
    _, w2 = chart.curve_data("worker/w2/cpu")
    assert np.isnan(w2[0]) and w2[1] == 5.0
    legend = chart.plots[0].legend
    assert [label.text for _sample, label in legend.items] == ["w1", "w2", "pool total"]
    # Curves are reused across refreshes, not rebuilt.
    curve = chart._curves["worker/w1/cpu"]
    _fill(hist, "worker/w1/cpu", "worker/w1", "w1", "%", [99.0], t0=NOW - 7)
    chart.refresh(NOW)
    assert chart._curves["worker/w1/cpu"] is curve
    assert chart.curve_data("worker/w1/cpu")[1][-1] == 99.0


def test_crosshair_reports_exact_values(qtbot, hist: History) -> None:
    chart = WorkersChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    chart.refresh(NOW)
    text = chart.show_crosshair(NOW - 9.1)
    assert "w1: 20.0%" in text and "w2: 5.0%" in text and "pool total: 25.0%" in text
    assert chart.readout.text() == text
    assert chart.graphics.toolTip().splitlines()[1:] == text.split("  ")[1:]
    assert "w2: -" in chart.show_crosshair(NOW - 10)  # first sample: unknown, not 0


def test_pause_freezes_and_resume_catches_up(qtbot, hist: History) -> None:
    chart = WorkersChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    chart.refresh(NOW)
    chart.pause_button.click()
    assert chart.paused and chart.pause_button.text() == "Resume"
    _fill(hist, "worker/w1/cpu", "worker/w1", "w1", "%", [77.0], t0=NOW - 7)
    chart.refresh(NOW)
    assert chart.curve_data("worker/w1/cpu")[1][-1] == 30.0
    chart.pause_button.click()
    assert not chart.paused
    assert chart.curve_data("worker/w1/cpu")[1][-1] == 77.0


def test_zoom_stops_following_until_asked(qtbot, hist: History) -> None:
    chart = WorkersChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    chart.refresh(NOW)
    assert chart.following and not chart.follow_button.isEnabled()
    x0, x1 = chart.plots[0].vb.viewRange()[0]
    # 10 s of history in a 10 min window: the plot shows the last 30 s (MIN_SPAN_S).
    assert x1 == pytest.approx(NOW) and x0 == pytest.approx(NOW - 30)
    assert chart.span_label.text() == "last 30 s"
    chart.zoom_to(NOW - 9.5, NOW - 8.5)
    assert not chart.following and chart.follow_button.isEnabled()
    chart.refresh(NOW + 100)  # not following: the view stays put
    assert chart.plots[0].vb.viewRange()[0][0] == pytest.approx(NOW - 9.5)
    chart.follow_button.click()
    assert chart.following
    chart.refresh(NOW + 100)
    assert chart.plots[0].vb.viewRange()[0][1] == pytest.approx(NOW + 100)
    chart.window_combo.setCurrentIndex(0)  # 1 min: less than the history since NOW - 10
    chart.refresh(NOW + 100)
    x0, x1 = chart.plots[0].vb.viewRange()[0]
    assert x1 - x0 == pytest.approx(60.0, abs=1.0) and chart.span_label.text() == ""


def test_short_history_starts_at_the_first_sample_or_a_minimum_span(qtbot) -> None:
    hist = History()
    _fill(hist, "worker/w1/cpu", "worker/w1", "w1", "%", [5.0, 6.0], t0=NOW - 2)
    _fill(hist, "pool/cpu", "pool", "pool total", "%", [5.0, 6.0], t0=NOW - 2)
    chart = WorkersChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    chart.refresh(NOW)
    x0, x1 = chart.plots[0].vb.viewRange()[0]
    assert x1 - x0 == pytest.approx(30.0)  # never less than MIN_SPAN_S
    assert chart.span_label.text() == "last 30 s"
    chart.refresh(NOW + 40)
    x0, x1 = chart.plots[0].vb.viewRange()[0]
    assert x0 == pytest.approx(NOW - 2) and chart.span_label.text() == "last 42 s"


@pytest.mark.parametrize("size", [(520, 160), (900, 220), (1500, 420), (2400, 700)])
def test_plot_titles_are_readable_and_overlap_nothing(qtbot, hist: History, size) -> None:
    """Titles sit above their plots, whole, clear of the axes, the data and each other."""
    chart = RunsChart(hist)  # two stacked plots: the tightest case
    qtbot.addWidget(chart)
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    chart.refresh(NOW, force=True)
    chart.graphics.ci.layout.activate()
    titles = []
    for plot, (text, _unit) in zip(chart.plots, chart.PLOTS, strict=True):
        title = plot.titleLabel
        margin = title.item.document().documentMargin()  # the text's own padding
        rect = title.mapRectToScene(title.item.mapRectToParent(title.item.boundingRect())).adjusted(
            margin, margin, -margin, -margin
        )
        assert title.isVisible() and title.text == text
        assert rect.width() >= chart.fontMetrics().horizontalAdvance(text) - 1  # not cut
        assert rect.height() >= chart.fontMetrics().height()
        for axis in ("left", "bottom"):
            assert not rect.intersects(plot.getAxis(axis).sceneBoundingRect()), (text, axis)
        assert not rect.intersects(plot.vb.sceneBoundingRect()), text
        assert chart.graphics.sceneRect().contains(rect)
        titles.append(rect)
    assert not titles[0].intersects(titles[1])


def test_plots_stand_side_by_side_in_a_short_panel_and_stack_in_a_tall_one(qtbot, hist: History) -> None:
    """The bottom panel at 1366x768 leaves a chart about 200 px: two stacked plots were
    squashed to a few pixels each, their axis labels over one another."""
    chart = RunsChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitExposed(chart)

    def boxes(size):
        chart.resize(*size)
        qtbot.wait(10)  # the resize reaches the plots' widget
        chart.refresh(NOW, force=True)
        chart.graphics.ci.layout.activate()
        return [plot.vb.sceneBoundingRect() for plot in chart.plots]

    for _ in range(2):  # and back again
        short = boxes((1000, 220))
        assert chart.side_by_side
        assert short[1].left() > short[0].right()
        assert min(box.height() for box in short) >= 80
        tall = boxes((1000, 700))
        assert not chart.side_by_side
        assert tall[1].top() > tall[0].bottom()
        assert min(box.height() for box in tall) >= 150


def test_hidden_chart_does_no_work(qtbot, hist: History) -> None:
    chart = WorkersChart(hist)
    qtbot.addWidget(chart)
    chart.refresh(NOW)
    assert chart.refresh_count == 0 and chart.curve_labels() == []


def test_export_png_and_csv(qtbot, hist: History, tmp_path) -> None:
    chart = SystemChart(hist)
    qtbot.addWidget(chart)
    chart.resize(640, 480)
    chart.show()
    chart.refresh(NOW)
    png = chart.export_png(tmp_path / "sys.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100
    path = chart.export_csv(tmp_path / "sys.csv")
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["time", "epoch_s", "total (%)", "core 0 (%)", "core 1 (%)", "memory used (B)"]
    assert len(rows) == 4
    assert rows[1][2] == "" and rows[2][2] == "40" and rows[3][5] == "2.2e+09"
    with pytest.raises(OSError):
        chart.export_csv(tmp_path / "missing-dir" / "x.csv")


def test_system_chart_total_cores_memory_and_status(qtbot, hist: History) -> None:
    chart = SystemChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    chart.refresh(NOW)
    assert chart.curve_labels(0) == ["total", "core 0", "core 1"]
    assert chart.curve_labels(1) == ["memory used"]
    assert "load 0.70" in chart.status.text() and "GiB" in chart.status.text()
    chart.cores_box.setChecked(False)
    assert chart.curve_labels(0) == ["total"]
    assert "memory used: 2.0 GiB" in chart.show_crosshair(NOW - 9, plot_index=1)


def test_runs_chart_tree_toggle_selection_and_markers(qtbot, hist: History) -> None:
    chart = RunsChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    chart.refresh(NOW)
    assert chart.groups() == ["run/1", "run/2"]
    assert chart.selected_groups() == ["run/1", "run/2"]
    assert chart.curve_data("run/1/tree/cpu")[1][1] == 150.0
    assert chart.marker_texts() == ["exit 0", "start (pid 5)"]
    chart.tree_box.setChecked(False)
    assert "run/1/parent/cpu" in chart._curves and "run/1/tree/cpu" not in chart._curves
    assert chart.curve_data("run/1/parent/rss")[1][0] == 1e6
    chart.show_only("run/2")
    assert chart.selected_groups() == ["run/2"]
    assert chart.marker_texts() == []
    assert chart.curve_labels(0) == ["other run"]
    hist.drop_group("run/2")
    chart.refresh(NOW)
    assert chart.groups() == ["run/1"]


def test_runs_chart_shortens_long_labels_in_the_legend(qtbot) -> None:
    hist = History()
    long = "#1 " + "python -c 'while True: pass' " * 4
    _fill(hist, "run/1/tree/cpu", "run/1", long, "%", [1.0, 2.0])
    _fill(hist, "run/1/tree/rss", "run/1", long, "B", [1.0, 2.0])
    chart = RunsChart(hist)
    qtbot.addWidget(chart)
    chart.show()
    chart.refresh(NOW)
    legend = chart.curve_labels(0)[0]
    assert len(legend) == 40 and legend.endswith("…")
    assert chart.run_list.item(0).toolTip() == long
