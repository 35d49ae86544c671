"""The desktop features wired into the real window: menus, shortcuts, icons, About,
theme, saved layout and notifications."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication

from procdeck.compose.window import build
from procdeck.engine.engine import Engine


def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "procdeck.ini"), QSettings.Format.IniFormat)


def _menu_texts(window, menu: str) -> list[str]:
    return [a.text().replace("&", "") for a in window.menus[menu].actions() if not a.isSeparator()]


@pytest.fixture(autouse=True)
def _light_palette_after(qapp):
    yield
    qapp.setPalette(qapp.style().standardPalette())


def test_menus_shortcuts_icons_and_about(qt_run, qtbot, tmp_path: Path) -> None:
    async def scenario():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, log_file=tmp_path / "procdeck.log", settings=_settings(tmp_path))
            window = parts.window
            qtbot.addWidget(window)
            assert "Quit" in _menu_texts(window, "File")
            assert {"Launch", "New Command", "Stop", "Kill", "Restart", "Remove"} <= set(_menu_texts(window, "Run"))
            assert {"Theme", "Full Screen", "Reset Layout", "Notify When Long Runs End"} <= set(_menu_texts(window, "View"))
            assert {"About Procdeck", "Open Log Folder"} <= set(_menu_texts(window, "Help"))
            shortcuts = [
                a.shortcut().toString()
                for menu in window.menus.values()
                for a in menu.actions()
                if not a.shortcut().isEmpty()
            ]
            assert len(shortcuts) == len(set(shortcuts)), shortcuts
            for name in ("stop", "kill", "restart", "remove"):
                assert not window.table.actions_by_name[name].icon().isNull()
            assert not window.windowIcon().isNull()
            for menu in window.menus.values():
                for action in menu.actions():
                    if not action.isSeparator() and action.menu() is None:
                        assert action.toolTip(), action.text()
            desktop = parts.desktop
            assert desktop is not None
            desktop.actions["about"].trigger()
            assert desktop.about is not None and desktop.about.isVisible()
            assert desktop.about.findChild(type(desktop.about.version_labels["Qt"]), "aboutLogFile").text().endswith("procdeck.log")
            desktop.about.close()
            assert desktop.actions["launch"].shortcut() == QKeySequence("Ctrl+Return")
            parts.close()

    qt_run(scenario)


def test_theme_choice_and_layout_persist_across_restarts(qt_run, qtbot, tmp_path: Path) -> None:
    saved = {}

    async def first_session():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=_settings(tmp_path))
            window = parts.window
            qtbot.addWidget(window)
            assert parts.desktop.restored is False  # first start: the default layout
            window.show()
            qtbot.waitExposed(window)
            default = window.size()
            window.resize(default.width() + 20, default.height() + 30)  # larger: the docks set a minimum size
            saved["size"] = window.size()
            assert saved["size"] != default
            parts.desktop.actions["theme_dark"].trigger()
            assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() < 100
            parts.desktop.actions["notify"].setChecked(True)
            window.begin_quit()  # what closing the window does: saves the layout
            parts.close()

    async def second_session():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=_settings(tmp_path))
            window = parts.window
            qtbot.addWidget(window)
            assert parts.desktop.restored is True
            # Height only: restoreGeometry fits the width to the 800 px offscreen screen.
            assert window.size().height() == saved["size"].height()
            assert parts.desktop.actions["theme_dark"].isChecked()
            assert parts.desktop.theme.is_dark
            assert parts.desktop.notifier.enabled is True
            assert parts.desktop.actions["notify"].isChecked()
            parts.close()

    qt_run(first_session)
    qt_run(second_session)


def test_a_run_ending_in_the_background_notifies(qt_run, qtbot, tmp_path: Path, python: str, monkeypatch) -> None:
    from procdeck.core.process_spec import ProcessSpec
    from procdeck.ui.notifier import Notifier

    monkeypatch.setattr(Notifier, "_app_is_active", staticmethod(lambda: False))

    async def scenario():
        import anyio

        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=_settings(tmp_path))
            qtbot.addWidget(parts.window)
            notifier = parts.desktop.notifier
            notifier.enabled = True
            notifier.min_seconds = 0.0
            sent: list[str] = []
            notifier.notified.connect(lambda title, text: sent.append(f"{title}: {text}"))
            run_id = parts.bridge.launch(ProcessSpec((python, "-c", "import sys, time; time.sleep(0.5); sys.exit(4)"), name="quick"))
            assert run_id is not None
            with anyio.fail_after(30):
                while not sent:
                    await anyio.sleep(0.05)
            assert sent[0].startswith("quick failed: exit code 4")
            parts.close()

    qt_run(scenario)
