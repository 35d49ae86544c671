"""One ``/proc`` scan shared by every stop that needs one at the same time.

A stop needs a scan that *started after* it asked (an older one may predate the signal it
just sent). Requests arriving while a scan runs are served together by the next one, so
25 concurrent stops, or an engine shutdown with 500 runs, cost a handful of scans instead
of one (or several) per run. Scans run in a worker thread: they read ``/proc``.
"""

from __future__ import annotations

import anyio
import anyio.to_thread

from procdeck.engine.containment import ladder, procfs
from procdeck.engine.containment.procfs import ProcKey


class SharedScanner:
    def __init__(self, environ_since: int | None = 0) -> None:
        self._environ_since = environ_since
        self._started = 0  # generation of the last scan started
        self._done_gen = 0  # generation of the last scan finished
        self._result = procfs.Snapshot()
        self._running: anyio.Event | None = None
        self.scans = 0  # how many scans ran (for tests and benchmarks)

    async def current(self) -> procfs.Snapshot:
        """A snapshot no older than the scan running now (joined), else a new one.

        Enough for a stop's first pass: whatever started after that scan began is found
        by the `fresh` passes that follow the signal.
        """
        return await self._wait_for(self._started if self._running is not None else self._started + 1)

    async def fresh(self, after: int | None = None) -> procfs.Snapshot:
        """A snapshot taken entirely after this call began, or after `mark` returned ``after``."""
        return await self._wait_for((self._started if after is None else after) + 1)

    def mark(self) -> int:
        """A point in the scan sequence: ``fresh(after=mark)`` wants a scan started after it."""
        return self._started

    async def _wait_for(self, wanted: int) -> procfs.Snapshot:
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


class SharedSignaller:
    """Sends signals in batches from a worker thread, one batch at a time.

    Each signal is a few syscalls (pidfd_open, a ``stat`` read, pidfd_send_signal,
    close); an engine shutdown with hundreds of runs would spend a noticeable part of a
    second on the loop doing them one run at a time. Requests arriving while a batch runs
    go together in the next batch.
    """

    def __init__(self) -> None:
        self._pending: list[_Request] = []
        self._batch_done: anyio.Event | None = None  # set when the running batch ends

    async def send(
        self, keys: set[ProcKey], signum: int, group: tuple[ProcKey, set[ProcKey]] | None = None
    ) -> None:
        """Return once ``keys`` were signalled (those still alive and unchanged).

        ``group`` is (leader, members): the leader's process group is signalled first, at
        once (as a terminal would), and its members then get no second copy.
        """
        request = _Request(keys, signum, group)
        self._pending.append(request)
        while not request.done.is_set():
            if self._batch_done is not None:
                await self._batch_done.wait()
                continue
            batch, self._pending = self._pending, []
            finished = self._batch_done = anyio.Event()
            try:
                # Not abandoned on cancel: the thread finishes the batch either way.
                await anyio.to_thread.run_sync(_send_batch, batch)
            finally:
                self._batch_done = None
                finished.set()
                for item in batch:
                    item.done.set()


class _Request:
    def __init__(self, keys: set[ProcKey], signum: int, group: tuple[ProcKey, set[ProcKey]] | None) -> None:
        self.keys = keys
        self.signum = signum
        self.group = group
        self.done = anyio.Event()


def _send_batch(batch: list[_Request]) -> None:
    for request in batch:
        keys = request.keys
        if request.group is not None and procfs.send_group(request.group[0], request.signum):
            keys = keys - request.group[1]
        ladder.signal_all(keys, request.signum)
