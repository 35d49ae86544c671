"""Drives the real app in its own process for end-to-end tests.

Usage: python drive_app.py MODE COMMAND...
Launches each COMMAND (shell) from the launcher bar, prints ``PIDS ...`` with every pid
of their trees once all run, then in MODE "close" closes the window (answering "Stop all
and quit"), in MODE "wait" waits for a signal, in MODE "qt-exit" ends Qt's event loop
under the app (what Qt does when the display connection breaks).
"""

from __future__ import annotations

import sys

import anyio

from procdeck.main import main_async, make_application, run_on_qt


def main() -> int:
    mode, commands = sys.argv[1], sys.argv[2:]
    app = make_application([])

    def on_ready(parts) -> None:
        parts.window.confirm_quit = lambda: True
        parts.spawner.spawn(drive, parts)

    async def drive(parts) -> None:
        window = parts.window
        for command in commands:
            window.launcher.shell.setChecked(True)
            window.launcher.command.setText(command)
            window.launcher.submit()
        with anyio.fail_after(20):
            while window.live_runs() < len(commands):
                await anyio.sleep(0.05)
            await anyio.sleep(0.3)  # let the shells fork their children
        pids = []
        for info in parts.engine.processes.runs():
            pids += await parts.engine.processes.scan_tree(info.run_id)
        print("PIDS", *pids, flush=True)
        if mode == "close":
            window.close()
        elif mode == "qt-exit":
            app.exit(1)

    return run_on_qt(app, main_async(app, on_ready))


if __name__ == "__main__":
    sys.exit(main())
