"""The Profiles panel: search, groups, New/Edit/Duplicate/Delete (with undo), Launch.

Widgets only: it shows core values (Profile, ProfileRun, RunSummary) and emits intent
signals; the owner performs them (saving, launching) and feeds the results back with
``set_profiles``, ``set_runs``, ``show_deleted``... Loading profiles never launches
anything: only the Launch buttons (or a double click) do.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.group_graph import GroupLaunchState
from procdeck.core.probes import Health
from procdeck.core.profile import Profile, unique_name
from procdeck.core.profile_run import ProfileRun, RunSummary
from procdeck.core.run_state import format_duration
from procdeck.ui.profiles.editor import ProfileEditor
from procdeck.ui.profiles.group_graph import GroupGraphView

NAME_ROLE = Qt.ItemDataRole.UserRole
GROUP_ROLE = Qt.ItemDataRole.UserRole + 1
NO_GROUP = "(no group)"


class ProfilesPanel(QWidget):
    saveRequested = Signal(object, object)  # Profile, name it replaces (str) or None for a new one
    deleteRequested = Signal(str)
    restoreRequested = Signal(object, int)  # undo of a delete: Profile, position
    launchRequested = Signal(str)
    launchGroupRequested = Signal(str)
    reloadRequested = Signal()
    restoreBackupRequested = Signal()
    importRequested = Signal(str)  # a file path
    exportRequested = Signal(str, list)  # a file path, profile names
    cancelLaunchRequested = Signal()  # cancel group launches still waiting
    restartWithDependentsRequested = Signal(str)  # profile name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profilesPanel")
        self._profiles: list[Profile] = []
        self._runs: dict[str, list[ProfileRun]] = {}
        self._history: dict[str, list[RunSummary]] = {}
        self._read_only = False
        self._undo: tuple[Profile, int] | None = None
        self.editor: ProfileEditor | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search profiles")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._rebuild)

        self.tree = QTreeWidget()
        self.tree.setObjectName("profilesTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Profile", "Command", "Status"])
        self.tree.setUniformRowHeights(True)
        self.tree.setRootIsDecorated(True)
        self.tree.currentItemChanged.connect(lambda *_: self._selection_changed())
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._double_clicked(item))

        self.banner = QLabel()
        self.banner.setObjectName("profilesBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self._do_undo)
        self.restore_button = QPushButton("Restore backup")
        self.restore_button.clicked.connect(self.restoreBackupRequested)
        self.reload_button = QPushButton("Reload")
        self.reload_button.clicked.connect(self.reloadRequested)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        for button in (self.undo_button, self.restore_button, self.reload_button):
            banner_row.addWidget(button)
        self.banner_box = QWidget()
        self.banner_box.setLayout(banner_row)
        self.banner_box.hide()

        self.new_button = QPushButton("New")
        self.edit_button = QPushButton("Edit")
        self.duplicate_button = QPushButton("Duplicate")
        self.delete_button = QPushButton("Delete")
        self.launch_button = QPushButton("Launch")
        self.launch_group_button = QPushButton("Launch group")
        self.more_button = QToolButton()
        self.more_button.setText("More")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more = QMenu(self.more_button)
        self.import_action = QAction("Import (TOML, Procfile, process-compose)…", self)
        self.export_action = QAction("Export selected…", self)
        self.reload_action = QAction("Reload from disk", self)
        self.restart_dependents_action = QAction("Restart with dependents", self)
        self.restart_dependents_action.triggered.connect(self._restart_with_dependents)
        self.cancel_launch_action = QAction("Cancel waiting launch", self)
        self.cancel_launch_action.setEnabled(False)
        self.cancel_launch_action.triggered.connect(self.cancelLaunchRequested)
        more.addActions([self.import_action, self.export_action, self.reload_action])
        more.addSeparator()
        more.addActions([self.restart_dependents_action, self.cancel_launch_action])
        self.more_button.setMenu(more)
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.current_profile()))
        self.duplicate_button.clicked.connect(self.duplicate_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.launch_button.clicked.connect(self.launch_current)
        self.launch_group_button.clicked.connect(self.launch_current_group)
        self.import_action.triggered.connect(self._ask_import)
        self.export_action.triggered.connect(self._ask_export)
        self.reload_action.triggered.connect(self.reloadRequested)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.duplicate_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for widget in (self.launch_button, self.launch_group_button, self.more_button):
            buttons.addWidget(widget)

        self.details = QLabel()
        self.details.setObjectName("profileDetails")
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setTextFormat(Qt.TextFormat.PlainText)

        self.graph = GroupGraphView()
        self.graph_area = QScrollArea()
        self.graph_area.setObjectName("groupGraphArea")
        self.graph_area.setWidget(self.graph)
        self.graph_area.setWidgetResizable(True)
        self.graph_area.hide()  # shown once a group was launched

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.details)
        split.addWidget(self.graph_area)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.banner_box)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

        # "next restart in N s" counts down while a restart is pending.
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_status)
        self._selection_changed()

    # -- state from the owner -----------------------------------------------------------

    def set_profiles(self, profiles: Iterable[Profile], *, read_only: bool = False) -> None:
        profiles = list(profiles)
        if self.editor is not None and profiles != self._profiles:
            self.editor.set_notice(
                "The profile list changed (the file was edited or reloaded). Saving applies this "
                "profile on top of the current list; nothing else is overwritten."
            )
        self._profiles = profiles
        self._read_only = read_only
        self._rebuild()

    def profiles(self) -> list[Profile]:
        return list(self._profiles)

    def show_problem(self, message: str, *, can_restore: bool = False) -> None:
        """A load/save problem, kept visible until the next successful load."""
        self._undo = None
        self._show_banner(message, undo=False, restore=can_restore, reload=True)

    def clear_problem(self) -> None:
        if self._undo is None:
            self.banner_box.hide()

    def show_deleted(self, profile: Profile, index: int) -> None:
        self._undo = (profile, index)
        self._show_banner(f"Deleted profile {profile.name!r}.", undo=True)

    def set_runs(self, runs: Iterable[ProfileRun], history: Mapping[str, list[RunSummary]]) -> None:
        self._runs = {}
        for run in runs:
            self._runs.setdefault(run.profile, []).append(run)
        self._history = dict(history)
        self._refresh_status()

    # -- actions ------------------------------------------------------------------------

    def set_group_launch(self, state: GroupLaunchState | None) -> None:
        """The latest group launch (its graph); a waiting one can be cancelled."""
        self.graph.set_state(state)
        self.graph_area.setVisible(state is not None)
        self.cancel_launch_action.setEnabled(state is not None and not state.settled)

    def _restart_with_dependents(self) -> None:
        profile = self.current_profile()
        if profile is not None:
            self.restartWithDependentsRequested.emit(profile.name)

    def current_profile(self) -> Profile | None:
        item = self.tree.currentItem()
        name = item.data(0, NAME_ROLE) if item else None
        return next((p for p in self._profiles if p.name == name), None)

    def current_group(self) -> str | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        group = item.data(0, GROUP_ROLE)
        return group or None

    def select(self, name: str) -> None:
        for item in self._items():
            if item.data(0, NAME_ROLE) == name:
                self.tree.setCurrentItem(item)
                return

    def open_editor(self, profile: Profile | None, *, as_new: bool = False) -> ProfileEditor:
        """Open the editor (window-modal, non-blocking); Save emits saveRequested."""
        if self.editor is not None:
            self.editor.close()
        taken = [p.name for p in self._profiles]
        groups = [p.group for p in self._profiles if p.group]
        editing = profile if not as_new else None
        editor = ProfileEditor(profile, taken_names=taken, groups=groups, parent=self)
        if as_new:
            editor.original = None
            editor._taken = set(taken)
            editor.setWindowTitle("New profile")
            editor.validate()
        replacing = editing.name if editing else None
        editor.accepted.connect(lambda: self.saveRequested.emit(editor.profile(), replacing))
        editor.finished.connect(lambda _r: self._editor_closed(editor))
        self.editor = editor
        editor.setWindowModality(Qt.WindowModality.WindowModal)
        editor.show()
        return editor

    def duplicate_current(self) -> None:
        profile = self.current_profile()
        if profile is None:
            return
        copy = profile.with_changes(
            name=unique_name(f"{profile.name} copy", [p.name for p in self._profiles])
        )
        self.open_editor(copy, as_new=True)

    def delete_current(self) -> None:
        profile = self.current_profile()
        if profile is not None and not self._read_only:
            self.deleteRequested.emit(profile.name)

    def launch_current(self) -> None:
        profile = self.current_profile()
        if profile is not None:
            self.launchRequested.emit(profile.name)

    def launch_current_group(self) -> None:
        group = self.current_group()
        if group:
            self.launchGroupRequested.emit(group)

    # -- internals ----------------------------------------------------------------------

    def _editor_closed(self, editor: ProfileEditor) -> None:
        if self.editor is editor:
            self.editor = None
        editor.deleteLater()

    def _do_undo(self) -> None:
        if self._undo is not None:
            profile, index = self._undo
            self._undo = None
            self.banner_box.hide()
            self.restoreRequested.emit(profile, index)

    def _show_banner(
        self, text: str, *, undo: bool = False, restore: bool = False, reload: bool = False
    ) -> None:
        self.banner.setText(text)
        self.undo_button.setVisible(undo)
        self.restore_button.setVisible(restore)
        self.reload_button.setVisible(reload)
        self.banner_box.show()

    def _items(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is not None:
                out.append(top)
                out.extend(child for j in range(top.childCount()) if (child := top.child(j)) is not None)
        return out

    def _matches(self, p: Profile, needle: str) -> bool:
        if not needle:
            return True
        hay = " ".join(
            [p.name, p.group or "", " ".join(p.tags), p.command_text, p.notes, p.cwd or ""]
        ).lower()
        return all(word in hay for word in needle.lower().split())

    def _rebuild(self) -> None:
        current = self.current_profile()
        current_name = current.name if current else None
        self.tree.clear()
        needle = self.search.text().strip()
        groups: dict[str, QTreeWidgetItem] = {}
        bold = QFont()
        bold.setBold(True)
        for p in self._profiles:
            if not self._matches(p, needle):
                continue
            parent: QTreeWidget | QTreeWidgetItem = self.tree
            if p.group:
                if p.group not in groups:
                    header = QTreeWidgetItem(self.tree, [p.group, "", ""])
                    header.setFont(0, bold)
                    header.setData(0, GROUP_ROLE, p.group)
                    header.setFirstColumnSpanned(False)
                    groups[p.group] = header
                parent = groups[p.group]
            item = QTreeWidgetItem(parent, [p.name, p.preview(), ""])
            item.setData(0, NAME_ROLE, p.name)
            item.setData(0, GROUP_ROLE, p.group or "")
            item.setToolTip(1, p.preview())
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        if current_name:
            self.select(current_name)
        self._refresh_status()
        self._selection_changed()

    def _status_text(self, name: str, now: float) -> str:
        runs = self._runs.get(name, [])
        live = [r for r in runs if not r.finished and r.restart.next_restart_at is None]
        parts = []
        if live:
            parts.append("running" if len(live) == 1 else f"{len(live)} running")
            health = live[-1].health
            if health is not Health.UNKNOWN:
                parts.append(health.value)
        for run in runs[-1:]:
            text = run.restart.describe(now)
            if text:
                parts.append(text)
        if not parts and self._history.get(name):
            last = self._history[name][0]
            parts.append(f"last: {last.status}")
        return " · ".join(parts)

    def _refresh_status(self) -> None:
        now = time.monotonic()
        pending = False
        for item in self._items():
            name = item.data(0, NAME_ROLE)
            if name:
                item.setText(2, self._status_text(name, now))
        for runs in self._runs.values():
            pending = pending or any(r.restart.next_restart_at is not None for r in runs)
        if pending and not self._tick.isActive():
            self._tick.start()
        elif not pending:
            self._tick.stop()
        self._update_details()

    def _selection_changed(self) -> None:
        profile = self.current_profile()
        group = self.current_group()
        editable = not self._read_only
        self.new_button.setEnabled(editable)
        self.edit_button.setEnabled(profile is not None and editable)
        self.duplicate_button.setEnabled(profile is not None and editable)
        self.delete_button.setEnabled(profile is not None and editable)
        self.launch_button.setEnabled(profile is not None)
        self.launch_group_button.setEnabled(bool(group))
        self.launch_group_button.setText(f"Launch group {group!r}" if group else "Launch group")
        self.import_action.setEnabled(editable)
        self._update_details()

    def _update_details(self) -> None:
        profile = self.current_profile()
        if profile is None:
            self.details.setText("")
            return
        lines = [f"Runs: {profile.preview()}"]
        if profile.cwd:
            lines.append(f"In: {profile.cwd}")
        if profile.env:
            lines.append(
                "Env: "
                + ", ".join(
                    f"{v.name}={v.shown_value()}" if v.value is not None else f"unset {v.name}"
                    for v in profile.env
                )
            )
        lines.append(f"Restart: {profile.restart.describe()}")
        for dep in profile.start_after:
            lines.append(f"Starts after {dep.profile!r} {dep.condition.label}")
        for path in profile.env_files:
            lines.append(f"Env file: {path}")
        for role, probe in (("Readiness", profile.readiness), ("Liveness", profile.liveness)):
            if probe is not None:
                lines.append(f"{role}: {probe.describe()} every {probe.period_s:g} s")
        if profile.watch is not None:
            lines.append(f"Restarts when these change: {', '.join(profile.watch.paths)}")
        runs = self._runs.get(profile.name, [])
        if runs and runs[-1].health_detail:
            lines.append(f"Health: {runs[-1].health.value} ({runs[-1].health_detail})")
        if runs and runs[-1].last_restart_reason:
            lines.append(f"Last restart: {runs[-1].last_restart_reason}")
        status = self._status_text(profile.name, time.monotonic())
        if status:
            lines.append(f"Status: {status}")
        history = self._history.get(profile.name, [])
        if history:
            lines.append("Last runs:")
            for run in history[:5]:
                when = time.strftime("%H:%M:%S", time.localtime(run.started_at)) if run.started_at else "—"
                lines.append(f"  {when}  {format_duration(run.duration_s) or '—':>7}  exit {run.status}")
        if profile.notes:
            lines.append(profile.notes)
        self.details.setText("\n".join(lines))

    def _double_clicked(self, item: QTreeWidgetItem) -> None:
        # Like an IDE's run configurations: double click edits; launching is explicit.
        if item.data(0, NAME_ROLE) and not self._read_only:
            self.open_editor(self.current_profile())

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import profiles", "", "Profiles (*.toml *.yaml *.yml Procfile*);;All files (*)"
        )
        if path:
            self.importRequested.emit(path)

    def _ask_export(self) -> None:
        profile = self.current_profile()
        group = self.current_group()
        names = [profile.name] if profile else [p.name for p in self._profiles if group and p.group == group]
        if not names:
            names = [p.name for p in self._profiles]
        path, _ = QFileDialog.getSaveFileName(
            self, "Export profiles", "profiles-export.toml", "TOML (*.toml)"
        )
        if path:
            self.exportRequested.emit(path, names)
