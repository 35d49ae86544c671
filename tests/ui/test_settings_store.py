"""Window geometry, dock layout, splitters and tabs survive a restart (a new window)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QSplitter, QTabWidget

from procdeck.ui.settings_store import LAYOUT_VERSION, SettingsStore


def _window(qtbot) -> QMainWindow:
    window = QMainWindow()
    window.setObjectName("testWindow")
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.setObjectName("mainSplitter")
    splitter.addWidget(QLabel("top"))
    tabs = QTabWidget()
    tabs.setObjectName("outputTabs")
    for name in ("one", "two", "three"):
        tabs.addTab(QLabel(name), name)
    splitter.addWidget(tabs)
    window.setCentralWidget(splitter)
    dock = QDockWidget("Charts", window)
    dock.setObjectName("dock-charts")
    dock.setWidget(QLabel("chart"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    qtbot.addWidget(window)
    return window


def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "procdeck.ini"), QSettings.Format.IniFormat)


def test_first_start_restores_nothing(qtbot, tmp_path: Path) -> None:
    window = _window(qtbot)
    assert SettingsStore(_settings(tmp_path)).restore_window(window) is False


def test_layout_round_trips_through_the_file(qtbot, tmp_path: Path) -> None:
    first = _window(qtbot)
    first.resize(700, 520)  # inside the offscreen screen (800x600)
    first.show()
    qtbot.waitExposed(first)
    dock = first.findChildren(QDockWidget)[0]
    first.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    first.findChild(QTabWidget, "outputTabs").setCurrentIndex(2)
    first.findChild(QSplitter, "mainSplitter").setSizes([100, 400])
    sizes = first.findChild(QSplitter, "mainSplitter").sizes()
    SettingsStore(_settings(tmp_path)).save_window(first)

    second = _window(qtbot)
    assert SettingsStore(_settings(tmp_path)).restore_window(second) is True
    second.show()
    qtbot.waitExposed(second)
    assert second.size() == first.size()
    assert (
        second.dockWidgetArea(second.findChildren(QDockWidget)[0]) == Qt.DockWidgetArea.BottomDockWidgetArea
    )
    assert second.findChild(QTabWidget, "outputTabs").currentIndex() == 2
    top, bottom = second.findChild(QSplitter, "mainSplitter").sizes()
    assert abs(top / (top + bottom) - sizes[0] / sum(sizes)) < 0.03  # proportions kept


def test_damaged_or_old_layout_falls_back_to_default(qtbot, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.setValue("window/layout_version", LAYOUT_VERSION)
    settings.setValue("window/geometry", "not bytes")
    settings.sync()
    window = _window(qtbot)
    default_size = window.size()
    assert SettingsStore(_settings(tmp_path)).restore_window(window) is False
    assert window.size() == default_size

    old = _settings(tmp_path)
    old.setValue("window/layout_version", LAYOUT_VERSION - 1)
    old.sync()
    assert SettingsStore(_settings(tmp_path)).restore_window(_window(qtbot)) is False


def test_typed_values_survive_bad_data(tmp_path: Path) -> None:
    store = SettingsStore(_settings(tmp_path))
    store.set_value("notifications/enabled", True)
    store.set_value("notifications/min_seconds", "abc")
    store.sync()
    reread = SettingsStore(_settings(tmp_path))
    assert reread.bool_value("notifications/enabled", False) is True
    assert reread.float_value("notifications/min_seconds", 10.0) == 10.0
    assert reread.bool_value("missing", True) is True


class _Chart(QLabel):
    """A panel with its own settings (the PersistentWidget protocol)."""

    def __init__(self) -> None:
        super().__init__("chart")
        self.setObjectName("cpuChart")
        self.window_s = 600.0
        self.paused = False

    def settings_state(self) -> dict:
        return {"window_s": self.window_s, "paused": self.paused}

    def restore_settings_state(self, state: dict) -> None:
        self.window_s = float(state.get("window_s", 600.0))
        self.paused = str(state.get("paused", "false")).lower() == "true"


def test_panels_with_their_own_settings_persist(qtbot, tmp_path: Path) -> None:
    first = _window(qtbot)
    chart = _Chart()
    first.findChildren(QDockWidget)[0].setWidget(chart)
    chart.window_s, chart.paused = 60.0, True
    SettingsStore(_settings(tmp_path)).save_window(first)

    second = _window(qtbot)
    fresh = _Chart()
    second.findChildren(QDockWidget)[0].setWidget(fresh)
    assert SettingsStore(_settings(tmp_path)).restore_window(second)
    assert fresh.window_s == 60.0 and fresh.paused is True
