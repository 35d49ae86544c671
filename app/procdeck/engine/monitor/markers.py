"""Turn the run snapshots the process manager publishes into timeline markers.

A run's RunInfo changes as it starts, is asked to stop, receives signals and exits; each
change becomes one RunMarker (start / stop requested / signal / exit) in the History, so
the Runs chart can draw them on the same time axis as the samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from procdeck.core.run_state import RunInfo, RunState
from procdeck.core.samples import MarkerKind, RunMarker
from procdeck.core.series_keys import SeriesGroup, run_group


def run_key(run_id: int) -> SeriesGroup:
    return run_group(run_id)


class MarkerTracker:
    """Feed it every RunInfo (ProcessManager.subscribe); it emits markers once each."""

    def __init__(
        self,
        emit: Callable[[RunMarker], None],
        *,
        wall: Callable[[], float] = time.time,
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self._wall = wall
        self._mono = mono
        self._last: dict[int, RunInfo] = {}

    def _to_wall(self, mono_t: float | None) -> float:
        now_wall = self._wall()
        if mono_t is None:
            return now_wall
        return now_wall - (self._mono() - mono_t)

    def update(self, info: RunInfo) -> None:
        prev = self._last.get(info.run_id)
        # A restart reuses the run id with a new start: start over.
        if prev is not None and info.started_mono is not None and prev.started_mono != info.started_mono:
            prev = None
        self._last[info.run_id] = info
        key = run_key(info.run_id)
        if info.started_mono is not None and (prev is None or prev.started_mono is None):
            pid = f" (pid {info.pid})" if info.pid else ""
            self._emit(RunMarker(key, self._to_wall(info.started_mono), MarkerKind.START, f"start{pid}"))
        if info.stop_requested and (prev is None or not prev.stop_requested):
            self._emit(RunMarker(key, self._wall(), MarkerKind.STOP_REQUESTED, "stop requested"))
        before = prev.signals_sent if prev is not None else ()
        for name in info.signals_sent[len(before) :]:
            self._emit(RunMarker(key, self._wall(), MarkerKind.SIGNAL, name))
        if info.state in (RunState.EXITED, RunState.FAILED_TO_START) and (
            prev is None or prev.state != info.state
        ):
            text = "failed to start" if info.state is RunState.FAILED_TO_START else "exit"
            if info.outcome is not None:
                text = f"exit {info.outcome.describe()}"
            self._emit(RunMarker(key, self._to_wall(info.ended_mono), MarkerKind.EXIT, text))

    def forget(self, run_id: int) -> None:
        self._last.pop(run_id, None)
