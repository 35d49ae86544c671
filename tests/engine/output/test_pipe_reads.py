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
