"""The exception hook: logged, shown once with the log location, never fatal."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest

from procdeck.desktop.crash_dialog import CrashReporter


def _raise_and_report(reporter: CrashReporter, exc: BaseException) -> None:
    try:
        raise exc
    except BaseException as caught:
        reporter.handle(type(caught), caught, caught.__traceback__)


def test_hook_logs_and_shows_the_log_location(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shown: list[tuple[str, str, Path]] = []
    reporter = CrashReporter(tmp_path / "procdeck.log", show_dialog=lambda *a: shown.append(a))
    with caplog.at_level(logging.CRITICAL, logger="procdeck.crash"):
        _raise_and_report(reporter, ValueError("bad value"))
    assert shown and shown[0][0] == "ValueError: bad value"
    assert "Traceback" in shown[0][1] and shown[0][2] == tmp_path / "procdeck.log"
    assert "uncaught exception" in caplog.text and "bad value" in caplog.text


def test_install_and_uninstall_restore_previous_hooks(tmp_path: Path) -> None:
    before, before_thread = sys.excepthook, threading.excepthook
    reporter = CrashReporter(tmp_path / "x.log", show_dialog=lambda *a: None).install()
    try:
        assert sys.excepthook == reporter.handle
    finally:
        reporter.uninstall()
    assert sys.excepthook is before and threading.excepthook is before_thread


def test_a_failing_dialog_does_not_raise(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("no display")

    reporter = CrashReporter(tmp_path / "x.log", show_dialog=broken)
    with caplog.at_level(logging.ERROR):
        _raise_and_report(reporter, KeyError("k"))
    assert reporter.reported == 1
    assert "could not show the error dialog" in caplog.text


def test_thread_exceptions_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    reporter = CrashReporter(tmp_path / "x.log", show_dialog=lambda *a: None).install()
    try:
        with caplog.at_level(logging.CRITICAL, logger="procdeck.crash"):
            worker = threading.Thread(target=lambda: 1 / 0, name="doomed")
            worker.start()
            worker.join(30)
    finally:
        reporter.uninstall()
    assert reporter.reported == 1
    assert "thread doomed" in caplog.text and "ZeroDivisionError" in caplog.text


def test_real_dialog_shows_text_and_log_path(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from procdeck.desktop.crash_dialog import show_error_dialog

    seen: dict[str, str] = {}

    def close_box() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                seen["text"] = widget.text()
                seen["info"] = widget.informativeText()
                widget.done(0)
                return
        QTimer.singleShot(20, close_box)

    QTimer.singleShot(20, close_box)
    show_error_dialog("ValueError: bad", "Traceback...", tmp_path / "procdeck.log")
    assert seen["text"] == "ValueError: bad"
    assert str(tmp_path / "procdeck.log") in seen["info"]


def test_an_exception_in_a_qt_slot_reaches_the_dialog(qapp, tmp_path: Path) -> None:
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        fired = Signal()

    shown: list[str] = []
    reporter = CrashReporter(
        tmp_path / "procdeck.log", show_dialog=lambda summary, *_: shown.append(summary)
    ).install()
    emitter = Emitter()

    def broken_slot() -> None:
        raise LookupError("no such run")

    emitter.fired.connect(broken_slot)
    try:
        emitter.fired.emit()  # PySide6 hands slot exceptions to sys.excepthook
    finally:
        reporter.uninstall()
    assert shown == ["LookupError: no such run"]
