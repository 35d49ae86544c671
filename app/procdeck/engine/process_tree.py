"""Finding and signalling the whole tree of a launched run.

Children start in a new session (``start_new_session=True``), so the session id equals
the leader's pid. Everything the run started is found by three nets, since anyio kills only
the direct child and grandchildren keep pipes open (docs/ARCHITECTURE.md):
- every process still in the run's session (even after the leader exited or changed
  process group),
- the leader's live descendants (those that called setsid() themselves),
- descendants remembered from earlier scans (they may have been re-parented).
Processes are identified by (pid, create_time) so a reused pid is never signalled.

All functions here block (they walk /proc) and are meant for anyio.to_thread.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable

import psutil

ProcKey = tuple[int, float]  # (pid, create_time)


def _key(proc: psutil.Process) -> ProcKey | None:
    try:
        return (proc.pid, proc.create_time())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None


def session_members(sid: int) -> set[ProcKey]:
    """Live processes whose session id is ``sid``."""
    found: set[ProcKey] = set()
    for pid in psutil.pids():
        try:
            if os.getsid(pid) != sid:
                continue
            found.add((pid, psutil.Process(pid).create_time()))
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


def descendants(pid: int) -> set[ProcKey]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return set()
    return {key for key in map(_key, children) if key is not None}


def run_session(leader: int, ended_at: float | None = None) -> set[ProcKey]:
    """Members of the run's session (its id is the leader's pid).

    ``ended_at`` is the wall-clock time the leader exited, if it has. Linux does not reuse
    a pid while a session or group with that id has members, so the session is still the
    run's only if some member was created before the leader exited; otherwise the id may
    belong to a newer, unrelated session and it is left alone.
    """
    members = session_members(leader)
    if ended_at is not None and not any(created <= ended_at + 1.0 for _, created in members):
        return set()
    return members


def scan_tree(leader: int, known: Iterable[ProcKey] = (), ended_at: float | None = None) -> set[ProcKey]:
    """Every live process belonging to the run led by ``leader`` (leader included)."""
    tree = run_session(leader, ended_at)
    if ended_at is None:
        tree |= descendants(leader)
        lead = _key_of(leader)
        if lead is not None:
            tree.add(lead)
    for key in known:
        for more in _alive(key):
            tree.add(more)
            tree |= descendants(more[0])
    return {key for key in tree if _is_alive(key)}


def _key_of(pid: int) -> ProcKey | None:
    try:
        return _key(psutil.Process(pid))
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None


def _alive(key: ProcKey) -> list[ProcKey]:
    current = _key_of(key[0])
    return [key] if current == key else []


def _is_alive(key: ProcKey) -> bool:
    try:
        proc = psutil.Process(key[0])
        return proc.create_time() == key[1] and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return False


def signal_tree(
    leader: int, signum: int, known: Iterable[ProcKey] = (), ended_at: float | None = None
) -> set[ProcKey]:
    """Send ``signum`` to the run's process group and every member of its tree.

    Returns the processes that were signalled (alive at the time).
    """
    tree = scan_tree(leader, known, ended_at)
    group_signalled = False
    if ended_at is None or run_session(leader, ended_at):
        try:
            os.killpg(leader, signum)
            group_signalled = True
        except (ProcessLookupError, PermissionError):
            pass
    for pid, created in tree:
        # Each process gets the signal once: a second SIGINT or SIGTERM often means
        # "force quit" to programs that handle the first one gracefully.
        if group_signalled and _pgid(pid) == leader:
            continue
        try:
            proc = psutil.Process(pid)
            if proc.create_time() == created:
                proc.send_signal(signum)
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            continue
    return tree


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def kill_tree(
    leader: int, known: Iterable[ProcKey] = (), ended_at: float | None = None, rounds: int = 8
) -> None:
    """SIGKILL the tree until nothing of it is left (processes may fork meanwhile)."""
    for attempt in range(rounds):
        if not signal_tree(leader, signal.SIGKILL, known, ended_at):
            return
        time.sleep(0.01 * (attempt + 1))  # let the kernel finish the kills before rescanning
