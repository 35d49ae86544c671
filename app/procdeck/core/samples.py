"""Monitor values: what the sampler measured, as immutable snapshots.

The engine's sampler publishes these; the bridge and the UI only read them. A process
that vanished, turned zombie or refused access is a *state* of its sample, never an
exception, so every consumer can render it ("gone", "zombie", "access denied").

CPU percentages follow top's convention: ``cpu_percent`` is relative to one core (a busy
single-threaded loop reads ~100, two busy threads ~200); ``cpu_norm`` divides by the
number of logical cores so the whole machine is 100. ``None`` means "not known yet" (the
first sample of a process has no previous reading to diff against) and renders as "-",
never as a false 0%.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


class ProcState(enum.Enum):
    """Whether a sample holds live numbers, and if not, why."""

    OK = "ok"
    GONE = "gone"  # NoSuchProcess, or the pid now belongs to another process
    ZOMBIE = "zombie"  # exited, not yet reaped by its parent
    ACCESS_DENIED = "access denied"

    @property
    def is_live(self) -> bool:
        return self in (ProcState.OK, ProcState.ACCESS_DENIED)


@dataclass(frozen=True, slots=True)
class ProcessSample:
    """One process at one tick."""

    pid: int
    create_time: float  # psutil create_time(): the process identity together with pid
    name: str
    t: float  # wall clock (time.time()) of the tick
    state: ProcState = ProcState.OK
    cpu_percent: float | None = None  # per-core convention: 100 = one core busy
    cpu_norm: float | None = None  # machine-normalised: 100 = every core busy
    rss: int | None = None  # bytes
    threads: int | None = None
    status: str = ""  # psutil status string ("running", "sleeping", ...)

    @property
    def cpu_text(self) -> str:
        return format_percent(self.cpu_percent)

    @property
    def state_text(self) -> str:
        return self.status if self.state is ProcState.OK else self.state.value


@dataclass(frozen=True, slots=True)
class TreeSample:
    """A launched run as a whole: its root process plus every descendant, summed.

    ``members`` is the breakdown (root first). Sums skip members whose value is not known
    yet; a sum is ``None`` only when no member has a value.
    """

    key: str  # e.g. "run/3" or "pid/4242@1700000000.25"
    label: str
    root: ProcessSample
    members: tuple[ProcessSample, ...]
    t: float

    @property
    def cpu_percent(self) -> float | None:
        return _sum_known(m.cpu_percent for m in self.members if m.state.is_live)

    @property
    def cpu_norm(self) -> float | None:
        return _sum_known(m.cpu_norm for m in self.members if m.state.is_live)

    @property
    def rss(self) -> int | None:
        total = _sum_known(m.rss for m in self.members if m.state.is_live)
        return None if total is None else int(total)

    @property
    def threads(self) -> int | None:
        total = _sum_known(m.threads for m in self.members if m.state.is_live)
        return None if total is None else int(total)

    @property
    def live_count(self) -> int:
        return sum(1 for m in self.members if m.state.is_live)

    @property
    def breakdown(self) -> tuple[ProcessSample, ...]:
        """Members sorted by CPU, busiest first (unknown CPU last)."""
        return tuple(
            sorted(self.members, key=lambda m: -(m.cpu_percent if m.cpu_percent is not None else -1.0))
        )


@dataclass(frozen=True, slots=True)
class SystemSample:
    """Machine totals at one tick."""

    t: float
    cpu_percent: float | None  # whole machine, 0-100
    per_core: tuple[float, ...]  # 0-100 each; empty on the first tick
    mem_total: int
    mem_used: int
    mem_available: int
    swap_total: int
    swap_used: int
    load: tuple[float, float, float]
    cpu_count: int

    @property
    def mem_percent(self) -> float:
        return 100.0 * self.mem_used / self.mem_total if self.mem_total else 0.0


@dataclass(frozen=True, slots=True)
class MonitorSnapshot:
    """Everything one sampler tick measured."""

    t: float
    system: SystemSample
    workers: tuple[tuple[str, ProcessSample], ...] = ()  # (label, sample)
    # Launched runs ("run/<id>") and processes pinned from the Processes view
    # ("pid/<pid>@<create_time>"), each as its whole tree.
    trees: tuple[TreeSample, ...] = ()
    tick_s: float = 0.0  # time the tick's psutil work took (in its worker thread)


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """One row of the system Processes table."""

    pid: int
    ppid: int
    name: str
    user: str
    cpu_percent: float | None
    rss: int | None
    mem_percent: float | None
    threads: int | None
    status: str
    create_time: float
    cmdline: str
    state: ProcState = ProcState.OK
    can_signal: bool = True  # False: the kernel would refuse our signals (another user's process)

    @property
    def key(self) -> tuple[int, float]:
        """The process identity: a pid alone may be reused."""
        return (self.pid, self.create_time)


class MarkerKind(enum.Enum):
    START = "start"
    STOP_REQUESTED = "stop requested"
    SIGNAL = "signal"
    EXIT = "exit"
    HEALTHY = "healthy"  # the readiness probe passed
    UNHEALTHY = "unhealthy"  # a probe failed its threshold


@dataclass(frozen=True, slots=True)
class RunMarker:
    """An event on a run's timeline, drawn as a vertical line on the Runs chart."""

    key: str  # series group, e.g. "run/3"
    t: float  # wall clock
    kind: MarkerKind
    text: str


@dataclass(frozen=True, slots=True)
class SignalRequest:
    """The user's intent to signal a process (and maybe its descendants)."""

    pid: int
    create_time: float  # the process the user saw; a reused pid is refused
    signum: int
    tree: bool = False
    name: str = ""


@dataclass(frozen=True, slots=True)
class SignalResult:
    """What sending a signal did, pid by pid, with a message for the user."""

    request: SignalRequest
    sent: tuple[int, ...] = ()
    denied: tuple[int, ...] = ()
    gone: tuple[int, ...] = ()
    reused: bool = False  # the pid now belongs to a different process: nothing was sent
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.sent) and not self.denied and not self.reused and not self.error

    def describe(self) -> str:
        from procdeck.core.run_state import signal_name

        what = f"{signal_name(self.request.signum)} to {self.request.name or 'process'} ({self.request.pid})"
        if self.reused:
            return f"Not sent: pid {self.request.pid} now belongs to another process."
        if self.error:
            return f"Could not send {what}: {self.error}"
        parts = []
        if self.sent:
            parts.append(f"sent to {len(self.sent)} process{'es' if len(self.sent) != 1 else ''}")
        if self.denied:
            parts.append(f"access denied for pid {', '.join(map(str, self.denied))}")
        if self.gone:
            parts.append(f"already gone: {', '.join(map(str, self.gone))}")
        if not parts:
            parts.append("nothing to signal")
        return f"{what}: " + "; ".join(parts) + "."


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """Describes one history series; the data itself is read from a SeriesSource."""

    key: str  # e.g. "sys/cpu", "worker/w1/cpu", "run/3/tree/rss"
    group: str  # e.g. "sys", "worker/w1", "run/3", "pid/123@1700000000.5"
    label: str  # legend text
    unit: str  # "%" or "B"


@dataclass(frozen=True, slots=True)
class HistorySettings:
    """How much history to keep, and what that costs in memory."""

    duration_s: float = 600.0
    rate_hz: float = 1.0
    max_series: int = 512

    MIN_RATE_HZ = 0.25
    MAX_RATE_HZ = 10.0
    MAX_DURATION_S = 24 * 3600.0
    BYTES_PER_POINT = 16  # float64 time + float64 value

    def __post_init__(self) -> None:
        if not (self.MIN_RATE_HZ <= self.rate_hz <= self.MAX_RATE_HZ) or math.isnan(self.rate_hz):
            raise ValueError(
                f"sample rate must be between {self.MIN_RATE_HZ} and {self.MAX_RATE_HZ} Hz, got {self.rate_hz}"
            )
        if not (1.0 <= self.duration_s <= self.MAX_DURATION_S) or math.isnan(self.duration_s):
            raise ValueError(f"history length must be between 1 s and 24 h, got {self.duration_s} s")
        if self.max_series < 1:
            raise ValueError(f"max_series must be at least 1, got {self.max_series}")

    @property
    def capacity(self) -> int:
        """Points per series; capped so that 24 h at 1 Hz is the largest buffer."""
        return max(2, min(int(math.ceil(self.duration_s * self.rate_hz)), int(self.MAX_DURATION_S)))

    @property
    def bytes_per_series(self) -> int:
        return self.capacity * self.BYTES_PER_POINT

    @property
    def memory_bound(self) -> int:
        """Upper bound of the history's memory in bytes (all series full)."""
        return self.bytes_per_series * self.max_series

    def describe(self) -> str:
        return (
            f"{format_duration_short(self.duration_s)} at {self.rate_hz:g} Hz = {self.capacity} points per series "
            f"({format_bytes(self.bytes_per_series)}); at most {self.max_series} series, "
            f"{format_bytes(self.memory_bound)} in all"
        )


class FloatArray(Protocol):
    """What a series window holds: a numpy array in the engine, read by index and length."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int, /) -> Any: ...


class SeriesSource(Protocol):
    """Read access to the monitor's history (implemented by the engine's History).

    Called on the GUI/loop thread only; returned arrays are copies the caller may keep.
    """

    def series(self, prefix: str = "") -> list[SeriesInfo]: ...

    def window(self, key: str, t0: float, t1: float) -> tuple[FloatArray, FloatArray]: ...

    def markers(self, group: str) -> list[RunMarker]: ...


def _sum_known(values: Iterable[float | None]) -> float | None:
    total = 0.0
    seen = False
    for v in values:
        if v is not None:
            total += v
            seen = True
    return total if seen else None


def format_percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.1f}%"


def format_bytes(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover


def format_duration_short(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


__all__ = [
    "HistorySettings",
    "MarkerKind",
    "MonitorSnapshot",
    "ProcState",
    "ProcessRow",
    "ProcessSample",
    "RunMarker",
    "SeriesInfo",
    "SeriesSource",
    "SignalRequest",
    "SignalResult",
    "SystemSample",
    "TreeSample",
    "format_bytes",
    "format_duration_short",
    "format_percent",
]
