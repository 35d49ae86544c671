"""What to launch: a command, how to split it, where and with which environment."""

from __future__ import annotations

import enum
import shlex
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


class SpecError(ValueError):
    """A launch request that cannot be run as given; the message is for the user."""


class LaunchMode(enum.Enum):
    STREAM = "stream"  # long-running: stdout/stderr streamed line by line
    CAPTURE = "capture"  # one-shot: run to completion, show output, exit code and duration


def _frozen_env(env: Mapping[str, str | None] | None) -> Mapping[str, str | None]:
    return MappingProxyType(dict(env or {}))


@dataclass(frozen=True, eq=True)
class ProcessSpec:
    """A command to launch.

    ``command`` is one shell string when ``shell`` is true (``sh -c`` semantics), else an
    argv tuple. ``env`` holds overrides on top of the inherited environment: a value of
    ``None`` unsets the variable.
    """

    command: str | tuple[str, ...]
    shell: bool = False
    cwd: str | None = None
    env: Mapping[str, str | None] = field(default_factory=dict, hash=False)
    name: str | None = None
    stop_signal: int = int(signal.SIGTERM)
    grace_s: float = 5.0
    mode: LaunchMode = LaunchMode.STREAM
    encoding: str = "utf-8"
    unbuffered: bool = True  # PYTHONUNBUFFERED=1 unless env sets it, so Python children stream

    def __post_init__(self) -> None:
        if isinstance(self.command, list):
            object.__setattr__(self, "command", tuple(self.command))
        object.__setattr__(self, "env", _frozen_env(self.env))
        problem = self.problem()
        if problem:
            raise SpecError(problem)

    def problem(self) -> str | None:
        """The first thing wrong with this spec, as a sentence for the user, or None."""
        if self.shell:
            if not isinstance(self.command, str):
                return "A shell command must be one string."
            if not self.command.strip():
                return "The command is empty."
        else:
            if isinstance(self.command, str) or not self.command:
                return "The command is empty." if not self.command else "An argv command must be a list."
            if not self.command[0]:
                return "The command is empty."
            if any("\0" in part for part in self.command):
                return "The command contains a NUL character."
        for key in self.env:
            if not key or "=" in key or "\0" in key:
                return f"Invalid environment variable name: {key!r}."
        if self.grace_s < 0:
            return "The grace period cannot be negative."
        try:
            signal.Signals(self.stop_signal)
        except ValueError:
            return f"Unknown stop signal: {self.stop_signal}."
        return None

    @property
    def argv(self) -> tuple[str, ...]:
        """The argv that will run (``/bin/sh -c LINE`` for shell commands)."""
        if self.shell:
            assert isinstance(self.command, str)
            return ("/bin/sh", "-c", self.command)
        assert isinstance(self.command, tuple)
        return self.command

    @property
    def command_line(self) -> str:
        """The command as one line a user would type."""
        if isinstance(self.command, str):
            return self.command
        return shlex.join(self.command)

    @property
    def label(self) -> str:
        return self.name or self.command_line


def parse_command(text: str, *, shell: bool) -> str | tuple[str, ...]:
    """Turn what the user typed into a command: the string itself, or shlex-split argv.

    Raises SpecError with a readable message for an empty line or malformed quoting.
    """
    if not text.strip():
        raise SpecError("The command is empty.")
    if shell:
        return text
    try:
        argv = shlex.split(text)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise SpecError(f"Cannot split the command into arguments: {exc}.") from None
    if not argv:
        raise SpecError("The command is empty.")
    return tuple(argv)


def spec_from_text(
    text: str,
    *,
    shell: bool,
    cwd: str | None = None,
    env: Mapping[str, str | None] | None = None,
    **options: Any,
) -> ProcessSpec:
    """Build a ProcessSpec from a typed command line (see parse_command).

    ``options`` are further ProcessSpec fields, passed through as they are.
    """
    return ProcessSpec(
        parse_command(text, shell=shell), shell=shell, cwd=cwd or None, env=env or {}, **options
    )


def parse_env_assignments(items: Sequence[str]) -> dict[str, str]:
    """Parse ``KEY=VALUE`` items (the CLI's --env); raises SpecError on a bad item."""
    env: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SpecError(f"Expected KEY=VALUE, got {item!r}.")
        env[key] = value
    return env
