"""The Jobs panel offscreen: form validation, table updates, batch bar, details, controls."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from procdeck.core.jobs import (
    BatchInfo,
    DispatchMode,
    FailureKind,
    JobFailure,
    JobInfo,
    JobState,
    PoolSettings,
    WorkerInfo,
)
from procdeck.ui.jobs.jobs_model import RESULT, STATE, WORKER
from procdeck.ui.jobs.panel import JobsPanel
from procdeck.ui.settings_file import SettingsFile


@pytest.fixture
def settings(tmp_path):
    return SettingsFile(tmp_path / "settings.json")


@pytest.fixture
def panel(qtbot, settings):
    widget = JobsPanel(settings)
    qtbot.addWidget(widget)
    return widget


def job(job_id, state=JobState.QUEUED, **kw):
    return JobInfo(job_id, "m:f", state, queued_mono=time.monotonic(), **kw)


def test_valid_request_is_emitted(panel, qtbot):
    panel.form.target.setCurrentText("procdeck.tasks.builtin:sleep")
    panel.form.args.setText("[0.5]")
    with qtbot.waitSignal(panel.dispatchRequested) as signal:
        qtbot.mouseClick(panel.form.dispatch_button, Qt.MouseButton.LeftButton)
    request = signal.args[0]
    assert request.spec.target == "procdeck.tasks.builtin:sleep"
    assert request.spec.args == (0.5,) and request.mode is DispatchMode.ONCE
    assert panel.form.error.text() == ""


def test_map_over_range(panel, qtbot):
    panel.form.target.setCurrentText("procdeck.tasks.builtin:count_primes")
    panel.form.args.setText("")
    panel.form.map.setChecked(True)
    panel.form.inputs.setText("range(10, 13)")
    with qtbot.waitSignal(panel.dispatchRequested) as signal:
        panel.form.submit()
    assert signal.args[0].mode is DispatchMode.MAP and signal.args[0].inputs == (10, 11, 12)


@pytest.mark.parametrize(
    ("target", "args", "inputs", "message"),
    [
        ("not a path", "[]", "", "not an import path"),
        ("os:getpid", "[1,", "", "JSON or a Python literal"),
        ("__main__:f", "", "", "__main__"),
        ("os:getpid", "", "range(x)", "one to three integers"),
        ("os:getpid", "", "", "Enter the inputs"),
    ],
)
def test_mistakes_are_shown_and_nothing_is_lost(panel, qtbot, target, args, inputs, message):
    emitted = []
    panel.dispatchRequested.connect(emitted.append)
    panel.form.target.setCurrentText(target)
    panel.form.args.setText(args)
    if inputs or message == "Enter the inputs":
        panel.form.map.setChecked(True)
        panel.form.inputs.setText(inputs)
    panel.form.submit()
    assert message in panel.form.error.text()
    assert emitted == []
    assert panel.form.target.currentText() == target
    assert panel.form.args.text() == args
    assert panel.form.inputs.text() == inputs


def test_inputs_file_request(panel, qtbot):
    panel.form.target.setCurrentText("procdeck.tasks.builtin:hash_file")
    panel.form.args.setText("")
    panel.form.map.setChecked(True)
    panel.form.inputs_file.setText("/some/list.txt")
    with qtbot.waitSignal(panel.dispatchRequested) as signal:
        panel.form.submit()
    assert signal.args[0].inputs_file == "/some/list.txt"


def test_task_folders_are_remembered(qtbot, settings, tmp_path):
    first = JobsPanel(settings)
    qtbot.addWidget(first)
    first.form.add_task_folder(str(tmp_path))
    first.form.add_task_folder(str(tmp_path))  # no duplicates
    again = JobsPanel(settings)
    qtbot.addWidget(again)
    assert again.form.task_folders() == [str(tmp_path)]
    again.form.target.setCurrentText("mytasks:work")
    again.form.args.setText("")
    with qtbot.waitSignal(again.dispatchRequested) as signal:
        again.form.submit()
    assert signal.args[0].spec.extra_path == (str(tmp_path),)


def test_table_inserts_and_updates_in_place(panel, qtbot):
    panel.apply_jobs([job(i) for i in range(1, 20_001)])
    assert panel.model.rowCount() == 20_000
    changed = []
    panel.model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.row())))
    panel.apply_jobs(
        [
            job(5, JobState.DONE, result_repr="25", worker_pid=123, started_mono=1.0, ended_mono=2.0),
            job(7, JobState.FAILED, failure=JobFailure(FailureKind.EXCEPTION, "ValueError: x", "tb")),
        ]
    )
    assert panel.model.rowCount() == 20_000
    assert changed == [(4, 6)]  # one signal for the changed range
    assert panel.model.index(4, STATE).data() == "done"
    assert panel.model.index(4, RESULT).data() == "25"
    assert panel.model.index(4, WORKER).data() == "123"
    assert panel.model.index(6, RESULT).data() == "exception: ValueError: x"


def test_selecting_a_job_shows_details_and_asks_for_the_full_result(panel, qtbot):
    panel.apply_jobs([job(1, JobState.DONE, result_repr="'short…'", stdout="hello\n")])
    with qtbot.waitSignal(panel.detailsRequested) as signal:
        panel.select_job(1)
    assert signal.args == [1]
    assert "hello" in panel.details.plain_text()
    panel.show_details(job(1, JobState.DONE, result_repr="'the full result'", stdout="hello\n"))
    assert "the full result" in panel.details.plain_text()


def test_failure_details_show_traceback(panel):
    failure = JobFailure(FailureKind.EXCEPTION, "ValueError: boom", "Traceback...\nValueError: boom\n")
    panel.apply_jobs([job(3, JobState.FAILED, failure=failure, worker_pid=42)])
    panel.select_job(3)
    text = panel.details.plain_text()
    assert "Error (exception): ValueError: boom" in text and "Traceback..." in text
    assert "worker 42" in text


def test_cancel_buttons(panel, qtbot):
    panel.apply_jobs([job(1, JobState.RUNNING, batch_id=4, index=0)])
    panel.select_job(1)
    with qtbot.waitSignal(panel.cancelJobRequested) as signal:
        qtbot.mouseClick(panel.cancel_job_button, Qt.MouseButton.LeftButton)
    assert signal.args == [1]
    with qtbot.waitSignal(panel.cancelBatchRequested) as signal:
        panel.cancel_batch_action.trigger()
    assert signal.args == [4]
    with qtbot.waitSignal(panel.cancelAllRequested):
        qtbot.mouseClick(panel.pool_view.cancel_all, Qt.MouseButton.LeftButton)


def test_batch_bar_progress_eta_and_results(panel, qtbot, monkeypatch):
    now = time.monotonic()
    panel.apply_batches([BatchInfo(2, "m:f", total=100, done=20, failed=5, started_mono=now - 10)])
    bar = panel.batch_bar
    assert bar.progress.value() == 25 and bar.progress.maximum() == 100
    assert bar.progress.format() == "25/100"
    assert "20 done · 5 failed" in bar.status.text() and "ETA" in bar.status.text()
    assert bar.cancel.isEnabled()
    with qtbot.waitSignal(panel.cancelBatchRequested) as signal:
        qtbot.mouseClick(bar.cancel, Qt.MouseButton.LeftButton)
    assert signal.args == [2]
    with qtbot.waitSignal(panel.copyRequested) as signal:
        qtbot.mouseClick(bar.copy_json, Qt.MouseButton.LeftButton)
    assert signal.args == [2, "json"]
    monkeypatch.setattr(panel, "ask_save_path", lambda: ("/tmp/out.csv", "csv"))
    with qtbot.waitSignal(panel.saveRequested) as signal:
        qtbot.mouseClick(bar.save, Qt.MouseButton.LeftButton)
    assert signal.args == [2, "/tmp/out.csv", "csv"]
    panel.apply_batches(
        [BatchInfo(2, "m:f", total=100, done=95, failed=5, started_mono=now - 10, ended_mono=now)]
    )
    assert "ETA" not in bar.status.text() and not bar.cancel.isEnabled()


def test_copy_text_goes_to_the_clipboard(panel):
    from PySide6.QtGui import QGuiApplication

    panel.copy_text("index,input\n0,1\n")
    assert QGuiApplication.clipboard().text() == "index,input\n0,1\n"


def test_pool_view(panel, qtbot):
    panel.apply_settings(PoolSettings(3, False))
    assert panel.pool_view.max_workers.value() == 3 and not panel.pool_view.cancellable.isChecked()
    with qtbot.waitSignal(panel.maxWorkersChanged) as signal:
        panel.pool_view.max_workers.setValue(4)
    assert signal.args == [4]
    with qtbot.waitSignal(panel.cancellableChanged) as signal:
        panel.pool_view.cancellable.setChecked(True)
    assert signal.args == [True]
    panel.apply_workers([WorkerInfo(11, True, 5, 99.0, 30 << 20, 12.0), WorkerInfo(10, False)])
    table = panel.pool_view.workers
    assert table.rowCount() == 2
    assert [table.item(0, c).text() for c in range(3)] == ["10", "idle", ""]
    assert [table.item(1, c).text() for c in range(5)] == ["11", "busy", "5", "99", "30.0 MiB"]
    assert panel.pool_view.summary.text() == "2 workers, 1 busy"


def test_workers_arriving_do_not_widen_the_panels_left_column(panel, qtbot):
    """The pool's summary ("no workers", then "2 workers, 0 busy" a second after start)
    must not push the splitter between the form and the job table."""
    panel.resize(1000, 220)
    panel.show()
    QApplication.processEvents()
    left = panel.split.widget(0)
    before = left.minimumSizeHint().width()
    panel.apply_workers([WorkerInfo(11 + i, False) for i in range(12)])
    assert panel.pool_view.summary.text() == "12 workers, 0 busy"
    for _ in range(2):  # the content's layout request, then the scroll area's
        QApplication.processEvents()
    assert left.minimumSizeHint().width() == before


def test_clear_finished(panel, qtbot):
    panel.apply_jobs([job(1, JobState.DONE), job(2, JobState.RUNNING)])
    with qtbot.waitSignal(panel.clearRequested):
        qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 1 and panel.model.info(2) is not None


def test_durations_under_a_second_are_milliseconds():
    from procdeck.ui.jobs.jobs_model import job_duration

    assert job_duration(0.0423) == "42 ms"
    assert job_duration(2.5) == "2.5s"
    assert job_duration(None) == ""


def test_clock_ticks_only_while_something_is_unfinished(panel, qtbot):
    assert not panel.ticking  # an empty panel has nothing that moves
    panel.apply_jobs([job(1, JobState.RUNNING, started_mono=time.monotonic())])
    assert panel.ticking
    panel.apply_jobs([job(1, JobState.DONE, result_repr="1", started_mono=1.0, ended_mono=2.0)])
    qtbot.waitUntil(lambda: not panel.ticking, timeout=5000)  # stops at its next tick
