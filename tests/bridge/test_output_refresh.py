"""OutputRefresher: a flood of output notifications becomes display-rate repaints."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from procdeck.bridge.output_refresh import OutputRefresher


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread():
    """Collect the timers' cyclic garbage here, never in a worker thread (Qt warns then)."""
    yield
    gc.collect()


class FakeOutput:
    """Only the subscribe side of a RunOutput: the test plays the pipe pumps."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[], None]] = []

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)

    def notify(self) -> None:
        for listener in list(self.listeners):
            listener()


def test_many_notifications_become_one_change(qtbot):
    output = FakeOutput()
    refresher = OutputRefresher(output, hz=50, busy_hz=10)
    changes = []
    refresher.changed.connect(lambda: changes.append(time.monotonic()))
    for _ in range(5000):
        output.notify()
    qtbot.waitUntil(lambda: len(changes) == 1, timeout=2000)
    qtbot.wait(150)
    assert len(changes) == 1
    refresher.close()


def test_a_continuous_stream_repaints_at_the_busy_rate(qtbot):
    output = FakeOutput()
    refresher = OutputRefresher(output, hz=100, busy_hz=5)  # 10 ms after a pause, 200 ms in a flood
    changes = []
    refresher.changed.connect(lambda: changes.append(time.monotonic()))
    output.notify()
    qtbot.waitUntil(lambda: len(changes) == 1, timeout=1000)
    output.notify()  # right after the repaint: the stream is busy
    qtbot.waitUntil(lambda: len(changes) == 2, timeout=2000)
    assert changes[1] - changes[0] >= 0.15
    qtbot.wait(300)  # a pause: the next notification is answered at the full rate again
    before = time.monotonic()
    output.notify()
    qtbot.waitUntil(lambda: len(changes) == 3, timeout=1000)
    assert changes[2] - before < 0.15
    refresher.close()


def test_close_unsubscribes_and_stops_a_pending_change(qtbot):
    output = FakeOutput()
    refresher = OutputRefresher(output, hz=20)
    changes = []
    refresher.changed.connect(lambda: changes.append(1))
    output.notify()
    refresher.close()
    refresher.close()
    assert output.listeners == []
    qtbot.wait(150)
    assert changes == []
