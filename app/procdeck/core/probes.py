"""Health probes, start-after conditions' health states, and file-watch settings, as values.

A probe says how to check a run: run a command (exit 0 is success), connect to a TCP
port, GET an HTTP URL (status in an accepted range), or wait for a line of its output
matching a regular expression. Its timing follows Kubernetes and process-compose: wait
``initial_delay_s``, then check every ``period_s`` with ``timeout_s`` per check;
``success_threshold`` passes in a row make the run healthy, ``failure_threshold`` failures
in a row make it unhealthy. A readiness probe decides when a run is "healthy" (what
``healthy`` start-after conditions wait for); a liveness probe that fails restarts the run.

Pure values: the engine runs probes, this module only describes and validates them.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass


class ProbeKind(enum.Enum):
    EXEC = "exec"
    TCP = "tcp"
    HTTP_GET = "http_get"
    LOG_LINE = "log_line"


class Health(enum.Enum):
    UNKNOWN = "unknown"  # no verdict yet (or the run has no readiness probe)
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


STREAMS = ("stdout", "stderr")


def _seconds(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@dataclass(frozen=True)
class Probe:
    """One probe. Which fields matter depends on ``kind``:

    exec: ``command`` (a shell line, run by /bin/sh -c in the run's folder and environment);
    tcp: ``host``, ``port``; http_get: ``scheme``, ``host``, ``port``, ``path``, ``headers``,
    accepted ``status_min``..``status_max``; log_line: ``pattern`` (a regex searched in
    each line) on ``streams``.
    """

    kind: ProbeKind
    command: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    scheme: str = "http"
    path: str = "/"
    headers: tuple[tuple[str, str], ...] = ()
    status_min: int = 200
    status_max: int = 399
    pattern: str = ""
    streams: tuple[str, ...] = STREAMS
    initial_delay_s: float = 0.0
    period_s: float = 10.0
    timeout_s: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", tuple((str(k), str(v)) for k, v in self.headers))
        object.__setattr__(self, "streams", tuple(self.streams))

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.path}"

    def describe(self) -> str:
        if self.kind is ProbeKind.EXEC:
            return f"exec {self.command!r}"
        if self.kind is ProbeKind.TCP:
            return f"tcp {self.host}:{self.port}"
        if self.kind is ProbeKind.HTTP_GET:
            return f"GET {self.url}"
        return f"log line /{self.pattern}/ on {'+'.join(self.streams)}"

    def problems(self, where: str) -> list[tuple[str, str]]:
        """(field, message) pairs for every invalid value; ``where`` prefixes the field."""
        out: list[tuple[str, str]] = []
        if not isinstance(self.kind, ProbeKind):
            return [(f"{where}.kind", "The probe kind must be exec, tcp, http_get or log_line.")]
        if self.kind is ProbeKind.EXEC and (not isinstance(self.command, str) or not self.command.strip()):
            out.append((f"{where}.command", "An exec probe needs a command."))
        if self.kind in (ProbeKind.TCP, ProbeKind.HTTP_GET):
            if not isinstance(self.host, str) or not self.host.strip():
                out.append((f"{where}.host", "The probe needs a host."))
            if not isinstance(self.port, int) or isinstance(self.port, bool) or not 1 <= self.port <= 65535:
                out.append(
                    (f"{where}.port", f"The port must be a number from 1 to 65535, not {self.port!r}.")
                )
        if self.kind is ProbeKind.HTTP_GET:
            if self.scheme not in ("http", "https"):
                out.append((f"{where}.scheme", f"The scheme must be http or https, not {self.scheme!r}."))
            if not isinstance(self.path, str) or not self.path.startswith("/"):
                out.append((f"{where}.path", "The path must start with /."))
            if not (
                isinstance(self.status_min, int)
                and isinstance(self.status_max, int)
                and 100 <= self.status_min <= self.status_max <= 599
            ):
                out.append(
                    (f"{where}.status", "The accepted status range must be within 100-599, low to high.")
                )
            for name, value in self.headers:
                if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) or "\n" in value or "\r" in value:
                    out.append((f"{where}.headers", f"Invalid header {name!r}."))
        if self.kind is ProbeKind.LOG_LINE:
            if not self.pattern:
                out.append((f"{where}.pattern", "A log line probe needs a pattern."))
            else:
                try:
                    re.compile(self.pattern)
                except re.error as exc:
                    out.append((f"{where}.pattern", f"The pattern is not a valid regular expression: {exc}."))
            if not self.streams or any(s not in STREAMS for s in self.streams):
                out.append((f"{where}.streams", "Streams must be stdout, stderr or both."))
        for name in ("initial_delay_s", "timeout_s"):
            if not _seconds(getattr(self, name)):
                out.append((f"{where}.{name}", f"{name} must be a number of seconds, 0 or more."))
        if not _seconds(self.period_s) or self.period_s <= 0:
            out.append((f"{where}.period_s", "period_s must be a number of seconds, more than 0."))
        for name in ("success_threshold", "failure_threshold"):
            if not _count(getattr(self, name)):
                out.append((f"{where}.{name}", f"{name} must be a whole number, 1 or more."))
        return out


@dataclass(frozen=True)
class WatchSpec:
    """Restart a profile's run when files change.

    ``paths`` are folders, files or globs (relative ones are taken from the profile's
    folder); ``excludes`` are globs matched against changed paths; changes within
    ``debounce_s`` are gathered into one restart; ``restart_dependents`` also restarts
    the profiles that start after this one.
    """

    paths: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    debounce_s: float = 0.5
    restart_dependents: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", tuple(self.paths))
        object.__setattr__(self, "excludes", tuple(self.excludes))

    def problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if not self.paths or any(not isinstance(p, str) or not p.strip() or "\0" in p for p in self.paths):
            out.append(("watch.paths", "Watch needs at least one path or glob (and no empty ones)."))
        if any(not isinstance(p, str) or not p.strip() for p in self.excludes):
            out.append(("watch.excludes", "Excludes cannot be empty."))
        if not _seconds(self.debounce_s):
            out.append(("watch.debounce_s", "debounce_s must be a number of seconds, 0 or more."))
        return out
