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
    assert model.index(0, STATE).data() == "exited"
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
