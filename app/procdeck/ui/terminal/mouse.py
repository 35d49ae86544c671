"""Mouse events to the bytes an xterm sends when a program asks for mouse reports.

A program turns reporting on with private modes (``CSI ? N h``): 1000 reports presses and
releases, 1002 also motion while a button is held, 1003 all motion; 1006 asks for the SGR
encoding (``CSI < b ; x ; y M`` or ``m`` on release, any size), without it the legacy X10
encoding is used (``CSI M`` and three bytes, columns and rows up to 223). See "Mouse
Tracking" in xterm's ctlseqs: https://invisible-island.net/xterm/ctlseqs/ctlseqs.html
"""

from __future__ import annotations

from enum import IntEnum

PRIVATE = 5  # pyte keeps private modes shifted left by 5 in its mode set
REPORT_PRESS = 1000 << PRIVATE
REPORT_DRAG = 1002 << PRIVATE
REPORT_MOTION = 1003 << PRIVATE
SGR_ENCODING = 1006 << PRIVATE
LEGACY_LIMIT = 223  # the largest column or row the X10 encoding can carry


class Button(IntEnum):
    LEFT = 0
    MIDDLE = 1
    RIGHT = 2
    RELEASE = 3  # the X10 encoding's "some button was released"
    WHEEL_UP = 64
    WHEEL_DOWN = 65


SHIFT, META, CONTROL = 4, 8, 16  # added to the button code
MOTION = 32


def tracking(modes: set[int]) -> str | None:
    """Which reports the program asked for: "motion", "drag", "press" or None."""
    if REPORT_MOTION in modes:
        return "motion"
    if REPORT_DRAG in modes:
        return "drag"
    if REPORT_PRESS in modes:
        return "press"
    return None


def report(
    button: Button,
    row: int,
    col: int,
    *,
    pressed: bool = True,
    motion: bool = False,
    modifiers: int = 0,
    sgr: bool = True,
) -> bytes | None:
    """The report of one mouse event at a 0-based cell; None when the legacy encoding
    cannot carry the position."""
    code = int(button) + modifiers + (MOTION if motion else 0)
    x, y = col + 1, row + 1
    if sgr:
        return f"\x1b[<{code};{x};{y}{'M' if pressed else 'm'}".encode()
    if x > LEGACY_LIMIT or y > LEGACY_LIMIT:
        return None
    if not pressed:
        code = int(Button.RELEASE) + modifiers + (MOTION if motion else 0)
    return b"\x1b[M" + bytes((32 + code, 32 + x, 32 + y))
