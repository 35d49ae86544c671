"""What monitoring costs: Procdeck's sampler against `top -b -d 1`, and UI lag with charts.

Starts 250 idle processes (children of one root process, `sleep 3600` each), then:

1. sampler_cpu_s_per_min: Procdeck's sampler tracks the root's whole tree (251 processes)
   plus the system totals at 1 Hz for the window; its cost is this process's own CPU time
   (user + system, every thread, via time.process_time) over the window, per minute.
   top_cpu_s_per_min: `top -b -d 1` runs over the same window (started together), its
   CPU time read from its rusage when it is reaped, per minute of its run. top refreshes
   every process on the machine each second, the sampler its 251 plus a ppid scan.
2. ui_lag_p99_ms: the real window (offscreen Qt, Procdeck's qasync loop, real engine) with
   the Processes view and the Runs, Workers and System charts all on screen and updating
   (the 250-process tree charted, four sleeps as "workers"); a 20 ms ticker measures how
   late the loop wakes it; p99 of the lateness in ms. Baseline (printed): the same with
   the monitor panels closed, for half the window: what the machine's load alone costs.

Targets: sampler_cpu_s_per_min <= 2 x top_cpu_s_per_min; ui_lag_p99_ms <= 10.
Prerequisites: `top` (procps; `apt-get install procps` on Debian), `sleep` (coreutils).

    .venv/bin/python tests/benchmarks/monitor_overhead.py [--window 60] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared _private_dirs module
import anyio
from _private_dirs import private_dirs

from procdeck.core.samples import HistorySettings
from procdeck.engine.monitor.sampler import Sampler

N_IDLE = 250
ROOT = (
    "import subprocess, sys, time\n"
    f"kids = [subprocess.Popen(['sleep', '3600']) for _ in range({N_IDLE})]\n"
    "print(' '.join(str(k.pid) for k in kids), flush=True)\n"
    "time.sleep(3600)\n"
)


def start_idle_tree() -> tuple[subprocess.Popen[bytes], list[int]]:
    root = subprocess.Popen([sys.executable, "-c", ROOT], stdout=subprocess.PIPE, start_new_session=True)
    assert root.stdout is not None
    kids = [int(p) for p in root.stdout.readline().split()]
    if len(kids) != N_IDLE:
        stop_idle_tree(root)
        raise SystemExit(f"expected {N_IDLE} idle children, got {len(kids)}")
    return root, kids


def stop_idle_tree(root: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(root.pid, signal.SIGKILL)  # the root and its sleeps share its session
    except ProcessLookupError:
        pass
    root.wait(timeout=30)
    if root.stdout is not None:
        root.stdout.close()


async def measure_sampler_vs_top(root_pid: int, window_s: float) -> dict[str, float]:
    sampler = Sampler(HistorySettings(rate_hz=1.0), runs=lambda: [(1, root_pid)])
    tick_s: list[float] = []
    sampler.subscribe(lambda snap: tick_s.append(snap.tick_s))
    await sampler.tick()  # warm up: first sight of every process
    members = len(sampler.last.trees[0].members) if sampler.last else 0
    n = int(window_s)
    async with anyio.create_task_group() as tg:
        top_t0 = time.monotonic()
        top = subprocess.Popen(["top", "-b", "-d", "1", "-n", str(n + 1)], stdout=subprocess.DEVNULL)
        cpu0 = time.process_time()
        t0 = time.monotonic()
        await tg.start(sampler.run)
        await anyio.sleep(window_s)
        sampler.stop()
    cpu1 = time.process_time()
    t1 = time.monotonic()
    # Reap top ourselves to read its rusage (it ends n seconds after it started).
    _pid, status, usage = await anyio.to_thread.run_sync(os.wait4, top.pid, 0)
    top.returncode = os.waitstatus_to_exitcode(status)
    top_wall = time.monotonic() - top_t0
    top_cpu = usage.ru_utime + usage.ru_stime
    return {
        "sampler_cpu_s_per_min": (cpu1 - cpu0) / (t1 - t0) * 60.0,
        "top_cpu_s_per_min": top_cpu / top_wall * 60.0,
        "tick_ms_median": statistics.median(tick_s) * 1000 if tick_s else float("nan"),
        "ticks": float(len(tick_s)),
        "tracked": float(members),
    }


def measure_ui_lag(root_pid: int, kids: list[int], window_s: float) -> dict[str, float]:
    import asyncio

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from procdeck import qt_env
    from procdeck.bridge.event_loop import new_event_loop_factory
    from procdeck.compose.window import build
    from procdeck.engine.engine import Engine

    qt_env.prepare()  # as the app does before its QApplication
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    lags: list[float] = []
    baseline: list[float] = []
    rows: list[int] = []

    async def scenario() -> None:
        async with Engine(monitor_settings=HistorySettings(rate_hz=1.0)) as engine:
            engine.monitor.set_worker_provider(lambda: [(f"w{i}", pid) for i, pid in enumerate(kids[:4])])
            parts = build(engine, on_quit=lambda: None)
            window, mon = parts.window, parts.monitor
            assert mon is not None
            window.confirm_quit = lambda: True  # type: ignore[method-assign]
            # Every monitor panel on screen at once (by default they share one tab stack).
            areas = {
                "runs-chart": Qt.DockWidgetArea.BottomDockWidgetArea,
                "workers-chart": Qt.DockWidgetArea.RightDockWidgetArea,
                "system-chart": Qt.DockWidgetArea.LeftDockWidgetArea,
                "processes": Qt.DockWidgetArea.TopDockWidgetArea,
            }
            for key, area in areas.items():
                window.addDockWidget(area, window.panels[key])
                window.panels[key].hide()
            window.resize(1600, 1000)
            window.show()
            group = mon.bridge.pin(root_pid, _create_time(root_pid), "idle root")
            mon.bridge.tableChanged.connect(lambda r: rows.append(len(r)))

            async def measure(into: list[float], seconds: float) -> None:
                period = 0.02
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    t0 = time.monotonic()
                    await anyio.sleep(period)
                    into.append(max(0.0, time.monotonic() - t0 - period))

            # Baseline: the same window, loop and sampler, with the monitor panels closed.
            await anyio.sleep(1.0)
            await measure(baseline, window_s / 2)
            for key in areas:
                window.panels[key].show()
            await anyio.sleep(3.0)  # let the first samples and table land
            mon.runs_chart.set_group_checked(group, True)
            on_screen = [c.on_screen for c in mon.charts] + [not mon.processes.visibleRegion().isEmpty()]
            if not all(on_screen) or not mon.bridge.table_active:
                raise SystemExit(
                    f"not every panel is on screen: {on_screen}, table {mon.bridge.table_active}"
                )
            start_counts = [c.refresh_count for c in mon.charts]
            await measure(lags, window_s)
            counts = [c.refresh_count - n for c, n in zip(mon.charts, start_counts, strict=False)]
            if min(counts) < window_s / 2:
                raise SystemExit(f"charts did not update: {counts}")
            parts.close()
            window.finish_quit()
        window.deleteLater()

    # Private folders: the benchmark never reads or writes the user's settings or data.
    with private_dirs():
        with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
            runner.run(scenario())
    p99 = lambda xs: sorted(xs)[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000  # noqa: E731
    return {
        "ui_lag_p99_ms": p99(lags),
        "ui_lag_median_ms": statistics.median(lags) * 1000,
        "baseline_p99_ms": p99(baseline),
        "table_rows": float(max(rows) if rows else 0),
    }


def _create_time(pid: int) -> float:
    import psutil

    return psutil.Process(pid).create_time()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--window", type=float, default=60.0, help="seconds per measurement (default 60)")
    parser.add_argument("--quick", action="store_true", help="15 s windows")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    window = 15.0 if args.quick else args.window
    if shutil.which("top") is None or shutil.which("sleep") is None:
        print("needs `top` (procps) and `sleep` (coreutils) on PATH", file=sys.stderr)
        return 2
    root, kids = start_idle_tree()
    try:
        cpu = anyio.run(measure_sampler_vs_top, root.pid, window)
        ui = measure_ui_lag(root.pid, kids, window)
    finally:
        stop_idle_tree(root)
    result = {
        "sampler_cpu_s_per_min": round(cpu["sampler_cpu_s_per_min"], 3),
        "top_cpu_s_per_min": round(cpu["top_cpu_s_per_min"], 3),
        "ui_lag_p99_ms": round(ui["ui_lag_p99_ms"], 2),
    }
    ratio = (
        result["sampler_cpu_s_per_min"] / result["top_cpu_s_per_min"]
        if result["top_cpu_s_per_min"]
        else float("inf")
    )
    print(f"monitor_overhead: {N_IDLE} idle processes, {window:g} s windows, {os.cpu_count()} cores")
    print(f"{'metric':<28}{'value':>10}  notes")
    print(
        f"{'sampler_cpu_s_per_min':<28}{result['sampler_cpu_s_per_min']:>10.3f}  "
        f"{cpu['tracked']:.0f} processes, {cpu['ticks']:.0f} ticks, median tick {cpu['tick_ms_median']:.1f} ms"
    )
    print(
        f"{'top_cpu_s_per_min':<28}{result['top_cpu_s_per_min']:>10.3f}  top -b -d 1, same window (baseline)"
    )
    print(f"{'ratio sampler/top':<28}{ratio:>10.2f}  target <= 2")
    print(
        f"{'ui_lag_p99_ms':<28}{result['ui_lag_p99_ms']:>10.2f}  median {ui['ui_lag_median_ms']:.2f} ms; "
        f"table of {ui['table_rows']:.0f} rows + 3 charts; target <= 10"
    )
    print(
        f"{'  baseline: panels closed':<28}{ui['baseline_p99_ms']:>10.2f}  same window, loop and sampler (p99)"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
