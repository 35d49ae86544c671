"""The state of one launched run, published by the engine as immutable snapshots."""

from __future__ import annotations

import enum
import signal
import time
from dataclasses import dataclass

from procdeck.core.process_spec import ProcessSpec


class RunState(enum.Enum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    EXITED = "exited"
    FAILED_TO_START = "failed to start"

    @property
    def is_live(self) -> bool:
        return self in (RunState.STARTING, RunState.RUNNING, RunState.STOPPING)


class RunEnding(enum.Enum):
    """How an ended run counts: what the user sees in the state column and status bar."""

    EXITED = "exited"  # ended by itself with status 0
    STOPPED = "stopped"  # ended after the user asked (Stop, Kill, Restart, Remove, quitting)
    FAILED = "failed"  # failed to start, exited non-zero, or died of a signal nobody sent


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


@dataclass(frozen=True)
class ExitOutcome:
    """How a process ended: an exit code, or the signal that terminated it."""

    returncode: int | None = None
    signal: int | None = None

    @classmethod
    def from_returncode(cls, code: int) -> ExitOutcome:
        # subprocess/asyncio report death by signal N as -N.
        if code < 0:
            return cls(returncode=None, signal=-code)
        return cls(returncode=code)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def shell_status(self) -> int:
        """The status a shell would report: the code, or 128+N for signal N."""
        if self.signal is not None:
            return 128 + self.signal
        return self.returncode if self.returncode is not None else 1

    def describe(self) -> str:
        if self.signal is not None:
            return signal_name(self.signal)
        return str(self.returncode)


@dataclass(frozen=True)
class RunInfo:
    """A snapshot of one run. The engine publishes a new one on every change."""

    run_id: int
    spec: ProcessSpec
    state: RunState
    pid: int | None = None
    started_at: float | None = None  # wall clock (time.time()) for display
    started_mono: float | None = None  # time.monotonic() for durations
    ended_mono: float | None = None
    outcome: ExitOutcome | None = None
    error: str | None = None  # why it failed to start, for the user
    stop_requested: bool = False
    signals_sent: tuple[str, ...] = ()  # e.g. ("SIGTERM", "SIGKILL"), in order
    stopped_processes: int = 0  # processes of the run's tree the last stop signalled
    escaped_processes: int = 0  # of those, how many had left the run's session

    def duration(self, now: float | None = None) -> float | None:
        if self.started_mono is None:
            return None
        end = (
            self.ended_mono if self.ended_mono is not None else (now if now is not None else time.monotonic())
        )
        return max(0.0, end - self.started_mono)

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def ending(self) -> RunEnding | None:
        """None while the run is live; else whether it exited, was stopped or failed."""
        if self.state is RunState.FAILED_TO_START:
            return RunEnding.FAILED
        if self.state.is_live:
            return None
        if self.stop_requested:
            return RunEnding.STOPPED
        if self.outcome is not None and self.outcome.ok:
            return RunEnding.EXITED
        return RunEnding.FAILED

    @property
    def state_text(self) -> str:
        """The state as shown to the user: "running", "stopped", "failed to start"..."""
        ending = self.ending
        if ending is None or self.state is RunState.FAILED_TO_START:
            return self.state.value
        return ending.value

    @property
    def stop_summary(self) -> str:
        """What the last stop found, e.g. "stopped 3 processes, 1 had left the session"."""
        return describe_stop(self.stopped_processes, self.escaped_processes)


def plural(count: int, one: str, many: str | None = None) -> str:
    """``"1 line"``, ``"2 lines"``, ``"1,024 processes"`` (with ``many`` given)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def describe_stop(stopped: int, escaped: int) -> str:
    if stopped <= 0:
        return ""
    text = f"stopped {stopped} process" + ("" if stopped == 1 else "es")
    if escaped:
        text += f", {escaped} had left the session"
    return text


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f}s"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
