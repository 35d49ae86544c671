"""Builds the main window and connects it to the engine through the bridge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from procdeck.bridge.engine_bridge import EngineBridge
from procdeck.bridge.profiles_bridge import ProfilesBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.compose import desktop as desktop_feature
from procdeck.compose import jobs as jobs_feature
from procdeck.compose import leftovers as leftovers_feature
from procdeck.compose import preferences as preferences_feature
from procdeck.compose import profiles as profiles_feature
from procdeck.compose import shell as shell_feature
from procdeck.compose import terminal as terminal_feature
from procdeck.compose import viewers as viewer_wiring
from procdeck.compose.monitor import MonitorParts
from procdeck.compose.monitor import wire as wire_monitor
from procdeck.compose.shell import WindowShell
from procdeck.core.process_spec import ProcessSpec
from procdeck.engine.engine import Engine
from procdeck.ui.main_window import MainWindow
from procdeck.ui.settings_file import SettingsFile


@dataclass
class AppParts:
    """Everything the composition root built; owned by main() for one session."""

    engine: Engine
    window: MainWindow
    spawner: TaskSpawner
    bridge: EngineBridge
    viewers: viewer_wiring.RunViewers | None = None
    profiles: ProfilesBridge | None = None
    jobs: jobs_feature.JobsFeature | None = None
    desktop: desktop_feature.DesktopParts | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)  # features' close(), in order
    monitor: MonitorParts | None = None
    preferences: preferences_feature.PreferencesParts | None = None
    stop_grace_s: float = preferences_feature.DEFAULT_GRACE_S  # for launcher-bar launches
    leftovers: leftovers_feature.LeftoversCheck | None = None
    terminal: terminal_feature.TerminalParts | None = None

    def close(self) -> None:
        for close in self.closers:
            close()
        self.bridge.close()


def build(
    engine: Engine,
    on_quit: Callable[[], None],
    *,
    log_file: Path | None = None,
    settings: SettingsFile | None = None,
    config_dir: str | None = None,
    shell: WindowShell | None = None,
) -> AppParts:
    """Wire every feature into ``shell``'s window (already shown at the app's start), or
    into a new one made from ``settings`` (else the settings file in ``config_dir``)."""
    if shell is None:
        shell = shell_feature.make(config_dir, settings=settings)
    window = shell.window
    settings = shell.settings
    spawner = TaskSpawner(engine.task_group, window)
    bridge = EngineBridge(engine.processes, spawner, window)
    parts = AppParts(engine=engine, window=window, spawner=spawner, bridge=bridge)
    _wire_processes(parts)
    parts.viewers = viewer_wiring.wire(window, bridge)
    parts.closers.append(parts.viewers.close)
    parts.terminal = terminal_feature.wire(window, engine.processes, bridge.runsChanged)
    parts.closers.append(parts.terminal.close)
    parts.profiles, _panel = profiles_feature.wire(parts)
    parts.closers.append(parts.profiles.close)
    parts.jobs = jobs_feature.wire(window, engine, spawner, settings)
    parts.closers.append(parts.jobs.close)
    # Worker-job profiles are dispatched like the Jobs panel's own requests, and the Jobs
    # panel comes to the front to show them.
    parts.profiles.set_job_dispatcher(parts.jobs.dispatch)
    window.busy_counters.append(("job", "jobs", lambda: engine.jobs_active))
    parts.monitor = wire_monitor(engine, window, spawner)
    parts.leftovers = leftovers_feature.wire(window, spawner)
    parts.closers.append(parts.monitor.close)
    monitor = parts.monitor
    # A run's start and exit markers are drawn even when the sampler rests (nothing left
    # to sample once the last run ended, the System chart tabbed away).

    def refresh_charts(_infos: object) -> None:
        for chart in monitor.built_charts:
            chart.schedule_refresh()

    bridge.runsChanged.connect(refresh_charts)
    # The shell laid the window out; the desktop feature puts back the saved settings of
    # the panels wired above.
    parts.desktop = desktop_feature.wire(parts, shell, log_file=log_file)
    parts.closers.insert(0, parts.desktop.close)
    parts.preferences = preferences_feature.wire(parts, settings)
    window.quitRequested.connect(on_quit)
    shell_feature.ready(shell)
    return parts


def _wire_processes(parts: AppParts) -> None:
    window, bridge = parts.window, parts.bridge

    def launch(spec: ProcessSpec) -> None:
        if spec.grace_s == preferences_feature.DEFAULT_GRACE_S != parts.stop_grace_s:
            spec = replace(spec, grace_s=parts.stop_grace_s)  # the Settings dialog's default
        run_id = bridge.launch(spec)
        if run_id is not None:
            if spec.tty and parts.terminal is not None:
                parts.terminal.focus_when_shown(run_id)
            window.table.select_run(run_id)

    window.launcher.launchRequested.connect(launch)
    window.table.stopRequested.connect(bridge.stop)
    window.table.killRequested.connect(bridge.kill)
    window.table.restartRequested.connect(bridge.restart)
    window.table.removeRequested.connect(bridge.remove)
    bridge.runsChanged.connect(window.apply_runs)
    bridge.runRemoved.connect(window.runs_model.remove)
    bridge.failed.connect(window.show_message)
