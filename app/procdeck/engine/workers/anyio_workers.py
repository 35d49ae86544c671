"""Which worker processes the pool has, and how a dead one ended.

`worker_process.run_sync` keeps its workers in a per-event-loop set. The pool view needs
their pids, and a job whose worker died should say "killed by SIGSEGV" or "exit code 3",
which only the asyncio Process object knows (asyncio reaps the child). So, before the
first dispatch on this loop, `install` puts a set there that remembers every process
added to it, with the idle deque as one of its attributes.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

import anyio


class _TrackingSet(set[Any]):
    """anyio's worker set, remembering each process and when it started."""

    def __init__(self) -> None:
        super().__init__()
        self.by_pid: dict[int, Any] = {}
        self.started: dict[int, float] = {}
        self.idle: deque[tuple[Any, float]] = deque()  # anyio's idle deque, same object

    def add(self, process: Any) -> None:
        super().add(process)
        self.by_pid[process.pid] = process
        self.started[process.pid] = time.monotonic()
        if len(self.by_pid) > 4 * len(self) + 64:  # forget long-gone workers
            for pid in [p for p, proc in self.by_pid.items() if proc not in self]:
                del self.by_pid[pid]
                self.started.pop(pid, None)


class _KnownWorkerReaped(logging.Filter):
    """Drops asyncio's "Unknown child process pid N" warning for our own dead workers.

    When a worker dies, anyio's ``Popen.kill()`` can reap it before asyncio's child watcher
    does; the watcher then logs that warning and reports 255. `WorkerTracker.exit_status`
    reads the real status from the Popen, so the warning is noise for these pids only.
    """

    def __init__(self, workers: _TrackingSet) -> None:
        super().__init__()
        self._workers = workers

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.msg.startswith("Unknown child process pid")
            and isinstance(record.args, tuple)
            and record.args
        ):
            return record.args[0] not in self._workers.by_pid
        return True


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
        code: int | None = process.returncode
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
                code = int(popen.returncode)
        return code

    async def retire_idle(self, max_idle: float) -> int:
        """Stop workers idle for ``max_idle`` seconds or more; returns how many.

        anyio retires idle workers (after 5 minutes) only when the next job is dispatched;
        the pool view calls this so an idle pool shrinks on its own.
        """
        if self._workers is None:
            return 0
        workers, idle = self._workers, self._workers.idle
        now = anyio.current_time()  # the clock anyio stamps idle workers with
        stale = [(p, t) for p, t in idle if now - t >= max_idle and p.returncode is None]
        for entry in stale:
            idle.remove(entry)
            workers.discard(entry[0])
        with anyio.CancelScope(shield=True):
            for process, _ in stale:
                try:
                    await process.stdin.aclose()  # the worker returns on EOF
                except Exception:
                    pass
                with anyio.move_on_after(2.0):
                    await process.wait()
                if process.returncode is None:
                    process.kill()
                await process.aclose()
        return len(stale)

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
        await anyio.to_thread.run_sync(_kill_strays, {p.pid for p in processes})


def _kill_strays(known: set[int]) -> None:
    """Kill anyio workers of this process that anyio itself lost track of.

    A worker whose start was cancelled is killed by `worker_process.run_sync`, but one
    that a crash of the dispatching task left behind would live on until the garbage
    collector closes its pipes. Cancelling a job at the wrong moment must not leave one.
    """
    import psutil

    from procdeck.engine.workers.worker_process import WORKER_MODULE

    try:
        children = psutil.Process().children()
    except psutil.Error:
        return
    for child in children:
        if child.pid in known:
            continue
        try:
            cmdline = child.cmdline()
            if WORKER_MODULE in cmdline and "-m" in cmdline:
                child.kill()
        except psutil.Error:
            pass


def install() -> WorkerTracker:
    """Track the workers of the running loop (call inside it, before any dispatch)."""
    from procdeck.engine.workers import worker_process

    try:
        existing = worker_process.workers_var.get()
    except LookupError:
        workers = _TrackingSet()
        workers.idle = deque()
        worker_process.workers_var.set(workers)
        worker_process.idle_workers_var.set(workers.idle)
        asyncio_log = logging.getLogger("asyncio")
        for old in [f for f in asyncio_log.filters if isinstance(f, _KnownWorkerReaped)]:
            asyncio_log.removeFilter(old)  # one per process: the latest loop's workers
        asyncio_log.addFilter(_KnownWorkerReaped(workers))
        return WorkerTracker(workers)
    if isinstance(existing, _TrackingSet):
        return WorkerTracker(existing)
    return WorkerTracker(None)
