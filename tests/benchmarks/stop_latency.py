"""Stop latency and containment, through Procdeck's engine, against a bare killpg in the same run.

With 500 idle background processes on the machine, each round launches 25 runs, each a
3-process tree with one double-forked setsid escapee (all respond to SIGTERM):

    sh -c '(setsid sleep A &); sleep B & wait'

and stops them concurrently.

- stop_p50_ms / stop_p99_ms: stop() call until the run exited and its whole tree is gone.
- bare_stop_p50_ms: os.killpg + wait on the same kind of trees (anyio, new session),
  which leaves the escapees (bare_escapees says how many; they are then killed here).
- orphans: processes of the engine's runs alive after all its stops (target 0).
- shutdown_500_s: engine shutdown with 500 live single-process runs (`sleep`).

    .venv/bin/python tests/benchmarks/stop_latency.py [--rounds 6] [--quick] [--json PATH]

Targets: orphans == 0, stop_p50_ms <= 100, stop_p99_ms <= 250, shutdown_500_s <= 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared _private_dirs module
from _private_dirs import private_dirs

from procdeck.core.process_spec import ProcessSpec
from procdeck.engine.containment import procfs
from procdeck.engine.engine import Engine

RUNS = 25
BACKGROUND = 500
SHUTDOWN_RUNS = 500


_DRAWN: set[str] = set()


def _duration() -> str:
    """A `sleep` duration no other process of this benchmark has: processes are found by
    it. (Drawn at random alone, one of 500 background sleeps and a round's 50 shared one
    about once in 60 runs; that round then waited for a count it could never see.)"""
    while True:
        duration = str(random.randint(1_000_000, 9_999_999))
        if duration not in _DRAWN:
            _DRAWN.add(duration)
            return duration


def _sleeping(durations: set[str]) -> list[int]:
    """Live pids of `sleep D` for D in durations."""
    wanted = {f"sleep {d}" for d in durations}
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            entry = procfs.read_entry(int(name))
            if entry is not None and not entry.zombie and procfs.cmdline(entry.pid) in wanted:
                found.append(entry.pid)
    return found


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


async def _until(predicate, timeout: float = 30.0) -> None:
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


def _tree_script() -> tuple[str, set[str]]:
    a, b = _duration(), _duration()
    return f"(setsid sleep {a} &); sleep {b} & wait", {a, b}


async def engine_round(engine: Engine, all_durations: set[str]) -> list[float]:
    scripts = [_tree_script() for _ in range(RUNS)]
    durations = set().union(*(d for _, d in scripts))
    all_durations |= durations
    run_ids = [engine.processes.launch(ProcessSpec(script, shell=True, grace_s=2.0)) for script, _ in scripts]
    await _until(lambda: len(_sleeping(durations)) == 2 * RUNS)
    times: list[float] = []

    async def stop(run_id: int) -> None:
        t0 = time.perf_counter()
        await engine.processes.stop(run_id)
        times.append(time.perf_counter() - t0)

    async with anyio.create_task_group() as tg:
        for run_id in run_ids:
            tg.start_soon(stop, run_id)
    for run_id in run_ids:
        await engine.processes.remove(run_id)
    return times


async def bare_round(all_durations: set[str]) -> tuple[list[float], int]:
    scripts = [_tree_script() for _ in range(RUNS)]
    durations = set().union(*(d for _, d in scripts))
    all_durations |= durations
    processes = [
        await anyio.open_process(["/bin/sh", "-c", script], start_new_session=True) for script, _ in scripts
    ]
    await _until(lambda: len(_sleeping(durations)) == 2 * RUNS)
    times: list[float] = []

    async def stop(process) -> None:
        t0 = time.perf_counter()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        await process.wait()
        times.append(time.perf_counter() - t0)

    async with anyio.create_task_group() as tg:
        for process in processes:
            tg.start_soon(stop, process)
    for process in processes:
        await process.aclose()
    await anyio.sleep(0.2)
    left = _sleeping(durations)
    _kill(left)
    return times, len(left)


async def shutdown_500() -> float:
    duration = _duration()
    engine = Engine()
    await engine.__aenter__()
    try:
        for _ in range(SHUTDOWN_RUNS):
            engine.processes.launch(ProcessSpec(("sleep", duration)))
        await _until(lambda: len(_sleeping({duration})) == SHUTDOWN_RUNS, 120)
    finally:
        t0 = time.perf_counter()
        await engine.__aexit__(None, None, None)
        elapsed = time.perf_counter() - t0
    left = _sleeping({duration})
    _kill(left)
    if left:
        print(f"shutdown left {len(left)} processes", file=sys.stderr)
    return elapsed


async def measure(rounds: int) -> dict[str, float]:
    background = [subprocess.Popen(["sleep", _duration()], start_new_session=True) for _ in range(BACKGROUND)]
    engine_durations: set[str] = set()
    bare_durations: set[str] = set()
    try:
        stops: list[float] = []
        bare: list[float] = []
        escapees = 0
        async with Engine() as engine:
            for _ in range(rounds):
                stops += await engine_round(engine, engine_durations)
                bare_times, left = await bare_round(bare_durations)
                bare += bare_times
                escapees += left
            orphans = _sleeping(engine_durations)
            scans = engine.containment.scanner.scans
        _kill(orphans)
        shutdown = await shutdown_500()
    finally:
        for proc in background:
            proc.kill()
        for proc in background:
            proc.wait()
        _kill(_sleeping(engine_durations | bare_durations))
    stops_ms = sorted(t * 1000 for t in stops)
    return {
        "stop_p50_ms": statistics.median(stops_ms),
        "stop_p99_ms": statistics.quantiles(stops_ms, n=100, method="inclusive")[98],
        "bare_stop_p50_ms": statistics.median(t * 1000 for t in bare),
        "bare_escapees": escapees,
        "orphans": len(orphans),
        "shutdown_500_s": shutdown,
        "stops": len(stops),
        "scans": scans,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with private_dirs():
        figures = anyio.run(measure, 2 if args.quick else args.rounds)
    targets = {"stop_p50_ms": 100, "stop_p99_ms": 250, "shutdown_500_s": 2, "orphans": 0}
    print(f"{'figure':<18} {'value':>10}  target")
    for key, value in figures.items():
        target = targets.get(key)
        shown = f"{value:10.1f}" if isinstance(value, float) else f"{value:10d}"
        mark = "" if target is None else (f"<= {target}" if key != "orphans" else "== 0")
        print(f"{key:<18} {shown}  {mark}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    met = (
        figures["orphans"] == 0
        and figures["stop_p50_ms"] <= 100
        and figures["stop_p99_ms"] <= 250
        and figures["shutdown_500_s"] <= 2
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
