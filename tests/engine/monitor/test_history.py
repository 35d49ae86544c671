from __future__ import annotations

import math

import numpy as np
import pytest

from procdeck.core.samples import HistorySettings, MarkerKind, RunMarker, SeriesInfo
from procdeck.engine.monitor.history import History, RingBuffer


def test_ring_keeps_last_capacity_points_in_order() -> None:
    ring = RingBuffer(4)
    for i in range(10):
        ring.append(float(i), i * 10.0)
    t, v = ring.arrays()
    assert t.tolist() == [6.0, 7.0, 8.0, 9.0]
    assert v.tolist() == [60.0, 70.0, 80.0, 90.0]
    assert len(ring) == 4
    assert ring.nbytes == 4 * 16
    assert ring.last() == (9.0, 90.0)


def test_ring_partial_and_unknown_values() -> None:
    ring = RingBuffer(5)
    assert ring.last() is None
    ring.append(1.0, None)
    ring.append(2.0, 3.0)
    t, v = ring.arrays()
    assert t.tolist() == [1.0, 2.0]
    assert math.isnan(v[0]) and v[1] == 3.0


def test_ring_window_bisects_across_wrap() -> None:
    ring = RingBuffer(5)
    for i in range(8):
        ring.append(float(i), float(i))
    t, v = ring.window(4.0, 6.0)
    assert t.tolist() == [4.0, 5.0, 6.0]
    t, _ = ring.window(100.0, 200.0)
    assert len(t) == 0


def test_ring_rejects_zero_capacity() -> None:
    with pytest.raises(ValueError):
        RingBuffer(0)


def test_ring_arrays_are_copies() -> None:
    ring = RingBuffer(3)
    ring.append(1.0, 1.0)
    t, v = ring.arrays()
    v[0] = 99.0
    assert ring.arrays()[1][0] == 1.0


def _info(key: str, group: str = "g") -> SeriesInfo:
    return SeriesInfo(key, group, key, "%")


def test_history_memory_is_bounded_by_settings() -> None:
    settings = HistorySettings(duration_s=10, rate_hz=1.0, max_series=3)
    hist = History(settings)
    for i in range(10):
        for t in range(50):
            hist.append(_info(f"s{i}", f"g{i}"), float(t), float(t))
    assert len(hist) == 3
    assert hist.nbytes <= settings.memory_bound
    assert hist.nbytes == 3 * 10 * 16
    assert [i.key for i in hist.series()] == ["s7", "s8", "s9"]  # oldest-updated dropped
    assert len(hist.arrays("s9")[0]) == 10


def test_history_ignores_out_of_order_times() -> None:
    hist = History()
    hist.append(_info("a"), 5.0, 1.0)
    hist.append(_info("a"), 4.0, 2.0)
    assert hist.arrays("a")[1].tolist() == [1.0]


def test_history_series_prefix_groups_markers_and_drop() -> None:
    hist = History()
    hist.append(SeriesInfo("run/1/tree/cpu", "run/1", "r1", "%"), 1.0, 5.0)
    hist.append(SeriesInfo("run/1/tree/rss", "run/1", "r1", "B"), 1.0, 500.0)
    hist.append(SeriesInfo("sys/cpu", "sys", "CPU", "%"), 1.0, 7.0)
    hist.add_marker(RunMarker("run/1", 1.0, MarkerKind.START, "start"))
    assert [i.key for i in hist.series("run/")] == ["run/1/tree/cpu", "run/1/tree/rss"]
    assert hist.groups("run/") == ["run/1"]
    assert hist.markers("run/1")[0].kind is MarkerKind.START
    hist.drop_group("run/1")
    assert hist.series("run/") == [] and hist.markers("run/1") == []
    assert "sys/cpu" in hist
    t, v = hist.window("missing", 0, 10)
    assert isinstance(t, np.ndarray) and len(t) == 0


def test_history_markers_are_capped() -> None:
    hist = History()
    for i in range(History.MAX_MARKERS_PER_GROUP + 10):
        hist.add_marker(RunMarker("run/1", float(i), MarkerKind.SIGNAL, "SIGTERM"))
    markers = hist.markers("run/1")
    assert len(markers) == History.MAX_MARKERS_PER_GROUP
    assert markers[0].t == 10.0
