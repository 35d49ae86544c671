"""An exception hook that logs the traceback and tells the user where the log is.

An uncaught exception in a Qt slot would otherwise print to a terminal nobody sees (or,
with PySide6, abort); here it is logged and, when a window can be shown, a dialog names
the log file. Thread exceptions get the same treatment (threading.excepthook).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

log = logging.getLogger("procdeck.crash")

ShowDialog = Callable[[str, str, Path], None]


def show_error_dialog(summary: str, details: str, log_file: Path) -> None:
    """A modal message box with the error, the traceback and the log location."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None:
        return
    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Procdeck: unexpected error")
    box.setText(summary)
    box.setInformativeText(
        f"Procdeck keeps running, but something may not work as expected.\n"
        f"Details are in the log file:\n{log_file}"
    )
    box.setDetailedText(details)
    box.setTextInteractionFlags(box.textInteractionFlags())
    box.exec()


class CrashReporter:
    """Installs sys.excepthook and threading.excepthook; uninstall() restores them."""

    def __init__(self, log_file: Path, show_dialog: ShowDialog = show_error_dialog) -> None:
        self.log_file = log_file
        self._show_dialog = show_dialog
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._showing = False
        self.reported = 0

    def install(self) -> CrashReporter:
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread
        return self

    def uninstall(self) -> None:
        if sys.excepthook == self.handle:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self._handle_thread:
            threading.excepthook = self._previous_thread_hook

    def handle(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_hook(kind, value, tb)
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        log.critical("uncaught exception\n%s", details.rstrip())
        self.reported += 1
        if self._showing:  # an error while the dialog is open: logged only
            return
        self._showing = True
        try:
            self._show_dialog(f"{kind.__name__}: {value}", details, self.log_file)
        except Exception:
            log.exception("could not show the error dialog")
        finally:
            self._showing = False

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        details = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        name = args.thread.name if args.thread is not None else "?"
        log.critical("uncaught exception in thread %s\n%s", name, details.rstrip())
        self.reported += 1
