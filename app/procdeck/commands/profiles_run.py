"""`procdeck run NAME` and `procdeck run --group NAME`: profiles, headless.

The same engine run as `procdeck run -- CMD`, with the profile's command, folder,
environment, stop signal and grace, and its restart policy. A group launch honours
"start after" conditions (started, healthy, exited successfully, exited), health probes
and blocking, and prefixes each line with the profile's name (as honcho and
process-compose do). A profile blocked by a failed dependency is reported on stderr with
the reason as soon as it is known. When the group cannot come up (something blocked or
could not start, or a profile with stop_group_on_failure failed), Procdeck lets the
started profiles that nothing waits on finish, then stops what started (dependents
first) and exits non-zero. The exit status is otherwise the last attempt's (128+N for
signal N, 127 when it could not start); for a group, the first failing profile's.
SIGINT/SIGTERM stop every run with its stop ladder and cancel pending restarts.
"""

from __future__ import annotations

import argparse
import signal
import sys
from functools import partial
from typing import BinaryIO

import anyio

from procdeck.commands.profiles import CommandError, open_store
from procdeck.commands.run import PassthroughOutput
from procdeck.core.group_graph import GroupLaunchState, NodeState
from procdeck.core.output import Stream
from procdeck.core.process_spec import ProcessSpec, SpecError
from procdeck.core.profile import Profile
from procdeck.core.profile_run import ProfileRun
from procdeck.core.run_state import RunState
from procdeck.engine.engine import Engine
from procdeck.engine.output.run_output import RunOutput
from procdeck.engine.profiles.env_files import group_env_file
from procdeck.engine.profiles.launcher import GroupResult

EXIT_CANNOT_START = 127
EXIT_PROBLEM = 1


class PrefixedOutput(PassthroughOutput):
    """Writes whole lines as ``name | line`` to our stdout/stderr (group runs)."""

    def __init__(self, prefix: str, out: BinaryIO, err: BinaryIO) -> None:
        super().__init__(out, err)
        self._prefix = prefix.encode("utf-8", "replace") + b" | "
        self._rest = {Stream.STDOUT: b"", Stream.STDERR: b""}

    def feed(self, stream: Stream, data: bytes) -> None:
        *lines, self._rest[stream] = (self._rest[stream] + data).split(b"\n")
        if lines:
            self._write(stream, b"".join(self._prefix + line + b"\n" for line in lines))

    def close_stream(self, stream: Stream) -> None:
        if self._rest[stream]:
            self._write(stream, self._prefix + self._rest[stream] + b"\n")
            self._rest[stream] = b""

    def marker(self, text: str) -> None:
        self._write(Stream.STDERR, self._prefix + f"-- {text} --\n".encode())


def handle_profiles(args: argparse.Namespace) -> int:
    """Entry from `procdeck run`: a profile name (args.command[0]) or --group."""
    try:
        _store, state = open_store(args)
        profiles = {p.name: p for p in state.profiles}
        if args.group:
            names = [p.name for p in state.profiles if p.group == args.group]
            if not names:
                raise CommandError(f"no profiles in group {args.group!r} in {state.path}.")
        else:
            name = args.command[0]
            if name not in profiles:
                raise CommandError(
                    f"no profile named {name!r} in {state.path}. To run a command, put -- before it: procdeck run -- {name}"
                )
            names = [name]
            problems = profiles[name].problems()
            if problems:
                raise CommandError(f"profile {name!r}: {problems[0]}")
    except CommandError as exc:
        print(f"procdeck: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    group = args.group or profiles[names[0]].group
    return anyio.run(
        partial(run_profiles_headless, group_env=group_env_file(state.extra, group)),
        profiles,
        names,
        bool(args.group),
    )


async def run_profiles_headless(
    profiles: dict[str, Profile], names: list[str], prefixed: bool, *, group_env: str | None = None
) -> int:
    out, err = sys.stdout.buffer, sys.stderr.buffer

    def output_for(_run_id: int, spec: ProcessSpec) -> RunOutput:
        if prefixed:
            return PrefixedOutput(spec.name or "?", out, err)
        from procdeck.commands.run import PassthroughOutput

        return PassthroughOutput(out, err)

    async with Engine(output_factory=output_for) as engine:
        launcher = engine.profiles.launcher
        result = GroupResult()
        reported: set[str] = set()
        group_failed = anyio.Event()
        cannot_come_up: list[str] = []

        def on_state(state: GroupLaunchState) -> None:
            for node in state.nodes:
                if node.state in (NodeState.BLOCKED, NodeState.CANCELLED) and node.name not in reported:
                    reported.add(node.name)
                    print(f"procdeck: {node.name}: {node.detail}", file=sys.stderr, flush=True)

        def on_run(run: ProfileRun) -> None:
            profile = profiles.get(run.profile)
            if profile is None or not profile.stop_group_on_failure or not run.finished:
                return
            summary = launcher.last_runs(run.profile)
            if summary and not summary[0].ok and not group_failed.is_set():
                cannot_come_up.append(f"{run.profile} failed ({summary[0].status}) and stops its group")
                group_failed.set()

        unsubscribe = launcher.subscribe(on_run)
        async with anyio.create_task_group() as tg:
            tg.start_soon(_stop_on_signal, engine, tg.cancel_scope)
            if prefixed:
                result = await launcher.launch_group(
                    profiles, names, on_state=on_state, group_env_file=group_env
                )
            else:
                try:
                    result.started[names[0]] = launcher.launch(profiles[names[0]], group_env_file=group_env)
                except SpecError as exc:
                    result.skipped[names[0]] = str(exc)
            for name, why in result.skipped.items():
                if name not in reported:
                    print(f"procdeck: {name}: {why}", file=sys.stderr, flush=True)
            if result.skipped:
                cannot_come_up.append("not started: " + ", ".join(result.skipped))
                group_failed.set()
            if prefixed and group_failed.is_set():
                # Let the started profiles nothing waits on finish their work first.
                leaves = [
                    n for n in result.started
                    if not any(d.profile == n for m in result.started for d in profiles[m].start_after)
                ]  # fmt: skip
                live_leaves = [n for n in leaves if not launcher.all_finished([result.started[n]])]
                print(
                    f"procdeck: the group cannot come up ({'; '.join(cannot_come_up)})"
                    + (
                        f"; stopping it once {', '.join(live_leaves)} finished"
                        if live_leaves
                        else "; stopping it"
                    ),
                    file=sys.stderr,
                    flush=True,
                )
                await launcher.wait_finished(result.started[n] for n in leaves)
                await launcher.stop_group(profiles, list(result.started))
            else:
                async with anyio.create_task_group() as waiters:

                    async def all_done() -> None:
                        await launcher.wait_finished(result.started.values())
                        waiters.cancel_scope.cancel()

                    async def failed() -> None:
                        await group_failed.wait()
                        print(f"procdeck: {'; '.join(cannot_come_up)}; stopping the group", file=sys.stderr)
                        await launcher.stop_group(profiles, list(result.started))
                        waiters.cancel_scope.cancel()

                    waiters.start_soon(all_done)
                    waiters.start_soon(failed)
            for run_id in result.started.values():
                with anyio.move_on_after(1.0):
                    await engine.processes.wait_output(run_id)
            tg.cancel_scope.cancel()
        unsubscribe()
        status = 0
        for name, run_id in result.started.items():
            info = engine.processes.info(run_id)
            run = launcher.run_of(run_id)
            if run and run.restart.gave_up:
                print(f"procdeck: {name}: {run.restart.gave_up}", file=sys.stderr)
            if info.state is RunState.FAILED_TO_START:
                print(f"procdeck: {name}: {info.error}", file=sys.stderr)
                status = status or EXIT_CANNOT_START
            elif info.outcome is not None and not info.outcome.ok:
                if group_failed.is_set() and info.stop_requested:
                    continue  # stopped because the group could not come up
                status = status or info.outcome.shell_status
        if (result.skipped or group_failed.is_set()) and not status:
            status = EXIT_PROBLEM
    return status


async def _stop_on_signal(engine: Engine, scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _signum in signals:
            launcher = engine.profiles.launcher
            for run in launcher.profile_runs():
                launcher.cancel_restart(run.run_id)
            async with anyio.create_task_group() as tg:
                for info in engine.processes.runs():
                    if info.state.is_live:
                        tg.start_soon(engine.processes.stop, info.run_id)
            return
