"""One engine's containment: its instance id, cookies, shared scanner and watchdog."""

from __future__ import annotations

import anyio
import anyio.to_thread

from procdeck.engine.containment import cookie, instances, procfs
from procdeck.engine.containment.procfs import ProcKey
from procdeck.engine.containment.scanner import SharedScanner, SharedSignaller
from procdeck.engine.containment.watchdog_client import WatchdogClient


class Containment:
    """Owned by the engine; `close` is its one shutdown path.

    ``watchdog`` starts a watchdog process with the first registered run, and ``record``
    writes the instance record `procdeck leftovers` reads (both off for bare managers).
    """

    def __init__(self, *, watchdog: bool = True, record: bool = True) -> None:
        owner = procfs.self_key()
        self.instance = cookie.new_instance_id(*owner)
        self.started = procfs.now_ticks()
        # Processes older than this instance cannot carry its cookies.
        self.scanner = SharedScanner(environ_since=self.started - 1)
        self.signaller = SharedSignaller()
        self._watchdog = WatchdogClient(self.instance) if watchdog else None
        self._record = record
        self._active = False

    def cookie_for(self, run_id: int | str) -> str:
        return cookie.Cookie(self.instance, str(run_id)).value

    @property
    def watchdog_pid(self) -> int | None:
        return self._watchdog.pid if self._watchdog is not None else None

    def _activate(self) -> None:
        if self._active:
            return
        self._active = True
        if self._record:
            instances.write_record(self.instance)
        if self._watchdog is not None:
            self._watchdog.start()

    def register_run(self, key: ProcKey, grace_s: float) -> None:
        self._activate()
        if self._watchdog is not None:
            self._watchdog.register_run(key, grace_s)

    def register_pid(self, pid: int) -> None:
        start = procfs.start_of(pid)
        if start is None:
            return
        self._activate()
        if self._watchdog is not None:
            self._watchdog.register_pid((pid, start))

    async def aclose(self) -> None:
        """Called after every run was stopped: the watchdog exits without a clean-up."""
        if self._watchdog is not None:
            await anyio.to_thread.run_sync(self._watchdog.close)
        if self._active and self._record:
            instances.remove_record(self.instance)
