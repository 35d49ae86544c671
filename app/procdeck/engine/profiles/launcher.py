"""Launching profiles: restart policies, health probes and the start-after graph.

The launcher watches the runs it launched. When one ends, ``restart_policy.decide`` says
whether and when to restart it; a pending restart is a task in the engine's task group
that sleeps the backoff and then calls ``ProcessManager.restart`` (same run id, so the
table keeps one row with a "restarted" marker). Stopping or removing the run cancels a
pending restart.

While an attempt runs, its readiness and liveness probes run in a task of the engine's
task group, cancelled when the attempt ends. A readiness verdict sets the run's health;
a readiness probe that fails its threshold before the run was ever healthy stops the run
(as process-compose does) and blocks what waits for it to be healthy. A liveness probe
that fails its threshold stops the run and lets its restart policy decide, saying why.

A group launch is a dependency graph: every profile waits, in its own task, for its
start-after conditions (started / healthy / exited successfully / exited) and starts as
soon as they hold, so independent branches start in parallel. A dependency that fails
blocks its dependents with the reason; a waiting launch can be cancelled. Stopping a
group stops dependents before what they depend on.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

import anyio
import anyio.abc

from procdeck.core.group_graph import GroupLaunchState, GroupNode, NodeState
from procdeck.core.probes import Health, Probe, ProbeKind
from procdeck.core.process_spec import ProcessSpec, SpecError
from procdeck.core.profile import Profile, StartAfter, StartCondition, launch_order
from procdeck.core.profile_run import ProfileRun, RunSummary
from procdeck.core.restart_policy import RestartStatus, decide
from procdeck.core.run_state import RunInfo, RunState
from procdeck.engine.probes.runner import LineMatcher, watch_probe
from procdeck.engine.process_manager import ProcessManager, UnknownRun
from procdeck.engine.profiles.env_files import EnvFileError, file_environment
from procdeck.engine.profiles.watch_restart import WatchError, watch_for_changes

log = logging.getLogger(__name__)

HISTORY = 10


@dataclass
class GroupResult:
    """What a group launch did: run ids by profile, and profiles it did not start (why)."""

    started: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False  # the launch was cancelled while something still waited

    @property
    def blocked(self) -> dict[str, str]:
        """Profiles a failed dependency kept from starting, and why."""
        return {name: why for name, why in self.skipped.items() if why.startswith("blocked:")}


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
    health: Health = Health.UNKNOWN
    health_detail: str = ""
    ever_healthy: bool = False  # this attempt
    readiness_failed: str | None = None  # this attempt never got healthy: why
    liveness_failed: str | None = None  # stopped by its liveness probe: restart by policy
    last_restart_reason: str = ""
    stopping_for_group: bool = False
    probe_scope: anyio.CancelScope | None = None
    watch_scope: anyio.CancelScope | None = None  # restart on file change, for the run's life


class _GroupLaunch:
    """The mutable side of one group launch; publishes GroupLaunchState values."""

    def __init__(
        self,
        launch_id: int,
        order: list[str],
        profiles: Mapping[str, Profile],
        t0: float,
        clock: Callable[[], float],
    ) -> None:
        self.launch_id = launch_id
        self.profiles = profiles
        self.t0 = t0
        self.clock = clock
        self.nodes = {n: GroupNode(n, edges=profiles[n].start_after) for n in order}
        self.done = {n: anyio.Event() for n in order}
        self.run_ids: dict[int, str] = {}
        self.scope = anyio.CancelScope()
        self.settled = False
        self.listeners: list[Callable[[GroupLaunchState], None]] = []

    def state(self) -> GroupLaunchState:
        return GroupLaunchState(
            self.launch_id, tuple(self.nodes.values()), self.settled, self.scope.cancel_called
        )

    def publish(self) -> None:
        snapshot = self.state()
        for listener in list(self.listeners):
            listener(snapshot)

    def update(self, name: str, state: NodeState, detail: str = "") -> None:
        node = self.nodes[name]
        if (node.state, node.detail) != (state, detail):
            self.nodes[name] = node.with_state(state, detail)
            self.publish()

    def attach(self, name: str, run_id: int) -> None:
        self.run_ids[run_id] = name
        self.nodes[name] = dataclasses.replace(
            self.nodes[name], run_id=run_id, started_after_s=round(self.clock() - self.t0, 3)
        )

    def follow(self, t: _Tracked, info: RunInfo) -> None:
        """Reflect the run's state in its node."""
        name = self.run_ids.get(t.run_id)
        if name is None:
            return
        node = self.nodes[name]
        if info.state is RunState.STARTING:
            state, detail = NodeState.STARTING, "starting"
        elif info.state in (RunState.RUNNING, RunState.STOPPING):
            if t.health is Health.HEALTHY:
                state, detail = NodeState.HEALTHY, t.health_detail
            elif t.health is Health.UNHEALTHY:
                state, detail = NodeState.UNHEALTHY, t.health_detail
            else:
                waiting = t.profile.readiness is not None
                state, detail = NodeState.RUNNING, "waiting for its readiness probe" if waiting else "running"
        else:
            outcome = _outcome(info)
            state = NodeState.UNHEALTHY if t.readiness_failed else NodeState.EXITED
            detail = (
                f"failed its readiness probe: {t.readiness_failed}"
                if t.readiness_failed
                else f"exited ({outcome})"
            )
        ready = t.health is Health.HEALTHY or (t.profile.readiness is None and info.state is RunState.RUNNING)
        healthy_after = node.healthy_after_s
        if ready and healthy_after is None:
            healthy_after = round(self.clock() - self.t0, 3)
        if (node.state, node.detail, node.healthy_after_s) != (state, detail, healthy_after):
            self.nodes[name] = dataclasses.replace(
                node, state=state, detail=detail, healthy_after_s=healthy_after
            )
            self.publish()


Listener = Callable[[ProfileRun], None]


def _outcome(info: RunInfo) -> str:
    """How a run ended, for a sentence: "exit status 3", "ended by SIGTERM"."""
    if info.outcome is None:
        return info.error or info.state.value
    text = info.outcome.describe()
    return f"exit status {text}" if text.lstrip("-").isdigit() else f"ended by {text}"


def _snapshot(t: _Tracked) -> ProfileRun:
    return ProfileRun(
        t.profile.name, t.run_id, t.status, t.finished, t.health, t.health_detail, t.last_restart_reason
    )


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
        self._record_listeners: list[Callable[[str, RunSummary], None]] = []
        self._closed = False
        self._listeners: list[Listener] = []
        self._changed = anyio.Event()
        self._launches: list[_GroupLaunch] = []
        self._launch_ids = itertools.count(1)
        self._group_listeners: list[Callable[[GroupLaunchState], None]] = []
        self._last_launch: GroupLaunchState | None = None
        self._unsubscribe = processes.subscribe(self._on_change, self._on_remove)

    # -- queries ----------------------------------------------------------------------

    def profile_runs(self) -> list[ProfileRun]:
        return [_snapshot(t) for t in self._runs.values()]

    def run_of(self, run_id: int) -> ProfileRun | None:
        t = self._runs.get(run_id)
        return _snapshot(t) if t else None

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

    def _finished_run(self, name: str) -> int | None:
        """The most recent ended run of profile ``name`` (for restarting in place)."""
        ended = [t.run_id for t in self._runs.values() if t.profile.name == name and t.finished]
        return max(ended) if ended else None

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
        self._record_listeners.append(listener)
        return lambda: self._record_listeners.remove(listener) if listener in self._record_listeners else None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def all_finished(self, run_ids: Iterable[int]) -> bool:
        return all(self._runs[r].finished for r in run_ids if r in self._runs)

    async def wait_finished(self, run_ids: Iterable[int]) -> None:
        """Wait until every given run has ended with no restart pending."""
        ids = list(run_ids)
        while not self.all_finished(ids):
            await self._changed.wait()

    # -- commands ---------------------------------------------------------------------

    def launch(
        self,
        profile: Profile,
        *,
        file_env: Mapping[str, str] | None = None,
        group_env_file: str | None = None,
    ) -> int:
        """Launch one profile now (ignoring start_after); raises SpecError if invalid.

        ``file_env`` is what the profile's env files set, when the caller read them already
        (off the loop); otherwise they are read here (env files are small).
        """
        spec = self.spec_for(profile, file_env=file_env, group_env_file=group_env_file)
        run_id = self._processes.launch(spec)
        tracked = self._runs.get(run_id)
        if tracked is None:  # launch() publishes STARTING before we can register
            tracked = self._runs[run_id] = _Tracked(profile, run_id)
        tracked.profile = profile
        self._refresh(self._processes.info(run_id))
        if profile.watch is not None and tracked.watch_scope is None:
            tracked.watch_scope = anyio.CancelScope()
            self._tg.start_soon(self._watch, tracked, tracked.watch_scope, name=f"procdeck watch {run_id}")
        return run_id

    async def _watch(self, t: _Tracked, scope: anyio.CancelScope) -> None:
        """Restart ``t``'s run (and, if asked, its dependents) when its watched files change."""
        watch = t.profile.watch
        assert watch is not None

        async def changed(reason: str) -> None:
            if t.finished or t.run_id not in self._runs:
                return  # stopped on purpose: a save does not bring it back
            self._processes.output(t.run_id).marker(f"restarting: {reason}")
            if watch.restart_dependents:
                await self.restart_with_dependents(t.profile.name, reason=reason)
            else:
                await self.restart_for(t.run_id, reason)

        with scope:
            try:
                await watch_for_changes(watch, t.profile.cwd, changed)
            except WatchError as exc:
                t.last_restart_reason = f"not watching: {exc}"
                self._processes.output(t.run_id).marker(f"not watching files: {exc}")
                self._notify(t)

    @staticmethod
    def spec_for(
        profile: Profile, *, file_env: Mapping[str, str] | None = None, group_env_file: str | None = None
    ) -> ProcessSpec:
        """The spec to launch: the profile's, with its env files below its own overrides."""
        spec = profile.to_spec()
        if file_env is None and (profile.env_files or group_env_file):
            try:
                file_env = file_environment(profile, group_env_file)
            except EnvFileError as exc:
                raise SpecError(f"Profile {profile.name!r}: {exc}") from None
        if file_env:
            spec = dataclasses.replace(spec, env={**file_env, **spec.env})
        return spec

    async def load_file_env(self, profile: Profile, group_env_file: str | None = None) -> dict[str, str]:
        """The profile's env files, read in a worker thread; raises SpecError naming the file."""
        if not profile.env_files and not group_env_file:
            return {}
        try:
            return await anyio.to_thread.run_sync(file_environment, profile, group_env_file)
        except EnvFileError as exc:
            raise SpecError(f"Profile {profile.name!r}: {exc}") from None

    def cancel_restart(self, run_id: int) -> None:
        """Forget a pending automatic restart (the user stopped the run)."""
        t = self._runs.get(run_id)
        if t and t.pending is not None:
            t.pending.cancel()
            t.pending = None
            t.status = dataclasses.replace(t.status, next_restart_at=None)
            t.finished = True
            self._notify(t)

    def cancel_launches(self) -> int:
        """Cancel every group launch that is still waiting; returns how many were."""
        waiting = [g for g in self._launches if not g.settled]
        for g in waiting:
            g.scope.cancel()
        return len(waiting)

    def on_group(self, listener: Callable[[GroupLaunchState], None]) -> Callable[[], None]:
        """Call ``listener(state)`` whenever a node of a group launch changes."""
        self._group_listeners.append(listener)
        return lambda: self._group_listeners.remove(listener) if listener in self._group_listeners else None

    @property
    def last_group_launch(self) -> GroupLaunchState | None:
        return self._last_launch

    async def launch_group(
        self,
        profiles: Mapping[str, Profile],
        names: Iterable[str],
        on_progress: Callable[[str], None] | None = None,
        *,
        on_state: Callable[[GroupLaunchState], None] | None = None,
        group_env_file: str | None = None,
        reuse_runs: bool = False,
    ) -> GroupResult:
        """Launch ``names`` (and what they start after) as a dependency graph.

        Returns once every profile was started, blocked or cancelled; the runs keep going.
        ``on_progress`` hears what is being waited for ("web waits until db is healthy");
        ``on_state`` gets every new state of the graph. With ``reuse_runs`` a profile whose
        last run has ended is restarted in that run instead of a new one.
        """
        result = GroupResult()
        order, problems = launch_order(list(names), profiles)
        for problem in problems:
            result.skipped.setdefault(problem.field, problem.message)
        g = _GroupLaunch(next(self._launch_ids), order, profiles, self._clock(), self._clock)
        g.listeners = [*([on_state] if on_state else []), self._publish_group]
        self._launches.append(g)
        self._last_launch = g.state()
        try:
            async with anyio.create_task_group() as tg:
                g.scope = tg.cancel_scope
                for name in order:
                    tg.start_soon(self._launch_node, g, name, result, on_progress, group_env_file, reuse_runs)
            if g.scope.cancel_called:
                result.cancelled = True
                for name in order:
                    node = g.nodes[name]
                    if not node.state.settled:
                        g.update(name, NodeState.CANCELLED, "cancelled while waiting")
                        result.skipped[name] = "not started: the launch was cancelled while it waited"
        finally:
            g.settled = True
            g.publish()
            # Keep following the latest launches (the graph view shows run states after start).
            self._launches = [x for x in self._launches if not x.settled or x is g]
        return result

    async def _launch_node(
        self,
        g: _GroupLaunch,
        name: str,
        result: GroupResult,
        on_progress: Callable[[str], None] | None,
        group_env_file: str | None,
        reuse_runs: bool,
    ) -> None:
        profile = g.profiles[name]
        try:
            if profile.disabled:
                g.update(name, NodeState.DISABLED, "disabled")
                result.skipped[name] = "not started: the profile is disabled"
                return
            failure = await self._wait_dependencies(g, name, profile, result, on_progress)
            if failure:
                g.update(name, NodeState.BLOCKED, f"blocked: {failure}")
                result.skipped[name] = f"blocked: {failure}"
                return
            existing = self.live_run(name)
            if existing is not None:
                result.started[name] = existing
                g.attach(name, existing)
                self._refresh_nodes(self._runs[existing])
                return
            g.update(name, NodeState.STARTING, "starting")
            try:
                file_env = await self.load_file_env(profile, group_env_file)
                previous = self._finished_run(name) if reuse_runs else None
                if previous is not None:
                    t = self._runs[previous]
                    t.profile = profile
                    g.attach(name, previous)
                    await self._processes.restart(previous)
                    run_id = previous
                else:
                    run_id = self.launch(profile, file_env=file_env)
                    g.attach(name, run_id)
            except (SpecError, RuntimeError, UnknownRun) as exc:
                g.update(name, NodeState.BLOCKED, f"could not start: {exc}")
                result.skipped[name] = str(exc)
                return
            result.started[name] = run_id
            self._refresh_nodes(self._runs[run_id])
        finally:
            g.done[name].set()

    async def _wait_dependencies(
        self,
        g: _GroupLaunch,
        name: str,
        profile: Profile,
        result: GroupResult,
        on_progress: Callable[[str], None] | None,
    ) -> str | None:
        if not profile.start_after:
            return None
        waits = ", ".join(f"{dep.profile} {dep.condition.label}" for dep in profile.start_after)
        g.update(name, NodeState.WAITING, f"waits until {waits}")
        failures: list[str] = []
        async with anyio.create_task_group() as tg:

            async def one(dep: StartAfter) -> None:
                if on_progress is not None:
                    on_progress(f"{name} waits until {dep.profile} {dep.condition.label}")
                why = await self._wait_dependency(g, dep, result)
                if why:
                    failures.append(f"waits on {dep.profile}, which {why}")
                    tg.cancel_scope.cancel()

            for dep in profile.start_after:
                tg.start_soon(one, dep)
        return failures[0] if failures else None

    async def _wait_dependency(self, g: _GroupLaunch, dep: StartAfter, result: GroupResult) -> str | None:
        if dep.profile in g.done:
            await g.done[dep.profile].wait()
            run_id = result.started.get(dep.profile)
            if run_id is None:
                node = g.nodes[dep.profile]
                if node.state is NodeState.DISABLED:
                    return "is disabled"
                if node.state is NodeState.CANCELLED:
                    return "was cancelled"
                return f"is {node.detail}" if node.detail.startswith("blocked") else f"{node.detail}"
        else:
            run_id = self.live_run(dep.profile)
            if run_id is None:
                return "is not running"
        return await self._wait_condition(run_id, dep.profile, dep.condition)

    async def _wait_condition(self, run_id: int, name: str, condition: StartCondition) -> str | None:
        """None once ``condition`` holds for the run; else why it never will ("failed its ...")."""
        while True:
            t = self._runs.get(run_id)
            if t is None:
                return "was removed"
            try:
                info = self._processes.info(run_id)
            except UnknownRun:
                return "was removed"
            gave_up = f" and {t.status.gave_up}" if t.status.gave_up else ""
            ended = info.state in (RunState.EXITED, RunState.FAILED_TO_START) and not t.awaiting_exit
            outcome = _outcome(info)
            if condition is StartCondition.STARTED:
                if t.ever_started:
                    return None
                if t.finished:
                    return f"failed to start ({info.error or outcome})"
            elif condition is StartCondition.HEALTHY:
                if t.health is Health.HEALTHY or (t.profile.readiness is None and t.ever_started):
                    return None
                if t.readiness_failed:
                    return f"failed its readiness probe ({t.readiness_failed})"
                if t.finished:
                    return f"exited before it was healthy ({outcome}{gave_up})"
            elif condition is StartCondition.SUCCEEDED:
                if ended and info.outcome is not None and info.outcome.ok:
                    return None
                if t.finished:
                    return f"did not exit successfully ({outcome}{gave_up})"
            else:  # EXITED, whatever the status
                if ended and t.finished:
                    return None
            await self._changed.wait()

    async def stop_group(self, profiles: Mapping[str, Profile], names: Iterable[str]) -> None:
        """Stop the live runs of ``names``, each only after what starts after it has stopped."""
        wanted = set(names)
        order, _problems = launch_order(sorted(wanted), profiles)
        members = [n for n in order if n in wanted]
        dependents = {
            n: [m for m in members if any(d.profile == n for d in profiles[m].start_after)] for n in members
        }
        done = {n: anyio.Event() for n in members}

        async def stop_one(name: str) -> None:
            try:
                for dependent in dependents[name]:
                    await done[dependent].wait()
                for t in list(self._runs.values()):
                    if t.profile.name == name and not t.finished:
                        self.cancel_restart(t.run_id)
                        t.stopping_for_group = True
                        try:
                            await self._processes.stop(t.run_id)
                        except UnknownRun:
                            pass
            finally:
                done[name].set()

        async with anyio.create_task_group() as tg:
            for name in members:
                tg.start_soon(stop_one, name)

    def dependents_of(self, name: str, profiles: Mapping[str, Profile] | None = None) -> list[str]:
        """Profiles that start after ``name``, transitively (of ``profiles``, or of launched runs)."""
        if profiles is None:
            profiles = {t.profile.name: t.profile for t in self._runs.values()}
        found: list[str] = []
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for other in profiles.values():
                if other.name not in found and other.name != name:
                    if any(d.profile == current for d in other.start_after):
                        found.append(other.name)
                        frontier.append(other.name)
        return found

    async def restart_with_dependents(
        self, name: str, profiles: Mapping[str, Profile] | None = None, *, reason: str = ""
    ) -> GroupResult:
        """Stop ``name`` and what starts after it (dependents first), then bring them back up
        through the graph (each in its last run, so the table keeps one row per profile)."""
        if profiles is None:
            profiles = {t.profile.name: t.profile for t in self._runs.values()}
        members = [name, *self.dependents_of(name, profiles)]
        members = [m for m in members if m in profiles]
        for t in self._runs.values():
            if t.profile.name in members and reason:
                t.last_restart_reason = reason
        await self.stop_group(profiles, members)
        return await self.launch_group(profiles, members, reuse_runs=True)

    async def restart_for(self, run_id: int, reason: str) -> None:
        """Restart one run now, remembering why (shown in its details)."""
        t = self._runs.get(run_id)
        if t is None:
            return
        t.last_restart_reason = reason
        self.cancel_restart(run_id)
        self._notify(t)
        try:
            await self._processes.restart(run_id)
        except UnknownRun:
            pass

    async def shutdown(self) -> None:
        """No automatic restart from now on; exits are still recorded until close()."""
        self._closed = True
        self.cancel_launches()
        for t in self._runs.values():
            if t.watch_scope is not None:
                t.watch_scope.cancel()
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
        if t and t.watch_scope is not None:
            t.watch_scope.cancel()
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
            t.health, t.health_detail, t.ever_healthy = Health.UNKNOWN, "", False
            t.readiness_failed = None
            t.stopping_for_group = False
        elif info.state is RunState.RUNNING:
            t.ever_started = True
            if t.probe_scope is None and (t.profile.readiness or t.profile.liveness):
                self._start_probes(t, info)
        elif info.state in (RunState.EXITED, RunState.FAILED_TO_START):
            if t.probe_scope is not None:
                t.probe_scope.cancel()
                t.probe_scope = None
            if t.health is not Health.UNKNOWN:
                t.health, t.health_detail = Health.UNKNOWN, "not running"
            if t.awaiting_exit:
                t.awaiting_exit = False
                self._record(t.profile.name, info)
                self._decide(t, info)  # notifies
                return
        self._notify(t)

    def _start_probes(self, t: _Tracked, info: RunInfo) -> None:
        scope = anyio.CancelScope()
        t.probe_scope = scope
        probes: list[tuple[str, Probe, LineMatcher | None]] = []
        untaps: list[Callable[[], None]] = []
        for role, probe in (("readiness", t.profile.readiness), ("liveness", t.profile.liveness)):
            if probe is None:
                continue
            matcher = None
            if probe.kind is ProbeKind.LOG_LINE:
                matcher = LineMatcher(probe.pattern, probe.streams)
                untaps.append(self._processes.tap_output(t.run_id, matcher.feed))
            probes.append((role, probe, matcher))
        self._tg.start_soon(
            self._run_probes, t, scope, info.spec, probes, untaps, name=f"procdeck probes {t.run_id}"
        )

    async def _run_probes(
        self,
        t: _Tracked,
        scope: anyio.CancelScope,
        spec: ProcessSpec,
        probes: list[tuple[str, Probe, LineMatcher | None]],
        untaps: list[Callable[[], None]],
    ) -> None:
        try:
            with scope:
                async with anyio.create_task_group() as tg:
                    for role, probe, matcher in probes:
                        report = partial(self._verdict, t, scope, role)
                        tg.start_soon(
                            partial(watch_probe, probe, report, cwd=spec.cwd, env=spec.env, lines=matcher)
                        )
        finally:
            for untap in untaps:
                untap()

    def _verdict(self, t: _Tracked, scope: anyio.CancelScope, role: str, health: Health, detail: str) -> None:
        if t.probe_scope is not scope or t.run_id not in self._runs:
            return  # a verdict about an attempt that has ended
        output = self._processes.output(t.run_id)
        if role == "readiness":
            t.health, t.health_detail = health, detail
            if health is Health.HEALTHY:
                t.ever_healthy = True
                output.marker("healthy")
            elif not t.ever_healthy:
                t.readiness_failed = detail
                output.marker(f"failed its readiness probe: {detail}; stopping it")
                self._tg.start_soon(self._stop_quietly, t.run_id)
            else:
                output.marker(f"unhealthy: {detail}")
        elif health is Health.UNHEALTHY:
            t.liveness_failed = detail
            output.marker(f"liveness probe: {detail}; restarting by its restart policy")
            self._tg.start_soon(self._stop_quietly, t.run_id)
        self._notify(t)

    async def _stop_quietly(self, run_id: int) -> None:
        try:
            await self._processes.stop(run_id)
        except UnknownRun:
            pass

    def _record(self, name: str, info: RunInfo) -> None:
        if info.state is RunState.FAILED_TO_START:
            status, ok = f"failed to start: {info.error or ''}".strip(": "), False
        else:
            status = info.outcome.describe() if info.outcome else "?"
            ok = bool(info.outcome and info.outcome.ok)
        summary = RunSummary(info.run_id, info.started_at, info.duration(), status, ok)
        self._history.setdefault(name, deque(maxlen=HISTORY)).append(summary)
        for listener in list(self._record_listeners):
            listener(name, summary)

    def _decide(self, t: _Tracked, info: RunInfo) -> None:
        now = self._clock()
        ok = info.state is RunState.EXITED and info.outcome is not None and info.outcome.ok
        liveness, t.liveness_failed = t.liveness_failed, None
        if liveness:
            ok = False
            t.last_restart_reason = f"liveness probe: {liveness}"
        decision = decide(
            t.profile.restart,
            ok=ok,
            stop_requested=(info.stop_requested and not liveness) or self._closed or t.stopping_for_group,
            now=now,
            restart_times=t.restart_times,
        )
        if not decision.restart:
            gave_up = decision.reason if decision.reason.startswith("gave up") else None
            if liveness and not self._closed:
                gave_up = f"liveness probe failed; not restarted ({decision.reason})"
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
        snapshot = _snapshot(t)
        for listener in list(self._listeners):
            listener(snapshot)
        self._refresh_nodes(t)
        self._wake()

    def _refresh_nodes(self, t: _Tracked) -> None:
        try:
            info = self._processes.info(t.run_id)
        except UnknownRun:
            return
        for g in self._launches:
            g.follow(t, info)

    def _publish_group(self, state: GroupLaunchState) -> None:
        if self._launches and state.launch_id == self._launches[-1].launch_id:
            self._last_launch = state
            for listener in list(self._group_listeners):
                listener(state)

    def _wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()
