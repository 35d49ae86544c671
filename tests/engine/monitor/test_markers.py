from __future__ import annotations

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import ExitOutcome, RunInfo, RunState
from procdeck.core.samples import MarkerKind, RunMarker
from procdeck.engine.monitor.markers import MarkerTracker


def test_markers_for_a_run_lifecycle_once_each() -> None:
    out: list[RunMarker] = []
    clock = {"wall": 1000.0, "mono": 50.0}
    tracker = MarkerTracker(out.append, wall=lambda: clock["wall"], mono=lambda: clock["mono"])
    spec = ProcessSpec(command=("sleep", "5"))
    info = RunInfo(run_id=3, spec=spec, state=RunState.STARTING)
    tracker.update(info)
    assert out == []
    running = RunInfo(run_id=3, spec=spec, state=RunState.RUNNING, pid=99, started_mono=48.0)
    tracker.update(running)
    tracker.update(running)  # repeated snapshot: no new marker
    assert [(m.kind, m.t, m.key) for m in out] == [(MarkerKind.START, 998.0, "run/3")]
    clock["wall"] = 1005.0
    stopping = RunInfo(
        run_id=3,
        spec=spec,
        state=RunState.STOPPING,
        pid=99,
        started_mono=48.0,
        stop_requested=True,
        signals_sent=("SIGTERM",),
    )
    tracker.update(stopping)
    killed = RunInfo(
        run_id=3,
        spec=spec,
        state=RunState.STOPPING,
        pid=99,
        started_mono=48.0,
        stop_requested=True,
        signals_sent=("SIGTERM", "SIGKILL"),
    )
    tracker.update(killed)
    clock["mono"] = 60.0
    exited = RunInfo(
        run_id=3,
        spec=spec,
        state=RunState.EXITED,
        pid=99,
        started_mono=48.0,
        ended_mono=59.0,
        stop_requested=True,
        signals_sent=("SIGTERM", "SIGKILL"),
        outcome=ExitOutcome(signal=9),
    )
    tracker.update(exited)
    kinds = [(m.kind, m.text) for m in out]
    assert kinds == [
        (MarkerKind.START, "start (pid 99)"),
        (MarkerKind.STOP_REQUESTED, "stop requested"),
        (MarkerKind.SIGNAL, "SIGTERM"),
        (MarkerKind.SIGNAL, "SIGKILL"),
        (MarkerKind.EXIT, "exit SIGKILL"),
    ]
    assert out[-1].t == 1004.0  # ended 1 s before "now" on the monotonic clock
