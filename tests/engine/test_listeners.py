"""Listeners: order, unsubscribe (also while notifying), guarded mode."""

from __future__ import annotations

import logging

import pytest

from procdeck.engine.listeners import Listeners, unsubscribe_all


def test_listeners_are_called_in_order_until_removed() -> None:
    calls: list[tuple[str, int]] = []
    listeners = Listeners[[int]]()
    remove_a = listeners.add(lambda n: calls.append(("a", n)))
    listeners.add(lambda n: calls.append(("b", n)))
    listeners(1)
    remove_a()
    remove_a()  # twice is harmless
    listeners(2)
    assert calls == [("a", 1), ("b", 1), ("b", 2)]
    assert len(listeners) == 1 and listeners


def test_a_listener_may_unsubscribe_while_being_notified() -> None:
    calls: list[str] = []
    listeners = Listeners[[]]()

    def once() -> None:
        calls.append("once")
        remove_once()

    remove_once = listeners.add(once)
    listeners.add(lambda: calls.append("always"))
    listeners()
    listeners()
    assert calls == ["once", "always", "always"]


def test_an_error_propagates_unless_a_log_is_given(caplog: pytest.LogCaptureFixture) -> None:
    def broken(_text: str) -> None:
        raise RuntimeError("listener bug")

    seen: list[str] = []
    plain = Listeners[[str]]()
    plain.add(broken)
    with pytest.raises(RuntimeError):
        plain("x")
    guarded = Listeners[[str]](logging.getLogger("test.listeners"))
    guarded.add(broken)
    guarded.add(seen.append)
    with caplog.at_level(logging.ERROR, logger="test.listeners"):
        guarded("y")
    assert seen == ["y"]
    assert "listener bug" in caplog.text


def test_unsubscribe_all_removes_each() -> None:
    first, second = Listeners[[]](), Listeners[[]]()
    remove = unsubscribe_all(first.add(lambda: None), second.add(lambda: None))
    remove()
    assert not first and not second
