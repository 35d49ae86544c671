#!/usr/bin/env python3
"""Take the README's terminal screenshot: a terminal run in the real window under Xvfb.

    .venv/bin/python packaging/terminal_screenshot.py [--out resources/screenshots/terminal.png]

Starts Xvfb on a free display, builds the window on the real engine (QT_QPA_PLATFORM=xcb),
launches a small colourful program with **Terminal** ticked, types an answer into its
prompt through the terminal view, and saves the window. Needs Debian's xvfb and the xcb
libraries PySide6 loads (see packaging/screenshots.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = r"""
import sys, time
print("\x1b[1mcollecting ...\x1b[0m collected 42 items\n")
for name, ok in (("test_launch.py", 12), ("test_terminal.py", 18), ("test_output.py", 12)):
    print(f"{name} " + "\x1b[32m." * ok + "\x1b[0m")
print("\x1b[32m========== 42 passed in 1.23s ==========\x1b[0m\n")
print("256 colours: " + "".join(f"\x1b[48;5;{c}m " for c in range(16, 232, 4)) + "\x1b[0m")
print("truecolor:   " + "".join(f"\x1b[48;2;{r};{255 - r};128m " for r in range(0, 256, 5)) + "\x1b[0m")
print("wide: \u4f60\u597d, \u4e16\u754c  \x1b[1mbold\x1b[0m \x1b[4munderline\x1b[0m \x1b[7mreverse\x1b[0m\n")
for i in range(0, 101, 4):
    bar = "\u2588" * (i // 4) + " " * (25 - i // 4)
    print(f"\rdownloading |\x1b[36m{bar}\x1b[0m| {i:3d}%", end="", flush=True)
    time.sleep(0.02)
print()
answer = input("Deploy to staging? [y/N] ")
print(f"\x1b[33manswered {answer!r}\x1b[0m")
input("\x1b[2m(press Enter to finish)\x1b[0m ")
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots" / "terminal.png")
    parser.add_argument("--display", type=int, default=23)
    args = parser.parse_args(argv)
    xvfb = subprocess.Popen(["Xvfb", f":{args.display}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"])
    try:
        time.sleep(1.0)
        env = dict(os.environ, DISPLAY=f":{args.display}", QT_QPA_PLATFORM="xcb")
        with tempfile.TemporaryDirectory(prefix="procdeck-shot-") as tmp:
            env["PROCDECK_CONFIG_DIR"] = env["PROCDECK_DATA_DIR"] = tmp
            demo = Path(tmp) / "demo.py"
            demo.write_text(DEMO)
            code = _DRIVER.replace("DEMO_PATH", repr(str(demo))).replace(
                "OUT_PATH", repr(str(args.out.resolve()))
            )
            return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, timeout=120).returncode
    finally:
        xvfb.terminate()
        xvfb.wait()


_DRIVER = r"""
import asyncio, sys
import anyio
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from procdeck.bridge.event_loop import new_event_loop_factory
from procdeck.compose.window import build
from procdeck.engine.engine import Engine
from procdeck.ui.terminal.panel import TerminalPanel

app = QApplication([])
app.setQuitOnLastWindowClosed(False)

async def main():
    async with Engine() as engine:
        parts = build(engine, on_quit=lambda: None)
        window = parts.window
        window.confirm_quit = lambda: True
        window.resize(1300, 740)
        window.show()
        await anyio.sleep(1.0)
        window.launcher.terminal.setChecked(True)
        window.launcher.command.setText(sys.executable + " " + DEMO_PATH)
        window.launcher.submit()
        panel = window.output.findChild(TerminalPanel)
        view = panel.view
        for _ in range(300):
            await anyio.sleep(0.05)
            if "Deploy to staging?" in view.screen_text():
                break
        view.setFocus()
        for ch in "yes":
            view.inputTyped.emit(ch.encode())
            await anyio.sleep(0.05)
        await anyio.sleep(1.0)
        window.grab().save(OUT_PATH)
        print("saved", OUT_PATH)
        await engine.processes.shutdown()
        parts.close()

with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
    runner.run(main())
"""

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
