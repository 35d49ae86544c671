"""`procdeck job` in a subprocess: results, failures, usage mistakes, Ctrl+C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import psutil
import pytest

from procdeck.engine.workers.worker_process import WORKER_MODULE

pytestmark = pytest.mark.e2e


def procdeck(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "procdeck", "job", *args], capture_output=True, text=True, timeout=timeout
    )


def test_once_and_map():
    done = procdeck("procdeck.tasks.builtin:count_primes", "[1000]")
    assert (done.returncode, done.stdout) == (0, "168\n")
    mapped = procdeck("procdeck.tasks.builtin:echo", "--map", "range(0, 3)", "--workers", "2")
    assert mapped.returncode == 0
    assert mapped.stdout.splitlines() == ["0\tdone\t0", "1\tdone\t1", "2\tdone\t2"]
    assert sorted(mapped.stderr.split()) == ["0", "1", "2"]  # what the jobs printed


def test_failures_and_json(tmp_path):
    inputs = tmp_path / "in.txt"
    inputs.write_text("10\nx\n")
    result = procdeck("procdeck.tasks.builtin:count_primes", "--map-file", str(inputs), "--format", "json")
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    assert [r["state"] for r in rows] == ["done", "failed"]
    assert "invalid literal" in rows[1]["error"]
    assert "Traceback" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nodots"], "not an import path"),
        (["os:getpid", "[1,"], "JSON or a Python literal"),
        (["os:getpid", "--map", "range(x)"], "one to three integers"),
        (["os:getpid", "--map-file", "/no/such/file"], "does not exist"),
        (["os:getpid", "--workers", "0"], "at least 1"),
    ],
)
def test_usage_mistakes(args, message):
    result = procdeck(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_cancels_and_leaves_no_worker():
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "procdeck",
            "job",
            "procdeck.tasks.builtin:sleep",
            "--map",
            "[60, 60, 60]",
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as app:
        try:
            me = psutil.Process(app.pid)
            deadline = time.monotonic() + 30
            workers: list[psutil.Process] = []
            while len(workers) < 2 and time.monotonic() < deadline:
                workers = [c for c in me.children() if WORKER_MODULE in " ".join(c.cmdline())]
                time.sleep(0.1)
            assert len(workers) == 2
            time.sleep(0.5)
            app.send_signal(signal.SIGINT)
            out, err = app.communicate(timeout=30)
        finally:
            app.kill()
    assert app.returncode == 130, err
    assert out.split("\n")[0].split("\t")[1] == "cancelled"
    assert all(not w.is_running() or w.status() == psutil.STATUS_ZOMBIE for w in workers)
