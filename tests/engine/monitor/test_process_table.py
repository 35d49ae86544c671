from __future__ import annotations

import os
import time

import pytest

from procdeck.core.samples import ProcState
from procdeck.engine.monitor.process_table import ProcessTable
from procdeck.engine.monitor.sampler import Sampler

from .conftest import BUSY


def test_table_lists_every_process_with_fields(spawn) -> None:
    busy = spawn(BUSY)
    table = ProcessTable()
    rows = {r.pid: r for r in table.snapshot()}
    me = rows[os.getpid()]
    assert me.ppid == os.getppid()
    assert me.user and me.name and me.cmdline
    assert me.rss and me.mem_percent and me.threads
    assert me.cpu_percent is None  # first refresh: unknown, shown as "-"
    time.sleep(1.0)
    rows = {r.pid: r for r in table.snapshot()}
    assert rows[busy.pid].cpu_percent is not None and rows[busy.pid].cpu_percent > 5.0
    assert rows[busy.pid].state is ProcState.OK
    assert "while True" in rows[busy.pid].cmdline


@pytest.mark.anyio
async def test_sampler_table_off_the_loop() -> None:
    rows = await Sampler().process_table()
    assert any(r.pid == os.getpid() for r in rows)


def test_can_signal_follows_the_kernel_rule() -> None:
    table = ProcessTable()
    table._root = False
    table._my_uids = {1000}
    # (real, effective, saved), as psutil's puids
    assert table._can_signal((1000, 1000, 1000))
    assert table._can_signal((0, 0, 1000))
    assert not table._can_signal((0, 0, 0))
    assert not table._can_signal(None)
    mine = {r.pid: r for r in ProcessTable().snapshot()}[os.getpid()]
    assert mine.can_signal and mine.key == (mine.pid, mine.create_time)


def test_proc_scan_and_psutil_paths_agree(spawn) -> None:
    spawn(BUSY)
    table = ProcessTable()
    fast = {r.pid: r for r in table._snapshot_linux()}
    slow = {r.pid: r for r in ProcessTable()._snapshot_psutil()}
    common = fast.keys() & slow.keys()
    assert len(common) >= 0.9 * len(slow)
    for pid in common:
        a, b = fast[pid], slow[pid]
        if a.ppid == 2 or pid == 2:  # kernel threads rename themselves between two reads
            continue
        assert (a.ppid, a.name, a.user, a.cmdline, a.can_signal) == (
            b.ppid,
            b.name,
            b.user,
            b.cmdline,
            b.can_signal,
        )
        assert abs(a.create_time - b.create_time) < 0.05
    me = fast[os.getpid()]
    assert me.threads == slow[os.getpid()].threads
    assert abs(me.rss - slow[os.getpid()].rss) < 50_000_000


def test_renamed_process_gets_its_new_name() -> None:
    code = (
        "import ctypes, sys, time\n"
        "sys.stdin.readline()\n"
        "ctypes.CDLL(None).prctl(15, b'renamed-proc', 0, 0, 0)\n"  # PR_SET_NAME
        "print('done', flush=True)\n"
        "time.sleep(60)\n"
    )
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        table = ProcessTable()
        assert {r.pid: r for r in table.snapshot()}[proc.pid].name.startswith("python")
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == b"done"
        assert {r.pid: r for r in table.snapshot()}[proc.pid].name == "renamed-proc"
    finally:
        proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
