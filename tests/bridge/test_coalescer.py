"""Coalescer: one flush per burst of pokes, leading-edge mode, re-arming, close."""

from __future__ import annotations

import gc
import time

import pytest
from PySide6.QtCore import QObject

from procdeck.bridge.coalescer import Coalescer


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread():
    """Collect the timers' cyclic garbage here, never in a worker thread (Qt warns then)."""
    yield
    gc.collect()


def test_a_burst_of_pokes_flushes_once(qtbot):
    owner = QObject()
    flushes = []
    coalescer = Coalescer(owner, lambda: flushes.append(time.monotonic()), 30)
    start = time.monotonic()
    for _ in range(10_000):
        coalescer.poke()
    assert coalescer.armed and not flushes
    qtbot.waitUntil(lambda: len(flushes) == 1, timeout=2000)
    assert flushes[0] - start >= 0.025  # waited for the interval
    qtbot.wait(100)
    assert len(flushes) == 1 and not coalescer.armed
    coalescer.close()


def test_leading_mode_flushes_a_quiet_spells_first_poke_at_once(qtbot):
    owner = QObject()
    flushes = []
    coalescer = Coalescer(owner, lambda: flushes.append(time.monotonic()), 400, leading=True)
    coalescer.poke()
    qtbot.waitUntil(lambda: len(flushes) == 1, timeout=200)  # far sooner than 400 ms
    coalescer.poke()  # right after a flush: waits for the rest of the interval
    qtbot.wait(150)
    assert len(flushes) == 1
    qtbot.waitUntil(lambda: len(flushes) == 2, timeout=2000)
    assert flushes[1] - flushes[0] >= 0.35
    coalescer.close()


def test_a_flush_may_poke_again_for_the_rest_of_a_backlog(qtbot):
    owner = QObject()
    backlog = [3]

    def flush() -> None:
        backlog[0] -= 1
        if backlog[0]:
            coalescer.poke()

    coalescer = Coalescer(owner, flush, 5)
    coalescer.poke()
    qtbot.waitUntil(lambda: backlog[0] == 0, timeout=2000)
    assert not coalescer.armed
    coalescer.close()


def test_flush_now_and_close(qtbot):
    owner = QObject()
    flushes = []
    coalescer = Coalescer(owner, lambda: flushes.append(1), 50)
    coalescer.poke()
    coalescer.flush_now()
    assert flushes == [1] and not coalescer.armed
    qtbot.wait(100)
    assert flushes == [1]  # the stopped timer did not fire as well
    coalescer.poke()
    coalescer.close()
    coalescer.close()
    coalescer.poke()  # ignored once closed
    qtbot.wait(100)
    assert flushes == [1] and not coalescer.armed
