"""Profiles between the engine (store, launcher) and the window.

Store operations run in worker threads (file I/O) through the TaskSpawner; their results
come back as signals carrying core values only. Launcher updates (restart status, last
runs) are coalesced to ``STATUS_HZ``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from procdeck.bridge.coalescer import Coalescer
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.jobs import DispatchRequest, JobSpecError, request_from_profile
from procdeck.core.process_spec import SpecError
from procdeck.core.profile import Profile, WorkerJob
from procdeck.core.profile_run import ProfileRun
from procdeck.engine.profiles.codec import ProfileFileError
from procdeck.engine.profiles.env_files import group_env_file
from procdeck.engine.profiles.importers import ImportFailed, import_process_compose, import_procfile
from procdeck.engine.profiles.service import ProfilesService
from procdeck.engine.profiles.store import ConflictError, LoadState, StoreError, import_file, write_export

# What a store edit returns: the new state, alone or first in a tuple with more.
_Edited = TypeVar("_Edited", LoadState, tuple[LoadState, Profile, int], tuple[LoadState, list[str]])

log = logging.getLogger(__name__)
STATUS_HZ = 4


class ProfilesBridge(QObject):
    profilesChanged = Signal(list, bool)  # list[Profile], read_only
    problem = Signal(str, bool)  # message ("" when all is well), a backup can be restored
    deleted = Signal(object, int)  # Profile, former position (for undo)
    runsChanged = Signal(list, dict)  # list[ProfileRun], {name: list[RunSummary]} newest first
    launched = Signal(int)  # run id of a profile launched from the window
    message = Signal(str)  # informational, for the status bar
    failed = Signal(str)  # an action could not be done
    groupChanged = Signal(object)  # GroupLaunchState of the latest group launch

    def __init__(self, service: ProfilesService, spawner: TaskSpawner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._store = service.store
        self._launcher = service.launcher
        self._spawner = spawner
        self._opened = False
        self._pending_launches: list[Callable[[], object]] = []
        self._dispatch_job: Callable[[DispatchRequest], None] | None = None
        self._coalescer = Coalescer(self, self._flush_runs, 1000 // STATUS_HZ)
        self._unsubscribe_runs = self._launcher.subscribe(self._on_run)
        self._unsubscribe_group = self._launcher.on_group(self.groupChanged.emit)
        self._unsubscribe_file = service.on_external_change(self._on_external)

    # -- engine -> Qt -----------------------------------------------------------------

    def _emit_state(self, state: LoadState) -> None:
        self.profilesChanged.emit(list(state.profiles), state.read_only)
        self.problem.emit(state.message(), state.error is not None and state.backup_profiles is not None)

    def _on_external(self, state: LoadState) -> None:
        self._emit_state(state)
        self.message.emit(f"Profiles reloaded: {state.path} changed on disk.")

    def _on_run(self, _run: ProfileRun) -> None:
        self._coalescer.poke()

    def _flush_runs(self) -> None:
        runs = self._launcher.profile_runs()
        names = {p.name for p in self._store.state.profiles} | {r.profile for r in runs}
        self.runsChanged.emit(runs, {name: self._launcher.last_runs(name) for name in names})

    def flush_now(self) -> None:
        self._coalescer.flush_now()

    @property
    def state(self) -> LoadState:
        return self._store.state

    # -- Qt -> engine -----------------------------------------------------------------

    def open(self) -> None:
        """Load the file and start watching it (nothing is launched)."""
        self._spawner.spawn(self._open)

    async def _open(self) -> None:
        self._emit_state(await self._service.open())
        self._flush_runs()  # last runs from earlier sessions
        self._opened = True
        pending, self._pending_launches = self._pending_launches, []
        for launch in pending:
            launch()

    def launch_when_open(self, names: list[str], groups: list[str]) -> None:
        """Launch profiles and groups (``procdeck --launch`` / ``--launch-group``) once the
        file has been read: right away when it has, else as soon as it is."""
        launches: list[Callable[[], object]] = [functools.partial(self.launch, n) for n in names]
        launches += [functools.partial(self.launch_group, g) for g in groups]
        if self._opened:
            for launch in launches:
                launch()
        else:
            self._pending_launches.extend(launches)

    def reload(self) -> None:
        self._spawner.spawn(self._reload)

    async def _reload(self) -> None:
        self._emit_state(await self._store.aload())

    async def _edit(self, fn: Callable[..., _Edited], *args: object) -> _Edited | None:
        """Run one store edit. If the file changed on disk since it was read, reload it and
        apply the same edit (they are all by name) to the new version: neither the external
        edit nor the user's change is lost."""
        try:
            try:
                result = await self._store.arun(fn, *args)
            except ConflictError:
                state = await self._store.aload()
                self._emit_state(state)
                if state.error is not None or state.read_only:
                    raise
                result = await self._store.arun(fn, *args)
                self.message.emit(
                    "The profiles file had changed on disk; your change was applied to the new version."
                )
        except StoreError as exc:
            self.failed.emit(str(exc))
            return None
        self._emit_state(result[0] if isinstance(result, tuple) else result)
        return result

    def save(self, profile: Profile, replacing: str | None) -> None:
        self._spawner.spawn(self._save, profile, replacing)

    async def _save(self, profile: Profile, replacing: str | None) -> None:
        def upsert() -> LoadState:
            target = replacing
            if (
                target is not None
                and self._store.state.get(target) is None
                and self._store.state.get(profile.name) is None
            ):
                target = None  # deleted on disk meanwhile: keep the user's edit as a new profile
            return self._store.upsert(profile, replacing=target)

        if await self._edit(upsert) is not None:
            if replacing is not None and replacing != profile.name:
                self._launcher.rename_history(replacing, profile.name)
                self._flush_runs()
            self.message.emit(f"Saved profile {profile.name!r}.")

    def delete(self, name: str) -> None:
        self._spawner.spawn(self._delete, name)

    async def _delete(self, name: str) -> None:
        result = await self._edit(self._store.delete, name)
        if result is not None:
            _state, profile, index = result
            self.deleted.emit(profile, index)

    def restore(self, profile: Profile, index: int) -> None:
        self._spawner.spawn(self._edit, self._store.insert, profile, index)

    def restore_backup(self) -> None:
        self._spawner.spawn(self._restore_backup)

    async def _restore_backup(self) -> None:
        if await self._edit(self._store.restore_backup) is not None:
            self.message.emit("Profiles restored from the backup; the unreadable file was kept aside.")

    def import_path(self, path: str) -> None:
        self._spawner.spawn(self._import, Path(path))

    async def _import(self, path: Path) -> None:
        def read() -> tuple[list[Profile], list[str]]:
            name = path.name.lower()
            if name.endswith(".toml"):
                doc = import_file(path)
                return list(doc.profiles), list(doc.warnings)
            result = (
                import_process_compose(path) if name.endswith((".yaml", ".yml")) else import_procfile(path)
            )
            return result.profiles, result.skipped

        try:
            profiles, skipped = await self._store.arun(read)
        except (ProfileFileError, ImportFailed) as exc:
            self.failed.emit(str(exc))
            return
        except OSError as exc:
            self.failed.emit(f"{path}: {exc.strerror or exc}.")
            return
        result = await self._edit(lambda: self._store.add_many(profiles))
        if result is not None:
            _state, notes = result
            text = f"Imported {len(profiles)} profile(s) from {path.name}."
            if skipped or notes:
                text += " " + "; ".join([*(f"skipped {s}" for s in skipped), *notes])
            self.message.emit(text)

    def export(self, path: str, names: list[str]) -> None:
        self._spawner.spawn(self._export, Path(path), list(names))

    async def _export(self, path: Path, names: list[str]) -> None:
        chosen = [p for p in self._store.state.profiles if p.name in names]
        try:
            await self._store.arun(write_export, path, chosen)
        except OSError as exc:
            self.failed.emit(f"{path}: {exc.strerror or exc}.")
            return
        self.message.emit(f"Exported {len(chosen)} profile(s) to {path}.")

    def set_job_dispatcher(self, dispatch: Callable[[DispatchRequest], None]) -> None:
        """Where worker-job profiles go when launched (the Jobs panel's dispatch)."""
        self._dispatch_job = dispatch

    def launch(self, name: str) -> int | None:
        profile = self._store.state.get(name)
        if profile is None:
            self.failed.emit(f"There is no profile named {name!r}.")
            return None
        if profile.job is not None:
            self._launch_job(profile.name, profile.job)
            return None
        try:
            run_id = self._launcher.launch(
                profile, group_env_file=group_env_file(self._store.state.extra, profile.group)
            )
        except (SpecError, RuntimeError) as exc:
            self.failed.emit(str(exc))
            return None
        self.launched.emit(run_id)
        return run_id

    def _launch_job(self, name: str, job: WorkerJob) -> None:
        if self._dispatch_job is None:
            self.failed.emit(f"Profile {name!r} is a worker job, and there is no worker pool here.")
            return
        try:
            request = request_from_profile(
                job.target, job.args, job.map_inputs, job.timeout, job.memory_limit
            )
        except JobSpecError as exc:
            self.failed.emit(f"Profile {name!r}: {exc}")
            return
        self._dispatch_job(request)
        self.message.emit(f"Worker job profile {name!r} dispatched to the Jobs panel.")

    def launch_group(self, group: str) -> None:
        self._spawner.spawn(self._launch_group, group)

    async def _launch_group(self, group: str) -> None:
        profiles = {p.name: p for p in self._store.state.profiles}
        names = [p.name for p in self._store.state.profiles if p.group == group]
        if not names:
            self.failed.emit(f"No profiles in group {group!r}.")
            return
        result = await self._launcher.launch_group(
            profiles,
            names,
            lambda text: self.message.emit(f"Group {group!r}: {text}…"),
            group_env_file=group_env_file(self._store.state.extra, group),
        )
        for run_id in result.started.values():
            self.launched.emit(run_id)
        text = f"Group {group!r}: started {len(result.started)}."
        if result.skipped:
            text += " " + "; ".join(f"{name}: {why}" for name, why in result.skipped.items())
            self.failed.emit(text)
        else:
            self.message.emit(text)

    def profile_of_run(self, run_id: int) -> Profile | None:
        return self._launcher.profile_of(run_id)

    def cancel_restart(self, run_id: int) -> None:
        """The user stopped or killed a run: no automatic restart for it."""
        self._launcher.cancel_restart(run_id)

    def cancel_launches(self) -> None:
        """Cancel group launches still waiting for a start-after condition."""
        count = self._launcher.cancel_launches()
        self.message.emit("Waiting group launch cancelled." if count else "No group launch is waiting.")

    def restart_with_dependents(self, name: str) -> None:
        self._spawner.spawn(self._restart_with_dependents, name)

    async def _restart_with_dependents(self, name: str) -> None:
        profiles = {p.name: p for p in self._store.state.profiles}
        if name not in profiles:
            self.failed.emit(f"There is no profile named {name!r}.")
            return
        dependents = self._launcher.dependents_of(name, profiles)
        self.message.emit(f"Restarting {name!r}" + (f" and {', '.join(dependents)}…" if dependents else "…"))
        result = await self._launcher.restart_with_dependents(
            name, profiles, reason="restarted with dependents"
        )
        if result.skipped:
            self.failed.emit("; ".join(f"{n}: {why}" for n, why in result.skipped.items()))

    def close(self) -> None:
        self._unsubscribe_group()
        self._unsubscribe_runs()
        self._unsubscribe_file()
        self._coalescer.close()
