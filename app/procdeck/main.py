"""The app's main(): QApplication, Procdeck's event loop, the engine and the window.

Start-up and shutdown order (docs/ARCHITECTURE.md): under qasync, Qt's loop has already stopped when
aboutToQuit fires, so async cleanup cannot start from there. Instead quitting on the last
window is off; closing the window (or SIGINT/SIGTERM) sets an anyio Event; main leaves the
engine's ``async with`` (which stops every run and cancels the engine's one task group),
then closes the window and returns.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import anyio
from PySide6.QtWidgets import QApplication

from procdeck import __version__, qt_env, qt_messages
from procdeck.bridge.event_loop import new_event_loop_factory
from procdeck.compose import preferences as preferences_feature
from procdeck.compose import shell as window_shell
from procdeck.desktop import first_paint
from procdeck.desktop.app_logging import LogSession, start_logging
from procdeck.desktop.crash_dialog import CrashReporter

if TYPE_CHECKING:
    from procdeck.compose.window import AppParts

FIRST_PAINT_WAIT_S = 1.0  # at most this long for the shown window's first paint


def _log_startup_time(seconds: float) -> None:
    """Log how long the window took to appear since the process started (cold start)."""
    logging.getLogger("procdeck").info("window shown %.2f s after process start", seconds)
    if first_paint.marker_requested():
        first_paint.print_marker(seconds)


def make_application(argv: list[str]) -> QApplication:
    qt_messages.install()
    qt_env.prepare()
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)
    app.setApplicationName("Procdeck")
    app.setOrganizationName("Procdeck")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.procdeck.Procdeck")
    app.setQuitOnLastWindowClosed(False)
    return app


async def main_async(
    app: QApplication,
    on_ready: Callable[[AppParts], None] | None = None,
    *,
    config_dir: str | None = None,
    log_session: LogSession | None = None,
    launch: Sequence[str] = (),
    launch_groups: Sequence[str] = (),
) -> int:
    quit_requested = anyio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, quit_requested.set)
    try:
        prefs = preferences_feature.startup_settings(config_dir)
        # The window first (compose/shell.py), then the engine and the features into it.
        shell = window_shell.make(config_dir)
        # Quitting while the rest loads (the window can be closed from its first paint)
        # is honoured as soon as the engine is up.
        shell.window.quitRequested.connect(quit_requested.set)
        painted = anyio.Event()

        def on_first_paint(seconds: float) -> None:
            painted.set()
            _log_startup_time(seconds)

        first_paint.watch_first_paint(shell.window, on_first_paint)
        shell.window.show()
        with anyio.move_on_after(FIRST_PAINT_WAIT_S):
            await painted.wait()
        from procdeck.compose.window import build
        from procdeck.engine.engine import Engine

        async with Engine(
            config_dir=config_dir,
            monitor_settings=prefs.history_settings(),
            output_settings=preferences_feature.output_settings(prefs),
        ) as engine:
            log_file = log_session.log_file if log_session else None
            parts = build(
                engine, on_quit=quit_requested.set, log_file=log_file, config_dir=config_dir, shell=shell
            )
            # Everything built so far (Qt wrappers, modules, panels) lives as long as the
            # app: moving it out of the collector's sight keeps full collections short,
            # which showed up as 17-19 ms loop stalls during output floods.
            # https://docs.python.org/3/library/gc.html#gc.freeze
            gc.freeze()
            gc.enable()  # off during start-up when started by `procdeck` (cli._run_window)
            if on_ready is not None:
                on_ready(parts)
            _launch_requested(parts, launch, launch_groups)
            await quit_requested.wait()
            parts.window.begin_quit()
        parts.close()
        parts.window.finish_quit()
        parts.window.deleteLater()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return 0


def _launch_requested(parts: AppParts, names: Sequence[str], groups: Sequence[str]) -> None:
    """``procdeck --launch NAME`` / ``--launch-group GROUP``: launch once the window shows;
    a name that is not a profile is a message in the window, like a click on a stale one."""
    if parts.profiles is not None and (names or groups):
        parts.profiles.launch_when_open(list(names), list(groups))


EXIT_LOOP_ENDED = 1


def run_on_qt(app: QApplication, main: Coroutine[Any, Any, int]) -> int:
    """Run ``main`` on Procdeck's event loop over ``app`` until it returns its exit code.

    Qt can end its loop under Procdeck: when the display connection breaks (the X server
    or the session went away) it logs "The X11 connection broke" and calls
    ``QCoreApplication.exit``. Nothing can be shown or awaited after that (entering the
    loop again ends it again), so Procdeck exits at once with status 1 and its watchdog
    stops everything that was running, as after any death of Procdeck
    (engine/containment/watchdog.py). Going on instead, the interpreter's exit waited
    forever for anyio's worker threads of a loop that would never run again, and the
    runs went on behind a window that no longer existed.
    """
    finished = False

    async def body() -> int:
        nonlocal finished
        try:
            return await main
        finally:
            finished = True

    runner = asyncio.Runner(loop_factory=new_event_loop_factory(app))
    try:
        return runner.run(body())
    except RuntimeError:
        if finished:
            raise
        logging.getLogger("procdeck").critical(
            "Qt's event loop ended while Procdeck was running (the display connection broke?): "
            "exiting now; the watchdog stops what was running."
        )
        logging.shutdown()
        sys.stderr.flush()
        os._exit(EXIT_LOOP_ENDED)
    finally:
        runner.close()


def run_gui(
    argv: list[str],
    *,
    config_dir: str | None = None,
    launch: Sequence[str] = (),
    launch_groups: Sequence[str] = (),
) -> int:
    # A double-clicked app has no terminal: log to a file, crashes (faulthandler) next to
    # it, and uncaught exceptions to a dialog naming the log (procdeck.desktop).
    log_session = start_logging()
    reporter = CrashReporter(log_session.log_file).install()
    try:
        app = make_application(argv)
        return run_on_qt(
            app,
            main_async(
                app,
                config_dir=config_dir,
                log_session=log_session,
                launch=launch,
                launch_groups=launch_groups,
            ),
        )
    finally:
        gc.enable()
        reporter.uninstall()
        log_session.close()
