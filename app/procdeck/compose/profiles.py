"""Wires the profiles feature: engine.profiles <-> ProfilesBridge <-> ProfilesPanel.

Adds the Profiles dock, "Save as profile…" and "Launch profile" actions, and makes a
stop/kill/remove in the runs table cancel a pending automatic restart. Loading the file
(in a worker thread) starts here; it never launches anything.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from procdeck.bridge.profiles_bridge import ProfilesBridge
from procdeck.core.probes import Health
from procdeck.core.profile import EnvVar, profile_from_spec, unique_name
from procdeck.ui.profiles.panel import ProfilesPanel

if TYPE_CHECKING:
    from procdeck.compose.window import AppParts


def _name_for(spec_name: str | None, command: str | tuple[str, ...]) -> str:
    if spec_name:
        return spec_name
    first = (
        command.split()[0]
        if isinstance(command, str) and command.split()
        else (command[0] if command else "")
    )
    return os.path.basename(first) or "profile"


def wire(parts: AppParts) -> tuple[ProfilesBridge, ProfilesPanel]:
    window = parts.window
    bridge = ProfilesBridge(parts.engine.profiles, parts.spawner, window)
    panel = ProfilesPanel()
    dock = window.add_panel("profiles", "Profiles", panel, Qt.DockWidgetArea.LeftDockWidgetArea)

    panel.saveRequested.connect(bridge.save)
    panel.deleteRequested.connect(bridge.delete)
    panel.restoreRequested.connect(bridge.restore)
    panel.launchRequested.connect(bridge.launch)
    panel.launchGroupRequested.connect(bridge.launch_group)
    panel.reloadRequested.connect(bridge.reload)
    panel.restoreBackupRequested.connect(bridge.restore_backup)
    panel.importRequested.connect(bridge.import_path)
    panel.exportRequested.connect(bridge.export)
    panel.cancelLaunchRequested.connect(bridge.cancel_launches)
    panel.restartWithDependentsRequested.connect(bridge.restart_with_dependents)
    bridge.groupChanged.connect(panel.set_group_launch)
    bridge.runsChanged.connect(
        lambda runs, _history: window.runs_model.set_health(
            {r.run_id: r.health.value for r in runs if r.health is not Health.UNKNOWN}
        )
    )

    bridge.profilesChanged.connect(
        lambda profiles, read_only: panel.set_profiles(profiles, read_only=read_only)
    )
    bridge.problem.connect(
        lambda text, can_restore: (
            panel.show_problem(text, can_restore=can_restore) if text else panel.clear_problem()
        )
    )
    bridge.deleted.connect(panel.show_deleted)
    bridge.runsChanged.connect(panel.set_runs)
    bridge.launched.connect(window.table.select_run)
    bridge.message.connect(window.show_message)
    bridge.failed.connect(window.show_message)

    # A run stopped by hand is not restarted by its profile's policy.
    window.table.stopRequested.connect(bridge.cancel_restart)
    window.table.killRequested.connect(bridge.cancel_restart)
    window.table.removeRequested.connect(bridge.cancel_restart)

    def save_current_run() -> None:
        run_id = window.table.current_run()
        info = window.runs_model.info(run_id) if run_id is not None else None
        if info is None:
            window.show_message("Select a run in the table to save it as a profile.")
            return
        taken = [p.name for p in panel.profiles()]
        profile = profile_from_spec(
            info.spec, unique_name(_name_for(info.spec.name, info.spec.command), taken)
        )
        source = bridge.profile_of_run(info.run_id)
        if source is not None:
            # Keep what the spec cannot carry: secret marks, restart policy, group, order.
            secret = source.secret_names
            profile = profile.with_changes(
                env=tuple(EnvVar(v.name, v.value, v.name in secret) for v in profile.env),
                restart=source.restart,
                group=source.group,
                tags=source.tags,
                start_after=source.start_after,
                notes=source.notes,
            )
        dock.show()
        dock.raise_()
        panel.open_editor(profile, as_new=True)

    save_action = QAction("Save as profile…", window)
    save_action.setObjectName("saveAsProfile")
    save_action.triggered.connect(save_current_run)
    window.add_action("Run", save_action)
    launch_action = QAction("Launch selected profile", window)
    launch_action.triggered.connect(panel.launch_current)
    window.add_action("Run", launch_action)

    bridge.open()
    return bridge, panel
