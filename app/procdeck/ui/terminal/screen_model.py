"""The screen model of a terminal view: pyte, plus what pyte 0.8.2 leaves out.

pyte (https://github.com/selectel/pyte) emulates a VT100/xterm screen. On top of it:

- the alternate screen (private modes 47, 1047, 1049): pyte 0.8.2 ignores them, so a
  full-screen program's screen would stay behind after it quits (less, vim, htop);
- the program's queries (device attributes, cursor position) are collected as
  ``responses`` for the view to send back to the program, instead of being dropped;
- ``Backlog``: pyte handles some 16k short lines per second here, a flood brings 700k.
  The view feeds the screen on its display frames with a time budget, and a backlog that
  grows past what the screen needs to show its latest state is cut to its tail (about a
  screenful of lines), so the screen is never more than a frame or two behind.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pyte
import pyte.charsets
import pyte.modes

ALT_SCREEN_MODES = frozenset({47, 1047, 1049})
BRACKETED_PASTE = 2004 << 5  # private modes are stored shifted by 5 in pyte's mode set
APP_CURSOR_KEYS = 1 << 5  # DECCKM

# Where a screen starts over: clear screen, reset, or a switch of screen buffer.
_FRESH_START = re.compile(rb"\x1b\[2J|\x1b\[3J|\x1bc|\x1b\[\?(?:47|1047|1049)[hl]")
_LATIN1 = pyte.charsets.LAT1_MAP
_AUTOWRAP = pyte.modes.DECAWM
_INSERT = pyte.modes.IRM
# Anything but plain text and colours (SGR): cursor moves, erases, scroll regions, modes.
_NOT_PLAIN = re.compile(rb"\x1b(?!\[[\d;:]*m)|[\x08\x0b\x0c]")
_SGR = re.compile(rb"\x1b\[([\d;:]*)m")
_PRIVATE_MODE = re.compile(rb"\x1b\[\?([\d;]+)([hl])")


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

    def draw(self, data: str) -> None:
        """pyte's ``draw``, with a fast path for the common case: printable ASCII in the
        default character set, replace mode, auto-wrap on. pyte builds every cell with
        ``namedtuple._replace`` (two thirds of its time in a flood of short lines); here
        a row's cells are built straight from the cursor's attributes."""
        if not (
            data.isascii()
            and data.isprintable()
            and self.charset == 0
            and self.g0_charset is _LATIN1
            and _AUTOWRAP in self.mode
            and _INSERT not in self.mode
        ):
            super().draw(data)
            return
        cursor = self.cursor
        columns = self.columns
        rest = tuple(cursor.attrs)[1:]
        char_type = type(cursor.attrs)
        make = tuple.__new__
        while data:
            if cursor.x >= columns:  # a character past the last column wraps first
                self.dirty.add(cursor.y)
                self.carriage_return()
                self.linefeed()
            x = cursor.x
            n = min(len(data), columns - x)
            line = self.buffer[cursor.y]
            for i in range(n):
                line[x + i] = make(char_type, (data[i], *rest))
            cursor.x = x + n
            data = data[n:]
            self.dirty.add(cursor.y)

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


def tail_start(data: bytes, keep: int, rows: int = 0) -> int:
    """Where to start feeding ``data`` so that the screen shows its end correctly,
    reading at most about ``keep`` bytes: at the last fresh start (clear, reset, screen
    switch) if it lies within the tail; else at the start of the last ``rows`` lines if
    they fit (lines that scroll through a screen of ``rows`` rows overwrite all of it);
    else at the first line start within the tail (never inside a UTF-8 character)."""
    if len(data) <= keep:
        return 0
    cut = len(data) - keep
    last = None
    for match in _FRESH_START.finditer(data, cut):
        last = match.start()
    if last is not None:
        return last
    screenful = last_lines_start(data, rows, cut)
    if screenful is not None:
        return screenful
    newline = data.find(b"\n", cut)
    if newline != -1:
        return newline + 1
    while cut < len(data) and data[cut] & 0xC0 == 0x80:
        cut += 1
    return cut


def last_lines_start(data: bytes, rows: int, lowest: int = 0) -> int | None:
    """Where the last ``rows`` lines of ``data`` start (the last line may be unfinished:
    one newline more is counted), if that is at or after ``lowest``; else None."""
    if rows <= 0:
        return None
    pos = len(data)
    for _ in range(rows + 1):
        pos = data.rfind(b"\n", lowest, pos)
        if pos == -1:
            return None
    return pos + 1


def modes_in(data: bytes) -> bytes:
    """The private modes ``data`` sets or resets (alternate screen, bracketed paste,
    cursor keys, ...), each at its last state, as sequences to replay: what a cut must
    not lose of the bytes it drops."""
    last: dict[bytes, bytes] = {}
    for match in _PRIVATE_MODE.finditer(data):
        for mode in match.group(1).split(b";"):
            if mode:
                last.pop(mode, None)  # keep the order of the last changes
                last[mode] = match.group(2)
    return b"".join(b"\x1b[?" + mode + state for mode, state in last.items())


def colours_in(data: bytes, limit: int = 32, window: int = 4096) -> bytes:
    """The colour and attribute (SGR) sequences in force at the end of ``data``: those
    after its last reset (at most ``limit`` of them), to replay before what follows.
    Only the bytes after the last reset are scanned (at most ``window`` of them when
    there is none), so a cut through a flood costs microseconds."""
    start = max(0, len(data) - window)
    for reset in (b"\x1b[0m", b"\x1b[m"):
        found = data.rfind(reset)
        if found >= 0:
            start = max(start, found + len(reset))
    sequences = [m.group(0) for m in _SGR.finditer(data, start) if m.group(1) not in (b"", b"0")]
    return b"".join(sequences[-limit:])


class Backlog:
    """Bytes waiting for the screen, fed in time-boxed slices, cut to the tail in a flood."""

    SLICE = 512  # about 1.3 ms of pyte for short coloured lines: the budget holds

    def __init__(self, screen: TerminalScreen) -> None:
        self.screen = screen
        self.stream = pyte.ByteStream(screen)
        self._pending = bytearray()
        self.skipped = 0  # bytes never fed (a flood outran the screen)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def keep(self) -> int:
        """How much waiting output is fed at most: about two screens of full lines.
        More than that is a flood the screen cannot show anyway."""
        return max(8 * 1024, self.screen.lines * self.screen.columns * 2)

    def add(self, data: bytes) -> None:
        self._pending += data
        keep = self.keep()
        if len(self._pending) > keep:
            self.cut_to_tail(keep)
        elif len(self._pending) > self.SLICE * 4:
            self.skip_scrolled()

    def skip_scrolled(self) -> None:
        """Plain scrolling output (text, colours, newlines: nothing that moves the cursor
        or erases) longer than the screen: only its last screenful can show, so the rest
        is not fed. A flood of log lines then shows its end within a frame."""
        data = bytes(self._pending)
        start = last_lines_start(data, self.screen.lines)
        if start and _NOT_PLAIN.search(data) is None:
            self._pending[:start] = colours_in(data[:start])
            self.skipped += start

    def cut_to_tail(self, keep: int) -> None:
        """Drop what the screen no longer needs to show the end of what is waiting:
        what a full screen of lines replaces, or what came before a clear. The modes the
        dropped bytes set (alternate screen, bracketed paste, ...) and the colours in
        force at the cut are still applied."""
        start = tail_start(bytes(self._pending), keep, self.screen.lines)
        if start <= 0:
            return
        dropped = bytes(self._pending[:start])
        self._pending[:start] = modes_in(dropped) + colours_in(dropped)
        self.skipped += start

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
