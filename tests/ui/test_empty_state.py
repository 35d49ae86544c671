"""Empty views say in one line what to do, and the hint goes once there is content."""

from __future__ import annotations

from procdeck.core.process_spec import ProcessSpec
from procdeck.core.profile import Profile
from procdeck.core.run_state import RunInfo, RunState
from procdeck.ui.jobs.panel import JobsPanel
from procdeck.ui.profiles.panel import ProfilesPanel
from procdeck.ui.runs_model import RunsModel
from procdeck.ui.runs_table import RunsTable
from procdeck.ui.viewer.output_viewer import OutputViewer


def _shown(hint) -> bool:
    return hint.isVisible() and hint.width() > 0 and hint.height() >= hint.fontMetrics().height()


def test_runs_table_hint_names_the_shortcut_and_goes_with_the_first_run(qtbot):
    model = RunsModel()
    table = RunsTable(model)
    qtbot.addWidget(table)
    table.resize(600, 200)
    table.show()
    assert _shown(table.empty_hint) and "Ctrl+L" in table.empty_hint.text()
    model.upsert([RunInfo(1, ProcessSpec(("sleep", "1")), RunState.RUNNING, pid=5)])
    assert not table.empty_hint.isVisible()
    model.remove(1)
    assert _shown(table.empty_hint)


def test_viewer_hint_until_a_run_is_shown(qtbot):
    viewer = OutputViewer()
    qtbot.addWidget(viewer)
    viewer.resize(600, 300)
    viewer.show()
    assert _shown(viewer.empty_hint) and "Ctrl+F" in viewer.empty_hint.text()


def test_profiles_hint_for_no_profiles_and_for_no_match(qtbot):
    panel = ProfilesPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 400)
    panel.show()
    assert _shown(panel.empty_hint) and "Ctrl+Shift+S" in panel.empty_hint.text()
    panel.set_profiles([Profile(name="web", command=("sleep", "1"))])
    assert not panel.empty_hint.isVisible()
    panel.search.setText("nothing like it")
    assert _shown(panel.empty_hint) and "matches" in panel.empty_hint.text()


def test_job_table_hint(qtbot):
    panel = JobsPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 250)
    panel.show()
    assert _shown(panel.empty_hint) and "Dispatch" in panel.empty_hint.text()
