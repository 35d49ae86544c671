"""A launch profile: a named, saved way to launch something, and its validation.

A Profile is a plain frozen value. Building one never raises for bad content: the store
must be able to hold, show and report a broken profile without losing it. ``problems()``
lists what is wrong field by field, and ``to_spec()`` (which raises) turns a valid one
into the ProcessSpec the engine launches.

Secret environment values are masked in ``repr()`` so that logging a profile (or an
exception that carries one) never writes the secret.
"""

from __future__ import annotations

import enum
import math
import os
import re
import shlex
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from procdeck.core.probes import Probe, WatchSpec
from procdeck.core.process_spec import ProcessSpec, SpecError, StdinMode
from procdeck.core.restart_policy import RestartPolicy

MASK = "••••••"
# POSIX names are [A-Za-z_][A-Za-z0-9_]*; anything else can be set by exec but no shell
# can read it, so it is almost always a typo.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a profile: which field (dotted path) and why, for the user."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class EnvVar:
    """An environment override: set ``name`` to ``value``, or unset it when value is None."""

    name: str
    value: str | None
    secret: bool = False

    @property
    def unset(self) -> bool:
        return self.value is None

    def shown_value(self) -> str:
        """The value as the window may show it (secrets masked)."""
        if self.value is None:
            return "(unset)"
        return MASK if self.secret else self.value

    def __repr__(self) -> str:
        value = MASK if self.secret and self.value is not None else repr(self.value)
        return f"EnvVar({self.name!r}, {value}, secret={self.secret})"


class StartCondition(enum.Enum):
    STARTED = "started"  # the other profile's run has started (is running)
    HEALTHY = "healthy"  # its readiness probe passed (running, when it has no probe)
    SUCCEEDED = "succeeded"  # the other profile's run exited with status 0
    EXITED = "exited"  # the other profile's run exited, whatever its status

    @property
    def label(self) -> str:
        return {
            "started": "has started",
            "healthy": "is healthy",
            "succeeded": "exited successfully",
            "exited": "has exited",
        }[self.value]


@dataclass(frozen=True)
class StartAfter:
    """Start this profile only after ``profile`` met ``condition`` (group launches)."""

    profile: str
    condition: StartCondition = StartCondition.STARTED


@dataclass(frozen=True)
class WorkerJob:
    """A profile that dispatches a Python callable to the worker pool instead of a command.

    ``target`` is ``package.module:function``; ``args`` are passed as strings; when
    ``map_inputs`` is not empty the function is called once per input. ``timeout``
    (seconds) and ``memory_limit`` (bytes) bound each job it dispatches.
    """

    target: str
    args: tuple[str, ...] = ()
    map_inputs: tuple[str, ...] = ()
    timeout: float | None = None
    memory_limit: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "map_inputs", tuple(self.map_inputs))


def _freeze(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Profile:
    """A saved launch configuration.

    ``command`` is an argv tuple, or one shell string when ``shell`` is true; which one is
    always explicit. ``extra`` keeps fields this version does not know (a newer Procdeck,
    a hand edit), so that saving never drops them.
    """

    name: str
    command: str | tuple[str, ...] = ()
    shell: bool = False
    cwd: str | None = None
    env: tuple[EnvVar, ...] = ()
    stop_signal: str = "SIGTERM"
    grace_s: float = 5.0
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    group: str | None = None
    tags: tuple[str, ...] = ()
    start_after: tuple[StartAfter, ...] = ()
    notes: str = ""
    job: WorkerJob | None = None
    readiness: Probe | None = None
    liveness: Probe | None = None
    env_files: tuple[str, ...] = ()
    watch: WatchSpec | None = None
    disabled: bool = False  # left out of group launches
    stop_group_on_failure: bool = False  # a failed run (restarts given up) stops its group
    tty: bool = False  # run on a pseudo-terminal (a terminal view, keyboard input)
    stdin: str = "none"  # pipe-mode stdin: "none" (/dev/null) or "pipe" (input from the window)
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.command, list):
            object.__setattr__(self, "command", tuple(self.command))
        object.__setattr__(self, "env", tuple(self.env))
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "start_after", tuple(self.start_after))
        object.__setattr__(self, "env_files", tuple(self.env_files))
        object.__setattr__(self, "extra", _freeze(self.extra))
        if self.cwd == "":
            object.__setattr__(self, "cwd", None)
        if self.group == "":
            object.__setattr__(self, "group", None)

    # -- convenience -----------------------------------------------------------------

    def env_dict(self) -> dict[str, str | None]:
        """Overrides as the engine wants them: value, or None to unset."""
        return {var.name: var.value for var in self.env}

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset(var.name for var in self.env if var.secret)

    @property
    def argv(self) -> tuple[str, ...]:
        """The exact argv that will run (``/bin/sh -c LINE`` for a shell command)."""
        if self.shell:
            return ("/bin/sh", "-c", self.command if isinstance(self.command, str) else "")
        return tuple(self.command) if not isinstance(self.command, str) else ()

    def preview(self) -> str:
        """The exact command line that will run, quoted so it can be pasted into a shell."""
        if self.job is not None:
            return f"worker job {self.job.target}({', '.join(self.job.args)})"
        return shlex.join(self.argv)

    @property
    def command_text(self) -> str:
        """The command as the user typed it: the shell line, or the argv joined with quoting."""
        if isinstance(self.command, str):
            return self.command
        return shlex.join(self.command)

    def resolve_path(self, path: str) -> str:
        """``path`` with ~ expanded, relative to the profile's folder when relative."""
        path = os.path.expanduser(path)
        if not os.path.isabs(path) and self.cwd:
            path = os.path.join(os.path.expanduser(self.cwd), path)
        return path

    def with_changes(self, **changes: Any) -> Profile:
        return replace(self, **changes)

    def __repr__(self) -> str:
        # dataclass repr would include env values; EnvVar's own repr masks secrets.
        return (
            f"Profile(name={self.name!r}, command={self.command!r}, shell={self.shell}, cwd={self.cwd!r}, "
            f"env={self.env!r}, group={self.group!r})"
        )

    # -- validation ------------------------------------------------------------------

    def problems(self, *, check_paths: bool = False) -> list[Problem]:
        """Everything wrong with this profile, field by field (empty when valid).

        ``check_paths`` also checks that the working folder exists; the editor does, the
        loader does not (a folder on an unmounted disk must not make the file "broken").
        """
        out: list[Problem] = []
        if not isinstance(self.name, str) or not self.name.strip():
            out.append(Problem("name", "The name is empty."))
        elif self.name != self.name.strip() or any(ch in self.name for ch in "\n\r\0"):
            out.append(Problem("name", "The name cannot start or end with spaces or contain line breaks."))
        if self.stdin not in ("none", "pipe"):
            out.append(Problem("stdin", f'stdin must be "none" or "pipe", not {self.stdin!r}.'))
        if self.job is None:
            out.extend(self._command_problems())
        else:
            if not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", self.job.target or ""):
                out.append(Problem("job.target", "A worker job needs a target like package.module:function."))
        if self.cwd is not None:
            if not isinstance(self.cwd, str) or "\0" in self.cwd:
                out.append(Problem("cwd", "The working folder is not a valid path."))
            elif check_paths and not os.path.isdir(os.path.expanduser(self.cwd)):
                out.append(Problem("cwd", f"The working folder does not exist: {self.cwd}"))
        seen: set[str] = set()
        for index, var in enumerate(self.env):
            where = f"env.{var.name}" if var.name else f"env[{index}]"
            if not _ENV_NAME.match(var.name or ""):
                out.append(
                    Problem(
                        where, f"Invalid environment variable name: {var.name!r} (use letters, digits and _)."
                    )
                )
            elif var.name in seen:
                out.append(Problem(where, f"{var.name} is set twice."))
            seen.add(var.name)
            if var.value is not None and "\0" in var.value:
                out.append(Problem(where, f"The value of {var.name} contains a NUL character."))
        try:
            signal.Signals[self.stop_signal]
        except (KeyError, TypeError):
            out.append(
                Problem("stop_signal", f"Unknown stop signal: {self.stop_signal!r} (e.g. SIGTERM, SIGINT).")
            )
        if (
            not isinstance(self.grace_s, (int, float))
            or isinstance(self.grace_s, bool)
            or not math.isfinite(self.grace_s)
            or self.grace_s < 0
        ):
            out.append(Problem("grace_s", "The grace period must be a number of seconds, 0 or more."))
        out.extend(Problem(f, m) for f, m in self.restart.problems())
        for index, dep in enumerate(self.start_after):
            if not dep.profile:
                out.append(Problem(f"start_after[{index}]", "Start after needs a profile name."))
            elif dep.profile == self.name:
                out.append(Problem(f"start_after[{index}]", "A profile cannot start after itself."))
        for kind, probe in (("readiness", self.readiness), ("liveness", self.liveness)):
            if probe is not None:
                out.extend(Problem(f, m) for f, m in probe.problems(kind))
        for index, path in enumerate(self.env_files):
            if not isinstance(path, str) or not path.strip() or "\0" in path:
                out.append(Problem(f"env_files[{index}]", "An env file path is empty or invalid."))
            elif check_paths and not os.path.isfile(self.resolve_path(path)):
                out.append(Problem(f"env_files[{index}]", f"The env file does not exist: {path}"))
        if self.watch is not None:
            out.extend(Problem(f, m) for f, m in self.watch.problems())
        for tag in self.tags:
            if not tag.strip():
                out.append(Problem("tags", "Tags cannot be empty."))
                break
        return out

    def _command_problems(self) -> list[Problem]:
        if self.shell:
            if not isinstance(self.command, str):
                return [Problem("command", "A shell command must be one string.")]
            if not self.command.strip():
                return [Problem("command", "The command is empty.")]
            if "\0" in self.command:
                return [Problem("command", "The command contains a NUL character.")]
            try:
                shlex.split(self.command, comments=True)
            except ValueError as exc:  # sh would fail the same way on unbalanced quotes
                return [Problem("command", f"Unbalanced shell quoting: {exc}.")]
            return []
        if isinstance(self.command, str):
            return [Problem("command", "An argv command must be a list of arguments.")]
        if not self.command or not self.command[0]:
            return [Problem("command", "The command is empty.")]
        if any("\0" in part for part in self.command):
            return [Problem("command", "The command contains a NUL character.")]
        return []

    def to_spec(self) -> ProcessSpec:
        """The ProcessSpec to launch; raises SpecError naming the first problem."""
        problems = self.problems()
        if problems:
            raise SpecError(f"Profile {self.name!r}: {problems[0]}")
        if self.job is not None:
            raise SpecError(
                f"Profile {self.name!r} is a worker job, not a command: launch it from the "
                f"Profiles panel, or run it headless with `procdeck job {self.job.target} ...`."
            )
        cwd = os.path.expanduser(self.cwd) if self.cwd else None
        return ProcessSpec(
            self.command,
            shell=self.shell,
            cwd=cwd,
            env=self.env_dict(),
            name=self.name,
            stop_signal=int(signal.Signals[self.stop_signal]),
            grace_s=float(self.grace_s),
            secret_env=self.secret_names,
            tty=bool(self.tty),
            stdin=StdinMode(self.stdin),
        )


def profile_from_spec(spec: ProcessSpec, name: str) -> Profile:
    """A profile that launches ``spec`` again ("Save as profile" from a run)."""
    try:
        sig = signal.Signals(spec.stop_signal).name
    except ValueError:
        sig = "SIGTERM"
    return Profile(
        name=name,
        command=spec.command,
        shell=spec.shell,
        cwd=spec.cwd,
        env=tuple(EnvVar(k, v, secret=k in spec.secret_env) for k, v in spec.env.items()),
        stop_signal=sig,
        grace_s=spec.grace_s,
        tty=spec.tty,
        stdin=spec.stdin.value,
    )


def unique_name(base: str, taken: Iterable[str]) -> str:
    """``base``, or ``base (2)``, ``base (3)``... whichever is not taken."""
    names = set(taken)
    if base not in names:
        return base
    stem = re.sub(r" \(\d+\)\Z", "", base)
    n = 2
    while f"{stem} ({n})" in names:
        n += 1
    return f"{stem} ({n})"


def launch_order(selected: Iterable[str], profiles: Mapping[str, Profile]) -> tuple[list[str], list[Problem]]:
    """Names to launch for ``selected``, dependencies first (start_after, transitively).

    Returns the order and the problems (unknown dependency, cycle); on a cycle the
    profiles in it are left out and reported.
    """
    order: list[str] = []
    problems: list[Problem] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, path: tuple[str, ...]) -> bool:
        if state.get(name) == 2:
            return True
        if state.get(name) == 1:
            cycle = " -> ".join((*path[path.index(name) :], name))
            problems.append(Problem("start_after", f"Start-after cycle: {cycle}."))
            return False
        profile = profiles.get(name)
        if profile is None:
            problems.append(
                Problem("start_after", f"{path[-1] if path else name!r} waits for unknown profile {name!r}.")
            )
            return False
        state[name] = 1
        ok = True
        for dep in profile.start_after:
            ok = visit(dep.profile, (*path, name)) and ok
        state[name] = 2
        if ok:
            order.append(name)
        return ok

    for name in selected:
        visit(name, ())
    return order, problems
