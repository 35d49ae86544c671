"""Procdeck's event loop: qasync's Qt-driven asyncio loop, made safe for long delays.

qasync turns every ``call_later`` delay into ``QObject.startTimer(int(delay * 1000))``.
Qt timer intervals are C ints, so an infinite or very long delay raises OverflowError
(https://github.com/CabbageDevelopment/qasync/issues/171). ``anyio.sleep_forever()`` and
anyio's own worker-pool shutdown task both sleep ``math.inf``; without this fix the first
breaks and the second leaves worker processes behind at exit.

Here a delay longer than ``MAX_TIMER_S`` gets a real ``asyncio.TimerHandle`` that the
caller can cancel; an infinite one is never armed, and a finite one is re-armed in steps
of at most ``MAX_TIMER_S`` until its deadline.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync

# Qt's limit is 2**31 - 1 ms (about 24.8 days); one hour keeps far away from it.
MAX_TIMER_S = 3600.0


class ProcdeckEventLoop(qasync.QEventLoop):  # type: ignore[misc]  # qasync ships no types: its base class is Any
    """qasync.QEventLoop with call_later/call_at that accept any delay."""

    def call_later(
        self, delay: float, callback: Callable[..., Any], *args: Any, context: Context | None = None
    ) -> asyncio.TimerHandle | asyncio.Handle:
        if delay <= MAX_TIMER_S:  # NaN also lands below (comparison is False) -> treat as 0
            if math.isnan(delay):
                delay = 0.0
            handle: asyncio.TimerHandle = super().call_later(delay, callback, *args, context=context)
            return handle
        handle = asyncio.TimerHandle(self.time() + delay, callback, args, self, context=context)
        if math.isfinite(delay):
            self._arm_long(handle)
        # An infinite delay never fires; the handle still cancels cleanly.
        return handle

    def _arm_long(self, handle: asyncio.TimerHandle) -> None:
        if handle.cancelled():
            return
        remaining = handle.when() - self.time()
        if remaining > MAX_TIMER_S:
            super().call_later(MAX_TIMER_S, self._arm_long, handle)
        else:
            super().call_later(max(0.0, remaining), self._fire_long, handle)

    @staticmethod
    def _fire_long(handle: asyncio.TimerHandle) -> None:
        if not handle.cancelled():
            handle._run()


def new_event_loop_factory(app: object) -> Callable[[], ProcdeckEventLoop]:
    """A loop_factory for asyncio.Runner bound to an existing QApplication."""

    def factory() -> ProcdeckEventLoop:
        return ProcdeckEventLoop(app)

    return factory
