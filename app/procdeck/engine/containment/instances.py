"""Instance records and leftovers: processes of Procdeck instances that no longer run.

An instance is alive while the Procdeck process named in its id (pid and start ticks,
see `cookie`) is alive; that needs no file. Each instance also leaves a small record
(``<data dir>/instances/<instance>.json``, 0600 in a 0700 folder) saying what it was,
so leftovers can be described ("procdeck run -- ./serve.sh, started 10:31"). The
record goes when the instance closes cleanly; records of dead instances with nothing
left are pruned by `find_leftovers`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from procdeck.engine.containment import cookie, ladder, procfs
from procdeck.engine.containment.procfs import ProcKey
from procdeck.engine.output.settings import data_dir

log = logging.getLogger(__name__)


def records_dir() -> Path:
    return data_dir() / "instances"


def _record_path(instance: str) -> Path:
    return records_dir() / f"{instance}.json"


def write_record(instance: str) -> None:
    folder = records_dir()
    record = {"instance": instance, "pid": os.getpid(), "argv": sys.argv, "started_at": time.time()}
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = _record_path(instance)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(record, file)
        os.replace(tmp, path)
    except OSError as exc:  # leftovers are still found without it, just described less
        log.warning("could not write the instance record in %s: %s", folder, exc)


def remove_record(instance: str) -> None:
    with contextlib.suppress(OSError):
        _record_path(instance).unlink()


def read_record(instance: str) -> dict[str, object] | None:
    try:
        data = json.loads(_record_path(instance).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def describe_instance(instance: str) -> str:
    record = read_record(instance)
    if record is None:
        return instance
    argv = record.get("argv")
    started = record.get("started_at")
    command = " ".join(str(part) for part in argv) if isinstance(argv, list) else ""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(started)) if isinstance(started, float) else ""
    name = os.path.basename(command.split(" ", 1)[0]) if command else "procdeck"
    rest = command.split(" ", 1)[1] if " " in command else ""
    return f"{name} {rest}".strip() + (f", started {when}" if when else "")


def instance_alive(instance: str, snap: procfs.Snapshot) -> bool:
    owner = cookie.instance_owner(instance)
    return owner is not None and snap.live(owner) is not None


@dataclass(frozen=True)
class Leftover:
    pid: int
    start: int
    command: str
    instance: str
    run: str
    age_s: float

    @property
    def key(self) -> ProcKey:
        return (self.pid, self.start)


def find_leftovers(only_instance: str | None = None, snap: procfs.Snapshot | None = None) -> list[Leftover]:
    """Live processes whose cookie names an instance that no longer runs (blocking)."""
    snap = snap if snap is not None else procfs.scan(0)
    now = snap.taken_at
    me = os.getuid()
    found: dict[ProcKey, Leftover] = {}
    dead: set[str] = set()
    for value, pids in snap.by_cookie.items():
        parsed = cookie.Cookie.parse(value)
        if parsed is None or (only_instance is not None and parsed.instance != only_instance):
            continue
        if instance_alive(parsed.instance, snap):
            continue
        dead.add(parsed.instance)
        roots = [pid for pid in pids if not snap.entries[pid].zombie]
        while roots:  # with descendants: a child may have cleared its environment
            pid = roots.pop()
            entry = snap.entries[pid]
            if entry.key in found or procfs.uid_of(pid) != me:
                continue
            age = max(0.0, (now - entry.start) / procfs.CLOCK_TICKS)
            found[entry.key] = Leftover(
                pid, entry.start, procfs.cmdline(pid), parsed.instance, parsed.run, age
            )
            roots.extend(child for child in snap.children.get(pid, ()) if not snap.entries[child].zombie)
    if only_instance is None:
        _prune_records(snap, dead)
    return sorted(found.values(), key=lambda item: (item.instance, item.run, item.pid))


def _prune_records(snap: procfs.Snapshot, keep: set[str]) -> None:
    try:
        paths = list(records_dir().glob("*.json"))
    except OSError:
        return
    for path in paths:
        instance = path.stem
        if instance not in keep and not instance_alive(instance, snap):
            with contextlib.suppress(OSError):
                path.unlink()


def stop_leftovers(
    leftovers: list[Leftover], grace_s: float = 5.0, only_instance: str | None = None
) -> ladder.LadderResult:
    """The stop ladder on ``leftovers`` and anything of those instances found meanwhile."""
    instances = {item.instance for item in leftovers}
    first = {item.key for item in leftovers}

    def find() -> set[ProcKey]:
        snap = procfs.scan(0)
        now = {item.key for item in find_leftovers(only_instance, snap) if item.instance in instances}
        return now | {key for key in first if snap.live(key) is not None}

    return ladder.run(find, signal.SIGTERM, grace_s)
