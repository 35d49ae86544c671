"""How an ended run counts (exited, stopped, failed), plural phrases, and how a stop's findings read."""

from __future__ import annotations

import signal

import pytest

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import ExitOutcome, RunEnding, RunInfo, RunState, describe_stop, plural


def _info(state: RunState, outcome: ExitOutcome | None = None, *, stopped: bool = False) -> RunInfo:
    return RunInfo(1, ProcessSpec(("sleep", "1")), state, outcome=outcome, stop_requested=stopped)


@pytest.mark.parametrize(
    ("info", "ending", "text"),
    [
        (_info(RunState.RUNNING), None, "running"),
        (_info(RunState.STOPPING, stopped=True), None, "stopping"),
        (_info(RunState.EXITED, ExitOutcome(returncode=0)), RunEnding.EXITED, "exited"),
        (_info(RunState.EXITED, ExitOutcome(returncode=2)), RunEnding.FAILED, "failed"),
        # Killed by a signal nobody here sent (the OOM killer, another user): failed.
        (_info(RunState.EXITED, ExitOutcome(signal=signal.SIGKILL)), RunEnding.FAILED, "failed"),
        # Stopped by the user: stopped, whatever status the stop left behind.
        (
            _info(RunState.EXITED, ExitOutcome(signal=signal.SIGTERM), stopped=True),
            RunEnding.STOPPED,
            "stopped",
        ),
        (_info(RunState.EXITED, ExitOutcome(returncode=1), stopped=True), RunEnding.STOPPED, "stopped"),
        (_info(RunState.EXITED, ExitOutcome(returncode=0), stopped=True), RunEnding.STOPPED, "stopped"),
        (_info(RunState.FAILED_TO_START), RunEnding.FAILED, "failed to start"),
    ],
)
def test_ending_and_state_text(info, ending, text):
    assert info.ending is ending
    assert info.state_text == text


def test_plural():
    assert plural(1, "earlier line") == "1 earlier line"
    assert plural(2, "earlier line") == "2 earlier lines"
    assert plural(0, "job") == "0 jobs"
    assert plural(1, "process", "processes") == "1 process"
    assert plural(1500, "process", "processes") == "1,500 processes"


@pytest.mark.parametrize(
    ("stopped", "escaped", "text"),
    [
        (0, 0, ""),
        (1, 0, "stopped 1 process"),
        (3, 0, "stopped 3 processes"),
        (3, 1, "stopped 3 processes, 1 had left the session"),
        (2, 2, "stopped 2 processes, 2 had left the session"),
    ],
)
def test_describe_stop(stopped, escaped, text):
    assert describe_stop(stopped, escaped) == text
