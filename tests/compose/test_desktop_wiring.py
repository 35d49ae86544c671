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
            parts = build(
                engine, on_quit=lambda: None, log_file=tmp_path / "procdeck.log", settings=_settings(tmp_path)
            )
            window = parts.window
            qtbot.addWidget(window)
            assert "Quit" in _menu_texts(window, "File")
            assert {"Launch", "New Command", "Stop", "Kill", "Restart", "Remove"} <= set(
                _menu_texts(window, "Run")
            )
            assert {"Theme", "Full Screen", "Reset Layout", "Notify When Long Runs End"} <= set(
                _menu_texts(window, "View")
            )
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
                        plain = action.text().replace("&", "")
                        assert not action.shortcut().isEmpty(), plain
                        assert action.toolTip() != plain, plain  # says more than the text
                        assert (
                            action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                            in action.toolTip()
                        )
            desktop = parts.desktop
            assert desktop is not None
            desktop.actions["about"].trigger()
            assert desktop.about is not None and desktop.about.isVisible()
            assert (
                desktop.about.findChild(type(desktop.about.version_labels["Qt"]), "aboutLogFile")
                .text()
                .endswith("procdeck.log")
            )
            desktop.about.close()
            assert desktop.actions["launch"].shortcut() == QKeySequence("Ctrl+Return")
            parts.close()

    qt_run(scenario)


def test_theme_choice_and_layout_persist_across_restarts(qt_run, qtbot, tmp_path: Path) -> None:
    saved: dict[str, str] = {}

    async def first_session():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=_settings(tmp_path))
            window = parts.window
            qtbot.addWidget(window)
            assert parts.desktop.restored is False  # first start: the default layout
            window.show()
            qtbot.waitExposed(window)
            docks = sorted(window.panels)
            assert docks, "features add dock panels"
            saved["hidden"] = docks[0]
            window.panels[docks[0]].hide()
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
            # Sizes are not compared here: the full window is larger than the 800x600
            # offscreen screen, and restoreGeometry fits it to the screen
            # (tests/ui/test_settings_store.py checks geometry with a window that fits).
            window.show()
            qtbot.waitExposed(window)
            assert not window.panels[saved["hidden"]].isVisible()
            assert all(dock.isVisible() for key, dock in window.panels.items() if key != saved["hidden"])
            assert parts.desktop.actions["theme_dark"].isChecked()
            assert parts.desktop.theme.is_dark
            assert parts.desktop.notifier.enabled is True
            assert parts.desktop.actions["notify"].isChecked()
            parts.close()

    qt_run(first_session)
    qt_run(second_session)


def _notifications(parts) -> list[str]:
    """Turn notifications on for any duration and collect them as "title: text"."""
    notifier = parts.desktop.notifier
    notifier.enabled = True
    notifier.min_seconds = 0.0
    sent: list[str] = []
    notifier.notified.connect(lambda title, text: sent.append(f"{title}: {text}"))
    return sent


def test_a_run_ending_in_the_background_notifies(
    qt_run, qtbot, tmp_path: Path, python: str, monkeypatch
) -> None:
    from procdeck.core.process_spec import ProcessSpec
    from procdeck.ui.notifier import Notifier

    monkeypatch.setattr(Notifier, "_app_is_active", staticmethod(lambda: False))

    async def scenario():
        import anyio

        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=_settings(tmp_path))
            qtbot.addWidget(parts.window)
            sent = _notifications(parts)
            run_id = parts.bridge.launch(
                ProcessSpec((python, "-c", "import sys, time; time.sleep(0.5); sys.exit(4)"), name="quick")
            )
            assert run_id is not None
            with anyio.fail_after(30):
                while not sent:
                    await anyio.sleep(0.05)
            assert sent[0].startswith("quick failed: exit code 4")
            parts.close()

    qt_run(scenario)


def test_a_worker_batch_ending_in_the_background_notifies(qt_run, qtbot, tmp_path: Path, monkeypatch) -> None:
    from procdeck.commands import self_test_jobs
    from procdeck.core.jobs import JobSpec
    from procdeck.ui.notifier import Notifier

    monkeypatch.setattr(Notifier, "_app_is_active", staticmethod(lambda: False))

    async def scenario():
        import anyio

        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=_settings(tmp_path))
            qtbot.addWidget(parts.window)
            sent = _notifications(parts)
            engine.jobs.map(JobSpec.for_callable(self_test_jobs.spin), [0.05, 0.05, 0.05])
            with anyio.fail_after(60):
                while not sent:
                    await anyio.sleep(0.05)
            assert sent[0].startswith("Batch spin finished: 3 of 3 done")
            parts.close()

    qt_run(scenario)


def test_chart_time_windows_persist_across_restarts(qt_run, qtbot, tmp_path: Path) -> None:
    from procdeck.ui.charts.time_chart import TimeChart

    async def session(change: bool) -> list[float]:
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=_settings(tmp_path))
            qtbot.addWidget(parts.window)
            # The charts are placeholders until first shown (LazyPanel): none is built yet.
            assert not parts.window.findChildren(TimeChart)
            assert parts.monitor is not None
            charts = sorted(parts.monitor.charts, key=lambda c: type(c).__name__)  # builds them
            assert len(charts) == 3 and all(isinstance(c, TimeChart) for c in charts)
            if change:
                for chart in charts:
                    chart.window_combo.setCurrentIndex(chart.window_combo.findData(60.0))
                parts.window.begin_quit()
            windows = [chart.settings_state()["window_s"] for chart in charts]
            parts.close()
            return windows

    async def first():
        return await session(True)

    async def second():
        return await session(False)

    assert set(qt_run(first)) == {60.0}
    assert set(qt_run(second)) == {60.0}
