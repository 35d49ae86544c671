"""Which worker processes ``anyio.to_process`` has, and how a dead one ended.

anyio keeps its workers in a per-event-loop set and does not expose them. The pool view
needs their pids, and a job whose worker died should say "killed by SIGSEGV" or "exit code
3", which only the asyncio Process object knows (asyncio reaps the child). So, before the
first ``to_process.run_sync`` on this loop, we give anyio a set that remembers every
process added to it, then run anyio's own set-up exactly as ``run_sync`` would
(anyio/to_process.py, ``run_sync``: "If this is the first run in this event loop thread").

This touches private names of anyio 4.x; if they move, `install` returns a tracker that
knows nothing and the pool still works (pids come from the job replies and psutil, exit
statuses read "unknown").
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import anyio


class _TrackingSet(set):  # type: ignore[type-arg]
    """anyio's worker set, remembering each process and when it started."""

    def __init__(self) -> None:
        super().__init__()
        self.by_pid: dict[int, Any] = {}
        self.started: dict[int, float] = {}

    def add(self, process: Any) -> None:
        super().add(process)
        self.by_pid[process.pid] = process
        self.started[process.pid] = time.monotonic()
        if len(self.by_pid) > 4 * len(self) + 64:  # forget long-gone workers
            for pid in [p for p, proc in self.by_pid.items() if proc not in self]:
                del self.by_pid[pid]
                self.started.pop(pid, None)


class WorkerTracker:
    """Live anyio worker processes of the current event loop."""

    def __init__(self, workers: _TrackingSet | None) -> None:
        self._workers = workers

    @property
    def tracking(self) -> bool:
        return self._workers is not None

    def live(self) -> list[tuple[int, float]]:
        """(pid, started_monotonic) of every worker that has not exited."""
        if self._workers is None:
            return []
        return [
            (p.pid, self._workers.started.get(p.pid, 0.0))
            for p in list(self._workers)
            if p.returncode is None
        ]

    async def exit_status(self, pid: int) -> int | None:
        """The returncode (negative: signal) of a worker that has gone, if knowable."""
        if self._workers is None:
            return None
        process = self._workers.by_pid.get(pid)
        if process is None:
            return None
        with anyio.move_on_after(2.0):
            await process.wait()
        code = process.returncode
        # anyio kills a broken worker with Popen.kill(), whose poll() may reap the dead
        # child before asyncio's child watcher does; asyncio then logs "Unknown child
        # process" and reports 255 while the Popen holds the real status.
        # (subprocess.Popen.send_signal polls first: https://bugs.python.org/issue38630)
        if code == 255:
            try:
                popen = process._transport.get_extra_info("subprocess")
            except AttributeError:
                popen = None
            if popen is not None and popen.returncode is not None:
                code = popen.returncode
        return code

    async def close_all(self) -> None:
        """Stop every worker: close stdin (the worker returns), kill if it lingers."""
        if self._workers is None:
            return
        processes = [p for p in list(self._workers) if p.returncode is None]
        with anyio.CancelScope(shield=True):
            for process in processes:
                try:
                    await process.stdin.aclose()
                except Exception:
                    pass
            with anyio.move_on_after(2.0):
                for process in processes:
                    await process.wait()
            for process in processes:
                if process.returncode is None:
                    try:
                        process.kill()
                    except ProcessLookupError:
                        pass
                await process.aclose()


def install() -> WorkerTracker:
    """Track anyio's workers on the running loop (call inside it, before any dispatch)."""
    try:
        from anyio import to_process
        from anyio._core._eventloop import get_async_backend

        try:
            existing = to_process._process_pool_workers.get()
        except LookupError:
            workers = _TrackingSet()
            to_process._process_pool_workers.set(workers)
            to_process._process_pool_idle_workers.set(deque())
            get_async_backend().setup_process_pool_exit_at_shutdown(workers)
            return WorkerTracker(workers)
        if isinstance(existing, _TrackingSet):
            return WorkerTracker(existing)
    except (ImportError, AttributeError):
        pass
    return WorkerTracker(None)
