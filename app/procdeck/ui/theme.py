"""Light and dark themes that follow the system, or a fixed choice.

Procdeck uses the Fusion style on every platform with a light or a dark palette: it looks
the same everywhere, and a dark palette works there even where the platform style does
not follow the desktop's dark mode (many Linux desktops). "System" reads
QStyleHints.colorScheme() (Qt 6.5+) and follows its colorSchemeChanged signal while the
app runs.
"""

from __future__ import annotations

import enum
import sys

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget


class ThemeMode(enum.Enum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"

    @classmethod
    def parse(cls, value: object) -> ThemeMode:
        """A stored value back to a mode; anything unknown means SYSTEM."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.SYSTEM


def dark_palette() -> QPalette:
    palette = QPalette()
    window, base, text = QColor(45, 47, 51), QColor(30, 31, 34), QColor(225, 227, 230)
    disabled = QColor(125, 128, 133)
    highlight = QColor(64, 128, 200)
    for role, color in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor(38, 40, 43)),
        (QPalette.ColorRole.ToolTipBase, QColor(60, 63, 68)),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, disabled),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor(255, 90, 90)),
        (QPalette.ColorRole.Link, QColor(110, 170, 240)),
        (QPalette.ColorRole.Highlight, highlight),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.Light, QColor(70, 72, 77)),
        (QPalette.ColorRole.Midlight, QColor(58, 60, 65)),
        (QPalette.ColorRole.Mid, QColor(40, 42, 45)),
        (QPalette.ColorRole.Dark, QColor(25, 26, 28)),
        (QPalette.ColorRole.Shadow, QColor(10, 10, 10)),
    ):
        palette.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


class ThemeManager(QObject):
    """Owns the app's style and palette; ``changed(dark)`` after every switch."""

    changed = Signal(bool)  # True when the effective theme is dark

    def __init__(
        self, app: QApplication, mode: ThemeMode = ThemeMode.SYSTEM, parent: QObject | None = None
    ) -> None:
        super().__init__(parent if parent is not None else app)
        self._app = app
        self._mode = mode
        self._dark: bool | None = None
        style = QStyleFactory.create("Fusion")
        if style is not None:
            app.setStyle(style)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_changed)

    @property
    def mode(self) -> ThemeMode:
        return self._mode

    @property
    def is_dark(self) -> bool:
        return bool(self._dark)

    def set_mode(self, mode: ThemeMode) -> None:
        self._mode = mode
        self.apply()

    def apply(self) -> None:
        dark = system_prefers_dark() if self._mode is ThemeMode.SYSTEM else self._mode is ThemeMode.DARK
        palette = dark_palette() if dark else self._app.style().standardPalette()
        self._app.setPalette(palette)
        if dark != self._dark:
            self._dark = dark
            self.changed.emit(dark)

    def _system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._mode is ThemeMode.SYSTEM:
            self.apply()

    def close(self) -> None:
        """Stop following the system (the style hints outlive this object)."""
        try:
            QGuiApplication.styleHints().colorSchemeChanged.disconnect(self._system_changed)
        except (RuntimeError, TypeError):
            pass


def restyle_charts(root: QWidget) -> int:
    """Give every pyqtgraph chart under ``root`` the theme's colours; returns how many.

    pyqtgraph draws with its own global colours (black background), not the Qt palette:
    a light window would show black charts. Background takes the palette's Base colour,
    axes and their labels its Text colour.
    """
    pg = sys.modules.get("pyqtgraph")
    if pg is None:  # no chart built yet (they are built on first show, with the theme's colours)
        return 0
    # The application palette: a widget's own palette lags behind until Qt delivers the
    # PaletteChange event, and the theme was just switched.
    palette = QApplication.palette()
    background = palette.color(QPalette.ColorRole.Base)
    foreground = palette.color(QPalette.ColorRole.Text)
    views = root.findChildren(pg.GraphicsView)
    for view in views:
        view.setBackground(background)
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setPen(foreground)
                item.setTextPen(foreground)
            elif isinstance(item, pg.PlotDataItem) and getattr(item, "follows_text_colour", False):
                item.setPen(pg.mkPen(foreground, width=item.opts["pen"].widthF()))
    return len(views)
