"""Fewer, larger reads from a child's output pipe during a flood.

A Linux pipe holds 64 KiB, and asyncio's StreamReader pauses its transport once 128 KiB
are buffered (twice its 64 KiB limit): a child writing as fast as it can is read 64 KiB
at a time, with a loop wake-up, a task step and a pause/resume of the pipe's notifier
per chunk. Growing the pipe to 1 MiB (F_SETPIPE_SZ, fcntl(2); /proc/sys/fs/pipe-max-size
is the unprivileged limit, 1 MiB by default) and letting the reader and its transport
take up to that much per read cut the CPU time of an output flood by about a quarter
here (tests/benchmarks/output_ingest.py). A quiet child is unaffected: a read returns
what is there.

One read is at most READ_BYTES (256 KiB), less than the pipe holds: a 1 MiB read and its
feed took 8-9 ms of one loop step (a window frozen for that long, every step of a
flood); 256 KiB takes about 2 ms, and the child keeps writing into the rest of the pipe
meanwhile.

anyio does not expose the pipe or the StreamReader behind an asyncio process stream, so
this reaches them through private attributes (anyio 4's StreamReaderWrapper._stream,
asyncio's StreamReader._transport/_limit and the transport's max_size) and quietly does
nothing where they are not there: reads then stay at the default size.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from typing import Any

import anyio

TERMINAL_GATHER_S = 0.002  # a terminal relay's pipe fills this long between reads in a flood
DEFAULT_READ = 1 << 16
PIPE_BYTES = 1 << 20
READ_BYTES = 1 << 18


def _reader_and_transport(source: Any) -> tuple[Any, Any]:
    """The asyncio StreamReader behind an anyio process stream, and its pipe transport
    (None where they are not there)."""
    stream = getattr(source, "_stream", None)
    return stream, getattr(stream, "_transport", None)


def widen(source: Any, size: int = PIPE_BYTES, read: int | None = None) -> int:
    """Grow the pipe behind ``source`` (an anyio process stream) to ``size`` bytes where
    possible; returns the read size to use with it (``read``, READ_BYTES by default)."""
    read = READ_BYTES if read is None else read
    stream, transport = _reader_and_transport(source)
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if stream is None or transport is None or setpipe is None or not hasattr(stream, "_limit"):
        return DEFAULT_READ
    pipe = transport.get_extra_info("pipe")
    try:
        granted = fcntl.fcntl(pipe.fileno(), setpipe, size)
    except (AttributeError, OSError, ValueError):  # EPERM above pipe-max-size, a closed pipe
        return DEFAULT_READ
    size = max(DEFAULT_READ, min(size, granted))
    read = max(DEFAULT_READ, min(read, size))
    stream._limit = max(stream._limit, size)  # pause reading only past 2 x size buffered
    with contextlib.suppress(AttributeError):
        transport.max_size = read
    return read


class PipeReader:
    """Reads one output pipe of a run (``source``, an anyio process stream) with large
    reads; with ``gather_s``, fewer of them in a flood.

    A terminal run's relay writes what it reads from the pty, a few KiB at a time, and
    the loop woke for every piece: about 2,400 wake-ups a second in a flood, and the
    window's 60 Hz ticks were late by more than 10 ms in one flood of five (p99). When
    the previous read returned less than ``gather_s`` ago (the output keeps coming), the
    pipe's transport stops reading for ``gather_s`` and the next read takes what
    gathered meanwhile (the relay keeps writing into the 1 MiB pipe). A quiet program's
    output (a prompt, an echo) is read at once; a flood's is at most ``gather_s`` later.
    Measured on tests/benchmarks/tty_ingest.py: with 2 ms, p99 lag 5.1-7.1 ms in six
    runs (was 5.4-13.7 in eighteen) for 0.7-0.9x of a plain read loop's rate (was
    1.1-1.6x; the screen shows one frame of a flood either way). A pipe run's own output
    is read without gathering: at its 10M lines/s the pause cost four fifths of the rate.
    """

    def __init__(self, source: Any, gather_s: float = 0.0) -> None:
        self._source = source
        self.read_size = widen(source)
        _stream, transport = _reader_and_transport(source)
        usable = all(hasattr(transport, name) for name in ("pause_reading", "resume_reading"))
        self._transport = transport if usable and gather_s > 0 else None
        self._gather_s = gather_s
        self._last = -1.0

    async def receive(self) -> bytes:
        """The next chunk; anyio.EndOfStream at the end."""
        transport = self._transport
        if transport is not None and time.monotonic() - self._last < self._gather_s:
            transport.pause_reading()
            try:
                await anyio.sleep(self._gather_s)
            finally:
                transport.resume_reading()
        data: bytes = await self._source.receive(self.read_size)
        self._last = time.monotonic()
        return data
