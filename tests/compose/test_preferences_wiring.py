"""The Settings dialog wired into the real window: applied live, saved, read back."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings

from procdeck.compose import preferences
from procdeck.compose.window import build
from procdeck.core.preferences import MB, Preferences
from procdeck.engine.engine import Engine
from tests.compose.test_window_flow import until


def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "procdeck.ini"), QSettings.Format.IniFormat)


def test_preferences_apply_live_and_persist(qt_run, qtbot, qapp, tmp_path: Path) -> None:
    logs = tmp_path / "run-logs"

    async def scenario():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=_settings(tmp_path))
            window = parts.window
            qtbot.addWidget(window)
            wired = parts.preferences
            assert wired is not None and wired.prefs == Preferences()
            assert wired.action.shortcut().toString() == "Ctrl+,"
            wired.action.trigger()
            assert wired.dialog is not None and wired.dialog.isVisible()
            new = Preferences(
                scrollback_lines=5_000,
                run_log_mb=8,
                total_log_mb=64,
                log_folder=str(logs),
                sample_rate_hz=2.0,
                stop_grace_s=1.5,
                max_workers=3,
                notifications=True,
                notify_min_s=30.0,
                theme="dark",
            )
            wired.dialog.set_preferences(new)
            wired.dialog.apply()
            assert engine.outputs is not None
            out = engine.outputs.settings
            assert (out.scrollback_lines, out.run_log_bytes, out.total_log_bytes) == (5_000, 8 * MB, 64 * MB)
            assert engine.outputs.spooler.directory == logs
            assert engine.monitor.settings.rate_hz == 2.0
            assert engine.jobs.settings.max_workers == 3
            assert parts.desktop.notifier.enabled and parts.desktop.notifier.min_seconds == 30.0
            assert parts.desktop.actions["notify"].isChecked()
            assert parts.desktop.theme.mode.value == "dark"
            # A launch from the launcher bar gets the new stop grace; its log goes to the new folder.
            window.launcher.command.setText(f"{sys.executable} -c \"print('to the log')\"")
            window.launcher.submit()
            await until(
                lambda: window.runs_model.rowCount() == 1 and not window.runs_model.infos()[0].state.is_live
            )
            assert window.runs_model.infos()[0].spec.grace_s == 1.5
            await until(lambda: any(logs.glob("*.stdout.log")))
            parts.close()
        reread, problems = preferences.load(_settings(tmp_path))
        assert problems == [] and reread == new

    qt_run(scenario)
    qapp.setPalette(qapp.style().standardPalette())


def test_unusable_saved_values_are_reported_and_reset(qt_run, qtbot, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.setValue("preferences/scrollback_lines", "a lot")
    settings.setValue("preferences/stop_grace_s", 2)
    settings.sync()

    async def scenario():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None, settings=settings)
            qtbot.addWidget(parts.window)
            assert parts.preferences.prefs.stop_grace_s == 2.0
            assert parts.preferences.prefs.scrollback_lines == Preferences().scrollback_lines
            assert "scrollback_lines" in parts.window.statusBar().currentMessage()
            parts.close()

    qt_run(scenario)
