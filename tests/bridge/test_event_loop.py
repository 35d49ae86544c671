"""The Qt-driven loop accepts infinite and very long delays (qasync issue 171)."""

from __future__ import annotations

import asyncio
import math

import anyio
import pytest
from PySide6.QtCore import QCoreApplication

from procdeck.bridge.event_loop import MAX_TIMER_S, ProcdeckEventLoop


@pytest.fixture
def loop(qapp):
    loop = ProcdeckEventLoop(qapp)
    yield loop
    loop.close()


def test_sleep_forever_can_be_cancelled(loop):
    async def main():
        with anyio.move_on_after(0.05) as scope:
            await anyio.sleep_forever()
        return scope.cancelled_caught

    assert loop.run_until_complete(main()) is True


def test_infinite_call_later_is_cancellable_and_never_fires(loop):
    fired = []
    handle = loop.call_later(math.inf, fired.append, 1)
    assert isinstance(handle, asyncio.TimerHandle)
    loop.run_until_complete(asyncio.sleep(0.02))
    handle.cancel()
    assert fired == []


def test_very_long_delay_is_rearmed_until_its_deadline(loop, monkeypatch):
    """A delay beyond Qt's int range is re-armed in steps and fires at its deadline."""
    fired = []
    offset = [0.0]
    real_time = loop.time
    monkeypatch.setattr(loop, "time", lambda: real_time() + offset[0])
    monkeypatch.setattr("procdeck.bridge.event_loop.MAX_TIMER_S", 0.01)
    handle = loop.call_later(10 * 365 * 86400.0, fired.append, "late")
    loop.run_until_complete(asyncio.sleep(0.05))
    assert fired == []  # re-armed, not fired early
    offset[0] = 10 * 365 * 86400.0  # jump the clock past the deadline
    loop.run_until_complete(asyncio.sleep(0.05))
    assert fired == ["late"]
    assert not handle.cancelled()


def test_call_at_far_future_goes_through_the_same_path(loop):
    handle = loop.call_at(loop.time() + 1e12, lambda: None)
    assert isinstance(handle, asyncio.TimerHandle)
    handle.cancel()


def test_short_delays_still_fire(loop):
    async def main():
        t0 = loop.time()
        await asyncio.sleep(0.02)
        return loop.time() - t0

    assert loop.run_until_complete(main()) >= 0.015
    assert MAX_TIMER_S >= 300  # anyio's idle-worker timeout stays a plain Qt timer
    assert QCoreApplication.instance() is not None
