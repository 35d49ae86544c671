"""The Jobs panel wired to a real worker pool on Procdeck's Qt loop."""

from __future__ import annotations

import json

import anyio
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from procdeck.compose.jobs import build_jobs_panel
from procdeck.compose.window import build
from procdeck.engine.engine import Engine
from procdeck.engine.workers.local import open_local_pool
from procdeck.ui.jobs.jobs_model import RESULT, STATE
from procdeck.ui.settings_file import SettingsFile
from tests.engine.workers.conftest import SAMPLE, wait_no_workers


async def until(predicate, timeout=20.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


def states(panel):
    model = panel.model
    return [model.index(r, STATE).data() for r in range(model.rowCount())]


@pytest.fixture
def settings(tmp_path):
    return SettingsFile(tmp_path / "settings.json")


def test_dispatch_once_and_batch_with_failures_copy_and_save(qt_run, qtbot, settings, tmp_path):
    async def scenario():
        async with open_local_pool(2) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            panel.show()
            form = panel.form
            form.target.setCurrentText(f"{SAMPLE}:shout")
            form.args.setText('["hey"]')
            qtbot.mouseClick(form.dispatch_button, Qt.MouseButton.LeftButton)
            await until(lambda: states(panel) == ["done"])
            assert panel.model.index(0, RESULT).data() == "'HEY'"
            panel.select_job(panel.model.info_at(0).job_id)
            await until(lambda: "out: hey" in panel.details.plain_text())

            form.target.setCurrentText(f"{SAMPLE}:add")
            form.args.setText("{'b': 10}")
            form.map.setChecked(True)
            form.inputs.setText("[1, 2, 'x', 4]")
            form.submit()
            await until(lambda: panel.batch_bar.batch is not None and panel.batch_bar.batch.is_complete)
            assert panel.batch_bar.progress.format() == "4/4"
            assert "3 done · 1 failed" in panel.batch_bar.status.text()
            assert states(panel).count("failed") == 1

            QGuiApplication.clipboard().clear()
            qtbot.mouseClick(panel.batch_bar.copy_json, Qt.MouseButton.LeftButton)
            await until(lambda: QGuiApplication.clipboard().text().startswith("["))
            data = json.loads(QGuiApplication.clipboard().text())
            assert [row["result"] for row in data] == [11, 12, None, 14]
            assert "TypeError" in data[2]["error"]

            out = tmp_path / "results.csv"
            panel.ask_save_path = lambda: (str(out), "csv")
            saved = []
            bridge.saved.connect(saved.append)  # (qtbot.waitSignal would nest a Qt loop)
            qtbot.mouseClick(panel.batch_bar.save, Qt.MouseButton.LeftButton)
            await until(lambda: saved == [str(out)])
            index, value, state, result, error, peak, cpu = out.read_text().splitlines()[1].split(",")
            assert (index, value, state, result, error) == ("0", "1", "done", "11", "")
            assert int(peak) > 1 << 20 and 0 <= float(cpu) < 1
            bridge.close()

    qt_run(scenario)
    assert wait_no_workers() == []


def test_bad_inputs_file_is_a_message_in_the_form(qt_run, qtbot, settings, tmp_path):
    async def scenario():
        async with open_local_pool(1) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            panel.form.target.setCurrentText(f"{SAMPLE}:add")
            panel.form.args.setText("")
            panel.form.map.setChecked(True)
            panel.form.inputs_file.setText(str(tmp_path / "missing.txt"))
            panel.form.submit()
            await until(lambda: "does not exist" in panel.form.error.text())
            good = tmp_path / "in.txt"
            good.write_text("a\nb\n")
            panel.form.args.setText("{'b': '!'}")
            panel.form.inputs_file.setText(str(good))
            panel.form.submit()
            await until(lambda: states(panel) == ["done", "done"])
            assert panel.model.index(1, RESULT).data() == "'b!'"
            bridge.close()

    qt_run(scenario)


def test_cancel_from_the_panel_and_workers_view(qt_run, qtbot, settings):
    async def scenario():
        async with open_local_pool(2) as pool:
            panel, bridge = build_jobs_panel(pool, None, settings)
            qtbot.addWidget(panel)
            panel.show()
            panel.form.target.setCurrentText(f"{SAMPLE}:sleep")
            panel.form.args.setText("")
            panel.form.map.setChecked(True)
            panel.form.inputs.setText("[30, 30, 30, 30]")
            panel.form.submit()
            # The table learns a running job's worker pid with the next workers refresh.
            await until(
                lambda: (
                    states(panel).count("running") == 2
                    and all(panel.model.info_at(r).worker_pid for r in range(2))
                )
            )
            await until(lambda: panel.pool_view.summary.text() == "2 workers, 2 busy")
            panel.select_job(panel.model.info_at(0).job_id)
            qtbot.mouseClick(panel.cancel_job_button, Qt.MouseButton.LeftButton)
            await until(lambda: states(panel)[0] == "cancelled")
            qtbot.mouseClick(panel.batch_bar.cancel, Qt.MouseButton.LeftButton)
            await until(lambda: states(panel) == ["cancelled"] * 4, timeout=5)
            assert "4 cancelled" in panel.batch_bar.status.text()
            bridge.close()

    qt_run(scenario)
    assert wait_no_workers() == []


def test_the_window_has_the_jobs_panel(qt_run, qtbot):
    async def scenario():
        async with Engine() as engine:
            parts = build(engine, on_quit=lambda: None)
            qtbot.addWidget(parts.window)
            assert "jobs" in parts.window.panels
            panel = parts.jobs.panel
            panel.form.target.setCurrentText("procdeck.tasks.builtin:count_primes")
            panel.form.args.setText("[1000]")
            panel.form.submit()
            await until(lambda: states(panel) == ["done"])
            assert panel.model.index(0, RESULT).data() == "168"
            parts.close()

    qt_run(scenario)
    assert wait_no_workers() == []
