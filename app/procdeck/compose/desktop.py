"""Wires the desktop features into the window: menus, icons, theme, saved layout, About,
notifications and the log folder.

Settings live in ``settings.json`` beside the profiles, in the config folder
(``--config-dir``, else ``$PROCDECK_CONFIG_DIR``, else ``~/.config/procdeck`` on Linux):
plain values only (procdeck.ui.settings_file), never QSettings' ini format, which
unpickles stored Python objects when it reads them. An old ``procdeck.ini`` is migrated
once without being unpickled.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication

from procdeck.ui.cursor_blink import BlinkTimeout
from procdeck.ui.icons import action_icon
from procdeck.ui.notifier import DEFAULT_MIN_SECONDS, Notifier
from procdeck.ui.settings_store import SettingsStore
from procdeck.ui.theme import ThemeManager, ThemeMode, restyle_charts

if TYPE_CHECKING:
    from procdeck.compose.shell import WindowShell
    from procdeck.compose.window import AppParts
    from procdeck.ui.about_dialog import AboutDialog
    from procdeck.ui.main_window import MainWindow

RUN_ACTION_ICONS = {"stop": "stop", "kill": "kill", "restart": "restart", "remove": "remove"}


@dataclass
class DesktopParts:
    """The desktop features of one window; close() when the window goes away."""

    store: SettingsStore
    theme: ThemeManager
    notifier: Notifier
    log_file: Path | None
    restored: bool
    actions: dict[str, QAction] = field(default_factory=dict)
    about: AboutDialog | None = None
    blink: BlinkTimeout | None = None

    def save(self, window: object) -> None:
        from PySide6.QtWidgets import QMainWindow

        if isinstance(window, QMainWindow):
            self.store.save_window(window)
        self.store.set_value("appearance/theme", self.theme.mode.value)
        self.store.set_value("notifications/enabled", self.notifier.enabled)
        self.store.sync()

    def close(self) -> None:
        if self.blink is not None:
            self.blink.close()
        self.notifier.close()
        self.theme.close()


def _action(
    parts: AppParts,
    text: str,
    tip: str,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    icon: str | None = None,
) -> QAction:
    action = QAction(text, parts.window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    shortcut_text = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({shortcut_text})" if shortcut_text else tip)
    action.setStatusTip(tip)
    if icon is not None:
        action.setIcon(action_icon(icon))
    return action


# Shortcuts for actions other features add without one (only when the key is free).
EXTRA_SHORTCUTS = {
    "Quit": "Ctrl+Q",
    "Save as profile…": "Ctrl+Shift+S",
    "Launch selected profile": "Ctrl+Shift+L",
    "Reset Layout": "Ctrl+Shift+R",
    "About Procdeck": "F1",
    "Open Log Folder": "Ctrl+Shift+G",
    "Notify When Long Runs End": "Ctrl+Shift+N",
}


def _complete_actions(window: MainWindow) -> None:
    """Every menu action gets a shortcut and a tooltip that names it.

    Panel toggles (View menu, one per dock) get Alt+1, Alt+2... in menu order; actions
    listed in EXTRA_SHORTCUTS get theirs when free; tooltips that only repeat the text
    say what the action does, and every tooltip ends with its shortcut.
    """
    menus = window.menus
    actions = [
        a for menu in menus.values() for a in menu.actions() if not a.isSeparator() and a.menu() is None
    ]
    used = {a.shortcut().toString() for a in actions if not a.shortcut().isEmpty()}
    docks = {dock.toggleViewAction(): dock for dock in window.panels.values()}
    panel_number = 1
    for action in actions:
        text = action.text().replace("&", "")
        wanted = None
        if action in docks:
            wanted = f"Alt+{panel_number}" if panel_number <= 9 else None
            panel_number += 1
            if action.toolTip() in ("", text):
                action.setToolTip(f"Show or hide the {docks[action].windowTitle()} panel")
        elif text in EXTRA_SHORTCUTS:
            wanted = EXTRA_SHORTCUTS[text]
        if action.shortcut().isEmpty() and wanted and wanted not in used:
            action.setShortcut(QKeySequence(wanted))
            used.add(wanted)
        if action.toolTip() in ("", text):
            action.setToolTip(text)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        tip = action.toolTip()
        if tip.endswith("()"):
            tip = tip[:-2].rstrip()
        if shortcut and f"({shortcut})" not in tip:
            tip = f"{tip} ({shortcut})"
        action.setToolTip(tip)


def wire(parts: AppParts, shell: WindowShell, *, log_file: Path | None = None) -> DesktopParts:
    """The desktop features of ``shell``'s window (its theme, icon and layout are in place)."""
    window = parts.window
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    icon = window.windowIcon()
    store = SettingsStore(shell.settings)
    theme = shell.theme
    restyle_charts(window)
    theme.changed.connect(lambda _dark: restyle_charts(window))
    notifier = Notifier(icon, window)
    notifier.enabled = store.bool_value("notifications/enabled", False)
    notifier.min_seconds = store.float_value("notifications/min_seconds", DEFAULT_MIN_SECONDS)
    desktop = DesktopParts(
        store=store, theme=theme, notifier=notifier, log_file=log_file, restored=shell.restored
    )
    desktop.blink = BlinkTimeout(app, parent=window)  # idle: no cursor repaints forever

    # -- File -------------------------------------------------------------------------
    for action in window.menus["File"].actions():
        if action.text().replace("&", "") == "Quit":
            action.setIcon(action_icon("quit"))
            action.setToolTip("Stop every process and quit")

    # -- Run --------------------------------------------------------------------------
    launch = _action(parts, "&Launch", "Launch the command in the launcher bar", "Ctrl+Return", "launch")
    launch.triggered.connect(window.launcher.submit)
    focus = _action(parts, "&New Command", "Type a new command in the launcher bar", "Ctrl+L")

    def focus_command() -> None:
        window.launcher.command.setFocus()
        window.launcher.command.selectAll()

    focus.triggered.connect(focus_command)
    run_menu = window.menus["Run"]
    first = run_menu.actions()[0] if run_menu.actions() else None
    run_menu.insertActions(first, [launch, focus]) if first else run_menu.addActions([launch, focus])
    if first is not None:
        run_menu.insertSeparator(first)
    window.addActions([launch, focus])
    for name, icon_name in RUN_ACTION_ICONS.items():
        table_action = window.table.actions_by_name.get(name)
        if table_action is not None:
            table_action.setIcon(action_icon(icon_name))
    desktop.actions.update(launch=launch, new_command=focus)

    # -- View -------------------------------------------------------------------------
    view = window.menus["View"]
    theme_menu = view.addMenu("&Theme")
    group = QActionGroup(window)
    for mode, text in (
        (ThemeMode.SYSTEM, "Follow &System"),
        (ThemeMode.LIGHT, "&Light"),
        (ThemeMode.DARK, "&Dark"),
    ):
        action = QAction(text, window)
        action.setCheckable(True)
        action.setChecked(theme.mode is mode)
        action.setToolTip(f"{text.replace('&', '')} colours for the whole window")
        action.triggered.connect(functools.partial(_choose_theme, theme, store, mode))
        group.addAction(action)
        theme_menu.addAction(action)
        desktop.actions[f"theme_{mode.value}"] = action
    full_screen = _action(
        parts, "&Full Screen", "Toggle full screen", QKeySequence.StandardKey.FullScreen, "fullscreen"
    )
    full_screen.setCheckable(True)
    full_screen.toggled.connect(lambda on: window.showFullScreen() if on else window.showNormal())
    reset = _action(
        parts, "&Reset Layout", "Put panels and sizes back to the default layout", None, "reset-layout"
    )
    reset.triggered.connect(window.reset_layout)
    notify = _action(
        parts,
        "&Notify When Long Runs End",
        f"A desktop notification when a run or worker batch of {notifier.min_seconds:.0f} s or more ends while Procdeck is in the background",
    )
    notify.setCheckable(True)
    notify.setChecked(notifier.enabled)

    def set_notify(on: bool) -> None:
        notifier.enabled = on
        store.set_value("notifications/enabled", on)

    notify.toggled.connect(set_notify)
    view.addSeparator()
    view.addActions([full_screen, reset])
    view.addSeparator()
    view.addAction(notify)
    window.addActions([full_screen])
    desktop.actions.update(full_screen=full_screen, reset_layout=reset, notify=notify)

    # -- Help -------------------------------------------------------------------------
    about = _action(parts, "&About Procdeck", "Versions of Procdeck, Python, Qt and libraries", None, "about")

    def show_about() -> None:
        if desktop.about is None:
            from procdeck.ui.about_dialog import AboutDialog  # on first open: ~35 ms of imports

            desktop.about = AboutDialog(log_file, window)
        if desktop.about.isVisible():
            desktop.about.raise_()
        else:
            desktop.about.show()

    about.triggered.connect(show_about)
    help_menu = window.menus["Help"]
    help_menu.addAction(about)
    if log_file is not None:
        open_log = _action(parts, "Open &Log Folder", f"Open {log_file.parent}", None, "open")
        open_log.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file.parent))))
        help_menu.addAction(open_log)
        desktop.actions["open_log"] = open_log
    desktop.actions["about"] = about

    # -- state ------------------------------------------------------------------------
    parts.bridge.runsChanged.connect(notifier.runs_changed)
    parts.bridge.runRemoved.connect(notifier.forget)
    jobs = getattr(parts, "jobs", None)
    if jobs is not None:
        jobs.when_built(lambda _panel, bridge: bridge.batchesChanged.connect(notifier.batches_changed))
    window.quitRequested.connect(lambda: desktop.save(window))
    _complete_actions(window)
    if shell.restored:  # the layout came back before the panels: now their own settings
        store.restore_contents(window)
    return desktop


def _choose_theme(theme: ThemeManager, store: SettingsStore, mode: ThemeMode, _checked: bool = False) -> None:
    theme.set_mode(mode)
    store.set_value("appearance/theme", mode.value)
