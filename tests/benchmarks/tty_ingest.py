"""Terminal ingest: coloured lines from a child's pty into a visible terminal view.

    .venv/bin/python tests/benchmarks/tty_ingest.py [--json PATH] [--quick] [--lines N]

One run measures, on the same producer (a Python child writing short coloured numbered
lines to its terminal as fast as it can):

- ``pty_lines_per_s``: Engine (pty master relayed into a pipe by ``cat``) + RunOutput
  (store, log spool, terminal tail) + a visible TerminalView (pyte screen fed on display
  frames, cut to the tail in a flood) on Procdeck's Qt event loop, from launch until every
  line is in the run's output and the view shows the last one;
- ``bare_pty_lines_per_s``: the same child on a plain pty whose master is read with
  ``os.read`` and split into lines by plain Python (no event loop, no Qt);
- ``lag_p99_ms``: p99 lateness of a 60 Hz probe timer on the app's loop during the flood.

Targets: pty_lines_per_s >= 0.5 * bare_pty_lines_per_s, lag_p99_ms <= 10.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "app") not in sys.path:
    sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared _lag_probe module
from _lag_probe import LagProbe  # noqa: E402
from _private_dirs import private_dirs  # noqa: E402

PRODUCER = r"""
import sys
n = int(sys.argv[1])
k = 1024
block = b"".join(b"\x1b[32m%08d\x1b[0m the \x1b[1mquick\x1b[0m brown fox\n" % i for i in range(k))
w = sys.stdout.buffer.write
for _ in range(n // k):
    w(block)
w(b"".join(block.splitlines(keepends=True)[: n % k]))
w(b"\x1b[33mDONE\x1b[0m\n")
sys.stdout.flush()
"""
ROWS, COLS = 40, 120


def producer_argv(n: int) -> tuple[str, ...]:
    return (sys.executable, "-c", PRODUCER, str(n))


# ----------------------------------------------------------------------------- bare
def measure_bare(n: int) -> float:
    import pty

    master, slave = pty.openpty()
    t0 = time.perf_counter()
    proc = subprocess.Popen(producer_argv(n), stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    count = 0
    pending = b""
    try:
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            parts = (pending + chunk).split(b"\n")
            pending = parts.pop()
            count += len(parts)
    finally:
        os.close(master)
        proc.wait()
    dt = time.perf_counter() - t0
    assert count == n + 1, (count, n)
    return n / dt


# ------------------------------------------------------------ Procdeck, end to end
async def _procdeck(app, n: int, result: dict) -> None:
    import anyio

    from procdeck.bridge.terminal_link import TerminalLink
    from procdeck.core.output import Stream
    from procdeck.core.process_spec import ProcessSpec
    from procdeck.engine.engine import Engine
    from procdeck.ui.terminal.panel import TerminalPanel

    panel = TerminalPanel()
    panel.resize(1100, 760)
    panel.show()
    await anyio.sleep(0.3)
    rows, cols = panel.view.grid_size()
    probe = LagProbe()
    async with Engine() as engine:
        link = TerminalLink(panel.view, engine.processes)
        t0 = time.perf_counter()
        run_id = engine.processes.launch(ProcessSpec(producer_argv(n), tty=True, rows=rows, cols=cols))
        link.attach(run_id)
        output = engine.processes.output(run_id)
        while not output.total_bytes[Stream.STDOUT]:
            await anyio.sleep(0.001)
        probe.start()
        view = panel.view
        while not (
            output.closed and view.backlog.pending == 0 and "DONE" in "".join(view.screen_lines()[-3:])
        ):
            await anyio.sleep(0.002)
        dt = time.perf_counter() - t0
        probe.stop()
        await engine.processes.wait(run_id)
        assert output.total_lines >= n + 1, (output.total_lines, n)
        result["pty_lines_per_s"] = n / dt
        result["lags"] = probe.lags
        skipped = link.skipped + view.backlog.skipped
        result["skipped_fraction"] = skipped / max(1, output.total_bytes[Stream.STDOUT])
        link.close()
    panel.close()
    panel.deleteLater()


def run_on_qt_loop(app, fn, *args) -> None:
    from procdeck.bridge.event_loop import new_event_loop_factory

    with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
        runner.run(fn(app, *args))


def p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--quick", action="store_true", help="300k lines instead of 1M")
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="repeats (default 3, quick 2)")
    args = parser.parse_args(argv)
    n = args.lines or (300_000 if args.quick else 1_000_000)
    rounds = args.rounds or (2 if args.quick else 3)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with private_dirs():
        from PySide6.QtWidgets import QApplication

        from procdeck import qt_env

        qt_env.prepare()  # as the app does before its QApplication
        app = QApplication.instance() or QApplication([])
        run_on_qt_loop(app, _procdeck, min(n, 100_000), {})  # warm-up: first paints, imports
        gc.collect()
        gc.freeze()  # as the app does once its window is shown (main.py)
        runs: list[dict] = []
        bares: list[float] = []
        for _ in range(rounds):  # alternated, so a busy moment does not land on one side only
            bares.append(measure_bare(n))
            one: dict = {}
            run_on_qt_loop(app, _procdeck, n, one)
            runs.append(one)
    result = {
        "lines": n,
        "rounds": rounds,
        "pty_lines_per_s": statistics.median(r["pty_lines_per_s"] for r in runs),
        "bare_pty_lines_per_s": statistics.median(bares),
        "lag_p99_ms": p99([lag for r in runs for lag in r["lags"]]) * 1000,
        "ratio_to_bare": statistics.median(
            r["pty_lines_per_s"] / b for r, b in zip(runs, bares, strict=True)
        ),
        "skipped_fraction": statistics.median(r["skipped_fraction"] for r in runs),
        "all_pty_lines_per_s": [round(r["pty_lines_per_s"]) for r in runs],
        "all_bare_pty_lines_per_s": [round(b) for b in bares],
    }
    rows = [
        ("pty_lines_per_s", f"{result['pty_lines_per_s']:,.0f}", "Procdeck: pty -> visible terminal view"),
        ("bare_pty_lines_per_s", f"{result['bare_pty_lines_per_s']:,.0f}", "plain os.read + split"),
        ("ratio_to_bare", f"{result['ratio_to_bare']:.2f}", "median of per-round ratios, target >= 0.5"),
        ("lag_p99_ms", f"{result['lag_p99_ms']:.2f}", "60 Hz probe, target <= 10"),
        ("skipped_fraction", f"{result['skipped_fraction']:.2f}", "bytes the screen skipped (flood tail)"),
    ]
    print(f"tty_ingest: {n:,} coloured lines on a {ROWS}x{COLS}-ish pty, medians of {rounds} rounds")
    for key, value, note in rows:
        print(f"  {key:<22} {value:>12}  {note}")
    print(f"  rounds: procdeck {result['all_pty_lines_per_s']}  bare {result['all_bare_pty_lines_per_s']}")
    if args.json:
        keys = ("pty_lines_per_s", "bare_pty_lines_per_s", "lag_p99_ms", "ratio_to_bare")
        Path(args.json).write_text(json.dumps({k: result[k] for k in keys}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
