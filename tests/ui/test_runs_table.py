"""Per-run actions: enabled by state, emitted for the selected run, shortcuts set."""

from __future__ import annotations

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import ExitOutcome, RunInfo, RunState
from procdeck.ui.runs_model import RunsModel
from procdeck.ui.runs_table import RunsTable


def make(qtbot):
    model = RunsModel()
    table = RunsTable(model)
    qtbot.addWidget(table)
    return model, table


def test_new_rows_are_selected_and_actions_follow_state(qtbot):
    model, table = make(qtbot)
    model.upsert([RunInfo(7, ProcessSpec(("sleep", "5")), RunState.RUNNING, pid=123)])
    assert table.current_run() == 7
    assert table.actions_by_name["stop"].isEnabled() and table.actions_by_name["kill"].isEnabled()
    model.upsert([RunInfo(7, ProcessSpec(("sleep", "5")), RunState.EXITED, pid=123, outcome=ExitOutcome(0))])
    assert not table.actions_by_name["stop"].isEnabled() and not table.actions_by_name["kill"].isEnabled()
    assert table.actions_by_name["restart"].isEnabled() and table.actions_by_name["remove"].isEnabled()


def test_actions_emit_the_selected_run(qtbot):
    model, table = make(qtbot)
    model.upsert(
        [
            RunInfo(3, ProcessSpec(("a",)), RunState.RUNNING, pid=1),
            RunInfo(4, ProcessSpec(("b",)), RunState.RUNNING, pid=2),
        ]
    )
    table.select_run(3)
    for name, signal in (
        ("stop", table.stopRequested),
        ("kill", table.killRequested),
        ("restart", table.restartRequested),
        ("remove", table.removeRequested),
    ):
        with qtbot.waitSignal(signal) as blocker:
            table.actions_by_name[name].trigger()
        assert blocker.args == [3]


def test_shortcuts_are_set(qtbot):
    _, table = make(qtbot)
    shortcuts = {name: action.shortcut().toString() for name, action in table.actions_by_name.items()}
    assert shortcuts == {"stop": "Ctrl+T", "kill": "Ctrl+K", "restart": "Ctrl+R", "remove": "Del"}


def test_uptime_ticker_runs_only_while_a_run_is_live(qtbot):
    model, table = make(qtbot)
    assert not table.ticking  # nothing to count: no timer
    model.upsert([RunInfo(1, ProcessSpec(("sleep", "5")), RunState.RUNNING, pid=10)])
    assert table.ticking
    model.upsert([RunInfo(1, ProcessSpec(("sleep", "5")), RunState.EXITED, pid=10, outcome=ExitOutcome(0))])
    assert not table.ticking
    model.upsert([RunInfo(2, ProcessSpec(("sleep", "5")), RunState.STARTING)])
    assert table.ticking == RunState.STARTING.is_live
