"""Launching profiles: restart policies and "start after" ordering on top of ProcessManager.

The launcher watches the runs it launched. When one ends, ``restart_policy.decide`` says
whether and when to restart it; a pending restart is a task in the engine's task group
that sleeps the backoff and then calls ``ProcessManager.restart`` (same run id, so the
table keeps one row with a "restarted" marker). Stopping or removing the run cancels a
pending restart. A group launch starts dependencies first and waits for each
``start_after`` condition (started / exited successfully) before starting a profile.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import anyio
import anyio.abc

from procdeck.core.process_spec import SpecError
from procdeck.core.profile import Profile, StartCondition, launch_order
from procdeck.core.profile_run import ProfileRun, RunSummary
from procdeck.core.restart_policy import RestartStatus, decide
from procdeck.core.run_state import RunInfo, RunState
from procdeck.engine.listeners import Listeners
from procdeck.engine.process_manager import ProcessManager, UnknownRun

log = logging.getLogger(__name__)

HISTORY = 10


@dataclass(frozen=True)
class GroupResult:
    """What a group launch did: run ids by profile, and profiles it did not start (why)."""

    started: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class _Tracked:
    profile: Profile
    run_id: int
    restart_times: list[float] = field(default_factory=list)
    status: RestartStatus = RestartStatus()
    awaiting_exit: bool = True
    ever_started: bool = False
    pending: anyio.CancelScope | None = None
    finished: bool = False  # exited and no restart coming


Listener = Callable[[ProfileRun], None]


class ProfileLauncher:
    def __init__(
        self,
        processes: ProcessManager,
        task_group: anyio.abc.TaskGroup,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._processes = processes
        self._tg = task_group
        self._clock = clock
        self._runs: dict[int, _Tracked] = {}
        self._history: dict[str, deque[RunSummary]] = {}
        self._record_listeners = Listeners[[str, RunSummary]]()
        self._closed = False
        self._listeners = Listeners[[ProfileRun]]()
        self._changed = anyio.Event()
        self._unsubscribe = processes.subscribe(self._on_change, self._on_remove)

    # -- queries ----------------------------------------------------------------------

    def profile_runs(self) -> list[ProfileRun]:
        return [ProfileRun(t.profile.name, t.run_id, t.status, t.finished) for t in self._runs.values()]

    def run_of(self, run_id: int) -> ProfileRun | None:
        t = self._runs.get(run_id)
        return ProfileRun(t.profile.name, t.run_id, t.status, t.finished) if t else None

    def profile_of(self, run_id: int) -> Profile | None:
        """The profile a run was launched from (None for runs launched otherwise)."""
        t = self._runs.get(run_id)
        return t.profile if t else None

    def live_run(self, name: str) -> int | None:
        """The run id of a live (or about to restart) run of profile ``name``."""
        for t in self._runs.values():
            if t.profile.name == name and not t.finished:
                return t.run_id
        return None

    def last_runs(self, name: str) -> list[RunSummary]:
        """Most recent first."""
        return list(reversed(self._history.get(name, ())))

    def history(self) -> dict[str, list[RunSummary]]:
        """Every profile's last runs, oldest first (for saving)."""
        return {name: list(runs) for name, runs in self._history.items()}

    def seed_history(self, history: Mapping[str, Iterable[RunSummary]]) -> None:
        """Put runs from earlier sessions before this session's ones."""
        for name, runs in history.items():
            current = list(self._history.get(name, ()))
            self._history[name] = deque([*runs, *current], maxlen=HISTORY)

    def rename_history(self, old: str, new: str) -> None:
        """A renamed profile keeps its last runs."""
        if old != new and old in self._history:
            self._history[new] = deque([*self._history.pop(old), *self._history.get(new, ())], maxlen=HISTORY)

    def on_record(self, listener: Callable[[str, RunSummary], None]) -> Callable[[], None]:
        """Call ``listener(profile_name, summary)`` whenever a run of a profile ends."""
        return self._record_listeners.add(listener)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def all_finished(self, run_ids: Iterable[int]) -> bool:
        return all(self._runs[r].finished for r in run_ids if r in self._runs)

    async def wait_finished(self, run_ids: Iterable[int]) -> None:
        """Wait until every given run has ended with no restart pending."""
        ids = list(run_ids)
        while not self.all_finished(ids):
            await self._changed.wait()

    # -- commands ---------------------------------------------------------------------

    def launch(self, profile: Profile) -> int:
        """Launch one profile now (ignoring start_after); raises SpecError if invalid."""
        spec = profile.to_spec()
        run_id = self._processes.launch(spec)
        tracked = self._runs.get(run_id)
        if tracked is None:  # launch() publishes STARTING before we can register
            tracked = self._runs[run_id] = _Tracked(profile, run_id)
        tracked.profile = profile
        self._refresh(self._processes.info(run_id))
        return run_id

    def cancel_restart(self, run_id: int) -> None:
        """Forget a pending automatic restart (the user stopped the run)."""
        t = self._runs.get(run_id)
        if t and t.pending is not None:
            t.pending.cancel()
            t.pending = None
            t.status = dataclasses.replace(t.status, next_restart_at=None)
            t.finished = True
            self._notify(t)

    async def launch_group(
        self,
        profiles: Mapping[str, Profile],
        names: Iterable[str],
        on_progress: Callable[[str], None] | None = None,
    ) -> GroupResult:
        """Launch ``names`` (and what they start after), honouring start_after conditions.

        Returns once every profile was started or skipped; the runs keep going.
        ``on_progress`` hears what is being waited for ("web waits until db has started").
        """
        result = GroupResult()
        order, problems = launch_order(list(names), profiles)
        for problem in problems:
            result.skipped.setdefault(problem.field, problem.message)
        for name in order:
            profile = profiles[name]
            failed = None
            for dep in profile.start_after:
                run_id = result.started.get(dep.profile) or self.live_run(dep.profile)
                if run_id is None:
                    failed = f"{dep.profile!r} was not started"
                    break
                if on_progress is not None:
                    on_progress(f"{name} waits until {dep.profile} {dep.condition.label}")
                failed = await self._wait_condition(run_id, dep.profile, dep.condition)
                if failed:
                    break
            if failed:
                result.skipped[name] = f"not started: {failed}"
                continue
            existing = self.live_run(name)
            if existing is not None:
                result.started[name] = existing
                continue
            try:
                result.started[name] = self.launch(profile)
            except SpecError as exc:
                result.skipped[name] = str(exc)
        return result

    async def _wait_condition(self, run_id: int, name: str, condition: StartCondition) -> str | None:
        while True:
            t = self._runs.get(run_id)
            if t is None:
                return f"{name!r} was removed"
            try:
                info = self._processes.info(run_id)
            except UnknownRun:
                return f"{name!r} was removed"
            if condition is StartCondition.STARTED:
                if t.ever_started:
                    return None
                if t.finished:
                    return f"{name!r} failed to start"
            else:
                if (
                    info.state is RunState.EXITED
                    and info.outcome is not None
                    and info.outcome.ok
                    and not t.awaiting_exit
                ):
                    return None
                if t.finished:
                    return f"{name!r} did not exit successfully ({info.outcome.describe() if info.outcome else info.state.value})"
            await self._changed.wait()

    async def shutdown(self) -> None:
        """No automatic restart from now on; exits are still recorded until close()."""
        self._closed = True
        for t in self._runs.values():
            if t.pending is not None:
                t.pending.cancel()
                t.pending = None

    def close(self) -> None:
        self._unsubscribe()

    # -- internals --------------------------------------------------------------------

    def _on_change(self, info: RunInfo) -> None:
        self._refresh(info)

    def _on_remove(self, run_id: int) -> None:
        t = self._runs.pop(run_id, None)
        if t and t.pending is not None:
            t.pending.cancel()
        self._wake()

    def _refresh(self, info: RunInfo) -> None:
        t = self._runs.get(info.run_id)
        if t is None:
            return
        if info.state is RunState.STARTING:
            if t.pending is not None:  # restarted by hand while a restart was pending
                t.pending.cancel()
                t.pending = None
                t.status = dataclasses.replace(t.status, next_restart_at=None)
            t.awaiting_exit = True
            t.finished = False
        elif info.state is RunState.RUNNING:
            t.ever_started = True
        elif info.state in (RunState.EXITED, RunState.FAILED_TO_START) and t.awaiting_exit:
            t.awaiting_exit = False
            self._record(t.profile.name, info)
            self._decide(t, info)  # notifies
            return
        self._notify(t)

    def _record(self, name: str, info: RunInfo) -> None:
        if info.state is RunState.FAILED_TO_START:
            status, ok = f"failed to start: {info.error or ''}".strip(": "), False
        else:
            status = info.outcome.describe() if info.outcome else "?"
            ok = bool(info.outcome and info.outcome.ok)
        summary = RunSummary(info.run_id, info.started_at, info.duration(), status, ok)
        self._history.setdefault(name, deque(maxlen=HISTORY)).append(summary)
        self._record_listeners(name, summary)

    def _decide(self, t: _Tracked, info: RunInfo) -> None:
        now = self._clock()
        ok = info.state is RunState.EXITED and info.outcome is not None and info.outcome.ok
        decision = decide(
            t.profile.restart,
            ok=ok,
            stop_requested=info.stop_requested or self._closed,
            now=now,
            restart_times=t.restart_times,
        )
        if not decision.restart:
            gave_up = decision.reason if decision.reason.startswith("gave up") else None
            t.status = dataclasses.replace(t.status, next_restart_at=None, gave_up=gave_up)
            t.finished = True
            if gave_up:
                log.warning("Profile %r: %s", t.profile.name, gave_up)
            self._notify(t)
            return
        t.status = dataclasses.replace(t.status, next_restart_at=now + decision.delay_s, gave_up=None)
        scope = anyio.CancelScope()
        t.pending = scope
        self._tg.start_soon(
            self._restart_later, t, scope, decision.delay_s, name=f"procdeck restart {t.run_id}"
        )
        self._notify(t)

    async def _restart_later(self, t: _Tracked, scope: anyio.CancelScope, delay: float) -> None:
        with scope:
            await anyio.sleep(delay)
            if t.pending is not scope or t.run_id not in self._runs:
                return
            t.pending = None
            t.restart_times.append(self._clock())
            t.status = dataclasses.replace(t.status, restarts=t.status.restarts + 1, next_restart_at=None)
            self._notify(t)
            try:
                await self._processes.restart(t.run_id)
            except UnknownRun:
                return

    def _notify(self, t: _Tracked) -> None:
        snapshot = ProfileRun(t.profile.name, t.run_id, t.status, t.finished)
        self._listeners(snapshot)
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()
