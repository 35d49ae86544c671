"""At start-up the window offers to stop what an earlier Procdeck session left running."""

from __future__ import annotations

import os
import re
import subprocess

import anyio
from PySide6.QtCore import Qt

from procdeck.engine.containment import cookie
from tests.compose.test_window_flow import open_window, until
from tests.engine.containment.helpers import unique_seconds


def _leftover() -> subprocess.Popen[bytes]:
    """A process carrying the cookie of an instance whose Procdeck is gone (pid 0 never runs)."""
    dead = cookie.Cookie(cookie.new_instance_id(0, 1), "7").value
    return subprocess.Popen(
        ["sleep", unique_seconds()], env={**os.environ, cookie.VARIABLE: dead}, start_new_session=True
    )


def test_banner_lists_leftovers_and_stops_them(qt_run, qtbot):
    left = _leftover()

    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.show()
            check = parts.leftovers
            assert check is not None
            with anyio.fail_after(30):
                await check.checked.wait()
            banner = check.banner
            assert banner.isVisible()
            assert re.fullmatch(
                r"\d+ process(es)? from an earlier Procdeck session (is|are) still running",
                banner.label.text(),
            )
            assert str(left.pid) in banner.label.toolTip()
            qtbot.mouseClick(banner.stop_button, Qt.MouseButton.LeftButton)
            await until(lambda: left.poll() is not None, 15)
            await until(lambda: banner.label.text().startswith("Stopped"))
            qtbot.mouseClick(banner.leave_button, Qt.MouseButton.LeftButton)
            assert not banner.isVisible()

    try:
        qt_run(scenario)
    finally:
        left.kill()
        left.wait()


def test_leave_them_hides_the_banner_and_touches_nothing(qt_run, qtbot):
    left = _leftover()

    async def scenario():
        async with open_window(qtbot) as (engine, parts, window):
            window.show()
            with anyio.fail_after(30):
                await parts.leftovers.checked.wait()
            qtbot.mouseClick(parts.leftovers.banner.leave_button, Qt.MouseButton.LeftButton)
            assert not parts.leftovers.banner.isVisible()
            assert left.poll() is None

    try:
        qt_run(scenario)
    finally:
        left.kill()
        left.wait()
