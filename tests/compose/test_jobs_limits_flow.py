"""Timeouts, Show stacks, memory limits and peak RSS / CPU in the Jobs panel, on real
workers and Procdeck's Qt loop (offscreen)."""

from __future__ import annotations

import anyio
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication

from procdeck.compose.jobs import build_jobs_panel
from procdeck.core.jobs import PoolSettings
from procdeck.engine.workers.local import open_local_pool
from procdeck.ui.jobs.jobs_model import CPU, PEAK_RSS, RESULT, STATE
from tests.engine.workers.conftest import SAMPLE, wait_no_workers


async def until(predicate, timeout=30.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


def states(panel):
    model = panel.model
    return [model.index(r, STATE).data() for r in range(model.rowCount())]


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "procdeck.ini"), QSettings.Format.IniFormat)


def test_timeout_from_the_form_fails_with_the_stacks_in_the_details(qt_run, qtbot, settings):
    async def scenario():
        async with open_local_pool(1) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            panel.show()
            form = panel.form
            form.target.setCurrentText(f"{SAMPLE}:spin_forever_here")
            form.args.setText("")
            form.timeout.setText("1")
            qtbot.mouseClick(form.dispatch_button, Qt.MouseButton.LeftButton)
            await until(lambda: states(panel) == ["failed"])
            assert panel.model.index(0, RESULT).data().startswith("timed out: timed out after 1 s")
            panel.select_job(panel.model.info_at(0).job_id)
            await until(lambda: "in spin_forever_here" in panel.details.plain_text())
            assert "Stacks of the worker's threads at the timeout" in panel.details.plain_text()
            qtbot.mouseClick(panel.details.copy_button, Qt.MouseButton.LeftButton)
            assert "in spin_forever_here" in QGuiApplication.clipboard().text()
            bridge.close()

    qt_run(scenario)
    assert wait_no_workers() == []


def test_show_stacks_of_a_running_job_leaves_it_running(qt_run, qtbot, settings):
    async def scenario():
        async with open_local_pool(1) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            panel.show()
            assert not panel.show_stacks_button.isEnabled()  # nothing selected
            form = panel.form
            form.target.setCurrentText(f"{SAMPLE}:spin_with_a_thread")
            form.args.setText("[4.0]")
            form.submit()
            await until(lambda: states(panel) == ["running"] and panel.model.info_at(0).worker_pid)
            panel.select_job(panel.model.info_at(0).job_id)
            await until(panel.show_stacks_button.isEnabled)
            qtbot.mouseClick(panel.show_stacks_button, Qt.MouseButton.LeftButton)
            await until(lambda: "in helper_thread_waits" in panel.details.plain_text())
            text = panel.details.plain_text()
            assert "--- stacks at " in text and "in spin_with_a_thread" in text
            await until(lambda: states(panel) == ["done"])
            assert not panel.show_stacks_button.isEnabled()
            # The dump stays in the details of the finished job.
            await until(lambda: "Result:" in panel.details.plain_text())
            assert "in spin_with_a_thread" in panel.details.plain_text()
            bridge.close()

    qt_run(scenario)
    assert wait_no_workers() == []


def test_memory_limits_peak_rss_and_cpu_columns(qt_run, qtbot, settings):
    async def scenario():
        async with open_local_pool(1) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            panel.show()
            form = panel.form
            # A mistake is a message and nothing typed is lost.
            form.target.setCurrentText(f"{SAMPLE}:touch_memory")
            form.args.setText("[400]")
            form.memory_limit.setText("lots")
            assert form.submit() is None
            assert "is not a size" in form.error.text()
            assert (form.args.text(), form.memory_limit.text()) == ("[400]", "lots")
            assert panel.model.rowCount() == 0

            form.memory_limit.setText("150M")
            form.submit()
            await until(lambda: states(panel) == ["failed"])
            assert "memory limit of 150 MiB" in panel.model.index(0, RESULT).data()

            # The pool-wide default applies to a dispatch without its own limit.
            form.memory_limit.setText("")
            panel.pool_view.memory_limit.setText("120M")
            panel.pool_view.memory_limit.editingFinished.emit()
            assert pool.settings.memory_limit == 120 << 20
            form.submit()
            await until(lambda: states(panel) == ["failed", "failed"])
            assert "memory limit of 120 MiB" in panel.model.index(1, RESULT).data()
            panel.pool_view.memory_limit.setText("2 parsecs")
            panel.pool_view.memory_limit.editingFinished.emit()
            assert "is not a size" in panel.pool_view.memory_error.text()
            assert pool.settings.memory_limit == 120 << 20  # unchanged

            form.args.setText("[50]")
            form.submit()
            await until(lambda: states(panel) == ["failed", "failed", "done"])
            peak = panel.model.index(2, PEAK_RSS).data()
            assert peak.endswith("MiB") and float(peak.split()[0]) >= 50
            assert panel.model.index(2, CPU).data().endswith(("ms", "µs"))
            panel.select_job(panel.model.info_at(2).job_id)
            await until(lambda: "peak RSS" in panel.details.plain_text())
            bridge.close()

    qt_run(scenario)
    assert wait_no_workers() == []


def test_limits_a_backend_cannot_enforce_are_named(qtbot):
    from procdeck.ui.jobs.panel import JobsPanel

    panel = JobsPanel()
    qtbot.addWidget(panel)
    panel.apply_settings(PoolSettings(2, True, None, True, True))
    assert panel.form.limits_note.isHidden()
    panel.apply_settings(PoolSettings(2, True, None, True, False))
    assert not panel.form.limits_note.isHidden()
    assert "cannot enforce memory limits" in panel.form.limits_note.text()
    assert not panel.pool_view.memory_limit.isEnabled()
