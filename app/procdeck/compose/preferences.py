"""Wires the Settings dialog: loads and saves Preferences, applies them to the app.

Storage is one small pair, ``load(settings)`` / ``save(settings, prefs)``, which reads and
writes plain values (str, int, float, bool) through ``value(key, default)``,
``setValue(key, value)`` and ``sync()`` of the settings object the desktop wiring opened:
nothing else of it is used. Theme and notifications keep the keys they had before the
dialog existed, so the View menu and the dialog share them.

Applied live: scrollback, log caps and log folder (for runs launched from then on),
sample rate, stop grace (for launches from the launcher bar), pool backend and max
workers, notifications and theme. The chart history length takes effect at the next
start (the history's buffers are sized once). Changing the backend or worker count in
the Jobs panel, the theme or notifications in the View menu updates the preferences too.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QAction, QKeySequence

from procdeck.core.preferences import MB, Preferences
from procdeck.core.process_spec import ProcessSpec
from procdeck.engine.output.settings import OutputSettings
from procdeck.ui.theme import ThemeMode

if TYPE_CHECKING:
    from procdeck.bridge.jobs_bridge import JobsBridge
    from procdeck.compose.window import AppParts
    from procdeck.ui.jobs.panel import JobsPanel
    from procdeck.ui.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

# Keys that existed before the Settings dialog (the View menu writes them too).
LEGACY_KEYS = {
    "theme": "appearance/theme",
    "notifications": "notifications/enabled",
    "notify_min_s": "notifications/min_seconds",
}
DEFAULT_GRACE_S = ProcessSpec(("true",)).grace_s


class ValueStore(Protocol):
    """What load/save need of a settings object (QSettings has these)."""

    def value(self, key: str, defaultValue: Any = None) -> Any: ...

    def setValue(self, key: str, value: Any) -> None: ...

    def sync(self) -> None: ...


def key_of(name: str) -> str:
    return LEGACY_KEYS.get(name, f"preferences/{name}")


def load(settings: ValueStore) -> tuple[Preferences, list[str]]:
    """The saved preferences; problems name values that were unusable (defaults used)."""
    values = {f.name: settings.value(key_of(f.name), None) for f in fields(Preferences)}
    return Preferences.from_values({k: v for k, v in values.items() if v is not None})


def save(settings: ValueStore, prefs: Preferences) -> None:
    for name, value in prefs.to_values().items():
        settings.setValue(key_of(name), value)
    settings.sync()


def output_settings(prefs: Preferences, base: OutputSettings | None = None) -> OutputSettings:
    return replace(
        base or OutputSettings(),
        scrollback_lines=prefs.scrollback_lines,
        run_log_bytes=prefs.run_log_mb * MB,
        total_log_bytes=prefs.total_log_mb * MB,
        log_directory=Path(prefs.log_folder) if prefs.log_folder else None,
    )


def startup_settings(config_dir: str | os.PathLike[str] | None) -> Preferences:
    """Preferences for building the engine (history length, output limits) at start."""
    from procdeck.compose.settings_location import open_settings

    prefs, problems = load(open_settings(config_dir))
    for problem in problems:
        log.warning("settings: %s (the default is used)", problem)
    return prefs


@dataclass
class PreferencesParts:
    settings: ValueStore
    prefs: Preferences
    action: QAction
    dialog: SettingsDialog | None = None


def wire(parts: AppParts, settings: ValueStore) -> PreferencesParts:
    window = parts.window
    prefs, problems = load(settings)
    if problems:
        window.show_message("Some saved settings were unusable and were reset: " + "; ".join(problems))
    action = QAction("&Preferences…", window)
    action.setObjectName("preferences")
    action.setShortcut(QKeySequence("Ctrl+,"))
    action.setToolTip("Scrollback, logs, charts, stop grace, workers, notifications, theme (Ctrl+,)")
    action.setMenuRole(QAction.MenuRole.PreferencesRole)
    menu = window.menus["File"]
    if menu.actions():
        first = menu.actions()[0]
        menu.insertAction(first, action)
        menu.insertSeparator(first)
    else:
        menu.addAction(action)
    window.addAction(action)
    wired = PreferencesParts(settings=settings, prefs=prefs, action=action)

    def apply(new: Preferences) -> None:
        old, wired.prefs = wired.prefs, new
        _apply(parts, new, old)
        save(settings, new)

    def open_dialog() -> None:
        if wired.dialog is None:
            default_folder = str(OutputSettings().directory())
            from procdeck.ui.settings_dialog import SettingsDialog  # built on first open

            wired.dialog = SettingsDialog(wired.prefs, window, default_log_folder=default_folder)
            wired.dialog.applied.connect(apply)
        else:
            wired.dialog.set_preferences(wired.prefs)
        wired.dialog.show()
        wired.dialog.activateWindow()

    action.triggered.connect(open_dialog)
    wired.open = open_dialog  # type: ignore[attr-defined]
    wired.apply = apply  # type: ignore[attr-defined]

    # Changes made elsewhere (Jobs panel, View menu) are remembered too.
    def remember(**changes: Any) -> None:
        try:
            new = replace(wired.prefs, **changes)
        except ValueError:
            return
        if new != wired.prefs:
            wired.prefs = new
            save(settings, new)

    if parts.jobs is not None:

        def remember_pool_changes(panel: JobsPanel, _bridge: object) -> None:
            panel.maxWorkersChanged.connect(lambda n: remember(max_workers=int(n)))
            panel.backendChosen.connect(lambda choice: _remember_backend(choice, remember))

        parts.jobs.when_built(remember_pool_changes)
    desktop = parts.desktop
    if desktop is not None:
        desktop.theme.changed.connect(lambda _dark: remember(theme=desktop.theme.mode.value))
        notify = desktop.actions.get("notify")
        if notify is not None:
            notify.toggled.connect(lambda on: remember(notifications=bool(on)))
    _apply(parts, prefs, None)
    return wired


def _remember_backend(choice: object, remember: Any) -> None:
    from procdeck.core.cluster_state import BackendChoice, BackendKind, DaskMode

    if not isinstance(choice, BackendChoice):
        return
    if choice.kind is BackendKind.LOCAL:
        remember(pool_backend="local")
    elif choice.dask_mode is DaskMode.LOCAL_CLUSTER:
        remember(pool_backend="dask")
    # A remote scheduler is not a preference (it needs an address): nothing remembered.


def _apply(parts: AppParts, new: Preferences, old: Preferences | None) -> None:
    """Apply what changed (everything when ``old`` is None, at start)."""

    def changed(*names: str) -> bool:
        return old is None or any(getattr(old, n) != getattr(new, n) for n in names)

    window = parts.window
    outputs = parts.engine.outputs
    if outputs is not None and changed("scrollback_lines", "run_log_mb", "total_log_mb", "log_folder"):
        outputs.apply(output_settings(new, outputs.settings))
    parts.stop_grace_s = new.stop_grace_s
    monitor = parts.monitor
    if monitor is not None and changed("sample_rate_hz"):
        if monitor.bridge.sampler.settings.rate_hz != new.sample_rate_hz:
            monitor.bridge.set_rate(new.sample_rate_hz)
        for action in _menu_actions(window, "Sample rate"):
            action.setChecked(action.text() == f"{new.sample_rate_hz:g} Hz")
    if parts.jobs is not None:
        backend = changed("pool_backend") and (old is not None or new.pool_backend != "local")
        workers = changed("max_workers") and (old is not None or new.max_workers)

        def apply_to_pool(_panel: object, jobs_bridge: JobsBridge) -> None:
            from procdeck.core.cluster_state import BackendChoice, BackendKind

            if backend:
                kind = BackendKind.DASK if new.pool_backend == "dask" else BackendKind.LOCAL
                jobs_bridge.use_backend(BackendChoice(kind=kind))
            if workers:
                jobs_bridge.set_max_workers(new.max_workers or os.cpu_count() or 2)

        if (backend or workers) and old is None:
            parts.jobs.when_built(apply_to_pool)  # at start: once the Jobs panel is built
        elif backend or workers:
            apply_to_pool(None, parts.jobs.bridge)  # the user's change: now
    desktop = parts.desktop
    if desktop is not None:
        desktop.notifier.min_seconds = new.notify_min_s
        notify = desktop.actions.get("notify")
        if notify is not None and notify.isChecked() != new.notifications:
            notify.setChecked(new.notifications)  # its handler sets the notifier
        desktop.notifier.enabled = new.notifications
        mode = ThemeMode.parse(new.theme)
        if desktop.theme.mode is not mode:
            desktop.theme.set_mode(mode)
        theme_action = desktop.actions.get(f"theme_{mode.value}")
        if theme_action is not None:
            theme_action.setChecked(True)


def _menu_actions(window: Any, submenu: str) -> list[QAction]:
    for action in window.menus["View"].actions():
        menu = action.menu()
        if menu is not None and action.text().replace("&", "") == submenu:
            return list(menu.actions())
    return []
