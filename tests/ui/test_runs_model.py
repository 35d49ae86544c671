"""The runs table model: rows per run, in-place updates, sorting keys, removal."""

from __future__ import annotations

import signal

from PySide6.QtCore import QSortFilterProxyModel, Qt

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import ExitOutcome, RunInfo, RunState
from procdeck.ui.runs_model import EXIT, NAME, PID, SORT_ROLE, STATE, RunsModel


def info(run_id, state=RunState.RUNNING, pid=None, outcome=None, command=("sleep", "1")):
    return RunInfo(
        run_id=run_id, spec=ProcessSpec(command), state=state, pid=pid, outcome=outcome, started_mono=0.0
    )


def test_upsert_updates_in_place_and_remove(qtbot):
    model = RunsModel()
    model.upsert([info(1, pid=10), info(2, pid=20)])
    assert model.rowCount() == 2
    model.upsert([info(1, RunState.EXITED, pid=10, outcome=ExitOutcome(signal=signal.SIGTERM))])
    assert model.rowCount() == 2
    assert model.index(0, STATE).data() == "failed"  # a SIGTERM nobody here sent
    assert model.index(0, EXIT).data() == "SIGTERM"
    model.remove(1)
    assert model.rowCount() == 1 and model.index(0, PID).data() == "20"
    model.remove(99)  # unknown ids are ignored
    assert model.rowCount() == 1


def test_sorting_by_pid_is_numeric(qtbot):
    model = RunsModel()
    model.upsert([info(1, pid=900), info(2, pid=1000), info(3, pid=80)])
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(PID, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, PID).data() for r in range(3)] == ["80", "900", "1000"]


def test_multiline_commands_show_on_one_line(qtbot):
    model = RunsModel()
    model.upsert([RunInfo(1, ProcessSpec("echo a\necho b", shell=True), RunState.RUNNING)])
    assert model.index(0, NAME).data() == "echo a ⏎ echo b"
    assert model.index(0, NAME).data(Qt.ItemDataRole.ToolTipRole) == "echo a\necho b"


def test_state_column_says_stopped_exited_or_failed(qtbot):
    model = RunsModel()
    stopped = info(1, RunState.EXITED, outcome=ExitOutcome(signal=signal.SIGTERM))
    model.upsert(
        [
            RunInfo(**{**stopped.__dict__, "stop_requested": True}),
            info(2, RunState.EXITED, outcome=ExitOutcome(returncode=0)),
            info(3, RunState.EXITED, outcome=ExitOutcome(returncode=3)),
            info(4, RunState.FAILED_TO_START),
        ]
    )
    states = [model.index(row, STATE).data() for row in range(4)]
    assert states == ["stopped", "exited", "failed", "failed to start"]


def test_what_stop_found_shows_in_the_tooltip_and_the_run_summary(qtbot):
    from procdeck.ui.viewer.run_panel import describe

    stopped = RunInfo(
        run_id=1,
        spec=ProcessSpec(("sh", "-c", "esc")),
        state=RunState.EXITED,
        outcome=ExitOutcome(signal=signal.SIGTERM),
        stopped_processes=3,
        escaped_processes=1,
    )
    model = RunsModel()
    model.upsert([stopped])
    assert "stopped 3 processes, 1 had left the session" in model.index(0, NAME).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert "stopped 3 processes, 1 had left the session" in describe(stopped)


def test_health_follows_the_state_of_running_runs(qtbot) -> None:
    from procdeck.core.process_spec import ProcessSpec
    from procdeck.core.run_state import RunInfo, RunState
    from procdeck.ui.runs_model import STATE, RunsModel

    model = RunsModel()
    model.upsert([RunInfo(7, ProcessSpec(("x",)), RunState.RUNNING, pid=1)])
    index = model.index(0, STATE)
    with qtbot.waitSignal(model.dataChanged):
        model.set_health({7: "healthy"})
    assert model.data(index) == "running · healthy"
    model.set_health({})
    assert model.data(index) == "running"
