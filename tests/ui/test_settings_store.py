"""Window geometry, dock layout, splitters and tabs survive a restart (a new window)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QSplitter, QTabWidget

from procdeck.ui.settings_file import SettingsFile
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


def _settings(tmp_path: Path) -> SettingsFile:
    return SettingsFile(tmp_path / "settings.json")


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


def test_a_refused_geometry_keeps_this_screens_size_and_still_restores_the_layout(
    qtbot, tmp_path: Path
) -> None:
    """Qt refuses a geometry saved on a screen of another size (a layout saved on a
    1366x768 laptop, opened on a 1920x1080 monitor): the docks come back all the same."""
    first = _window(qtbot)
    first.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, first.findChildren(QDockWidget)[0])
    first.findChild(QTabWidget, "outputTabs").setCurrentIndex(2)
    settings = _settings(tmp_path)
    SettingsStore(settings).save_window(first)
    settings.setValue("window/geometry", QByteArray(b"\x01\xd9\xd0\xcb" + b"\xff" * 60))  # refused
    settings.sync()

    second = _window(qtbot)
    second.resize(640, 480)  # the size made for this screen
    assert not second.restoreGeometry(QByteArray(b"\x01\xd9\xd0\xcb" + b"\xff" * 60))
    assert SettingsStore(_settings(tmp_path)).restore_window(second) is True
    assert second.size().width() == 640 and second.size().height() == 480
    assert (
        second.dockWidgetArea(second.findChildren(QDockWidget)[0]) == Qt.DockWidgetArea.BottomDockWidgetArea
    )
    assert second.findChild(QTabWidget, "outputTabs").currentIndex() == 2


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


def test_settings_file_is_owner_only_and_plain_json(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        store = SettingsStore(SettingsFile(tmp_path / "cfg" / "settings.json"))
        store.set_value("appearance/theme", "dark")
        store.set_value("window/geometry", QByteArray(b"\x00\x01\xff"))
        store.sync()
    finally:
        os.umask(old_umask)
    path = tmp_path / "cfg" / "settings.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    document = json.loads(path.read_text())
    assert document["values"]["appearance/theme"] == "dark"
    assert document["values"]["window/geometry"] == {"$bytes": "AAH/"}
    again = SettingsFile(path)
    assert again.value("window/geometry") == QByteArray(b"\x00\x01\xff")


def test_objects_are_refused_when_saving(tmp_path: Path, caplog) -> None:
    settings = SettingsFile(tmp_path / "settings.json")
    settings.setValue("appearance/theme", object())
    assert not settings.contains("appearance/theme")
    assert "not saved" in caplog.text


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[" * 100_000,
        b'{"format": "procdeck-settings", "version": 1, "values": []}',
        b'{"format": "other", "version": 1, "values": {}}',
        b"\xff\xfe",
    ],
)
def test_damaged_settings_give_defaults_and_are_kept_aside(tmp_path: Path, content: bytes, caplog) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    store = SettingsStore(SettingsFile(path))
    assert store.str_value("appearance/theme", "system") == "system"
    assert "default settings used" in caplog.text
    kept = list(tmp_path.glob("settings.json.broken-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content


def test_values_of_the_wrong_type_are_ignored_per_key(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    values = {
        "appearance/theme": ["dark"],
        "notifications/min_seconds": {"$bytes": "!!"},
        "notifications/enabled": "yes",
        "window/layout_version": LAYOUT_VERSION,
        "window/geometry": "not bytes",
        "window/tabs/outputTabs": {"nested": [1, 2]},
    }
    path.write_text(json.dumps({"format": "procdeck-settings", "version": 1, "values": values}))
    store = SettingsStore(SettingsFile(path))
    assert store.str_value("appearance/theme", "system") == "system"
    assert store.float_value("notifications/min_seconds", 10.0) == 10.0
    assert store.bool_value("notifications/enabled", False) is True
    window = _window(qtbot)
    assert store.restore_window(window) is False
    assert window.findChild(QTabWidget, "outputTabs").currentIndex() == 0


def test_old_ini_is_migrated_without_unpickling(qtbot, tmp_path: Path) -> None:
    """Plain values and bytes come over; @Variant entries (pickles) are dropped unread."""
    first = _window(qtbot)
    first.findChild(QTabWidget, "outputTabs").setCurrentIndex(1)
    geometry = bytes(first.saveGeometry().data())
    ini = tmp_path / "procdeck.ini"
    marker = tmp_path / "MARKER"
    _write_hostile_ini(ini, marker, geometry=geometry)
    settings = SettingsFile(tmp_path / "settings.json", legacy_ini=ini)
    assert not marker.exists()
    assert settings.value("window/geometry") == QByteArray(geometry)
    assert settings.value("jobs/task_folders") == ["/a b", "c,d"]
    assert settings.value("notifications/min_seconds") == "2.5"
    assert not settings.contains("appearance/theme")
    assert not settings.contains("window/state")
    assert any("appearance/theme" in p and "@Variant" in p for p in settings.problems)
    assert (tmp_path / "settings.json").is_file() and ini.is_file()
    store = SettingsStore(SettingsFile(tmp_path / "settings.json", legacy_ini=ini))
    assert store.float_value("notifications/min_seconds", 1.0) == 2.5
    assert store.str_value("appearance/theme", "system") == "system"
    assert not marker.exists()


def test_the_hostile_ini_really_runs_code_through_qsettings(tmp_path: Path) -> None:
    """The file of the migration test is a real attack: QSettings runs it (in a child)."""
    ini = tmp_path / "procdeck.ini"
    marker = tmp_path / "MARKER"
    _write_hostile_ini(ini, marker, geometry=b"\x01")
    code = (
        "import sys\nfrom PySide6.QtCore import QSettings\n"
        "QSettings(sys.argv[1], QSettings.Format.IniFormat).value('appearance/theme')\n"
    )
    subprocess.run([sys.executable, "-c", code, str(ini)], check=False, timeout=120, capture_output=True)
    assert marker.exists()


def _write_hostile_ini(ini: Path, marker: Path, *, geometry: bytes) -> None:
    """An ini as QSettings writes it, with pickled os.system calls under several keys."""
    code = f"""
import os, sys
from PySide6.QtCore import QByteArray, QSettings
class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + {str(marker)!r},))
s = QSettings({str(ini)!r}, QSettings.Format.IniFormat)
for key in ("appearance/theme", "window/state", "window/widgets/dock-charts/RunsChart"):
    s.setValue(key, Evil())
s.setValue("window/geometry", QByteArray(bytes.fromhex({geometry.hex()!r})))
s.setValue("window/layout_version", {LAYOUT_VERSION})
s.setValue("jobs/task_folders", ["/a b", "c,d"])
s.setValue("notifications/min_seconds", 2.5)
s.sync()
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert "PyObjectWrapper" in ini.read_text()
