"""Starting the watchdog process and telling it what the engine launched.

The engine owns one watchdog (started with the first launch, so an engine that never
launches costs nothing). Writes to its pipe are tiny, non-blocking and never fail loudly:
if the watchdog is gone, containment falls back to the engine's own stops and to
``procdeck leftovers``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys

from procdeck.engine.containment.procfs import ProcKey
from procdeck.engine.containment.watchdog import MODULE

log = logging.getLogger(__name__)


def watchdog_argv(instance: str) -> list[str]:
    # A frozen bundle's sys.executable is Procdeck itself; procdeck/frozen.py routes this argv.
    return [sys.executable, "-m", MODULE, instance]


class WatchdogClient:
    def __init__(self, instance: str) -> None:
        self._instance = instance
        self._process: subprocess.Popen[bytes] | None = None
        self._fd = -1

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._process is not None:
            return
        read_fd, write_fd = os.pipe()  # both close-on-exec: no child of ours inherits the write end
        try:
            self._process = subprocess.Popen(
                watchdog_argv(self._instance),
                stdin=read_fd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            os.close(write_fd)
            log.warning("could not start the containment watchdog: %s", exc)
            return
        finally:
            os.close(read_fd)
        os.set_blocking(write_fd, False)
        self._fd = write_fd

    def register_run(self, key: ProcKey, grace_s: float) -> None:
        self._send(f"run {key[0]} {key[1]} {grace_s:g}\n")

    def register_pid(self, key: ProcKey) -> None:
        self._send(f"pid {key[0]} {key[1]}\n")

    def _send(self, line: str) -> None:
        if self._fd < 0:
            return
        try:
            os.write(self._fd, line.encode("ascii"))
        except (BlockingIOError, BrokenPipeError, OSError) as exc:
            log.warning("containment watchdog did not take %r: %s", line.strip(), exc)

    def close(self, timeout: float = 5.0) -> None:
        """Tell the watchdog all is stopped, and wait for it to exit (blocking)."""
        if self._fd >= 0:
            self._send("bye\n")
            os.close(self._fd)
            self._fd = -1
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(1.0)
