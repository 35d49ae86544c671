"""PtyReader: a pty master drained on a thread of its own, handed to the loop in batches.

Why a thread: a pty holds little (about 4 KiB in the line discipline plus 64 KiB of
flip buffers on Linux), so a program flooding its terminal blocks as soon as the reader
is late. Read from the event loop, every pause (a paint, a frame of screen emulation, the
wake-up hop through Qt's event loop after ``wait_readable``) stalled the program: the
loop sat idle 60% of a flood while the program waited, and Procdeck drained a pty at a
quarter of the rate of a plain read loop. The thread reads as a plain loop does (the
reads release the GIL), collects what it reads, and wakes the loop only when the
collection goes from empty to not empty; the loop takes at most ``batch`` bytes a turn.

The thread runs niced (``thread_priority``): in a flood the program, this thread and the
window's thread all want a core, and the window must not be the one that waits.

Flow control: once ``high_water`` bytes wait for the loop, the thread stops reading until
the loop catches up, so a program that outruns Procdeck blocks on its terminal as it
would on a slow terminal emulator; memory stays bounded.

The master stays non-blocking (the engine writes input to it from the loop without
blocking), so the thread waits in ``poll`` on the master and on a wake-up pipe that
``close`` writes to; ``close`` returns once the thread has ended, before the caller
closes the master. Linux reports the end of a pty (every slave descriptor closed) as EIO
on read: that is end of file here.
"""

from __future__ import annotations

import asyncio
import errno
import os
import select
import threading
from collections.abc import Callable

from procdeck.engine.thread_priority import lower_priority

READ_SIZE = 1 << 16
BATCH_BYTES = 1 << 18  # the most the loop takes in one turn
HIGH_WATER = 1 << 22  # the thread pauses while this much waits for the loop


class PtyReader:
    def __init__(
        self,
        master: int,
        notify: Callable[[], None],
        *,
        batch: int = BATCH_BYTES,
        high_water: int = HIGH_WATER,
    ) -> None:
        """``notify`` is called from the reader thread when bytes (or the end) become
        available to ``take``; it must be thread-safe and cheap."""
        self._master = master
        self._notify = notify
        self._batch = batch
        self._high_water = high_water
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._ended = False
        self._error: OSError | None = None
        self._closing = False
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name=f"procdeck-pty-{master}", daemon=True)
        self._thread.start()

    # ----------------------------------------------------------------- loop side
    def take(self) -> tuple[bytes, bool]:
        """(up to ``batch`` bytes read so far, whether the terminal has ended and
        everything has been taken). Raises the thread's read error, if there was one,
        once the bytes before it are taken."""
        with self._cond:
            if len(self._buf) <= self._batch:
                data = bytes(self._buf)
                self._buf.clear()
            else:
                data = bytes(self._buf[: self._batch])
                del self._buf[: self._batch]
            if len(self._buf) < self._high_water:
                self._cond.notify()
            done = self._ended and not self._buf
            if done and not data and self._error is not None:
                raise self._error
        return data, done

    def close(self) -> None:
        """Stop the thread and wait for it (it is in ``poll`` or a non-blocking read:
        this is quick). Idempotent."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify()
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass
        self._thread.join()
        os.close(self._wake_r)
        os.close(self._wake_w)

    # --------------------------------------------------------------- thread side
    def _run(self) -> None:
        lower_priority()
        poller = select.poll()
        poller.register(self._master, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        try:
            while self._wait_for_room():
                ready = {fd for fd, _ in poller.poll()}
                if self._wake_r in ready:
                    return
                if not self._drain():
                    return
        except OSError as exc:  # poll itself failed: report it as the end
            self._finish(exc)

    def _wait_for_room(self) -> bool:
        with self._cond:
            while len(self._buf) >= self._high_water and not self._closing:
                self._cond.wait()
            return not self._closing

    def _drain(self) -> bool:
        """Read what is waiting (up to a batch) and hand it over; False once the
        terminal has ended."""
        chunks: list[bytes] = []
        size = 0
        ended = False
        error: OSError | None = None
        while size < self._batch:
            try:
                data = os.read(self._master, READ_SIZE)
            except BlockingIOError:
                break
            except OSError as exc:
                ended = True
                if exc.errno != errno.EIO:  # EIO: every slave descriptor closed, end of file
                    error = exc
                break
            if not data:
                ended = True
                break
            chunks.append(data)
            size += len(data)
        with self._cond:
            was_empty = not self._buf
            for chunk in chunks:
                self._buf += chunk
            if ended:
                self._ended = True
                self._error = error
        if (was_empty and size) or ended:
            self._notify()
        return not ended

    def _finish(self, error: OSError) -> None:
        with self._cond:
            self._ended = True
            self._error = error
        self._notify()


async def pump(master: int, feed: Callable[[bytes], None]) -> None:
    """Pass everything the program writes to its terminal to ``feed``, in batches, until
    the terminal ends; the loop gets its turn between batches.

    Procdeck's engine runs on asyncio (qasync in the window, ``asyncio.run`` headless),
    so the thread wakes the loop with ``call_soon_threadsafe``: unlike
    ``anyio.from_thread``, it does not make the reader wait for the loop.
    """
    import anyio
    import anyio.lowlevel

    loop = asyncio.get_running_loop()
    ready = asyncio.Event()

    def notify() -> None:
        try:
            loop.call_soon_threadsafe(ready.set)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            pass

    reader = PtyReader(master, notify)
    try:
        while True:
            ready.clear()
            data, done = reader.take()
            if data:
                feed(data)
            if done:
                return
            if data:
                await anyio.lowlevel.checkpoint()
            else:
                await ready.wait()
    finally:
        reader.close()
