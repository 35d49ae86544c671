"""Running a probe against one attempt of a run, and turning checks into health verdicts.

``watch_probe`` loops for as long as its caller's cancel scope lets it (the launcher
cancels it when the attempt ends): wait the initial delay, check, count passes and
failures in a row, report a verdict each time the health changes, wait the period.
A log-line probe instead watches the run's output (fed chunk by chunk by the process
manager's tap) and reports healthy once a line matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import anyio

from procdeck.core.output import Stream
from procdeck.core.probes import Health, Probe, ProbeKind
from procdeck.engine.probes.checks import CheckFailed, run_check

Verdict = Callable[[Health, str], None]


class LineMatcher:
    """Splits fed chunks into lines per stream and remembers the first line matching ``pattern``."""

    MAX_PARTIAL = 64 * 1024  # a line longer than this is checked in pieces

    def __init__(self, pattern: str, streams: tuple[str, ...]) -> None:
        self._regex = re.compile(pattern)
        self._streams = {Stream.STDOUT if s == "stdout" else Stream.STDERR for s in streams}
        self._partial = {Stream.STDOUT: b"", Stream.STDERR: b""}
        self.matched: str | None = None
        self.event = anyio.Event()

    def feed(self, stream: Stream, data: bytes) -> None:
        if self.matched is not None or stream not in self._streams:
            return
        *lines, rest = (self._partial[stream] + data).split(b"\n")
        if len(rest) > self.MAX_PARTIAL:
            lines.append(rest)
            rest = b""
        self._partial[stream] = rest
        for raw in lines:
            line = raw.decode("utf-8", "replace").removesuffix("\r")
            if self._regex.search(line):
                self.matched = line
                self.event.set()
                return


async def watch_probe(
    probe: Probe,
    report: Verdict,
    *,
    cwd: str | None,
    env: Mapping[str, str | None],
    lines: LineMatcher | None = None,
) -> None:
    """Check ``probe`` until cancelled; ``report(health, detail)`` on every change of health."""
    if probe.kind is ProbeKind.LOG_LINE:
        assert lines is not None
        await lines.event.wait()
        if probe.initial_delay_s:
            await anyio.sleep(probe.initial_delay_s)
        report(Health.HEALTHY, f"log line matched: {lines.matched!r}")
        return
    await anyio.sleep(probe.initial_delay_s)
    health = Health.UNKNOWN
    passes = failures = 0
    while True:
        try:
            detail = await run_check(probe, cwd=cwd, env=env)
            passes, failures = passes + 1, 0
            if passes >= probe.success_threshold and health is not Health.HEALTHY:
                health = Health.HEALTHY
                report(health, detail)
        except CheckFailed as exc:
            passes, failures = 0, failures + 1
            if failures >= probe.failure_threshold and health is not Health.UNHEALTHY:
                health = Health.UNHEALTHY
                times = "once" if failures == 1 else f"{failures} times in a row"
                report(health, f"{probe.describe()} failed {times}: {exc}")
        await anyio.sleep(probe.period_s)
