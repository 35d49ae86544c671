"""Start-up: process start to the main window shown and painted, against a bare window.

    .venv/bin/python tests/benchmarks/startup.py [--runs N] [--quick] [--json PATH]

Each start is a fresh process of this interpreter, timed from just before it is spawned to
the moment it prints its first-paint line on stdout (the app prints it when
``PROCDECK_STARTUP_MARKER=1``, right after the main window's first paint event has been
handled; procdeck.desktop.first_paint). Starts alternate between:

- ``window_shown_s``: the real app (``python -m procdeck``, a fresh config folder, the
  default layout), median over the runs;
- ``bare_window_s``: a bare PySide6 QMainWindow with one label, same interpreter, same
  marker, median over the runs;
- ``bundle_window_s``: the same for a built bundle when ``PROCDECK_BUNDLE`` names its
  executable (skipped otherwise).

Target: window_shown_s <= 3 x bare_window_s. The platform is ``offscreen`` unless
QT_QPA_PLATFORM says otherwise (e.g. ``xcb`` with DISPLAY set for a real X server).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = "procdeck-first-paint"
TIMEOUT_S = 60.0

BARE = f"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

class First(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, lambda: print("{MARKER} 0", flush=True))
        return False

app = QApplication([])
window = QMainWindow()
window.setCentralWidget(QLabel("Hello"))
window.resize(1100, 700)
first = First()
window.installEventFilter(first)
window.show()
app.exec()
"""


def _env(config: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PROCDECK_STARTUP_MARKER"] = "1"
    env["PROCDECK_CONFIG_DIR"] = config
    env["PROCDECK_DATA_DIR"] = config
    env["PROCDECK_LOG_DIR"] = config
    # An installed app runs from compiled bytecode (pip and PyInstaller write it); a shell
    # that sets PYTHONDONTWRITEBYTECODE would have every start recompile Procdeck's sources.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "app"), env.get("PYTHONPATH", "")) if p)
    return env


def time_to_paint(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``argv`` to its marker line; the process is then stopped."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(MARKER):
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > TIMEOUT_S:
                break
        err = proc.stderr.read() if proc.stderr else ""
        raise SystemExit(f"no first-paint marker from {argv[:3]}: {err[-2000:]}")
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the app quits cleanly on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--quick", action="store_true", help="3 starts of each instead of 7")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 7)
    bundle = os.environ.get("PROCDECK_BUNDLE")
    times: dict[str, list[float]] = {"window_shown_s": [], "bare_window_s": []}
    if bundle:
        times["bundle_window_s"] = []
    with tempfile.TemporaryDirectory(prefix="procdeck-startup-") as tmp:
        # One warm-up start of each (not counted): the first start after a change pays for
        # reading files into the page cache and writing .pyc files.
        commands = {
            "window_shown_s": [sys.executable, "-m", "procdeck"],
            "bare_window_s": [sys.executable, "-c", BARE],
        }
        if bundle:
            commands["bundle_window_s"] = [bundle]
        for i in range(runs + 1):
            for key, command in commands.items():
                config = Path(tmp) / f"{key}-{i}"  # a first start: nothing saved yet
                config.mkdir()
                seconds = time_to_paint(command, _env(str(config)))
                if i:
                    times[key].append(seconds)
    result: dict[str, object] = {k: statistics.median(v) for k, v in times.items()}
    result["ratio"] = result["window_shown_s"] / result["bare_window_s"]  # type: ignore[operator]
    result["runs"] = runs
    result["all"] = {k: [round(x, 3) for x in v] for k, v in times.items()}
    result["load"] = os.getloadavg()
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    print(f"startup: medians of {runs} starts each, QT_QPA_PLATFORM={platform}, load {result['load'][0]:.2f}")
    notes = {
        "window_shown_s": "procdeck: process start -> window painted",
        "bare_window_s": "bare QMainWindow + QLabel, same interpreter",
        "bundle_window_s": f"bundle {bundle}",
    }
    for key, values in times.items():
        spread = f"{min(values):.3f}-{max(values):.3f}"
        print(f"  {key:<18} {statistics.median(values):>8.3f} s  [{spread}]  {notes[key]}")
    print(f"  {'ratio':<18} {result['ratio']:>8.2f}    target <= 3")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
