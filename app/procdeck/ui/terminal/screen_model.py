"""The screen model of a terminal view: pyte, plus what pyte 0.8.2 leaves out.

pyte (https://github.com/selectel/pyte) emulates a VT100/xterm screen. On top of it:

- the alternate screen (private modes 47, 1047, 1049): pyte 0.8.2 ignores them, so a
  full-screen program's screen would stay behind after it quits (less, vim, htop);
- the program's queries (device attributes, cursor position) are collected as
  ``responses`` for the view to send back to the program, instead of being dropped;
- ``Backlog``: pyte handles some 16k short lines per second here, a flood brings 300k.
  The view feeds the screen on its display frames with a time budget, and a backlog that
  grows past what the screen needs to show its latest state is cut to its tail.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pyte

ALT_SCREEN_MODES = frozenset({47, 1047, 1049})
BRACKETED_PASTE = 2004 << 5  # private modes are stored shifted by 5 in pyte's mode set
APP_CURSOR_KEYS = 1 << 5  # DECCKM

# Where a screen starts over: clear screen, reset, or a switch of screen buffer.
_FRESH_START = re.compile(rb"\x1b\[2J|\x1b\[3J|\x1bc|\x1b\[\?(?:47|1047|1049)[hl]")
_ALT_SWITCH = re.compile(rb"\x1b\[\?(?:47|1047|1049)([hl])")


class TerminalScreen(pyte.Screen):
    def __init__(self, columns: int, lines: int) -> None:
        self._main: tuple[dict[int, dict[int, Any]], Any] | None = None
        self.responses: list[str] = []
        super().__init__(columns, lines)

    @property
    def alternate(self) -> bool:
        return self._main is not None

    @property
    def bracketed_paste(self) -> bool:
        return BRACKETED_PASTE in self.mode

    @property
    def app_cursor_keys(self) -> bool:
        return APP_CURSOR_KEYS in self.mode

    def reset(self) -> None:
        self._main = None
        super().reset()

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private") and ALT_SCREEN_MODES.intersection(modes) and self._main is None:
            self._main = ({y: dict(line) for y, line in self.buffer.items()}, self.cursor)
            self.cursor = pyte.screens.Cursor(self.cursor.x, self.cursor.y, self.cursor.attrs)
            self.buffer.clear()
            self.dirty.update(range(self.lines))
        super().set_mode(*modes, **kwargs)

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private") and ALT_SCREEN_MODES.intersection(modes) and self._main is not None:
            lines, cursor = self._main
            self._main = None
            self.buffer.clear()
            for y, line in lines.items():
                if y < self.lines:
                    self.buffer[y].update({x: c for x, c in line.items() if x < self.columns})
            self.cursor = cursor
            self.cursor.x = min(self.cursor.x, self.columns - 1)
            self.cursor.y = min(self.cursor.y, self.lines - 1)
            self.dirty.update(range(self.lines))
        super().reset_mode(*modes, **kwargs)

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """Like xterm, a screen made shorter drops lines from the top only as far as the
        cursor needs (pyte drops the whole difference, losing what still fits)."""
        lines = lines or self.lines
        if lines < self.lines:
            excess = max(0, self.cursor.y - (lines - 1))
            old = dict(self.buffer)
            self.buffer.clear()
            for y, line in old.items():
                if 0 <= y - excess < lines:
                    self.buffer[y - excess] = line
            self.cursor.y -= excess
            self.dirty.update(range(lines))
            self.lines = lines
        super().resize(lines, columns)
        self.dirty.update(range(self.lines))

    def write_process_input(self, data: str) -> None:
        self.responses.append(data)

    def take_responses(self) -> bytes:
        out = "".join(self.responses).encode()
        self.responses.clear()
        return out


def tail_start(data: bytes, keep: int) -> int:
    """Where to start feeding ``data`` so that the screen shows its end correctly,
    reading at most about ``keep`` bytes: at the last fresh start (clear, reset, screen
    switch) if it lies within the tail, else at the first line start within the tail
    (never inside a UTF-8 character)."""
    if len(data) <= keep:
        return 0
    cut = len(data) - keep
    last = None
    for match in _FRESH_START.finditer(data, cut):
        last = match.start()
    if last is not None:
        return last
    newline = data.find(b"\n", cut)
    if newline != -1:
        return newline + 1
    while cut < len(data) and data[cut] & 0xC0 == 0x80:
        cut += 1
    return cut


def alternate_after(data: bytes, start: bool) -> bool:
    """Whether the alternate screen is on after ``data``, given its state before."""
    state = start
    for match in _ALT_SWITCH.finditer(data):
        state = match.group(1) == b"h"
    return state


class Backlog:
    """Bytes waiting for the screen, fed in time-boxed slices, cut to the tail in a flood."""

    SLICE = 2048

    def __init__(self, screen: TerminalScreen) -> None:
        self.screen = screen
        self.stream = pyte.ByteStream(screen)
        self._pending = bytearray()
        self.skipped = 0  # bytes never fed (a flood outran the screen)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def keep(self) -> int:
        """How much of a flood's tail is fed: enough for a full screen of long lines."""
        return max(16 * 1024, self.screen.lines * self.screen.columns * 4)

    def add(self, data: bytes) -> None:
        self._pending += data
        keep = self.keep()
        if len(self._pending) > 4 * keep:
            self.cut_to_tail(keep)

    def cut_to_tail(self, keep: int) -> None:
        start = tail_start(bytes(self._pending), keep)
        if start <= 0:
            return
        dropped = bytes(self._pending[:start])
        del self._pending[:start]
        self.skipped += start
        alt_before = self.screen.alternate
        alt = alternate_after(dropped, alt_before)
        if alt and not alt_before:
            self.screen.set_mode(1049, private=True)
        elif alt_before and not alt:
            self.screen.reset_mode(1049, private=True)

    def feed(self, budget_s: float) -> bool:
        """Feed pending bytes for at most about ``budget_s``; True if some are left."""
        deadline = time.perf_counter() + budget_s
        while self._pending:
            chunk = bytes(self._pending[: self.SLICE])
            del self._pending[: self.SLICE]
            self.stream.feed(chunk)
            if time.perf_counter() >= deadline:
                break
        return bool(self._pending)

    def clear(self) -> None:
        self._pending.clear()
