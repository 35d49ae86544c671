"""The window before the app: shown and painted before the engine and features load.

Importing the engine, the bridges and the features, entering the engine and wiring them
took about half of a start (docs/ARCHITECTURE.md, "Start-up and shutdown"). ``show``
builds only what the first paint needs: the main window with a dock in place for every
panel (``MainWindow.reserve_panels``), the theme, the app icon, and the saved layout, so
nothing moves when the features arrive: ``compose.window.build`` then fills the same
window. Until it has, the launcher bar is disabled (a command typed and sent in that
moment would have nobody to launch it). Every window is made here, the app's and the
tests' alike (``build`` makes one when it is given none): the layout has one owner.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtWidgets import QApplication

from procdeck.compose.settings_location import open_settings
from procdeck.ui.icons import app_icon
from procdeck.ui.main_window import MainWindow
from procdeck.ui.settings_file import SettingsFile
from procdeck.ui.settings_store import SettingsStore
from procdeck.ui.theme import ThemeManager, ThemeMode


@dataclass
class WindowShell:
    """The window and what was read to show it; ``compose.window.build`` takes it over."""

    window: MainWindow
    settings: SettingsFile
    theme: ThemeManager
    restored: bool  # a saved layout was put back


def make(
    config_dir: str | os.PathLike[str] | None = None, *, settings: SettingsFile | None = None
) -> WindowShell:
    """The main window, themed and laid out as it was left, not shown yet. ``settings``:
    the settings file to use, else the one in ``config_dir``."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    if settings is None:
        settings = open_settings(config_dir)
    store = SettingsStore(settings)
    window = MainWindow()
    icon = app_icon()
    app.setWindowIcon(icon)
    window.setWindowIcon(icon)
    theme = ThemeManager(app, ThemeMode.parse(store.str_value("appearance/theme", "system")), parent=window)
    theme.apply()
    window.reserve_panels()
    window.arrange_default_layout()
    restored = store.restore_window(window)
    window.launcher.setEnabled(False)
    return WindowShell(window=window, settings=settings, theme=theme, restored=restored)


def ready(shell: WindowShell) -> None:
    """The features are wired: the window takes commands (unless the user quit meanwhile)."""
    if not shell.window.quitting:
        shell.window.launcher.setEnabled(True)
