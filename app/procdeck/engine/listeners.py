"""Listeners: the one way engine objects tell others that something changed.

An engine object keeps a ``Listeners`` per kind of event; ``add`` returns the function
that removes the listener again (safe to call twice), and calling the ``Listeners`` calls
every listener in the order they were added. Listeners run synchronously on the event loop
and must be cheap (set a flag, arm a timer); the bridge coalesces to display rate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, ParamSpec

P = ParamSpec("P")


class Listeners(Generic[P]):
    """Callbacks of one signature.

    The callbacks are kept in a tuple that ``add`` and removal replace, so notifying (a
    hot path for output) iterates without copying, and a listener may unsubscribe itself
    or others while being notified. With ``log``, a listener that raises is logged and the
    others still run; without it, the exception propagates to the notifier.
    """

    __slots__ = ("_callbacks", "_log")

    def __init__(self, log: logging.Logger | None = None) -> None:
        self._callbacks: tuple[Callable[P, object], ...] = ()
        self._log = log

    def add(self, callback: Callable[P, object]) -> Callable[[], None]:
        """Call ``callback`` on every notification until the returned function is called."""
        self._callbacks = (*self._callbacks, callback)

        def remove() -> None:
            callbacks = list(self._callbacks)
            if callback in callbacks:
                callbacks.remove(callback)
                self._callbacks = tuple(callbacks)

        return remove

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        if self._log is None:
            for callback in self._callbacks:
                callback(*args, **kwargs)
            return
        for callback in self._callbacks:
            try:
                callback(*args, **kwargs)
            except Exception:
                self._log.exception("listener %r failed", callback)

    def __len__(self) -> int:
        return len(self._callbacks)

    def __bool__(self) -> bool:
        return bool(self._callbacks)


def unsubscribe_all(*removers: Callable[[], None]) -> Callable[[], None]:
    """One function that calls each of ``removers`` (a subscription to several events)."""

    def remove() -> None:
        for remover in removers:
            remover()

    return remove
