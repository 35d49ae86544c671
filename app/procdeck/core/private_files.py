"""Owner-only files and folders, whatever the umask.

Everything Procdeck writes can hold something private: a program's output (tokens
included), environment values in profiles, command lines in the log. Files are created
0600 and folders 0700; ``os.open``/``mkdir`` modes are masked by the umask, so the mode
is set again explicitly (``fchmod``/``chmod``) rather than trusted.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
_LOOSE_BITS = 0o077  # anything for group or others


def make_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and missing parents) 0700; an existing folder is left as it is."""
    folder = Path(path)
    missing: list[Path] = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            created.mkdir(mode=PRIVATE_DIR_MODE)
            os.chmod(created, PRIVATE_DIR_MODE)
    return folder


def tighten_dir(path: str | os.PathLike[str]) -> bool:
    """Make an existing folder of the current user 0700; True when its mode changed.

    Folders of another user, and the user's home folder itself, are left alone.
    """
    folder = Path(path)
    try:
        st = folder.stat()
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        return False
    with contextlib.suppress(OSError, RuntimeError):
        if folder.resolve() == Path.home().resolve():
            return False
    if stat.S_IMODE(st.st_mode) & _LOOSE_BITS == 0:
        return False
    try:
        os.chmod(folder, stat.S_IMODE(st.st_mode) & ~_LOOSE_BITS | PRIVATE_DIR_MODE)
    except OSError:
        return False
    return True


def ensure_private_dir(path: str | os.PathLike[str]) -> Path:
    """A folder of Procdeck's own: created 0700, or tightened to 0700 if it exists."""
    folder = make_private_dir(path)
    tighten_dir(folder)
    return folder


def private_opener(path: str, flags: int) -> int:
    """An ``opener=`` for :func:`open`: the file is created 0600 and made 0600 if it existed."""
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def make_private(path: str | os.PathLike[str]) -> None:
    """chmod 0600 a file Procdeck wrote (a hard-linked or renamed copy keeps its old mode)."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, PRIVATE_FILE_MODE)


def write_private_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temporary file + rename), 0600."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
