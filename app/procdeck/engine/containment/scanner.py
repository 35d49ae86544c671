"""One ``/proc`` scan shared by every stop that needs one at the same time.

A stop needs a scan that *started after* it asked (an older one may predate the signal it
just sent). Requests arriving while a scan runs are served together by the next one, so
25 concurrent stops, or an engine shutdown with 500 runs, cost a handful of scans instead
of one (or several) per run. Scans run in a worker thread: they read ``/proc``.
"""

from __future__ import annotations

import anyio
import anyio.to_thread

from procdeck.engine.containment import procfs


class SharedScanner:
    def __init__(self, environ_since: int | None = 0) -> None:
        self._environ_since = environ_since
        self._started = 0  # generation of the last scan started
        self._done_gen = 0  # generation of the last scan finished
        self._result = procfs.Snapshot()
        self._running: anyio.Event | None = None
        self.scans = 0  # how many scans ran (for tests and benchmarks)

    async def fresh(self) -> procfs.Snapshot:
        """A snapshot taken entirely after this call began."""
        wanted = self._started + 1
        while self._done_gen < wanted:
            if self._running is not None:
                await self._running.wait()
                continue
            await self._scan()
        return self._result

    async def _scan(self) -> None:
        self._started += 1
        generation = self._started
        done = self._running = anyio.Event()
        try:
            snap = await anyio.to_thread.run_sync(procfs.scan, self._environ_since)
            self.scans += 1
            self._result = snap
            self._done_gen = generation
        finally:
            self._running = None
            done.set()
