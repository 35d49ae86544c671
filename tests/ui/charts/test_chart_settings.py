"""A chart's time window is saved and restored with the window's layout."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from procdeck.engine.monitor.history import History
from procdeck.ui.charts import SystemChart
from procdeck.ui.settings_file import SettingsFile
from procdeck.ui.settings_store import PersistentWidget, SettingsStore


def _window_with_chart(qtbot) -> tuple[QMainWindow, SystemChart]:
    window = QMainWindow()
    chart = SystemChart(History())
    chart.setObjectName("systemChart")
    dock = QDockWidget("System", window)
    dock.setObjectName("dock-system")
    dock.setWidget(chart)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    qtbot.addWidget(window)
    return window, chart


def test_time_window_persists(qtbot, tmp_path: Path) -> None:
    settings = SettingsFile(tmp_path / "settings.json")
    first, chart = _window_with_chart(qtbot)
    assert isinstance(chart, PersistentWidget)
    chart.window_combo.setCurrentIndex(chart.window_combo.findData(3600.0))
    SettingsStore(settings).save_window(first)

    second, fresh = _window_with_chart(qtbot)
    assert fresh.settings_state() == {"window_s": 600.0}
    assert SettingsStore(SettingsFile(tmp_path / "settings.json")).restore_window(second)
    assert fresh.settings_state() == {"window_s": 3600.0}
    assert fresh.window_combo.currentData() == 3600.0


def test_unknown_saved_window_is_ignored(qtbot) -> None:
    _window, chart = _window_with_chart(qtbot)
    chart.restore_settings_state({"window_s": "soon"})
    chart.restore_settings_state({"window_s": 12345.0})
    assert chart.settings_state() == {"window_s": 600.0}
