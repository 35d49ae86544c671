"""The Profiles panel: groups and search, intents it emits, undo, status and last runs."""

from __future__ import annotations

import time

from procdeck.core.profile import EnvVar, Profile
from procdeck.core.profile_run import ProfileRun, RunSummary
from procdeck.core.restart_policy import RestartStatus
from procdeck.ui.profiles.panel import NAME_ROLE, ProfilesPanel

PROFILES = [
    Profile("db", ["postgres"], group="backend", tags=("data",)),
    Profile("api", "make api", shell=True, group="backend", env=(EnvVar("TOKEN", "hunter2", secret=True),)),
    Profile("docs", ["mkdocs", "serve"]),
]


def make(qtbot) -> ProfilesPanel:
    panel = ProfilesPanel()
    qtbot.addWidget(panel)
    panel.set_profiles(PROFILES)
    return panel


def names_shown(panel: ProfilesPanel) -> list[str]:
    return [item.data(0, NAME_ROLE) for item in panel._items() if item.data(0, NAME_ROLE)]


def test_groups_and_search(qtbot) -> None:
    panel = make(qtbot)
    assert panel.tree.topLevelItemCount() == 2  # "backend" group + ungrouped "docs"
    assert panel.tree.topLevelItem(0).text(0) == "backend" and panel.tree.topLevelItem(0).childCount() == 2
    panel.search.setText("data")
    assert names_shown(panel) == ["db"]
    panel.search.setText("make")
    assert names_shown(panel) == ["api"]
    panel.search.setText("")
    assert names_shown(panel) == ["db", "api", "docs"]


def test_buttons_emit_intents(qtbot) -> None:
    panel = make(qtbot)
    panel.select("api")
    with qtbot.waitSignal(panel.launchRequested) as launched:
        panel.launch_button.click()
    assert launched.args == ["api"]
    with qtbot.waitSignal(panel.launchGroupRequested) as group:
        panel.launch_group_button.click()
    assert group.args == ["backend"]
    with qtbot.waitSignal(panel.deleteRequested) as deleted:
        panel.delete_button.click()
    assert deleted.args == ["api"]
    panel.select("docs")
    assert not panel.launch_group_button.isEnabled()


def test_secret_is_masked_in_details(qtbot) -> None:
    panel = make(qtbot)
    panel.select("api")
    text = panel.details.text()
    assert "TOKEN=••••••" in text and "hunter2" not in text


def test_edit_and_duplicate_go_through_the_editor(qtbot) -> None:
    panel = make(qtbot)
    panel.select("db")
    panel.edit_button.click()
    editor = panel.editor
    assert editor is not None and editor.name.text() == "db"
    editor.command.setPlainText("postgres -D /data")
    with qtbot.waitSignal(panel.saveRequested) as saved:
        editor._try_accept()
    profile, replacing = saved.args
    assert replacing == "db" and profile.command == ("postgres", "-D", "/data") and profile.group == "backend"
    panel.duplicate_current()
    copy = panel.editor
    assert copy.name.text() == "db copy"
    copy.name.setText("api")  # taken by another profile
    assert "already exists" in copy.errors["name"].text()
    copy.name.setText("db2")
    with qtbot.waitSignal(panel.saveRequested) as saved:
        copy._try_accept()
    assert saved.args[0].name == "db2" and saved.args[1] is None


def test_undo_after_delete(qtbot) -> None:
    panel = make(qtbot)
    panel.show_deleted(PROFILES[1], 1)
    assert not panel.banner_box.isHidden() and "Deleted profile 'api'" in panel.banner.text()
    with qtbot.waitSignal(panel.restoreRequested) as restored:
        panel.undo_button.click()
    assert restored.args == [PROFILES[1], 1] and panel.banner_box.isHidden()


def test_problem_banner_offers_restore(qtbot) -> None:
    panel = make(qtbot)
    panel.show_problem("The profiles file cannot be used: line 3", can_restore=True)
    assert not panel.restore_button.isHidden() and panel.undo_button.isHidden()
    with qtbot.waitSignal(panel.restoreBackupRequested):
        panel.restore_button.click()


def test_read_only_disables_editing(qtbot) -> None:
    panel = ProfilesPanel()
    qtbot.addWidget(panel)
    panel.set_profiles(PROFILES, read_only=True)
    panel.select("db")
    assert (
        not panel.edit_button.isEnabled()
        and not panel.delete_button.isEnabled()
        and not panel.new_button.isEnabled()
    )
    assert panel.launch_button.isEnabled()


def test_restart_status_and_last_runs(qtbot) -> None:
    panel = make(qtbot)
    now = time.monotonic()
    runs = [ProfileRun("db", 7, RestartStatus(restarts=2, next_restart_at=now + 5))]
    history = {
        "db": [
            RunSummary(7, time.time(), 1.5, "1", False),
            RunSummary(7, time.time() - 10, 12.0, "SIGKILL", False),
        ]
    }
    panel.set_runs(runs, history)
    panel.select("db")
    item = next(i for i in panel._items() if i.data(0, NAME_ROLE) == "db")
    assert "restart #3 in" in item.text(2)
    assert panel._tick.isActive()  # counts down
    details = panel.details.text()
    assert "Last runs:" in details and "exit 1" in details and "exit SIGKILL" in details and "1.5s" in details
    panel.set_runs(
        [
            ProfileRun(
                "db", 7, RestartStatus(restarts=3, gave_up="gave up after 3 restarts in 60 s"), finished=True
            )
        ],
        history,
    )
    assert "gave up after 3 restarts" in item.text(2) and not panel._tick.isActive()


def test_open_editor_is_told_when_the_list_changes(qtbot) -> None:
    panel = make(qtbot)
    panel.select("db")
    panel.edit_button.click()
    assert panel.editor.notice.isHidden()
    panel.set_profiles([*PROFILES, Profile("new-on-disk", ["x"])])
    assert not panel.editor.notice.isHidden() and "changed" in panel.editor.notice.text()


def test_pending_restart_is_not_shown_as_running(qtbot) -> None:
    panel = make(qtbot)
    panel.set_runs([ProfileRun("db", 1, RestartStatus(restarts=0, next_restart_at=time.monotonic() + 9))], {})
    item = next(i for i in panel._items() if i.data(0, NAME_ROLE) == "db")
    assert item.text(2).startswith("restart #1 in") and "running" not in item.text(2)
    panel.set_runs([ProfileRun("db", 1, RestartStatus(restarts=1))], {})
    assert item.text(2) == "running · restarted 1x"
