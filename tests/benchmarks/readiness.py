"""What health probes cost, against the same work without them, in the same run.

- ingest_s: a child writes --lines short lines; launch to both streams closed, for a
  profile without a probe (baseline) and with a log-line readiness probe whose pattern
  never matches (its worst case: every line is decoded and searched).
- exec_check_ms: one exec probe check of `true` (own session, group killed afterwards)
  against a bare `anyio.run_process(["/bin/sh", "-c", "true"])`.
- http_check_ms: one HTTP GET probe check against a local http.server, against
  urllib.request in a worker thread.
Medians over --n repetitions.

    .venv/bin/python tests/benchmarks/readiness.py [--n 5] [--lines 2000000] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared _private_dirs module
from _private_dirs import private_dirs

from procdeck.core.probes import Probe, ProbeKind
from procdeck.core.profile import Profile
from procdeck.engine.engine import Engine
from procdeck.engine.probes.checks import check_exec, run_check


class _Quiet(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


async def ingest(lines: int, probe: Probe | None) -> float:
    code = f"import sys; sys.stdout.write('line of output 0123456789\\n' * {lines})"
    async with Engine() as engine:
        t0 = time.perf_counter()
        run_id = engine.profiles.launcher.launch(
            Profile("flood", (sys.executable, "-c", code), readiness=probe)
        )
        await engine.processes.wait_output(run_id)
        return time.perf_counter() - t0


async def checks(n: int, port: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"exec": [], "raw_exec": [], "http": [], "raw_http": []}
    probe = Probe(ProbeKind.HTTP_GET, port=port)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(n):
        t0 = time.perf_counter()
        await check_exec("true", cwd=None, env={})
        out["exec"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await anyio.run_process(["/bin/sh", "-c", "true"])
        out["raw_exec"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await run_check(probe, cwd=None, env={})
        out["http"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await anyio.to_thread.run_sync(lambda: urllib.request.urlopen(url, timeout=5).status)
        out["raw_http"].append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    n, lines = (2, 200_000) if args.quick else (args.n, args.lines)
    never = Probe(ProbeKind.LOG_LINE, pattern=r"never matches \d+ here")
    plain, probed = [], []
    with private_dirs():
        for _ in range(n):  # interleaved, so load changes hit both alike
            plain.append(anyio.run(ingest, lines, None))
            probed.append(anyio.run(ingest, lines, never))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        timed = anyio.run(checks, max(n * 4, 10), server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    med = statistics.median
    result = {
        "lines": lines,
        "ingest_s": round(med(probed), 3),
        "raw_ingest_s": round(med(plain), 3),
        "exec_check_ms": round(med(timed["exec"]) * 1000, 2),
        "raw_exec_check_ms": round(med(timed["raw_exec"]) * 1000, 2),
        "http_check_ms": round(med(timed["http"]) * 1000, 2),
        "raw_http_check_ms": round(med(timed["raw_http"]) * 1000, 2),
        "runs": n,
    }
    print(f"{'metric':<34}{'with probe':>12}{'baseline':>12}{'ratio':>8}")
    rows = (
        (f"ingest {lines:,} lines (s)", "ingest_s"),
        ("exec check of `true` (ms)", "exec_check_ms"),
        ("HTTP GET check (ms)", "http_check_ms"),
    )
    for label, key in rows:
        ours, base = result[key], result[f"raw_{key}"]
        print(f"{label:<34}{ours:>12.3f}{base:>12.3f}{ours / base:>8.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
