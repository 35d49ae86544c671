"""The most recent bytes of a terminal (pty) run, for terminal views.

A terminal view replays a byte stream into a screen model; the run's line store and log
file keep lines, not the escape sequences between them. This tail keeps the last
``capacity`` bytes with absolute offsets, so a view reads what arrived since its last
frame, and a view that fell behind (or opens late) learns how much it missed and starts
from what is still here. Appending is a bytearray extend; the front is trimmed only when
the buffer holds twice the capacity (amortised, no per-chunk copies).
"""

from __future__ import annotations

RESET = b"\x1bc"  # RIS: a new attempt of the run starts on a clean screen
DEFAULT_CAPACITY = 1 << 20


class TerminalTail:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._buf = bytearray()
        self._start = 0  # absolute offset of _buf[0]

    @property
    def start(self) -> int:
        """The oldest offset still held."""
        return self._start

    @property
    def end(self) -> int:
        """Bytes ever appended (the offset of the next byte)."""
        return self._start + len(self._buf)

    def append(self, data: bytes) -> None:
        self._buf += data
        excess = len(self._buf) - 2 * self.capacity
        if excess > 0:
            drop = len(self._buf) - self.capacity
            del self._buf[:drop]
            self._start += drop

    def read(self, offset: int, limit: int | None = None) -> tuple[int, bytes]:
        """Bytes from ``offset`` (or the oldest held, if that is gone), at most ``limit``.

        Returns (the offset the bytes start at, the bytes); the caller's next offset is
        the first plus ``len`` of the second.
        """
        offset = max(offset, self._start)
        begin = offset - self._start
        stop = len(self._buf) if limit is None else min(len(self._buf), begin + limit)
        return offset, bytes(self._buf[begin:stop])
