"""Fewer, larger reads from a child's output pipe during a flood.

A Linux pipe holds 64 KiB, and asyncio's StreamReader pauses its transport once 128 KiB
are buffered (twice its 64 KiB limit): a child writing as fast as it can is read 64 KiB
at a time, with a loop wake-up, a task step and a pause/resume of the pipe's notifier
per chunk. Growing the pipe to 1 MiB (F_SETPIPE_SZ, fcntl(2); /proc/sys/fs/pipe-max-size
is the unprivileged limit, 1 MiB by default) and letting the reader and its transport
take up to that much per read cut the CPU time of an output flood by about a quarter
here (tests/benchmarks/output_ingest.py). A quiet child is unaffected: a read returns
what is there.

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


def widen(source: Any, size: int = PIPE_BYTES) -> int:
    """Grow the pipe behind ``source`` (an anyio process stream) to ``size`` bytes where
    possible; returns the read size to use with it."""
    stream = getattr(source, "_stream", None)
    transport = getattr(stream, "_transport", None)
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if transport is None or setpipe is None or not hasattr(stream, "_limit"):
        return DEFAULT_READ
    pipe = transport.get_extra_info("pipe")
    try:
        granted = fcntl.fcntl(pipe.fileno(), setpipe, size)
    except (AttributeError, OSError, ValueError):  # EPERM above pipe-max-size, a closed pipe
        return DEFAULT_READ
    size = max(DEFAULT_READ, min(size, granted))
    stream._limit = max(stream._limit, size)  # pause reading only past 2 x size buffered
    with contextlib.suppress(AttributeError):
        transport.max_size = size  # one os.read may take the whole pipe
    return size
