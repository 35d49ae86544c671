"""InputFeed: bounded, never-blocking input for a run."""

from __future__ import annotations

import anyio
import pytest

from procdeck.engine.input_feed import InputFeed, InputRefused

pytestmark = pytest.mark.anyio


async def test_delivers_in_order_then_eof():
    feed = InputFeed(limit=100)
    got: list[bytes] = []
    eof = anyio.Event()

    async def send(data: bytes) -> None:
        got.append(data)

    async def send_eof() -> None:
        eof.set()

    feed.write(b"a")
    async with anyio.create_task_group() as tg:
        tg.start_soon(feed.drain, send, send_eof)
        feed.write(b"b")
        feed.close_input()
    assert b"".join(got) == b"ab" and eof.is_set()
    with pytest.raises(InputRefused, match="already closed"):
        feed.write(b"c")


async def test_refuses_what_does_not_fit_while_the_child_is_not_reading():
    feed = InputFeed(limit=10)
    blocked = anyio.Event()

    async def send(data: bytes) -> None:
        blocked.set()
        await anyio.sleep(3600)  # a child that never reads

    async def send_eof() -> None:
        raise AssertionError("no eof")

    async with anyio.create_task_group() as tg:
        tg.start_soon(feed.drain, send, send_eof)
        feed.write(b"12345678")
        await blocked.wait()
        feed.write(b"12")  # the chunk in flight still counts against the limit
        with pytest.raises(InputRefused, match="not reading its input"):
            feed.write(b"x")
        assert feed.pending == 10
        feed.shut("gone")
        tg.cancel_scope.cancel()
    with pytest.raises(InputRefused, match="gone"):
        feed.write(b"x")
