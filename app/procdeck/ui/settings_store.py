"""Window geometry, dock layout, splitters and open tabs, kept across restarts.

The composition root opens the settings file (its location is not the window's
business) and hands it here: a procdeck.ui.settings_file.SettingsFile (JSON of plain
values, never unpickled objects); anything with QSettings' value/setValue API works.
A first start, a layout saved by another version, or a damaged or hostile file all
fall back to the default layout: restore() says whether it restored. Every value is
checked for its expected type before use.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter, QTabWidget, QWidget

log = logging.getLogger("procdeck.settings")

# Bump when docks are renamed or removed: an old saved state would misplace them.
LAYOUT_VERSION = 2  # 2: output first, one bottom panel area, Profiles at the side


@runtime_checkable
class PersistentWidget(Protocol):
    """A panel with settings of its own (a chart's time window, a filter...).

    Any widget in the window with these two methods is saved and restored with the
    window, under ``window/widgets/<objectName>`` (or ``<dock objectName>/<class>`` for
    an unnamed widget inside a named dock). The state
    must be a dict of plain values (str, int, float, bool, lists of them); values read
    back may be of another type (an old file held strings): check them.
    """

    def settings_state(self) -> dict[str, Any]: ...

    def restore_settings_state(self, state: dict[str, Any]) -> None: ...


class SettingsStore:
    """Typed access to Procdeck's settings, plus saving and restoring a main window."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings  # a SettingsFile (or a QSettings in older tests)

    # -- plain values -----------------------------------------------------------------
    def value(self, key: str, default: Any = None) -> Any:
        return self.settings.value(key, default)

    def bool_value(self, key: str, default: bool) -> bool:
        raw = self.settings.value(key, default)
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return default

    def float_value(self, key: str, default: float) -> float:
        raw = self.settings.value(key, default)
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            return default
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return default
        return value if value == value and abs(value) != float("inf") else default

    def int_value(self, key: str, default: int) -> int:
        raw = self.settings.value(key, default)
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            return default
        try:
            return int(raw)
        except (TypeError, ValueError):
            return default

    def str_value(self, key: str, default: str) -> str:
        raw = self.settings.value(key, default)
        return raw if isinstance(raw, str) else default

    def set_value(self, key: str, value: Any) -> None:
        self.settings.setValue(key, value)

    def sync(self) -> None:
        self.settings.sync()

    # -- the window -------------------------------------------------------------------
    def save_window(self, window: QMainWindow) -> None:
        s = self.settings
        s.beginGroup("window")
        s.setValue("layout_version", LAYOUT_VERSION)
        s.setValue("geometry", window.saveGeometry())
        s.setValue("state", window.saveState(LAYOUT_VERSION))
        for splitter in window.findChildren(QSplitter):
            if splitter.objectName():
                s.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        for tabs in window.findChildren(QTabWidget):
            if tabs.objectName():
                s.setValue(f"tabs/{tabs.objectName()}", tabs.currentIndex())
        for key, widget in _persistent_widgets(window):
            s.setValue(f"widgets/{key}", dict(widget.settings_state()))
        s.endGroup()
        s.sync()

    def restore_window(self, window: QMainWindow) -> bool:
        """Put back what save_window() stored: the geometry where Qt takes it, the dock
        layout, splitters, tabs and panel settings. False (and nothing changed) when
        neither the geometry nor the layout is usable."""
        s = self.settings
        s.beginGroup("window")
        try:
            raw_version = s.value("layout_version", -1)
            try:
                version = int(raw_version) if isinstance(raw_version, int | str) else -1
            except (TypeError, ValueError):
                version = -1
            geometry, state = s.value("geometry"), s.value("state")
            if version != LAYOUT_VERSION or not isinstance(geometry, QByteArray | bytes):
                return False
            size = window.size()
            placed = window.restoreGeometry(QByteArray(geometry))
            if not placed:
                # Qt refuses a geometry saved on a screen of another size (a laptop's
                # layout opened on a larger monitor, checked on 1366x768 and 1920x1080):
                # the window keeps the size made for this screen, its layout comes back.
                window.resize(size)
            laid_out = isinstance(state, QByteArray | bytes) and window.restoreState(
                QByteArray(state), LAYOUT_VERSION
            )
            if not (placed or laid_out):
                return False
        finally:
            s.endGroup()
        self.restore_contents(window)
        return True

    def restore_contents(self, window: QMainWindow) -> None:
        """Put back the splitters, tabs and panel settings (``restore_window`` does too):
        for panels that came into the window after its layout was restored."""
        s = self.settings
        s.beginGroup("window")
        try:
            for splitter in window.findChildren(QSplitter):
                saved = s.value(f"splitters/{splitter.objectName()}") if splitter.objectName() else None
                if isinstance(saved, QByteArray | bytes):
                    splitter.restoreState(QByteArray(saved))
            for tabs in window.findChildren(QTabWidget):
                saved = s.value(f"tabs/{tabs.objectName()}") if tabs.objectName() else None
                try:
                    index = int(saved) if isinstance(saved, int | str) else -1
                except (TypeError, ValueError):
                    index = -1
                if 0 <= index < tabs.count():
                    tabs.setCurrentIndex(index)
            for key, widget in _persistent_widgets(window):
                state = s.value(f"widgets/{key}")
                if isinstance(state, dict):
                    try:
                        widget.restore_settings_state(state)
                    except (TypeError, ValueError, AttributeError) as exc:
                        log.warning("saved state of %s ignored: %s", key, exc)
        finally:
            s.endGroup()


def _settings_key(widget: QWidget) -> str | None:
    """The widget's objectName, else its dock's name and its class (one per dock)."""
    if widget.objectName():
        return widget.objectName()
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QDockWidget) and parent.objectName():
            # A stand-in (ui.lazy_panel.LazyPanel) names the class of what it stands for.
            return f"{parent.objectName()}/{getattr(widget, 'settings_name', type(widget).__name__)}"
        parent = parent.parentWidget()
    return None


def _persistent_widgets(window: QMainWindow) -> list[tuple[str, Any]]:
    found = []
    for widget in window.findChildren(QWidget):
        # The attribute test first: isinstance() against a runtime Protocol is slow, and
        # a window has hundreds of widgets.
        if hasattr(type(widget), "restore_settings_state") and isinstance(widget, PersistentWidget):
            key = _settings_key(widget)
            if key:
                found.append((key, widget))
    return found
