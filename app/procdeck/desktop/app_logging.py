"""Logging to a rotating file in the user's log folder, and faulthandler next to it.

A double-clicked app has no terminal: without a log file, warnings and crashes vanish.
The log goes to platformdirs' user log dir (``~/.local/state/Procdeck/log`` on Linux,
``~/Library/Logs/Procdeck`` on macOS, ``%LOCALAPPDATA%\\Procdeck\\Logs`` on Windows),
overridable with ``PROCDECK_LOG_DIR``. faulthandler gets its own file (it writes to a raw
file descriptor, which must stay valid: a rotating handler swaps its file).
"""

from __future__ import annotations

import faulthandler
import io
import logging
import logging.handlers
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import platformdirs

from procdeck.core.private_files import ensure_private_dir, private_opener

LOG_FILE_NAME = "procdeck.log"
FAULT_FILE_NAME = "crash.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def default_log_dir() -> Path:
    override = os.environ.get("PROCDECK_LOG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_log_dir("Procdeck", appauthor=False))


@dataclass
class LogSession:
    """The log file handler and the faulthandler file; one owner, one close()."""

    log_dir: Path
    log_file: Path
    fault_file: Path
    handler: logging.Handler
    _fault_stream: IO[str] | None = field(default=None, repr=False)

    def close(self) -> None:
        root = logging.getLogger()
        if self.handler in root.handlers:
            root.removeHandler(self.handler)
        self.handler.close()
        if self._fault_stream is not None:
            if faulthandler.is_enabled():
                faulthandler.disable()
            self._fault_stream.close()
            self._fault_stream = None


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are owner-only (0600) whatever the umask.

    The log names commands, folders and errors; rotated files are renames of it and
    keep its mode.
    """

    def _open(self) -> io.TextIOWrapper:
        stream = open(
            self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors, opener=private_opener
        )
        assert isinstance(stream, io.TextIOWrapper)
        return stream


def start_logging(log_dir: Path | None = None, level: int = logging.INFO) -> LogSession:
    """Send log records to a rotating file and Python crashes to crash.log.

    The folder is Procdeck's own: created 0700 (tightened to 0700 if it was open to
    others); the log and crash files are 0600.
    """
    directory = log_dir if log_dir is not None else default_log_dir()
    ensure_private_dir(directory)
    log_file = directory / LOG_FILE_NAME
    handler = PrivateRotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    fault_file = directory / FAULT_FILE_NAME
    fault_stream = open(fault_file, "a", encoding="utf-8", opener=private_opener)
    faulthandler.enable(fault_stream, all_threads=True)
    logging.getLogger("procdeck").info("log started in %s", directory)
    return LogSession(directory, log_file, fault_file, handler, fault_stream)
