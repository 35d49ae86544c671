"""Window geometry, dock layout, splitters and open tabs, kept across restarts (QSettings).

The composition root opens the QSettings file (its location is not the window's
business) and hands it here. A first start, a layout saved by another version, or a
damaged file all fall back to the default layout: restore() says whether it restored.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter, QTabWidget, QWidget

# Bump when docks are renamed or removed: an old saved state would misplace them.
LAYOUT_VERSION = 1


@runtime_checkable
class PersistentWidget(Protocol):
    """A panel with settings of its own (a chart's time window, a filter...).

    Any widget in the window with these two methods is saved and restored with the
    window, under ``window/widgets/<objectName>`` (or ``<dock objectName>/<class>`` for
    an unnamed widget inside a named dock). The state
    must be a dict of QSettings-friendly values (str, int, float, bool, lists of them).
    """

    def settings_state(self) -> dict[str, Any]: ...

    def restore_settings_state(self, state: dict[str, Any]) -> None: ...


class SettingsStore:
    """Typed access to Procdeck's settings, plus saving and restoring a main window."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

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
        try:
            return float(_number(self.settings.value(key, default)))
        except (TypeError, ValueError):
            return default

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
        """Put back what save_window() stored; False (and nothing changed) when unusable."""
        s = self.settings
        s.beginGroup("window")
        try:
            try:
                version = int(_number(s.value("layout_version", -1)))
            except (TypeError, ValueError):
                version = -1
            geometry, state = s.value("geometry"), s.value("state")
            if version != LAYOUT_VERSION or not isinstance(geometry, QByteArray | bytes):
                return False
            if not window.restoreGeometry(QByteArray(geometry)):
                return False
            if isinstance(state, QByteArray | bytes):
                window.restoreState(QByteArray(state), LAYOUT_VERSION)
            for splitter in window.findChildren(QSplitter):
                saved = s.value(f"splitters/{splitter.objectName()}") if splitter.objectName() else None
                if isinstance(saved, QByteArray | bytes):
                    splitter.restoreState(QByteArray(saved))
            for tabs in window.findChildren(QTabWidget):
                saved = s.value(f"tabs/{tabs.objectName()}") if tabs.objectName() else None
                try:
                    index = int(saved) if saved is not None else -1
                except (TypeError, ValueError):
                    index = -1
                if 0 <= index < tabs.count():
                    tabs.setCurrentIndex(index)
            for key, widget in _persistent_widgets(window):
                state = s.value(f"widgets/{key}")
                if isinstance(state, dict):
                    widget.restore_settings_state(state)
            return True
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


def _number(raw: object) -> str | float:
    """A QSettings value (untyped: a string from an INI file, or the default) for int()/float()."""
    if isinstance(raw, (str, int, float)):
        return raw
    raise TypeError(f"not a number: {raw!r}")
