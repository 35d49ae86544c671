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
from typing import Any

DEFAULT_READ = 1 << 16
PIPE_BYTES = 1 << 20
READ_BYTES = 1 << 18


def widen(source: Any, size: int = PIPE_BYTES, read: int | None = None) -> int:
    """Grow the pipe behind ``source`` (an anyio process stream) to ``size`` bytes where
    possible; returns the read size to use with it (``read``, READ_BYTES by default)."""
    read = READ_BYTES if read is None else read
    stream: Any = getattr(source, "_stream", None)
    transport: Any = getattr(stream, "_transport", None)
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
