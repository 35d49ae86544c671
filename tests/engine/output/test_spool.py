"""Log spooling: byte-identical files, per-run and total caps, pruning, errors."""

from __future__ import annotations

import os
import time
from pathlib import Path

from procdeck.engine.output.spool import Spooler, run_key


def test_logs_are_byte_identical_and_per_stream(tmp_path):
    spooler = Spooler(tmp_path)
    out, err = spooler.open_run(7, "my job", run_cap=1 << 30)
    payload = bytes(range(256)) * 1000
    for i in range(0, len(payload), 4096):
        out.write(payload[i : i + 4096])
    err.write(b"oops\n")
    out.close()
    err.close()
    spooler.close(timeout=10)
    assert not spooler.running
    assert out.path.read_bytes() == payload
    assert err.path.read_bytes() == b"oops\n"
    assert run_key(out.path) == run_key(err.path)
    assert "my_job" in out.path.name


def test_a_run_stops_growing_at_its_cap(tmp_path):
    spooler = Spooler(tmp_path)
    out, _ = spooler.open_run(1, "capped", run_cap=10_000)
    for _ in range(5):
        out.write(b"x" * 3000)
    assert out.capped and out.dropped == 5000
    spooler.close(timeout=10)
    assert out.path.stat().st_size == 10_000


def test_total_cap_prunes_the_oldest_runs_first_never_an_open_one(tmp_path):
    old = []
    for i in range(3):
        for suffix in (".stdout.log", ".stderr.log"):
            p = tmp_path / f"2020010{i}-000000-1-000{i}-old-x{suffix}"
            p.write_bytes(b"o" * 4000)
            os.utime(p, (time.time() - 1000 + i, time.time() - 1000 + i))
            old.append(p)
    spooler = Spooler(tmp_path, total_cap=20_000)
    out, _ = spooler.open_run(1, "new", run_cap=1 << 20)
    out.write(b"n" * 9000)
    spooler.prune()
    spooler.close(timeout=10)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert out.path.name in left  # the open run is never pruned
    assert not old[0].exists() and not old[1].exists()  # the oldest run went first, both streams
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 20_000


def test_a_write_error_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the log directory should be")
    spooler = Spooler(blocker / "logs")
    out, _ = spooler.open_run(1, "x", run_cap=1 << 20)
    out.write(b"data\n")
    spooler.close(timeout=10)
    assert out.error is not None and "Cannot write the log file" in out.error
    out.write(b"more\n")  # later writes are dropped quietly, counted
    assert out.dropped == 5


def test_a_slow_disk_bounds_the_memory_queued(tmp_path):
    spooler = Spooler(tmp_path, max_queued=10_000)
    out, _ = spooler.open_run(1, "x", run_cap=1 << 30)
    spooler._queued_in = 10_000  # as if 10,000 bytes waited for a stalled disk
    out.write(b"y" * 100)
    assert out.dropped == 100
    spooler.close(timeout=10)


_OTHER_INSTANCE = """
import sys, time
from pathlib import Path
from procdeck.engine.output.spool import Spooler
spooler = Spooler(Path(sys.argv[1]), total_cap=1 << 40)
out, _ = spooler.open_run(1, "other", run_cap=1 << 20)
out.write(b"x" * 8000)
while not out.path.exists() or out.path.stat().st_size < 8000:
    time.sleep(0.01)
print(out.path, flush=True)
sys.stdin.read()  # keep the log open until told
out.close()
spooler.close(timeout=10)
"""


def test_pruning_never_deletes_another_running_instances_open_log(tmp_path):
    import subprocess
    import sys

    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_INSTANCE, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        other_log = Path(other.stdout.readline().strip())
        os.utime(other_log, (time.time() - 2000, time.time() - 2000))  # the oldest of all
        closed = tmp_path / "20200101-000000-1-0001-old-x.stdout.log"
        closed.write_bytes(b"o" * 8000)
        os.utime(closed, (time.time() - 1000, time.time() - 1000))
        spooler = Spooler(tmp_path, total_cap=12_000)
        out, _ = spooler.open_run(2, "mine", run_cap=1 << 20)
        out.write(b"n" * 3000)
        spooler.prune()
        spooler.close(timeout=10)
        assert other_log.exists() and other_log.stat().st_size == 8000  # still open elsewhere: kept
        assert not closed.exists()  # a closed old log still goes
    finally:
        other.communicate("", timeout=30)
    assert other.returncode == 0


def test_sync_returns_once_what_was_queued_is_written_by_a_slow_writer(tmp_path, monkeypatch):
    """A shared writer keeps running after one run's output closes: sync() is how that
    run knows its log is complete (RunOutput.aclose)."""
    original = Spooler._write_batch

    def slow(self, batch):
        time.sleep(0.2)
        original(self, batch)

    monkeypatch.setattr(Spooler, "_write_batch", slow)
    spooler = Spooler(tmp_path)
    out, _err = spooler.open_run(3, "shared", run_cap=1 << 20)
    out.write(b"first\n")
    out.write(b"second\n")
    out.close()
    assert not out.path.exists()  # still queued behind the slow writer
    assert spooler.sync(timeout=10)
    assert out.path.read_bytes() == b"first\nsecond\n"
    assert spooler.running  # a sync is not a close
    spooler.close(timeout=10)
    assert Spooler(tmp_path).sync()  # nothing started: nothing to wait for
