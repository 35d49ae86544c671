"""Idle: what Procdeck costs while it sits there with nothing running.

    .venv/bin/python tests/benchmarks/idle.py [--window 60] [--settle 10] [--quick] [--json PATH]

Starts the real app (``python -m procdeck``, offscreen unless QT_QPA_PLATFORM says
otherwise, a fresh config folder: the default layout, no profiles, nothing running) and,
at the same time, a bare PySide6 QMainWindow with one label in the same interpreter (the
floor: what any Qt window costs). Once both have painted (see startup.py) and start-up has
settled (``--settle`` seconds), it measures over the same ``--window`` seconds:

- ``idle_cpu_s_per_min``: the app's CPU time (user + system, all threads, from
  /proc/PID/stat) per minute of the window;
- ``bare_cpu_s_per_min``: the same for the bare window;
- ``idle_rss_mb`` / ``bare_rss_mb``: resident memory at the end of the window;
- ``top_cpu_s_per_min``: ``top -b -d 1`` run over the same window, its CPU time from its
  rusage when reaped, per minute of its run (for scale: a tool everybody leaves open);
- ``rss_breakdown_mb`` (info): what each resident set is made of, from /proc/PID/smaps at
  the end of the window: Qt's libraries, other shared libraries (Python's, the C and C++
  runtimes, fontconfig, ICU), compiled extension modules of site-packages, other mapped
  files (fonts, locale data), and anonymous memory (Python's objects, Qt's objects and
  the allocator's arenas: the heap).

Target: idle_cpu_s_per_min <= 0.1. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import BARE, MARKER, TIMEOUT_S, _env, stop


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of ``pid`` (fields 14 and 15 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_bytes()
    fields = stat[stat.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


QT, LIBRARIES, EXTENSIONS, FILES, HEAP = (
    "Qt libraries",
    "shared libraries",
    "extension modules",
    "mapped files",
    "heap (anonymous)",
)
RSS_PARTS = (QT, LIBRARIES, EXTENSIONS, FILES, HEAP)


def _rss_part(path: str) -> str:
    if not path or path.startswith("["):
        return HEAP  # [heap], [stack], anonymous maps
    if "/PySide6/" in path or "/shiboken6/" in path:
        return QT
    if ".so" in path:
        return EXTENSIONS if "-packages/" in path else LIBRARIES
    return FILES


def rss_breakdown_mb(pid: int) -> dict[str, float]:
    """Resident memory of ``pid`` by what it maps (see RSS_PARTS), in MB, from smaps."""
    parts = dict.fromkeys(RSS_PARTS, 0.0)
    part = HEAP
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if not fields:
            continue
        if "-" in fields[0] and not fields[0].endswith(":"):  # a mapping's header line
            part = _rss_part(fields[5] if len(fields) > 5 else "")
        elif fields[0] == "Rss:":
            parts[part] += int(fields[1]) / 1024
    return parts


def wait_for_marker(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    t0 = time.perf_counter()
    for line in proc.stdout:
        if line.startswith(MARKER):
            return
        if time.perf_counter() - t0 > TIMEOUT_S:
            break
    err = proc.stderr.read() if proc.stderr else ""
    raise SystemExit(f"no first-paint marker: {err[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--quick", action="store_true", help="a 20 s window after 5 s")
    parser.add_argument("--window", type=float, default=None, help="seconds measured (default 60)")
    parser.add_argument("--settle", type=float, default=None, help="seconds after first paint (default 10)")
    args = parser.parse_args(argv)
    window = args.window or (20.0 if args.quick else 60.0)
    settle = args.settle if args.settle is not None else (5.0 if args.quick else 10.0)
    top_path = shutil.which("top")
    with tempfile.TemporaryDirectory(prefix="procdeck-idle-") as tmp:
        procs: dict[str, subprocess.Popen[str]] = {}
        try:
            for key, command in (
                ("app", [sys.executable, "-m", "procdeck"]),
                ("bare", [sys.executable, "-c", BARE]),
            ):
                config = Path(tmp) / key
                config.mkdir()
                procs[key] = subprocess.Popen(
                    command, env=_env(str(config)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
            for proc in procs.values():
                wait_for_marker(proc)
            time.sleep(settle)
            load0 = os.getloadavg()[0]
            before = {key: cpu_seconds(p.pid) for key, p in procs.items()}
            top = None
            if top_path:
                top = subprocess.Popen(
                    [top_path, "-b", "-d", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            t0 = time.perf_counter()
            time.sleep(window)
            elapsed = time.perf_counter() - t0
            after = {key: cpu_seconds(p.pid) for key, p in procs.items()}
            rss = {key: rss_mb(p.pid) for key, p in procs.items()}
            breakdown = {key: rss_breakdown_mb(p.pid) for key, p in procs.items()}
            top_cpu = float("nan")
            if top is not None:
                top_elapsed = time.perf_counter() - t0
                top.send_signal(signal.SIGTERM)
                _pid, _status, usage = os.wait4(top.pid, 0)
                top.returncode = 0
                top_cpu = (usage.ru_utime + usage.ru_stime) * 60 / top_elapsed
            load1 = os.getloadavg()[0]
        finally:
            for proc in procs.values():
                stop(proc)
    per_min = {key: (after[key] - before[key]) * 60 / elapsed for key in before}
    result = {
        "idle_cpu_s_per_min": per_min["app"],
        "idle_rss_mb": rss["app"],
        "top_cpu_s_per_min": top_cpu,
        "bare_cpu_s_per_min": per_min["bare"],
        "bare_rss_mb": rss["bare"],
        "rss_breakdown_mb": breakdown,
        "window_s": elapsed,
        "load": [load0, load1],
    }
    print(f"idle: {elapsed:.0f} s window after {settle:.0f} s settling, load {load0:.2f} -> {load1:.2f}")
    rows = (
        (
            "idle_cpu_s_per_min",
            f"{per_min['app']:.3f}",
            "procdeck, default layout, nothing running; target <= 0.1",
        ),
        ("bare_cpu_s_per_min", f"{per_min['bare']:.3f}", "bare QMainWindow + QLabel (the floor)"),
        ("top_cpu_s_per_min", f"{top_cpu:.3f}", "top -b -d 1 over the same window"),
        ("idle_rss_mb", f"{rss['app']:.1f}", "procdeck resident memory"),
        ("bare_rss_mb", f"{rss['bare']:.1f}", "bare window resident memory"),
    )
    for key, value, note in rows:
        print(f"  {key:<20} {value:>9}  {note}")
    print(f"  {'resident memory, MB':<20} {'procdeck':>9} {'bare':>7}")
    for part in RSS_PARTS:
        app_mb, bare_mb = breakdown["app"][part], breakdown["bare"][part]
        print(f"    {part:<18} {app_mb:>9.1f} {bare_mb:>7.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
