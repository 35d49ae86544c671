"""Worker dispatch: Procdeck's job layer against bare anyio.to_process and a process pool.

    .venv/bin/python tests/benchmarks/worker_dispatch.py [--json PATH] [--quick]

Measured in one run, on the same trivial job (`procdeck.tasks.builtin:identity`):
- seq_us_per_call, raw_seq_us_per_call, ppe_seq_us_per_call: one job at a time, round trip
  (Procdeck's `JobPool.run`; bare ``anyio.to_process.run_sync``;
  ``concurrent.futures.ProcessPoolExecutor`` via ``loop.run_in_executor``).
- jobs_per_s, raw_jobs_per_s, ppe_jobs_per_s: 20,000 jobs with 2 workers (a mapped batch;
  two tasks looping over run_sync; 20,000 executor futures).
All on one event loop with rounds interleaved (the machine is shared: load must hit every
variant alike); Procdeck and bare run_sync use the same anyio worker processes.
- ui_lag_p99_ms: while a 20,000-job batch runs with the Jobs panel visible on Procdeck's
  Qt loop, how late a 5 ms timer fires (p99).
Each figure is the median of several rounds; workers are warmed up first.
Targets (issue 4): seq <= 1.25x raw and <= 0.75x ppe; jobs_per_s >= 0.9x raw; lag <= 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "app") not in sys.path:
    sys.path.insert(0, str(ROOT / "app"))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "tests" / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

import anyio  # noqa: E402
from anyio import to_process  # noqa: E402

from procdeck.core.jobs import JobSpec  # noqa: E402
from procdeck.engine.workers.local import open_local_pool  # noqa: E402
from procdeck.tasks.builtin import identity  # noqa: E402

TARGET = "procdeck.tasks.builtin:identity"
WORKERS = 2


async def measure(seq_n: int, par_n: int, rounds: int) -> dict[str, float]:
    """All six figures on one loop, rounds interleaved so machine load hits each alike.

    Procdeck's pool and the bare run_sync calls share anyio's worker processes (one set
    per event loop), each through its own limiter of WORKERS; the executor has its own.
    """
    loop = asyncio.get_running_loop()
    raw_limiter = anyio.CapacityLimiter(WORKERS)
    spec = JobSpec(TARGET, (1,))
    batch_spec = JobSpec(TARGET)

    async def raw_call() -> object:
        return await to_process.run_sync(identity, 1, limiter=raw_limiter, cancellable=True)

    async def raw_parallel(n: int) -> None:
        items = iter(range(n))

        async def worker() -> None:
            for i in items:
                await to_process.run_sync(identity, i, limiter=raw_limiter, cancellable=True)

        async with anyio.create_task_group() as tg:
            for _ in range(WORKERS):
                tg.start_soon(worker)

    samples: dict[str, list[float]] = {}

    def record(key: str, value: float) -> None:
        samples.setdefault(key, []).append(value)

    async with open_local_pool(WORKERS) as pool:
        with concurrent.futures.ProcessPoolExecutor(WORKERS) as ex:

            async def ppe_call() -> object:
                return await loop.run_in_executor(ex, identity, 1)

            async def ppe_parallel(n: int) -> None:
                await asyncio.gather(*(loop.run_in_executor(ex, identity, i) for i in range(n)))

            async def pool_parallel(n: int) -> None:
                await pool.wait_batch(pool.map(batch_spec, range(n)))

            # Warm up: every worker started, every import done.
            await raw_parallel(200)
            await pool_parallel(200)
            await ppe_parallel(200)
            seq_cases = {
                "raw_seq_us_per_call": raw_call,
                "seq_us_per_call": lambda: pool.run(spec),
                "ppe_seq_us_per_call": ppe_call,
            }
            par_cases = {
                "raw_jobs_per_s": raw_parallel,
                "jobs_per_s": pool_parallel,
                "ppe_jobs_per_s": ppe_parallel,
            }
            for _ in range(max(3, rounds)):
                for key, call in seq_cases.items():
                    t0 = time.perf_counter()
                    for _ in range(seq_n):
                        await call()
                    record(key, (time.perf_counter() - t0) / seq_n * 1e6)
                pool.remove_finished()
            for _ in range(rounds):
                for key, run in par_cases.items():
                    t0 = time.perf_counter()
                    await run(par_n)
                    record(key, par_n / (time.perf_counter() - t0))
                pool.remove_finished()
    order = (
        "seq_us_per_call",
        "raw_seq_us_per_call",
        "ppe_seq_us_per_call",
        "jobs_per_s",
        "raw_jobs_per_s",
        "ppe_jobs_per_s",
    )
    return {key: statistics.median(samples[key]) for key in order}


def measure_ui_lag(n: int) -> float:
    """p99 lateness of a 5 ms timer while a batch runs with the Jobs panel shown."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from procdeck.bridge.event_loop import new_event_loop_factory
    from procdeck.compose.jobs import build_jobs_panel

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # as in the app: closing the panel must not stop the loop
    lags: list[float] = []

    async def scenario() -> None:
        async with open_local_pool(WORKERS) as pool:
            panel, bridge = build_jobs_panel(pool, None)
            panel.resize(1000, 700)
            panel.show()
            await pool.wait_batch(pool.map(JobSpec(TARGET), range(100)))
            stop = anyio.Event()

            async def probe() -> None:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    await anyio.sleep(0.005)
                    lags.append(max(0.0, (time.perf_counter() - t0 - 0.005) * 1000))

            async with anyio.create_task_group() as tg:
                tg.start_soon(probe)
                await anyio.sleep(0.2)
                await pool.wait_batch(pool.map(JobSpec(TARGET), range(n)))
                await anyio.sleep(0.3)  # the last coalesced repaint
                stop.set()
            bridge.close()
            panel.close()
            panel.deleteLater()

    with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
        runner.run(scenario())
    lags.sort()
    return lags[int(len(lags) * 0.99)] if lags else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--skip-ui", action="store_true", help="do not measure ui_lag_p99_ms")
    args = parser.parse_args(argv)
    seq_n, par_n, rounds = (300, 2_000, 1) if args.quick else (2_000, 20_000, 5)

    figures = anyio.run(measure, seq_n, par_n, rounds)
    if not args.skip_ui:
        figures["ui_lag_p99_ms"] = measure_ui_lag(par_n)
    if importlib.util.find_spec("distributed") is not None:  # the optional Dask extra
        from _dask_dispatch import measure_dask

        figures.update(measure_dask(*((100, 300, 1) if args.quick else (500, 2_000, 3))))

    print(f"worker_dispatch ({WORKERS} workers, {par_n:,} jobs per batch, medians)")
    for key, value in figures.items():
        print(f"  {key:<22} {value:>12,.1f}")
    print(
        f"  seq / raw             {figures['seq_us_per_call'] / figures['raw_seq_us_per_call']:>12.2f}  (target <= 1.25)"
    )
    print(
        f"  seq / ppe             {figures['seq_us_per_call'] / figures['ppe_seq_us_per_call']:>12.2f}  (target <= 0.75)"
    )
    print(
        f"  jobs/s / raw          {figures['jobs_per_s'] / figures['raw_jobs_per_s']:>12.2f}  (target >= 0.9)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
