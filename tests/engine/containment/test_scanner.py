"""One scan serves every stop that asks at the same time; signals go out in batches."""

from __future__ import annotations

import signal
import subprocess

import anyio
import pytest

from procdeck.engine.containment import procfs
from procdeck.engine.containment.scanner import SharedScanner, SharedSignaller
from tests.engine.containment.helpers import unique_seconds

pytestmark = pytest.mark.anyio


async def test_concurrent_requests_share_scans():
    scanner = SharedScanner(environ_since=None)
    results: list[procfs.Snapshot] = []

    async def ask() -> None:
        results.append(await scanner.fresh())

    async with anyio.create_task_group() as tg:
        for _ in range(25):
            tg.start_soon(ask)
    assert len(results) == 25
    assert scanner.scans <= 2  # the first caller's scan, then one for everyone who came during it


async def test_fresh_never_returns_a_scan_that_began_before_the_call():
    scanner = SharedScanner(environ_since=None)
    first = await scanner.fresh()
    proc = subprocess.Popen(["sleep", unique_seconds()])
    try:
        later = await scanner.fresh()
        assert proc.pid not in first.entries and proc.pid in later.entries
        assert later.taken_at >= first.taken_at
        mark = scanner.mark()
        assert (await scanner.fresh(after=mark)) is not later
    finally:
        proc.kill()
        proc.wait()


async def test_current_joins_a_running_scan():
    scanner = SharedScanner(environ_since=None)
    async with anyio.create_task_group() as tg:
        tg.start_soon(scanner.fresh)
        await anyio.sleep(0)
        await scanner.current()
    assert scanner.scans == 1


async def test_signaller_signals_every_request_and_group_members_once():
    signaller = SharedSignaller()
    procs = [subprocess.Popen(["sleep", unique_seconds()]) for _ in range(6)]
    try:
        keys = [(p.pid, procfs.start_of(p.pid) or 0) for p in procs]
        async with anyio.create_task_group() as tg:
            for key in keys:
                tg.start_soon(signaller.send, {key}, signal.SIGTERM)
        assert [p.wait(5) for p in procs] == [-signal.SIGTERM] * 6
    finally:
        for p in procs:
            p.kill()
            p.wait()


async def test_group_signal_needs_the_leader_to_still_be_itself():
    leader = subprocess.Popen(["sleep", unique_seconds()], start_new_session=True)
    try:
        start = procfs.start_of(leader.pid) or 0
        assert not procfs.send_group((leader.pid, start + 1), signal.SIGTERM)
        assert leader.poll() is None
        assert procfs.send_group((leader.pid, start), signal.SIGTERM)
        assert leader.wait(5) == -signal.SIGTERM
    finally:
        leader.kill()
        leader.wait()
