"""Background threads at a lower CPU priority than the thread of the window and the loop.

On Linux a nice value applies to one thread (setpriority on its thread id, see
sched(7), "The nice value"). During an output flood the program, the engine's
background threads (a pty reader, the log writer) and the loop's thread all want one of
two cores; at equal priority the loop's thread waited for the scheduler and the window
froze for 10-30 ms at a time. Niced, a background thread yields the core whenever the
loop has work and still takes every idle moment: its own latency does not matter.
"""

from __future__ import annotations

import os
import threading

BACKGROUND_NICE = 10  # added to the calling thread's nice value


def lower_priority(increment: int = BACKGROUND_NICE) -> None:
    """Lower the calling thread's CPU priority by ``increment`` (quietly nothing where the
    platform has no per-thread nice value or does not allow it)."""
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, current + increment))
    except (OSError, AttributeError):
        pass
