"""Bounded input for one run: what the user types or sends waits here for the child.

``write`` never blocks and never waits: it queues the bytes or refuses them with a message
(a program that does not read its input must not stall Procdeck, nor make it hold an
unbounded amount of memory). One writer task per run attempt drains the queue into the
child's stdin pipe or terminal, waiting there as long as the child takes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

INPUT_LIMIT = 64 * 1024


class InputRefused(ValueError):
    """Input that cannot be accepted; the message is for the user.

    ``full`` is true when the input is refused only because the queue is full (the same
    input may fit later); otherwise the run takes no more input.
    """

    def __init__(self, message: str, *, full: bool = False) -> None:
        super().__init__(message)
        self.full = full


class InputFeed:
    def __init__(self, limit: int = INPUT_LIMIT) -> None:
        self.limit = limit
        self._pending = bytearray()
        self._eof_requested = False
        self._closed_reason: str | None = None
        self._in_flight = 0  # bytes handed to the child's side but not yet written
        self._wake = anyio.Event()

    @property
    def pending(self) -> int:
        """Bytes accepted but not yet taken by the child."""
        return len(self._pending) + self._in_flight

    @property
    def closed(self) -> bool:
        return self._closed_reason is not None or self._eof_requested

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the child, or raise InputRefused (nothing is queued then)."""
        if self._closed_reason is not None:
            raise InputRefused(self._closed_reason)
        if self._eof_requested:
            raise InputRefused("The input was already closed (end of file sent).")
        if self.pending + len(data) > self.limit:
            raise InputRefused(
                f"Input refused: the program is not reading its input "
                f"({self.pending} bytes are still waiting, the limit is {self.limit}).",
                full=True,
            )
        self._pending += data
        self._wake.set()

    def close_input(self) -> None:
        """End of file once everything queued has been delivered."""
        if self._closed_reason is not None:
            raise InputRefused(self._closed_reason)
        self._eof_requested = True
        self._wake.set()

    def shut(self, reason: str) -> None:
        """No more input (the run ended); later writes are refused with ``reason``."""
        if self._closed_reason is None:
            self._closed_reason = reason
        self._pending.clear()
        self._wake.set()

    async def drain(
        self,
        send: Callable[[bytes], Awaitable[None]],
        send_eof: Callable[[], Awaitable[None]],
    ) -> None:
        """Deliver queued input until end of file or ``shut`` (the writer task's body)."""
        while True:
            if self._closed_reason is not None:
                return
            if self._pending:
                chunk = bytes(self._pending)
                self._pending.clear()
                self._in_flight = len(chunk)
                try:
                    await send(chunk)
                finally:
                    self._in_flight = 0
                continue
            if self._eof_requested:
                await send_eof()
                return
            await self._wake.wait()
            self._wake = anyio.Event()
