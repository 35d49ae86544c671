"""Starting async engine work from Qt slots, with failures reported instead of raised."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.abc
from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class TaskSpawner(QObject):
    """Runs coroutines on the engine's task group; an exception becomes ``failed(str)``.

    Under qasync, Qt slots run on the loop's thread, so ``start_soon`` is safe here. A
    failing command must never take the task group (and with it the engine) down.
    """

    failed = Signal(str)

    def __init__(self, task_group: anyio.abc.TaskGroup, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tg = task_group

    def spawn(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        self._tg.start_soon(self._guarded, fn, args)

    async def _guarded(self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> None:
        try:
            await fn(*args)
        except Exception as exc:
            log.exception("command %s failed", getattr(fn, "__name__", fn))
            self.failed.emit(str(exc) or type(exc).__name__)
