"""Which live processes belong to a run, from one shared scan of ``/proc``.

Children start in a new session (``start_new_session=True``), so the session id equals
the leader's pid. A run's processes are found by four nets (docs/ARCHITECTURE.md, DESIGN.md "Escapes"):
- every process still in the run's session (even after the leader exited or changed
  process group),
- the run's cookie (``PROCDECK_RUN=<instance>:<run>`` in ``/proc/PID/environ``): it
  survives double forks and setsid(), but not a program that execs with a fresh
  environment (``env -i``),
- processes remembered from earlier scans (they may have been re-parented),
- the live descendants of everything the other nets found.
Processes are identified by (pid, start ticks) so a reused pid is never signalled.

The functions here are pure: they read a `procfs.Snapshot` taken elsewhere (one scan
serves every concurrent stop, see `containment.scanner`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from procdeck.engine.containment.procfs import ProcKey, Snapshot

__all__ = ["Found", "ProcKey", "RunRef", "members"]


@dataclass(frozen=True)
class RunRef:
    """What the engine knows about one run's tree."""

    leader: ProcKey
    known: frozenset[ProcKey] = frozenset()
    cookie: str | None = None
    ended_at: int | None = None  # start-tick clock time the leader exited, if it has


@dataclass(frozen=True)
class Found:
    """A run's live processes: each with whether it left the run's session."""

    escaped: dict[ProcKey, bool]
    pgid: dict[ProcKey, int]  # process group of each member at scan time

    @property
    def keys(self) -> set[ProcKey]:
        return set(self.escaped)

    def __bool__(self) -> bool:
        return bool(self.escaped)

    def __len__(self) -> int:
        return len(self.escaped)


def members(snap: Snapshot, ref: RunRef) -> Found:
    """Every live process of the run described by ``ref`` in ``snap`` (leader included)."""
    leader_pid = ref.leader[0]
    me = os.getpid()
    found: dict[ProcKey, bool] = {}
    leader = snap.live(ref.leader)
    if leader is not None:
        found[leader.key] = False
    session = [snap.entries[pid] for pid in snap.by_sid.get(leader_pid, ())]
    # Linux keeps a pid out of reuse while a session with that id has members, so the
    # session is still the run's if the leader lives or some member is older than the
    # leader's exit; otherwise the id may name a newer, unrelated session.
    ended = ref.ended_at if ref.ended_at is not None else snap.taken_at
    if leader is not None or any(entry.start <= ended + 1 for entry in session):
        for entry in session:
            if not entry.zombie:
                found[entry.key] = False
    roots: list[int] = []
    for key in ref.known:
        known = snap.live(key)
        if known is not None:
            found.setdefault(known.key, known.sid != leader_pid)
    if ref.cookie is not None:
        for pid in snap.by_cookie.get(ref.cookie, ()):
            entry = snap.entries[pid]
            if not entry.zombie:
                found.setdefault(entry.key, entry.sid != leader_pid)
    roots = [pid for pid, _ in found]
    while roots:
        for child in snap.children.get(roots.pop(), ()):
            entry = snap.entries[child]
            if entry.zombie or entry.key in found:
                continue
            found[entry.key] = entry.sid != leader_pid
            roots.append(child)
    found.pop((me, snap.entries[me].start) if me in snap.entries else (me, -1), None)
    return Found(found, {key: snap.entries[key[0]].pgid for key in found})
