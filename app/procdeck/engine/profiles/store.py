"""The profiles file on disk: load without ever destroying data, save atomically.

Rules (profiles are user data):

- ``load()`` only reads. A file that does not parse or validate is reported (file, line,
  field) and left exactly where it is; the store then holds no profiles and refuses
  nothing, but the first save moves the broken file aside (``profiles.toml.broken-...``)
  instead of overwriting it. ``restore_backup()`` does the same and puts the backup back.
- Each save first copies the current file, if it is good, to ``profiles.toml.bak``
  (atomically), then replaces the file atomically. Both files are always complete.
- A file written by a newer Procdeck (higher ``schema``) opens read-only.
- A save refuses (ConflictError) when the file changed on disk since it was last read,
  so an external edit is never silently overwritten; reload and retry.
- The file and its backup are created owner-only (0600): env values may be secrets.

The synchronous methods do the file I/O; the ``a*`` methods run them in anyio's worker
threads so the event loop never blocks. ``watch()`` notices external edits (inotify via
watchfiles; size/mtime polling where that is unavailable).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from procdeck.core.profile import Profile, unique_name
from procdeck.engine.profiles import codec
from procdeck.engine.profiles.atomic import atomic_write, fsync_dir, move_aside, remove_stale_temps
from procdeck.engine.profiles.codec import ProfileFileError
from procdeck.engine.profiles.paths import PROFILES_FILE

_T = TypeVar("_T")

log = logging.getLogger(__name__)

Signature = tuple[int, int, int] | None


class StoreError(Exception):
    """A store operation that cannot be done; the message is for the user."""


class ReadOnlyError(StoreError):
    pass


class ConflictError(StoreError):
    pass


@dataclass(frozen=True)
class LoadState:
    """What the window and the CLI need to know after a load."""

    path: Path
    profiles: tuple[Profile, ...] = ()
    error: ProfileFileError | None = None  # the file exists but cannot be used
    read_only: bool = False  # newer schema: shown, never saved over
    warnings: tuple[str, ...] = ()
    backup_profiles: int | None = None  # profiles in a good backup, None if no good backup
    exists: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def get(self, name: str) -> Profile | None:
        return next((p for p in self.profiles if p.name == name), None)

    def message(self) -> str:
        """One paragraph for the user about anything unusual (empty when all is fine)."""
        parts = []
        if self.error is not None:
            parts.append(f"The profiles file cannot be used: {self.error}")
            parts.append("It is kept as it is; saving will move it aside, never overwrite it.")
            if self.backup_profiles is not None:
                parts.append(f"A good backup with {self.backup_profiles} profile(s) can be restored.")
        if self.read_only:
            parts.append(f"{self.path} was written by a newer Procdeck; it is open read-only.")
        parts.extend(self.warnings)
        return "\n".join(parts)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _decode(data: bytes, path: Path) -> str:
    if b"\0" in data:
        raise ProfileFileError(
            str(path),
            "is not a text file (contains NUL bytes).",
            line=data[: data.index(b"\0")].count(b"\n") + 1,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProfileFileError(
            str(path), "is not UTF-8 text (a binary or damaged file).", line=line
        ) from None


def parse_bytes(data: bytes, path: Path) -> codec.Document:
    return codec.loads(_decode(data, path), str(path))


def _signature(path: Path) -> Signature:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


# watchfiles: its thread looks at the stop event (and at changes) every WATCH_STEP_MS;
# 1 s costs ~0.004 CPU s per minute here, the default 50 ms ~0.05.
WATCH_STEP_MS = 1000
WATCH_DEBOUNCE_MS = 1600


class ProfileStore:
    """One profiles file (``<config_dir>/profiles.toml``) and its backup."""

    def __init__(self, config_dir: Path | str) -> None:
        self.config_dir = Path(config_dir)
        self.path = self.config_dir / PROFILES_FILE
        self.backup_path = self.path.with_name(PROFILES_FILE + ".bak")
        self._lock = threading.Lock()
        self._known_bytes: bytes | None = None  # what we last read or wrote
        self._known_sig: Signature = None
        self.state = LoadState(self.path)

    # -- reading ---------------------------------------------------------------------

    def load(self) -> LoadState:
        """Read the file (never writes anything) and remember what was read."""
        with self._lock:
            try:
                data = _read(self.path)
                sig = _signature(self.path)
            except OSError as exc:  # a folder in its place, no permission, I/O error
                error = ProfileFileError(str(self.path), f"cannot be read: {exc.strerror or exc}.")
                self.state = LoadState(
                    self.path, error=error, exists=True, backup_profiles=self._backup_count()
                )
                return self.state
            state = self._state_for(data)
            self._known_bytes, self._known_sig = data, sig
            self.state = state
        # Not logged here: callers show state.message() to the user once, in the window or
        # as the CLI's one-line error.
        return state

    def _state_for(self, data: bytes | None) -> LoadState:
        if data is None:
            return LoadState(self.path, backup_profiles=self._backup_count())
        try:
            doc = parse_bytes(data, self.path)
        except ProfileFileError as exc:
            return LoadState(self.path, error=exc, exists=True, backup_profiles=self._backup_count())
        return LoadState(
            self.path,
            profiles=doc.profiles,
            read_only=doc.newer,
            warnings=doc.warnings,
            exists=True,
            extra=dict(doc.extra),
            backup_profiles=None,
        )

    def _backup_count(self) -> int | None:
        try:
            data = _read(self.backup_path)
        except OSError:
            return None
        if data is None:
            return None
        try:
            return len(parse_bytes(data, self.backup_path).profiles)
        except ProfileFileError:
            return None

    def changed_on_disk(self) -> bool:
        return _signature(self.path) != self._known_sig

    # -- writing ---------------------------------------------------------------------

    def save(self, profiles: Sequence[Profile], *, force: bool = False) -> LoadState:
        """Write ``profiles`` as the whole file; see the module rules."""
        try:
            return self._save(profiles, force=force)
        except OSError as exc:
            where = exc.filename or self.path
            raise StoreError(f"Cannot save the profiles to {where}: {exc.strerror or exc}.") from None

    def _save(self, profiles: Sequence[Profile], *, force: bool) -> LoadState:
        profiles = tuple(profiles)
        names = [p.name for p in profiles]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise StoreError(f"Two profiles are named {dup!r}.")
        for profile in profiles:
            problems = profile.problems()
            if problems:
                raise StoreError(f"Profile {profile.name!r}: {problems[0]}")
        with self._lock:
            if self.state.read_only:
                raise ReadOnlyError(f"{self.path} was written by a newer Procdeck and is open read-only.")
            text = codec.dumps(profiles, extra=self.state.extra)
            data = text.encode("utf-8")
            self.config_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            remove_stale_temps(self.path)
            remove_stale_temps(self.backup_path)
            current = _read(self.path)
            if current is not None and current != self._known_bytes and not force:
                raise ConflictError(f"{self.path} was changed outside Procdeck; reload it before saving.")
            moved: Path | None = None
            if current is not None:
                if self._is_good(current):
                    if _read(self.backup_path) != current:
                        atomic_write(self.backup_path, current)
                else:
                    moved = move_aside(self.path)  # never overwrite a file we could not read
                    log.warning("Moved unreadable profiles file aside to %s", moved)
            atomic_write(self.path, data)
            self._known_bytes, self._known_sig = data, _signature(self.path)
            warnings = (f"The unreadable file was kept as {moved}.",) if moved else ()
            self.state = LoadState(
                self.path, profiles=profiles, exists=True, warnings=warnings, extra=self.state.extra
            )
            return self.state

    def _is_good(self, data: bytes) -> bool:
        """Whether ``data`` is a usable profiles file (no re-parse for what we last
        wrote or read successfully)."""
        if data == self._known_bytes and self.state.error is None:
            return True
        try:
            parse_bytes(data, self.path)
        except ProfileFileError:
            return False
        return True

    def restore_backup(self) -> LoadState:
        """Put the backup back as the profiles file; a broken file is moved aside first."""
        with self._lock:
            data = _read(self.backup_path)
            if data is None:
                raise StoreError("There is no backup to restore.")
            try:
                parse_bytes(data, self.backup_path)
            except ProfileFileError as exc:
                raise StoreError(f"The backup cannot be used either: {exc}") from None
            current = _read(self.path)
            if current is not None:
                try:
                    parse_bytes(current, self.path)
                except ProfileFileError:
                    move_aside(self.path)
                else:
                    move_aside(self.path, "replaced")
            atomic_write(self.path, data)
        return self.load()

    def move_broken_aside(self) -> Path | None:
        """Start afresh: move an unreadable file aside (keeping it) and hold no profiles."""
        with self._lock:
            if self.state.error is None or not self.path.exists():
                return None
            target = move_aside(self.path)
        self.load()
        return target

    # -- edits (each one saves) -------------------------------------------------------

    def upsert(self, profile: Profile, *, replacing: str | None = None) -> LoadState:
        """Add ``profile``, or replace the one named ``replacing`` (a rename keeps its place)."""
        current = list(self.state.profiles)
        target = replacing if replacing is not None else profile.name
        if profile.name != target and any(p.name == profile.name for p in current):
            raise StoreError(f"A profile named {profile.name!r} already exists.")
        for i, existing in enumerate(current):
            if existing.name == target:
                current[i] = profile
                break
        else:
            if replacing is not None:
                raise StoreError(f"There is no profile named {replacing!r} any more.")
            current.append(profile)
        return self.save(current)

    def delete(self, name: str) -> tuple[LoadState, Profile, int]:
        """Delete and return the profile and its position (for undo)."""
        current = list(self.state.profiles)
        for i, existing in enumerate(current):
            if existing.name == name:
                del current[i]
                return self.save(current), existing, i
        raise StoreError(f"There is no profile named {name!r}.")

    def insert(self, profile: Profile, index: int) -> LoadState:
        """Put a profile back at ``index`` (undo of delete)."""
        current = list(self.state.profiles)
        if any(p.name == profile.name for p in current):
            raise StoreError(f"A profile named {profile.name!r} already exists.")
        current.insert(max(0, min(index, len(current))), profile)
        return self.save(current)

    def add_many(self, profiles: Iterable[Profile], *, rename: bool = True) -> tuple[LoadState, list[str]]:
        """Add imported profiles; name clashes are renamed ``name (2)`` (or skipped)."""
        current = list(self.state.profiles)
        notes: list[str] = []
        taken = {p.name for p in current}
        for profile in profiles:
            if profile.name in taken:
                if not rename:
                    notes.append(f"{profile.name!r} already exists; skipped.")
                    continue
                new = unique_name(profile.name, taken)
                notes.append(f"{profile.name!r} already exists; imported as {new!r}.")
                profile = profile.with_changes(name=new)
            taken.add(profile.name)
            current.append(profile)
        return self.save(current), notes

    # -- async wrappers ---------------------------------------------------------------

    async def aload(self) -> LoadState:
        return await anyio.to_thread.run_sync(self.load)

    async def asave(self, profiles: Sequence[Profile], *, force: bool = False) -> LoadState:
        return await anyio.to_thread.run_sync(lambda: self.save(profiles, force=force))

    async def arun(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run any store method (upsert, delete, restore_backup...) off the loop."""
        return await anyio.to_thread.run_sync(lambda: fn(*args))

    async def watch(self, on_change: Callable[[LoadState], None], *, interval_s: float = 1.0) -> None:
        """Reload and call ``on_change`` on external edits of the file, until cancelled.

        The folder is watched with watchfiles (inotify on Linux): nothing wakes while
        nothing changes. Where that is not possible (no such folder yet, no watcher
        available) the file's size/mtime/inode is polled every ``interval_s`` instead.
        Either way a change only counts when the bytes differ from what we last read or
        wrote, so our own saves are never reported.
        """
        while not await self._watch_folder(on_change):
            await anyio.sleep(interval_s)
            await self._check(on_change)

    async def _check(self, on_change: Callable[[LoadState], None]) -> None:
        sig = await anyio.to_thread.run_sync(_signature, self.path)
        if sig == self._known_sig:
            return
        data = await anyio.to_thread.run_sync(_read, self.path)
        if data == self._known_bytes:
            self._known_sig = sig  # touched, not changed
            return
        state = await self.aload()
        on_change(state)

    async def _watch_folder(self, on_change: Callable[[LoadState], None]) -> bool:
        """Watch the folder until cancelled; False at once when it cannot be watched."""
        try:
            from watchfiles import awatch
        except ImportError:
            return False
        if not await anyio.to_thread.run_sync(self.config_dir.is_dir):
            return False
        name = self.path.name
        # The watcher's thread checks this event every `step` ms: it is how the watch ends
        # (cancelling alone would wait for a change that may never come).
        stop = anyio.Event()

        failed = False
        ended = anyio.Event()

        async def changes() -> None:
            nonlocal failed
            try:
                async for _changes in awatch(
                    self.config_dir,
                    watch_filter=lambda _change, path: os.path.basename(path) == name,
                    stop_event=stop,
                    recursive=False,
                    rust_timeout=0,
                    step=WATCH_STEP_MS,
                    debounce=WATCH_DEBOUNCE_MS,
                ):
                    await self._check(on_change)
            except (OSError, RuntimeError) as exc:  # e.g. the inotify watch limit: poll instead
                log.info("cannot watch %s (%s); polling it instead", self.config_dir, exc)
                failed = True
            finally:
                ended.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(changes)
            try:
                await ended.wait()  # until cancelled (or the watcher failed)
            finally:
                stop.set()
        return not failed


def export_text(profiles: Iterable[Profile]) -> str:
    """Profiles as a standalone TOML document (the same format as the store's file)."""
    return codec.dumps(profiles)


def import_file(path: Path) -> codec.Document:
    """Read profiles from an exported TOML file; raises ProfileFileError."""
    data = path.read_bytes()
    return parse_bytes(data, path)


def write_export(path: Path, profiles: Iterable[Profile]) -> None:
    """Write an export atomically (0600: it may hold secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, export_text(profiles).encode("utf-8"))
    with contextlib.suppress(OSError):
        fsync_dir(path.parent)
