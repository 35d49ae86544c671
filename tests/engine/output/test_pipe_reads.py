"""Output pipes of launched children are widened so that a flood is read in large chunks."""

from __future__ import annotations

import fcntl
import sys

import anyio
import pytest

from procdeck.engine.output import pipe_reads

pytestmark = pytest.mark.anyio

FLOOD = "import sys\nsys.stdout.buffer.write(b'x' * 3_000_000)\n"


async def test_widened_pipe_reads_large_chunks_and_loses_nothing() -> None:
    sizes: list[int] = []
    async with await anyio.open_process([sys.executable, "-c", FLOOD], stderr=None) as proc:
        assert proc.stdout is not None
        read_size = pipe_reads.widen(proc.stdout)
        pipe = proc.stdout._stream._transport.get_extra_info("pipe")  # type: ignore[attr-defined]
        assert fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ) == pipe_reads.PIPE_BYTES
        assert read_size == pipe_reads.READ_BYTES < pipe_reads.PIPE_BYTES  # one loop step stays short
        await anyio.sleep(0.5)  # let the child fill the pipe
        try:
            while True:
                sizes.append(len(await proc.stdout.receive(read_size)))
        except anyio.EndOfStream:
            pass
    assert sum(sizes) == 3_000_000
    assert pipe_reads.DEFAULT_READ < max(sizes) <= pipe_reads.READ_BYTES  # large, bounded reads


async def test_streams_without_a_pipe_keep_the_default_size() -> None:
    send, receive = anyio.create_memory_object_stream[bytes](1)
    async with send, receive:
        assert pipe_reads.widen(receive) == pipe_reads.DEFAULT_READ


class _Transport:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def pause_reading(self) -> None:
        self.log.append("pause")

    def resume_reading(self) -> None:
        self.log.append("resume")


class _Source:
    """An anyio process stream's shape: a StreamReader-like ``_stream`` with a transport."""

    def __init__(self, log: list[str], chunks: list[bytes]) -> None:
        self.log = log
        self.chunks = chunks
        self._stream = type("Reader", (), {"_transport": _Transport(log)})()

    async def receive(self, max_bytes: int = 65536) -> bytes:
        self.log.append("read")
        if not self.chunks:
            raise anyio.EndOfStream
        return self.chunks.pop(0)


async def test_gathering_pauses_the_pipe_between_reads_that_follow_each_other() -> None:
    log: list[str] = []
    reader = pipe_reads.PipeReader(_Source(log, [b"a", b"b", b"c"]), gather_s=0.05)
    assert await reader.receive() == b"a"  # the first read of a burst is not held back
    assert log == ["read"]
    assert await reader.receive() == b"b"  # data keeps coming: let the pipe fill first
    assert log == ["read", "pause", "resume", "read"]
    await anyio.sleep(0.06)  # quiet again: the next read is at once
    assert await reader.receive() == b"c"
    assert log == ["read", "pause", "resume", "read", "read"]
    with pytest.raises(anyio.EndOfStream):
        await reader.receive()


async def test_without_gathering_reads_are_never_paused() -> None:
    log: list[str] = []
    reader = pipe_reads.PipeReader(_Source(log, [b"a", b"b"]))
    assert await reader.receive() + await reader.receive() == b"ab"
    assert log == ["read", "read"]
