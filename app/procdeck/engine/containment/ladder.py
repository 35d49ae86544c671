"""The stop ladder, blocking form: stop signal, grace, SIGKILL until nothing is left.

Used where no event loop runs: the watchdog, ``procdeck leftovers --stop`` and the
engine's last-resort clean-up of a cancelled run (in a worker thread). Each process gets
each signal once; new members that show up while the ladder runs get the stop signal
when first seen.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from procdeck.engine.containment import procfs
from procdeck.engine.containment.procfs import ProcKey

POLL_S = 0.05
KILL_ROUNDS = 20


@dataclass
class LadderResult:
    signalled: set[ProcKey] = field(default_factory=set)
    killed: set[ProcKey] = field(default_factory=set)
    left: set[ProcKey] = field(default_factory=set)


def signal_all(keys: set[ProcKey], signum: int) -> set[ProcKey]:
    return {key for key in keys if procfs.send(key, signum)}


def run(
    find: Callable[[], set[ProcKey]],
    signum: int = signal.SIGTERM,
    grace_s: float = 5.0,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> LadderResult:
    """Stop whatever ``find()`` returns; ``find`` is called again after every step."""
    result = LadderResult()
    deadline = time.monotonic() + grace_s
    members = find()
    if signum != signal.SIGKILL:
        while members:
            new = members - result.signalled
            result.signalled |= signal_all(new, signum) if new else set()
            if time.monotonic() >= deadline:
                break
            sleep(POLL_S)
            members = find()
    for attempt in range(KILL_ROUNDS):
        if not members:
            break
        result.killed |= signal_all(members - result.killed, signal.SIGKILL)
        sleep(0.01 * (attempt + 1))  # let the kernel finish the kills before rescanning
        members = find()
    result.left = members
    return result
