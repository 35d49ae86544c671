"""Turn one raw output line into what a terminal would show: plain text plus SGR styles.

Only the lines a viewer paints go through here (the caller caches the result), so this is
written for clarity over raw speed, with a fast path for the common line that holds no
escape or control character at all.

Handled: SGR colours and styles (16, 256 and 24-bit colours, bold, dim, italic, underline,
inverse, strike, resets), ``\\r`` (cursor to column 0: the next text overwrites, so
progress bars update in place), ``ESC[K`` erase-in-line, backspace, tabs (8 columns).
Ignored cleanly: every other CSI, OSC (titles, hyperlinks), DCS/APC/PM/SOS strings,
two-byte escapes, and an escape sequence cut off by the end of the line. Other control
characters (NUL...) are shown as Unicode control pictures so they are visible.

SGR state starts fresh on every line (the line is rendered on its own).
"""

from __future__ import annotations

import re
from dataclasses import replace

from procdeck.core.line_source import DEFAULT_COLOR, PLAIN, StyledRun, TextStyle, rgb_color

# Anything that needs the slow path: ESC, C0 controls except \t\n, DEL, and \t itself.
_SPECIAL = re.compile(r"[\x00-\x1f\x7f]")

_TOKEN = re.compile(
    r"\x1b\[(?P<params>[0-?]*)(?P<inter>[ -/]*)(?P<final>[@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)"  # OSC, terminated by BEL or ST (or line end)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\|$)"  # DCS, SOS, PM, APC strings
    r"|\x1b\[[0-?]*[ -/]*"  # a CSI cut off before its final byte
    r"|\x1b[ -/]*[0-~]?"  # two-byte escapes (ESC c, ESC ( B, ...) and a lone ESC
    r"|[\x00-\x1f\x7f]"  # one control character
)

TAB = 8


def _control_picture(ch: str) -> str:
    code = ord(ch)
    return "\u2421" if code == 0x7F else chr(0x2400 + code)


def _palette(n: int) -> int:
    return n if 0 <= n <= 255 else DEFAULT_COLOR


def _extended(nums: list[int], i: int) -> tuple[int | None, int]:
    """Parse ``5;N`` or ``2;R;G;B`` after 38/48; returns (colour or None, next index)."""
    if i < len(nums) and nums[i] == 5 and i + 1 < len(nums):
        return _palette(nums[i + 1]), i + 2
    if i < len(nums) and nums[i] == 2 and i + 3 < len(nums):
        return rgb_color(nums[i + 1], nums[i + 2], nums[i + 3]), i + 4
    return None, len(nums)


def _with_color(style: TextStyle, foreground: bool, color: int) -> TextStyle:
    return replace(style, fg=color) if foreground else replace(style, bg=color)


def _colon_color(parts: list[str]) -> int | None:
    """``38:5:N`` or ``38:2:[colourspace]:R:G:B`` (ITU T.416 form)."""
    nums = [int(p) if p.isdigit() else 0 for p in parts]
    if len(nums) >= 3 and nums[1] == 5:
        return _palette(nums[2])
    if len(nums) >= 5 and nums[1] == 2:
        r, g, b = nums[-3:]
        return rgb_color(r, g, b)
    return None


def apply_sgr(style: TextStyle, params: str) -> TextStyle:
    """The style after ``ESC [ params m``."""
    if not params:
        return PLAIN
    groups = params.split(";")
    nums = [int(g) if g.isdigit() else 0 for g in groups]
    i = 0
    while i < len(groups):
        group = groups[i]
        n = nums[i]
        i += 1
        if ":" in group:  # ITU T.416 sub-parameters, handled in order with the rest
            parts = group.split(":")
            head = parts[0]
            if head in ("38", "48"):
                color = _colon_color(parts)
                if color is not None:
                    style = _with_color(style, head == "38", color)
            elif head == "4":
                style = replace(style, underline=parts[1] not in ("0", ""))
            continue
        if n == 0:
            style = PLAIN
        elif n == 1:
            style = replace(style, bold=True)
        elif n == 2:
            style = replace(style, dim=True)
        elif n == 3:
            style = replace(style, italic=True)
        elif n in (4, 21):
            style = replace(style, underline=True)
        elif n == 7:
            style = replace(style, inverse=True)
        elif n == 9:
            style = replace(style, strike=True)
        elif n == 22:
            style = replace(style, bold=False, dim=False)
        elif n == 23:
            style = replace(style, italic=False)
        elif n == 24:
            style = replace(style, underline=False)
        elif n == 27:
            style = replace(style, inverse=False)
        elif n == 29:
            style = replace(style, strike=False)
        elif 30 <= n <= 37:
            style = replace(style, fg=n - 30)
        elif 40 <= n <= 47:
            style = replace(style, bg=n - 40)
        elif 90 <= n <= 97:
            style = replace(style, fg=n - 90 + 8)
        elif 100 <= n <= 107:
            style = replace(style, bg=n - 100 + 8)
        elif n == 39:
            style = replace(style, fg=DEFAULT_COLOR)
        elif n == 49:
            style = replace(style, bg=DEFAULT_COLOR)
        elif n in (38, 48):
            color, i = _extended(nums, i)
            if color is not None:
                style = _with_color(style, n == 38, color)
        # everything else (blink, fonts, overline...) is ignored
    return style


class _Cells:
    """A one-line screen: characters, their styles and a cursor."""

    __slots__ = ("chars", "styles", "cursor")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.styles: list[TextStyle] = []
        self.cursor = 0

    def write(self, text: str, style: TextStyle) -> None:
        n = len(text)
        c = self.cursor
        if c == len(self.chars):
            self.chars.extend(text)
            self.styles.extend([style] * n)
        else:
            if c > len(self.chars):  # cannot happen (cursor never passes the end), kept safe
                c = len(self.chars)
            self.chars[c : c + n] = list(text)
            self.styles[c : c + n] = [style] * n
        self.cursor = c + n

    def erase_line(self, mode: str) -> None:
        if mode in ("", "0"):
            del self.chars[self.cursor :]
            del self.styles[self.cursor :]
        elif mode == "2":
            self.chars.clear()
            self.styles.clear()
        elif mode == "1":
            for i in range(min(self.cursor, len(self.chars))):
                self.chars[i] = " "
                self.styles[i] = PLAIN


def render(text: str, cap: int = 10_000) -> tuple[str, tuple[StyledRun, ...], int]:
    """(plain text, styled runs, characters clipped) for one decoded line."""
    if not _SPECIAL.search(text):
        if len(text) > cap:
            return text[:cap], (), len(text) - cap
        return text, (), 0
    source = text
    # Bound the work on monster lines: look at the tail after the last \r for progress
    # lines, and at most 4x the cap of raw characters otherwise.
    if len(source) > cap * 4:
        body = source.rstrip("\r")
        r = body.rfind("\r")
        if r >= 0:
            source = body[r + 1 :]
        if len(source) > cap * 4:
            source = source[: cap * 4]
    cells = _Cells()
    style = PLAIN
    pos = 0
    for m in _TOKEN.finditer(source):
        if m.start() > pos:
            cells.write(source[pos : m.start()], style)
        pos = m.end()
        token = m.group()
        final = m.group("final")
        if final is not None:
            if final == "m" and not m.group("inter"):
                style = apply_sgr(style, m.group("params"))
            elif final == "K":
                cells.erase_line(m.group("params"))
            continue
        if len(token) == 1 and token != "\x1b":
            if token == "\r":
                cells.cursor = 0
            elif token == "\t":
                cells.write(" " * (TAB - cells.cursor % TAB), style)
            elif token == "\b":
                cells.cursor = max(0, cells.cursor - 1)
            elif token == "\n":  # never inside a stored line; shown if given one
                cells.write("\u2424", style)
            else:
                cells.write(_control_picture(token), style)
        # every escape sequence that is not SGR/EL is dropped
    if pos < len(source):
        cells.write(source[pos:], style)
    chars, styles = cells.chars, cells.styles
    clipped = len(text) - len(source)
    if len(chars) > cap:
        clipped += len(chars) - cap
        chars = chars[:cap]
        styles = styles[:cap]
    plain = "".join(chars)
    runs: list[StyledRun] = []
    start = 0
    n = len(styles)
    while start < n:
        s = styles[start]
        end = start + 1
        while end < n and styles[end] is s:
            end += 1
        if s != PLAIN:
            if runs and runs[-1].end == start and runs[-1].style == s:
                runs[-1] = StyledRun(runs[-1].start, end, s)
            else:
                runs.append(StyledRun(start, end, s))
        start = end
    return plain, tuple(runs), clipped


def strip(text: str) -> str:
    """The plain text of a line (what search, copy and export see)."""
    if not _SPECIAL.search(text):
        return text
    return render(text, cap=8 * len(text) + 8)[0]
