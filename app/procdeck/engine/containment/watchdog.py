"""The watchdog: ends an instance's processes when its Procdeck dies without doing so.

    python -m procdeck.engine.containment.watchdog INSTANCE

Started by the engine (`watchdog_client`) in its own session, so a signal to Procdeck's
process group does not take it down too. Its stdin is a pipe from Procdeck; it blocks
reading it (no CPU while idle). Lines it understands:

    run PID START GRACE   a run's leader (pid, start ticks) and its grace period
    pid PID START         another process of the instance (e.g. a job worker)
    bye                   Procdeck is shutting down cleanly and has stopped everything

End of file without ``bye`` means Procdeck died (SIGKILL, crash, OOM killer): the
watchdog runs the stop ladder on every process carrying the instance's cookie and every
process it was told about (and their descendants), then exits. Standard library only;
a frozen bundle routes this module's ``-m`` argv here (procdeck/frozen.py).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from procdeck.engine.containment import cookie, ladder, procfs
from procdeck.engine.containment.procfs import ProcKey

MODULE = "procdeck.engine.containment.watchdog"
DEFAULT_GRACE_S = 5.0
MAX_GRACE_S = 30.0


class Registry:
    def __init__(self, instance: str) -> None:
        self.instance = instance
        self.keys: set[ProcKey] = set()
        self.grace_s = 0.0
        self.clean_exit = False

    def feed(self, line: str) -> None:
        parts = line.split()
        try:
            if parts[:1] == ["run"] and len(parts) == 4:
                self.keys.add((int(parts[1]), int(parts[2])))
                self.grace_s = max(self.grace_s, min(float(parts[3]), MAX_GRACE_S))
            elif parts[:1] == ["pid"] and len(parts) == 3:
                self.keys.add((int(parts[1]), int(parts[2])))
            elif parts == ["bye"]:
                self.clean_exit = True
        except ValueError:
            pass  # a torn line from a dying writer: ignore it


def instance_members(instance: str, keys: set[ProcKey], snap: procfs.Snapshot) -> set[ProcKey]:
    """Processes of ``instance`` in ``snap``: its cookie, ``keys``, and their descendants."""
    prefix = instance + ":"
    found: set[ProcKey] = set()
    for value, pids in snap.by_cookie.items():
        if value.startswith(prefix):
            found.update(snap.entries[pid].key for pid in pids if not snap.entries[pid].zombie)
    found.update(key for key in keys if snap.live(key) is not None)
    roots = [pid for pid, _ in found]
    while roots:
        for child in snap.children.get(roots.pop(), ()):
            entry = snap.entries[child]
            if not entry.zombie and entry.key not in found:
                found.add(entry.key)
                roots.append(child)
    found.discard(procfs.self_key())
    return found


def clean_up(instance: str, keys: set[ProcKey], grace_s: float) -> ladder.LadderResult:
    owner = cookie.instance_owner(instance)
    since = owner[1] if owner is not None else 0

    def find() -> set[ProcKey]:
        return instance_members(instance, keys, procfs.scan(since))

    return ladder.run(find, signal.SIGTERM, grace_s)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or cookie.instance_owner(args[0]) is None:
        print("usage: python -m procdeck.engine.containment.watchdog INSTANCE", file=sys.stderr)
        return 2
    # Terminal signals are not ours to act on: only the pipe says when Procdeck is gone.
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_IGN)
    registry = Registry(args[0])
    stdin = os.fdopen(0, "rb", buffering=0, closefd=False)
    pending = b""
    while True:
        try:
            chunk = stdin.read(65536)
        except InterruptedError:
            continue
        except OSError:
            chunk = b""
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            registry.feed(line.decode("ascii", "replace"))
    if registry.clean_exit:
        return 0
    clean_up(registry.instance, registry.keys, registry.grace_s or DEFAULT_GRACE_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
