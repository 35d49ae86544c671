"""Dask backend dispatch figures, called by `worker_dispatch` when Dask is installed.

    .venv/bin/python tests/benchmarks/_dask_dispatch.py [--json PATH] [--quick]

(Leading underscore: `run_all` does not run it on its own; `worker_dispatch` includes its
figures.) The same trivial job as the local figures, through the same `JobPool`, on a
Dask LocalCluster of 2 worker processes (1 thread each) started on this machine:

- dask_seq_us_per_call: one job at a time, round trip (``JobPool.run``);
- dask_jobs_per_s: a mapped batch with the pool's default concurrency (one job in
  flight per worker thread, so queued jobs stay cancellable in the pool);
- dask_piped_jobs_per_s: the same batch with the pool's max workers at 16, so
  Dask keeps every worker fed (jobs then wait in Dask's queue, shown as running);
- raw_dask_seq_us_per_call, raw_dask_jobs_per_s: the baseline on the same cluster, bare
  ``Client.submit`` of the function itself (one at a time; all at once then gathered).

No target: every call pays for the scheduler hop (client -> scheduler -> worker and
back over TCP), which the local anyio pool does not. Most of a sequential round trip is
Dask's message batching, fixed in distributed's code: the client batches to the scheduler
every 10 ms, the scheduler to workers every 5 ms, workers and the scheduler back every
2 ms (``BatchedSend(interval=...)``), so bare ``Client.submit`` costs the same ~10 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for entry in (ROOT / "app", ROOT):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

TARGET = "procdeck.tasks.builtin:identity"
WORKERS = 2
#: Max workers set above the thread count: jobs wait in Dask's queue instead of the pool's.
IN_FLIGHT = 16


async def _measure(seq_n: int, par_n: int, rounds: int) -> dict[str, float]:
    from procdeck.core.cluster_state import BackendChoice, ClusterStatus
    from procdeck.core.jobs import JobSpec
    from procdeck.engine.workers.dask_backend import open_dask_pool

    async with open_dask_pool(BackendChoice.dask_local_cluster(WORKERS)) as pool:
        await pool.backend.connection.wait_for(
            lambda s: s.status is ClusterStatus.CONNECTED and s.workers == WORKERS, 120
        )
        spec = JobSpec(TARGET, (1,))
        for _ in range(50):  # warm up: imports in the workers, connections
            await pool.run(spec)
        seq = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for _ in range(seq_n):
                await pool.run(spec)
            seq.append((time.perf_counter() - t0) / seq_n * 1e6)
            pool.remove_finished()
        batch_spec = JobSpec(TARGET)
        rates = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            await pool.wait_batch(pool.map(batch_spec, range(par_n)))
            rates.append(par_n / (time.perf_counter() - t0))
            pool.remove_finished()
        pool.set_max_workers(IN_FLIGHT)
        piped = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            await pool.wait_batch(pool.map(batch_spec, range(par_n)))
            piped.append(par_n / (time.perf_counter() - t0))
            pool.remove_finished()
        raw_seq, raw_rates = await _raw(pool.backend.connection.client, seq_n, par_n, rounds)
    return {
        "dask_seq_us_per_call": statistics.median(seq),
        "dask_jobs_per_s": statistics.median(rates),
        "dask_piped_jobs_per_s": statistics.median(piped),
        "raw_dask_seq_us_per_call": statistics.median(raw_seq),
        "raw_dask_jobs_per_s": statistics.median(raw_rates),
    }


async def _raw(client, seq_n: int, par_n: int, rounds: int) -> tuple[list[float], list[float]]:
    from procdeck.tasks.builtin import identity

    seq, rates = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(seq_n):
            await client.submit(identity, 1, pure=False)
        seq.append((time.perf_counter() - t0) / seq_n * 1e6)
    for _ in range(rounds):
        t0 = time.perf_counter()
        futures = client.map(identity, range(par_n), pure=False)
        await client.gather(futures)
        rates.append(par_n / (time.perf_counter() - t0))
        del futures
    return seq, rates


def measure_dask(seq_n: int = 500, par_n: int = 2_000, rounds: int = 3) -> dict[str, float]:
    """The Dask figures; raises ImportError when the extra is not installed."""
    import anyio
    import distributed  # noqa: F401  (fail early and clearly without the extra)

    return anyio.run(_measure, seq_n, par_n, rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args(argv)
    figures = measure_dask(*((100, 300, 1) if args.quick else (500, 2_000, 3)))
    print(f"dask dispatch (LocalCluster, {WORKERS} worker processes, medians)")
    for key, value in figures.items():
        print(f"  {key:<22} {value:>12,.1f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
