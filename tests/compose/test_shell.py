"""The window shown before the app (compose/shell.py): laid out as it was left before any
feature exists, then filled in place by build()."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from procdeck.compose import shell as window_shell
from procdeck.compose.window import build
from procdeck.engine.engine import Engine
from procdeck.ui import main_window
from procdeck.ui.main_window import PANELS
from procdeck.ui.profiles.panel import ProfilesPanel
from procdeck.ui.settings_store import SettingsStore

RIGHT = Qt.DockWidgetArea.RightDockWidgetArea


@pytest.fixture(autouse=True)
def _light_palette_after(qapp):
    yield
    qapp.setPalette(qapp.style().standardPalette())


def _leave_a_layout(config: Path) -> None:
    """A previous session: Profiles moved to the right, Processes closed, saved on quit."""
    shell = window_shell.make(config)
    window = shell.window
    window.addDockWidget(RIGHT, window.panels["profiles"])
    window.panels["processes"].hide()
    SettingsStore(shell.settings).save_window(window)
    shell.theme.close()
    window.deleteLater()


def test_the_shell_has_every_panel_in_place_and_takes_no_command_yet(qtbot, tmp_path: Path) -> None:
    shell = window_shell.make(tmp_path)
    window = shell.window
    qtbot.addWidget(window)
    assert set(window.panels) == set(PANELS)
    assert not shell.restored  # nothing saved yet: the default layout
    assert not window.launcher.isEnabled()
    assert window.dockWidgetArea(window.panels["profiles"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    shell.theme.close()


def test_a_saved_layout_is_back_before_the_features_and_stays_once_they_are_wired(
    qt_run, qtbot, tmp_path: Path
) -> None:
    _leave_a_layout(tmp_path)
    QApplication.processEvents()
    shell = window_shell.make(tmp_path)
    window = shell.window
    qtbot.addWidget(window)
    assert shell.restored
    window.show()
    assert window.dockWidgetArea(window.panels["profiles"]) == RIGHT
    assert not window.panels["processes"].isVisible()
    placeholder = window.panel_widgets["profiles"]

    async def scenario():
        async with Engine(config_dir=str(tmp_path)) as engine:
            parts = build(engine, on_quit=lambda: None, config_dir=str(tmp_path), shell=shell)
            assert parts.window is window
            # the same docks, filled in place, where the user left them
            assert set(window.panels) == set(PANELS)
            assert isinstance(window.panel_widgets["profiles"], ProfilesPanel)
            assert window.panel_widgets["profiles"] is not placeholder
            assert window.panels["profiles"].widget() is window.panel_widgets["profiles"]
            assert window.dockWidgetArea(window.panels["profiles"]) == RIGHT
            assert not window.panels["processes"].isVisible()
            assert window.launcher.isEnabled()
            # one View entry per panel, not one more for the filled docks
            toggles = [
                a for a in window.menus["View"].actions() if a.text() in {t for t, _a, _s in PANELS.values()}
            ]
            assert len(toggles) == len(PANELS)
            # Reset Layout goes back to the default arrangement, every panel shown
            assert parts.desktop is not None
            parts.desktop.actions["reset_layout"].trigger()
            assert window.dockWidgetArea(window.panels["profiles"]) == Qt.DockWidgetArea.LeftDockWidgetArea
            assert not window.panels["processes"].isHidden()
            parts.close()

    qt_run(scenario)


def test_on_a_first_start_nothing_moves_when_the_features_arrive(
    qt_run, qtbot, monkeypatch, tmp_path: Path
) -> None:
    """No saved layout: the docks reserved for the first paint keep their size once their
    panels fill them (the Profiles dock widened by 18 px when its panel arrived)."""
    # A first start on a 1366x768 screen (the window it gets there); the offscreen
    # screen is 800x600, smaller than any screen Procdeck is laid out for.
    monkeypatch.setattr(main_window, "_default_size", lambda: (1229, 691))
    monkeypatch.setattr(main_window.MainWindow, "fit_to_screen", lambda self: None)
    shell = window_shell.make(tmp_path)
    window = shell.window
    qtbot.addWidget(window)
    assert not shell.restored
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()

    def sizes() -> dict[str, tuple[int, int]]:
        """The size of every dock on screen (a tab behind another has no say)."""
        return {
            key: (dock.width(), dock.height())
            for key, dock in window.panels.items()
            if dock.isVisible() and not dock.visibleRegion().isEmpty()
        }

    def central() -> tuple[int, int]:
        widget = window.centralWidget()
        return widget.width(), widget.height()

    shown, shown_central = sizes(), central()
    assert "profiles" in shown

    async def scenario():
        async with Engine(config_dir=str(tmp_path)) as engine:
            parts = build(engine, on_quit=lambda: None, config_dir=str(tmp_path), shell=shell)
            try:
                await anyio.sleep(0.2)  # the loop runs Qt's events: layouts settle
                assert isinstance(window.panel_widgets["profiles"], ProfilesPanel)
                filled, filled_central = sizes(), central()
            finally:
                parts.close()
        assert filled == shown
        assert filled_central == shown_central

    qt_run(scenario)


def test_quitting_while_the_app_loads_ends_it_once_the_engine_is_up(
    qt_run, qapp, monkeypatch, tmp_path: Path
) -> None:
    """The window is on screen before the features: a quit confirmed in that moment is
    not lost (the app would otherwise run on with its window closed)."""
    import procdeck.compose.window as window_module
    from procdeck.main import main_async

    real_build = window_module.build
    seen: dict[str, bool] = {}

    def build_after_a_quit(engine, on_quit, **kw):
        kw["shell"].window.begin_quit()  # the user closed the window while it loaded
        parts = real_build(engine, on_quit, **kw)
        seen["launcher_enabled"] = parts.window.launcher.isEnabled()
        return parts

    monkeypatch.setattr(window_module, "build", build_after_a_quit)

    async def scenario() -> int:
        import anyio

        with anyio.fail_after(60):
            return await main_async(
                qapp, lambda parts: seen.setdefault("ready", True), config_dir=str(tmp_path)
            )

    assert qt_run(scenario) == 0
    assert seen == {"launcher_enabled": False, "ready": True}
