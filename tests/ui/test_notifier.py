"""When a finished run deserves a desktop notification, and that one is sent."""

from __future__ import annotations

import dataclasses

import pytest

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import ExitOutcome, RunInfo, RunState
from procdeck.ui.icons import app_icon
from procdeck.ui.notifier import Notifier, finished_message

SPEC = ProcessSpec(("make", "all"), name="build")


def _running(started: float = 100.0) -> RunInfo:
    return RunInfo(run_id=1, spec=SPEC, state=RunState.RUNNING, pid=42, started_mono=started)


def _ended(code: int, after: float, **changes) -> RunInfo:
    return dataclasses.replace(
        _running(),
        state=RunState.EXITED,
        ended_mono=100.0 + after,
        outcome=ExitOutcome.from_returncode(code),
        **changes,
    )


def test_long_success_and_failure_are_reported() -> None:
    ok = finished_message(_running(), _ended(0, 30), min_seconds=10)
    assert ok is not None and ok[0] == "build finished" and ok[2] is False and "30 s" in ok[1]
    bad = finished_message(_running(), _ended(2, 30), min_seconds=10)
    assert bad == ("build failed", "exit code 2 after 30 s", True)


def test_short_stopped_or_unchanged_runs_are_not() -> None:
    assert finished_message(_running(), _ended(0, 3), min_seconds=10) is None
    assert finished_message(_running(), _ended(0, 30, stop_requested=True), min_seconds=10) is None
    assert finished_message(None, _ended(0, 30), min_seconds=10) is None
    assert finished_message(_ended(0, 30), _ended(0, 30), min_seconds=10) is None
    assert finished_message(_running(), _running(), min_seconds=10) is None


def test_failure_to_start_is_reported_whatever_the_duration() -> None:
    failed = dataclasses.replace(_running(), state=RunState.FAILED_TO_START, error="No such file: make")
    message = finished_message(_running(), failed, min_seconds=10)
    assert message == ("build could not start", "No such file: make", True)


@pytest.fixture
def notifier(qapp, monkeypatch: pytest.MonkeyPatch):
    n = Notifier(app_icon())
    monkeypatch.setattr(Notifier, "_app_is_active", staticmethod(lambda: False))
    yield n
    n.close()


def test_notifies_only_when_enabled(qtbot, notifier) -> None:
    sent: list[tuple[str, str]] = []
    notifier.notified.connect(lambda title, text: sent.append((title, text)))
    notifier.runs_changed([_running()])
    notifier.runs_changed([_ended(1, 60)])
    assert sent == []
    notifier.enabled = True
    notifier.runs_changed([dataclasses.replace(_running(), run_id=2)])
    notifier.runs_changed([dataclasses.replace(_ended(1, 60), run_id=2)])
    assert sent == [("build failed", "exit code 1 after 60 s")]


def test_no_notification_while_the_window_is_active(qtbot, notifier, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Notifier, "_app_is_active", staticmethod(lambda: True))
    notifier.enabled = True
    sent: list[str] = []
    notifier.notified.connect(lambda title, _text: sent.append(title))
    notifier.runs_changed([_running()])
    notifier.runs_changed([_ended(0, 60)])
    assert sent == []


def test_batch_end_is_reported_once() -> None:
    from procdeck.core.jobs import BatchInfo
    from procdeck.ui.notifier import batch_message

    running = BatchInfo(
        batch_id=1, target="tasks.primes:count", total=8, done=5, running=3, started_mono=100.0
    )
    done = dataclasses.replace(running, done=8, running=0, ended_mono=130.0)
    assert batch_message(None, running, 10) is None
    assert batch_message(running, done, 10) == ("Batch count finished", "8 of 8 done in 30 s", False)
    assert batch_message(done, done, 10) is None  # already told
    failed = dataclasses.replace(done, done=6, failed=2)
    assert batch_message(running, failed, 10) == (
        "Batch count finished with 2 failed jobs",
        "6 of 8 done in 30 s",
        True,
    )
    assert batch_message(running, dataclasses.replace(done, ended_mono=103.0), 10) is None  # short


def test_batches_notify_when_enabled(qtbot, notifier) -> None:
    from procdeck.core.jobs import BatchInfo

    sent: list[str] = []
    notifier.notified.connect(lambda title, _text: sent.append(title))
    notifier.enabled = True
    running = BatchInfo(batch_id=3, target="m:f", total=2, running=2, started_mono=0.0)
    notifier.batches_changed([running])
    notifier.batches_changed([dataclasses.replace(running, done=2, running=0, ended_mono=60.0)])
    assert sent == ["Batch f finished"]
