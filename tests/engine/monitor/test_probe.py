"""Probe (the blocking half of the sampler) against real child processes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import psutil

from procdeck.core.samples import ProcState
from procdeck.engine.monitor.probe import Probe, TickRequest, TreeTarget, descendants, ppid_map, scan_proc

from .conftest import BUSY, IDLE, PARENT_OF_TWO


def _until(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_busy_loop_reads_about_one_core_within_two_samples(spawn) -> None:
    proc = spawn(BUSY)
    probe = Probe()
    ps = psutil.Process(proc.pid)
    first = probe.tick(TickRequest(workers=(("busy", proc.pid),)))
    t0, c0 = time.monotonic(), sum(ps.cpu_times()[:2])
    assert first.workers[0][1].cpu_percent is None  # "-", not a false 0%
    assert first.workers[0][1].cpu_text == "-"
    time.sleep(1.0)
    second = probe.tick(TickRequest(workers=(("busy", proc.pid),)))
    t1, c1 = time.monotonic(), sum(ps.cpu_times()[:2])
    label, sample = second.workers[0]
    assert label == "busy" and sample.state is ProcState.OK
    # One core's worth when the machine is free; on a loaded shared machine the loop gets
    # less, so compare with what the kernel says it got over the same interval.
    expected = 100.0 * (c1 - c0) / (t1 - t0)
    assert abs(sample.cpu_percent - expected) <= 15.0, (sample, expected)
    assert 5.0 <= sample.cpu_percent <= 130.0, sample
    assert sample.cpu_norm == sample.cpu_percent / probe.cpu_count
    assert sample.rss and sample.rss > 1_000_000
    assert sample.threads and sample.threads >= 1
    assert sample.name.startswith("python")


def test_idle_process_reads_near_zero(spawn) -> None:
    proc = spawn(IDLE)
    probe = Probe()
    probe.tick(TickRequest(workers=(("idle", proc.pid),)))
    time.sleep(0.5)
    sample = probe.tick(TickRequest(workers=(("idle", proc.pid),))).workers[0][1]
    assert sample.cpu_percent is not None and sample.cpu_percent < 20.0
    assert sample.status in ("sleeping", "running")


def test_exited_pid_becomes_a_state_not_an_exception(spawn) -> None:
    proc = spawn(IDLE)
    probe = Probe()
    probe.tick(TickRequest(workers=(("w", proc.pid),)))
    proc.kill()
    # Not yet reaped: a zombie.
    _until(lambda: psutil.Process(proc.pid).status() == psutil.STATUS_ZOMBIE)
    zombie = probe.tick(TickRequest(workers=(("w", proc.pid),))).workers[0][1]
    assert zombie.state is ProcState.ZOMBIE and zombie.cpu_text == "-"
    proc.wait(timeout=30)
    gone = probe.tick(TickRequest(workers=(("w", proc.pid),))).workers[0][1]
    assert gone.state is ProcState.GONE
    assert gone.state_text == "gone"


def test_never_existing_pid_is_gone() -> None:
    probe = Probe()
    pid = max(psutil.pids()) + 100_000
    sample = probe.tick(TickRequest(workers=(("x", pid),))).workers[0][1]
    assert sample.state is ProcState.GONE


def test_expected_create_time_mismatch_means_gone(spawn) -> None:
    proc = spawn(IDLE)
    probe = Probe()
    real = psutil.Process(proc.pid).create_time()
    snap = probe.tick(TickRequest(trees=(TreeTarget("pid/x", "x", proc.pid, create_time=real - 100.0),)))
    assert snap.trees[0].root.state is ProcState.GONE
    snap = probe.tick(TickRequest(trees=(TreeTarget("pid/y", "y", proc.pid, create_time=real),)))
    assert snap.trees[0].root.state is ProcState.OK


def test_reused_pid_is_detected_by_start_time(spawn, monkeypatch) -> None:
    proc = spawn(IDLE)
    probe = Probe()
    probe.tick(TickRequest(workers=(("w", proc.pid),)))
    # Pretend the tracked process started at another time: the pid now names another process.
    probe._tracked[proc.pid].ident = b"1"
    sample = probe.tick(TickRequest(workers=(("w", proc.pid),))).workers[0][1]
    assert sample.state is ProcState.GONE
    # Next tick it is tracked afresh, as a new process (first reading: unknown CPU).
    again = probe.tick(TickRequest(workers=(("w", proc.pid),))).workers[0][1]
    assert again.state is ProcState.OK and again.cpu_percent is None


def test_tree_includes_descendants_with_breakdown(spawn) -> None:
    parent = spawn(PARENT_OF_TWO)
    assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
    probe = Probe()
    target = TreeTarget("run/1", "run 1", parent.pid)
    probe.tick(TickRequest(trees=(target,)))
    time.sleep(0.3)
    tree = probe.tick(TickRequest(trees=(target,))).trees[0]
    assert tree.root.pid == parent.pid
    assert len(tree.members) == 3
    assert {m.pid for m in tree.members[1:]} == {c.pid for c in psutil.Process(parent.pid).children()}
    assert tree.rss == sum(m.rss for m in tree.members)
    assert tree.cpu_percent is not None and tree.live_count == 3


def test_untracked_processes_are_forgotten(spawn) -> None:
    proc = spawn(IDLE)
    probe = Probe()
    probe.tick(TickRequest(workers=(("w", proc.pid),)))
    assert proc.pid in probe.tracked_pids
    probe.tick(TickRequest())
    assert proc.pid not in probe.tracked_pids


def test_system_sample_after_two_ticks() -> None:
    probe = Probe()
    first = probe.tick(TickRequest()).system
    assert first.cpu_percent is None and first.per_core == ()
    time.sleep(0.2)
    system = probe.tick(TickRequest()).system
    assert system.cpu_percent is not None and 0.0 <= system.cpu_percent <= 100.0
    assert len(system.per_core) == psutil.cpu_count()
    assert system.mem_total == psutil.virtual_memory().total
    assert 0 < system.mem_percent < 100


def test_ppid_map_and_descendants() -> None:
    parents = ppid_map()
    assert parents[os.getpid()] == os.getppid()
    assert descendants(1, {2: 1, 3: 2, 4: 3, 5: 9}) == [2, 3, 4]
    assert descendants(7, {7: 7}) == []


def test_tree_fast_path_matches_psutil(spawn) -> None:
    """Tree members are read from the tick's /proc scan; values must agree with psutil's."""
    parent = spawn(PARENT_OF_TWO)
    assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
    probe = Probe()
    target = TreeTarget("run/1", "run 1", parent.pid)
    probe.tick(TickRequest(trees=(target,)))
    tree = probe.tick(TickRequest(trees=(target,))).trees[0]
    for member in tree.members:
        proc = psutil.Process(member.pid)
        assert member.threads == proc.num_threads()
        assert abs(member.rss - proc.memory_info().rss) < 2_000_000
        assert member.status == proc.status()
        assert member.cpu_percent is not None
    stats = scan_proc()
    assert stats[os.getpid()].ppid == os.getppid()
    assert stats[os.getpid()].threads == psutil.Process().num_threads()
