"""Crash-safe file replacement.

A save writes a temporary file in the same folder (same filesystem, so the rename is
atomic), flushes and fsyncs it, ``os.replace``s it over the target and fsyncs the folder
so the rename itself survives a power cut. At every instant the target holds either the
whole old content or the whole new content, never a mix or nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

TMP_SUFFIX = ".tmp"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically; the file gets permissions ``mode``."""
    folder = path.parent
    # mkstemp creates the file 0600 with O_EXCL; the pid in the name lets a later save
    # clean up what a killed process left behind (see remove_stale_temps).
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=TMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete temporary files of ``path`` left by processes that no longer exist."""
    removed = []
    prefix = f".{path.name}."
    with contextlib.suppress(OSError):
        for entry in path.parent.iterdir():
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(TMP_SUFFIX)):
                continue
            pid_text = name[len(prefix) :].split(".", 1)[0]
            if pid_text.isdigit() and (int(pid_text) == os.getpid() or _pid_alive(int(pid_text))):
                continue
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def move_aside(path: Path, tag: str = "broken") -> Path:
    """Rename ``path`` to ``path.<tag>-YYYYmmdd-HHMMSS[-n]`` without overwriting anything."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    n = 0
    while True:
        target = path.with_name(f"{path.name}.{tag}-{stamp}" + (f"-{n}" if n else ""))
        try:
            os.link(path, target)  # fails if target exists: never overwrites
        except FileExistsError:
            n += 1
            continue
        os.unlink(path)
        # A hard link shares the old file's mode (maybe 0644 from an editor): the kept
        # copy can hold secrets, so it is made owner-only like everything Procdeck writes.
        os.chmod(target, 0o600)
        fsync_dir(path.parent)
        return target
