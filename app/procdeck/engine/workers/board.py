"""A shared-memory board where a worker notes which job it has just started, and its pid.

``anyio.to_process`` hides which worker process runs a call until the call returns.
The pool needs to know earlier: to show the worker pid of a running job, to list which
worker is busy with what, and to name the worker that died under a job. Each runner of the
pool owns one slot; the trampoline writes ``(job_id, pid)`` into it when the job starts
(one ``struct.pack_into`` on a memory map: well under a microsecond). When the job ends,
the worker notes its peak RSS and CPU time in the same slot, so a plain reply stays plain.
"""

from __future__ import annotations

import mmap
import os
import struct
import tempfile

SLOT = struct.Struct("=qqqq")  # job_id, pid, peak RSS (bytes), CPU time (µs)
_HEAD = struct.Struct("=qq")
_STATS = struct.Struct("=qq")


class SlotBoard:
    """Parent side: creates the backing file and reads the slots. One owner: the backend."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        fd, self.path = tempfile.mkstemp(prefix="procdeck-workers-", suffix=".board")
        try:
            os.ftruncate(fd, SLOT.size * slots)
            self._map = mmap.mmap(fd, SLOT.size * slots)
        finally:
            os.close(fd)

    def read(self, slot: int) -> tuple[int, int]:
        if self._map.closed:
            return 0, 0
        job_id, pid = _HEAD.unpack_from(self._map, slot * SLOT.size)
        return job_id, pid

    def stats(self, slot: int, job_id: int) -> tuple[int, float]:
        """(peak RSS in bytes, CPU seconds) the worker noted for ``job_id`` (0s if none)."""
        if self._map.closed:
            return 0, 0.0
        on_board, _pid, peak, cpu_us = SLOT.unpack_from(self._map, slot * SLOT.size)
        if on_board != job_id:
            return 0, 0.0
        return peak, cpu_us / 1e6

    def clear(self, slot: int) -> None:
        if self._map.closed:
            return
        SLOT.pack_into(self._map, slot * SLOT.size, 0, 0, 0, 0)

    def close(self) -> None:
        if not self._map.closed:
            self._map.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


_worker_maps: dict[str, mmap.mmap | None] = {}


def mark(path: str, slot: int, job_id: int, pid: int) -> None:
    """Worker side: note the job this process is starting (silently skipped if unusable)."""
    board = _board(path)
    if board is not None and (slot + 1) * SLOT.size <= len(board):
        SLOT.pack_into(board, slot * SLOT.size, job_id, pid, 0, 0)


def finish(path: str, slot: int, peak_rss: int, cpu_s: float) -> None:
    """Worker side: note the peak RSS and CPU time of the job that just ended."""
    board = _worker_maps.get(path)
    if board is not None and (slot + 1) * SLOT.size <= len(board):
        _STATS.pack_into(board, slot * SLOT.size + _HEAD.size, peak_rss, int(cpu_s * 1e6))


def _board(path: str) -> mmap.mmap | None:
    if path in _worker_maps:
        board = _worker_maps[path]
    else:
        board = None
        try:
            fd = os.open(path, os.O_RDWR)
            try:
                board = mmap.mmap(fd, 0)
            finally:
                os.close(fd)
        except (OSError, ValueError):
            pass
        _worker_maps[path] = board
    return board
