"""One pass over ``/proc``: who is who, in which session, carrying which run cookie.

Linux only (``/proc``); elsewhere `available` is False and scans are empty. Processes are
identified by ``(pid, start ticks)``, the start time from ``/proc/PID/stat`` in clock
ticks since boot, so a reused pid is never mistaken for the process it replaced.
Signals go through a pidfd (pidfd_open(2)) opened *before* the start time is checked, so
even a pid reused between the check and the signal cannot receive it.

Every read can fail because a process exits meanwhile (ENOENT, ESRCH) or belongs to
another user (EACCES on ``environ``): such processes are skipped quietly.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field

from procdeck.engine.containment import cookie

ProcKey = tuple[int, int]  # (pid, start ticks since boot)

PROC = "/proc"
available = sys.platform.startswith("linux") and os.path.isdir(PROC)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True, slots=True)
class Entry:
    pid: int
    ppid: int
    pgid: int
    sid: int
    start: int
    zombie: bool
    cookie: str | None = None

    @property
    def key(self) -> ProcKey:
        return (self.pid, self.start)


@dataclass(slots=True)
class Snapshot:
    """Every process at one moment, indexed the ways attribution needs."""

    entries: dict[int, Entry] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)
    by_sid: dict[int, list[int]] = field(default_factory=dict)
    by_cookie: dict[str, list[int]] = field(default_factory=dict)
    taken_at: int = 0  # ticks since boot when the scan started

    def add(self, entry: Entry) -> None:
        self.entries[entry.pid] = entry
        self.children.setdefault(entry.ppid, []).append(entry.pid)
        self.by_sid.setdefault(entry.sid, []).append(entry.pid)
        if entry.cookie is not None:
            self.by_cookie.setdefault(entry.cookie, []).append(entry.pid)

    def live(self, key: ProcKey) -> Entry | None:
        entry = self.entries.get(key[0])
        if entry is None or entry.start != key[1] or entry.zombie:
            return None
        return entry


def now_ticks() -> int:
    """The current time in the unit of start ticks (CLOCK_BOOTTIME, like the kernel's)."""
    return int(time.clock_gettime(time.CLOCK_BOOTTIME) * CLOCK_TICKS)


def _read(path: str, limit: int = 4096) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        chunks = []
        while True:
            chunk = os.read(fd, limit)
            if not chunk:
                break
            chunks.append(chunk)
            if len(chunk) < limit:
                break
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_entry(pid: int, with_cookie: bool = False) -> Entry | None:
    data = _read(f"{PROC}/{pid}/stat")
    if not data:
        return None
    close = data.rfind(b")")
    fields = data[close + 2 :].split()
    try:
        state = fields[0]
        ppid, pgid, sid = int(fields[1]), int(fields[2]), int(fields[3])
        start = int(fields[19])
    except (IndexError, ValueError):
        return None
    found = read_cookie(pid) if with_cookie else None
    return Entry(pid, ppid, pgid, sid, start, state in (b"Z", b"X"), found)


def read_cookie(pid: int) -> str | None:
    data = _read(f"{PROC}/{pid}/environ", 65536)
    return cookie.from_environ_bytes(data) if data else None


def start_of(pid: int) -> int | None:
    entry = read_entry(pid)
    return entry.start if entry is not None else None


def self_key() -> ProcKey:
    start = start_of(os.getpid())
    return (os.getpid(), start if start is not None else 0)


def scan(environ_since: int | None = 0) -> Snapshot:
    """Read every process once.

    Cookies are read only from processes started at or after ``environ_since`` (start
    ticks; None reads none): a process older than a cookie cannot carry it, which keeps
    a scan cheap on a machine with many long-running processes.
    """
    snap = Snapshot(taken_at=now_ticks())
    if not available:
        return snap
    try:
        names = os.listdir(PROC)
    except OSError:
        return snap
    for name in names:
        if not name.isdigit():
            continue
        entry = read_entry(int(name))
        if entry is None:
            continue
        if environ_since is not None and entry.start >= environ_since and not entry.zombie:
            found = read_cookie(entry.pid)
            if found is not None:
                entry = Entry(entry.pid, entry.ppid, entry.pgid, entry.sid, entry.start, False, found)
        snap.add(entry)
    return snap


def is_alive(key: ProcKey) -> bool:
    entry = read_entry(key[0])
    return entry is not None and entry.start == key[1] and not entry.zombie


def send(key: ProcKey, signum: int) -> bool:
    """Signal the process ``key`` if it is still that process; True if it was sent."""
    pid, start = key
    if pid <= 1 or pid == os.getpid():
        return False
    fd = -1
    if hasattr(os, "pidfd_open"):
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            return False
        except OSError:
            fd = -1  # no pidfd support (old kernel): check, then kill
    try:
        entry = read_entry(pid)
        if entry is None or entry.start != start or entry.zombie:
            return False
        if fd >= 0:
            signal.pidfd_send_signal(fd, signum)
        else:
            os.kill(pid, signum)
        return True
    except (ProcessLookupError, PermissionError):
        return False
    finally:
        if fd >= 0:
            os.close(fd)


def send_group(leader: ProcKey, signum: int) -> bool:
    """Signal the process group led by ``leader`` at once, if the leader is still that process.

    While the leader lives, no other group can take its id, so checking the leader
    (through a pidfd, as in `send`) makes the group's id safe to use.
    """
    pid, start = leader
    if pid <= 1 or pid == os.getpid() or pid == os.getpgrp():
        return False
    try:
        fd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else -1
    except OSError:
        return False
    try:
        entry = read_entry(pid)
        if entry is None or entry.start != start or entry.zombie or entry.pgid != pid:
            return False
        os.killpg(pid, signum)
        return True
    except (ProcessLookupError, PermissionError):
        return False
    finally:
        if fd >= 0:
            os.close(fd)


def cmdline(pid: int) -> str:
    data = _read(f"{PROC}/{pid}/cmdline", 65536)
    if not data:
        entry_comm = _read(f"{PROC}/{pid}/comm")
        return f"[{entry_comm.decode(errors='replace').strip()}]" if entry_comm else ""
    return " ".join(part.decode(errors="replace") for part in data.rstrip(b"\0").split(b"\0"))


def uid_of(pid: int) -> int | None:
    try:
        return os.stat(f"{PROC}/{pid}").st_uid
    except OSError:
        return None
