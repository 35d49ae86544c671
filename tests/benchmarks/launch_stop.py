"""Launch and stop latency through Procdeck's engine, against bare anyio in the same run.

- launch_ms: launch() to the child's first stdout line arriving in the run's output.
- raw_launch_ms: anyio.open_process to the first line read from the pipe.
- stop_ms: stop() (whole-tree ladder, tree scans off the loop) until the run is exited.
- raw_stop_ms: process.terminate() + wait() on a bare anyio process.
Medians over --n runs of `sh -c 'echo ready; exec sleep 60'`.

    .venv/bin/python tests/benchmarks/launch_stop.py [--n 40] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
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
from procdeck.engine.engine import Engine

SCRIPT = "echo ready; exec sleep 60"


async def measure_engine(n: int) -> tuple[list[float], list[float]]:
    launch, stop = [], []
    async with Engine() as engine:
        for _ in range(n):
            t0 = time.perf_counter()
            run_id = engine.processes.launch(ProcessSpec(SCRIPT, shell=True))
            output = engine.processes.output(run_id)
            while output.total_lines == 0:
                await anyio.sleep(0)
            launch.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await engine.processes.stop(run_id)
            stop.append(time.perf_counter() - t0)
            await engine.processes.remove(run_id)
    return launch, stop


async def measure_raw(n: int) -> tuple[list[float], list[float]]:
    launch, stop = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        process = await anyio.open_process(
            ["/bin/sh", "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None
        await process.stdout.receive()
        launch.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        process.terminate()
        await process.wait()
        stop.append(time.perf_counter() - t0)
        await process.aclose()
    return launch, stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    n = 8 if args.quick else args.n

    async def both():
        raw = await measure_raw(n)
        eng = await measure_engine(n)
        return raw, eng

    with private_dirs():
        (raw_launch, raw_stop), (launch, stop) = anyio.run(both)
    ms = lambda xs: round(statistics.median(xs) * 1000, 3)  # noqa: E731
    result = {
        "launch_ms": ms(launch),
        "raw_launch_ms": ms(raw_launch),
        "stop_ms": ms(stop),
        "raw_stop_ms": ms(raw_stop),
        "runs": n,
    }
    print(f"{'metric':<16}{'procdeck':>12}{'bare anyio':>12}{'ratio':>8}")
    for key in ("launch", "stop"):
        ours, base = result[f"{key}_ms"], result[f"raw_{key}_ms"]
        print(f"{key + ' (ms)':<16}{ours:>12.2f}{base:>12.2f}{ours / base:>8.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
