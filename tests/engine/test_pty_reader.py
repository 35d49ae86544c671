"""PtyReader: a pty master drained on a thread of its own, with real terminals and children."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import termios
import threading
import time

import anyio
import pytest

from procdeck.engine import pty_reader
from procdeck.engine.pty_reader import PtyReader
from procdeck.engine.pty_terminal import open_pty

FLOOD = r"""
import sys
data = bytes(range(256)) * 4096  # 1 MiB, every byte value
sys.stdout.buffer.write(data)
sys.stdout.flush()
"""


def spawn(code: str, rows: int = 24, cols: int = 80) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = open_pty(rows, cols)
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    return proc, master


def raw(master: int) -> None:
    """No output processing on the terminal: bytes arrive as the child wrote them."""
    attrs = termios.tcgetattr(master)  # the terminal's settings, shared by both ends
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(master, termios.TCSANOW, attrs)


def collect(reader: PtyReader, notified: threading.Event, timeout: float = 20.0) -> bytes:
    out = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        notified.clear()
        data, done = reader.take()
        out += data
        if done:
            return bytes(out)
        if not data:
            notified.wait(0.5)
    raise AssertionError(f"the reader did not end ({len(out)} bytes so far)")


def test_every_byte_arrives_in_order_and_the_end_is_reported():
    proc, master = spawn(FLOOD)
    raw(master)
    notified = threading.Event()
    reader = PtyReader(master, notified.set, batch=1 << 16)
    try:
        data = collect(reader, notified)
    finally:
        reader.close()
        os.close(master)
        proc.wait()
    expected = bytes(range(256)) * 4096
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(expected).hexdigest()


def test_a_batch_is_bounded_and_a_full_buffer_pauses_the_reads():
    proc, master = spawn(FLOOD)
    raw(master)
    notified = threading.Event()
    reader = PtyReader(master, notified.set, batch=4096, high_water=64 * 1024)
    try:
        deadline = time.monotonic() + 10
        while len(reader._buf) < 64 * 1024 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # the child writes on; the reader must not read past the mark
        held = len(reader._buf)
        assert 64 * 1024 <= held < 64 * 1024 + pty_reader.BATCH_BYTES
        assert proc.poll() is None  # the child waits on its terminal: back-pressure
        data, done = reader.take()
        assert len(data) == 4096 and not done
        rest = collect(reader, notified)
    finally:
        reader.close()
        os.close(master)
        proc.wait()
    assert len(data) + len(rest) == 256 * 4096


def test_close_ends_a_thread_that_waits_on_a_silent_program():
    proc, master = spawn("import time; time.sleep(60)")
    reader = PtyReader(master, lambda: None)
    try:
        time.sleep(0.05)
        started = time.monotonic()
        reader.close()
        assert time.monotonic() - started < 1.0
        assert not reader._thread.is_alive()
        reader.close()  # idempotent
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


@pytest.mark.anyio
async def test_pump_feeds_batches_on_the_loop_until_the_terminal_ends():
    proc, master = spawn("print('hello from a terminal'); print('bye')")
    chunks: list[bytes] = []
    owner = threading.get_ident()
    threads: set[int] = set()

    def feed(data: bytes) -> None:
        threads.add(threading.get_ident())
        chunks.append(data)

    try:
        with anyio.fail_after(10):
            await pump_until_end(master, feed)
    finally:
        os.close(master)
        proc.wait()
    assert threads == {owner}  # fed on the loop's thread, never on the reader's
    assert b"".join(chunks) == b"hello from a terminal\r\nbye\r\n"


async def pump_until_end(master: int, feed) -> None:
    await pty_reader.pump(master, feed)


@pytest.mark.anyio
async def test_a_cancelled_pump_stops_its_thread():
    proc, master = spawn("import time; time.sleep(60)")
    before = {t.name for t in threading.enumerate()}
    try:
        with anyio.move_on_after(0.2):
            await pty_reader.pump(master, lambda data: None)
        leftover = {t.name for t in threading.enumerate()} - before
        assert not [name for name in leftover if name.startswith("procdeck-pty-")]
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
