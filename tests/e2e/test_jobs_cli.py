"""`procdeck job` in a subprocess: results, failures, usage mistakes, Ctrl+C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

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


TASKS = """
import os


def c_level_writes():
    os.write(1, b"hello from C-level write\\n")
    os.write(2, b"C-level stderr\\n")
    return "written"


def spin_forever_here():
    x = 0
    while True:
        x += 1


def allocate(gigabytes=3):
    chunks = []
    for _ in range(int(gigabytes * 1024)):
        chunks.append(b"\\x01" * (1 << 20))
    return len(chunks)
"""


@pytest.fixture
def task_folder(tmp_path):
    (tmp_path / "acceptance_tasks.py").write_text(TASKS)
    return str(tmp_path)


def installed_procdeck(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The console script installed next to this Python (as users run it), else -m."""
    script = Path(sys.executable).with_name("procdeck")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "procdeck"]
    return subprocess.run([*command, "job", *args], capture_output=True, text=True, timeout=timeout)


def test_c_level_writes_are_job_output(task_folder):
    result = installed_procdeck("acceptance_tasks:c_level_writes", "--path", task_folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "'written'\n"
    assert "hello from C-level write" in result.stderr
    assert "C-level stderr" in result.stderr


def test_timeout_prints_the_stack_and_fails(task_folder):
    started = time.monotonic()
    result = installed_procdeck("acceptance_tasks:spin_forever_here", "--path", task_folder, "--timeout", "2")
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert "timed out after 2 s" in result.stdout
    assert "timed out after 2 s" in result.stderr
    assert "in spin_forever_here" in result.stderr
    assert "Traceback" not in result.stderr


def test_memory_limit_fails_without_a_traceback(task_folder):
    result = installed_procdeck("acceptance_tasks:allocate", "--path", task_folder, "--memory-limit", "300M")
    assert result.returncode == 1
    assert "memory limit of 300 MiB" in result.stderr
    assert "memory limit" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--memory-limit", "3X", "is not a size"),
        ("--memory-limit", "1K", "too small"),
        ("--timeout", "0", "positive number of seconds"),
        ("--timeout", "soon", "is not a number of seconds"),
        ("--batch-timeout", "-1", "positive number of seconds"),
    ],
)
def test_bad_limits_are_usage_errors(option, value, message):
    result = installed_procdeck("procdeck.tasks.builtin:echo", option, value)
    assert result.returncode == 2
    assert message in result.stderr and option in result.stderr
    assert "Traceback" not in result.stderr


def test_a_closed_stdout_is_quiet():
    script = Path(sys.executable).with_name("procdeck")
    command = str(script) if script.exists() else f"{sys.executable} -m procdeck"
    result = subprocess.run(
        ["bash", "-c", f"{command} job procdeck.tasks.builtin:identity --map 'range(0, 20000)' | head -n 1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout == "0\tdone\t0\n"
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.stderr == ""
