"""ANSI colour numbers to QColors (xterm's palette), for light and dark backgrounds."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor

from procdeck.core.line_source import TRUECOLOR

# The 16 ANSI colours as xterm draws them.
_ANSI16 = (
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
    (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
)  # fmt: skip


@lru_cache(maxsize=1024)
def ansi_color(value: int) -> QColor | None:
    """The QColor for a core colour int, or None for the default colour."""
    if value < 0:
        return None
    if value & TRUECOLOR:
        return QColor((value >> 16) & 255, (value >> 8) & 255, value & 255)
    if value < 16:
        return QColor(*_ANSI16[value])
    if value < 232:  # 6x6x6 cube
        n = value - 16
        steps = (0, 95, 135, 175, 215, 255)
        return QColor(steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    if value < 256:  # greys
        g = 8 + 10 * (value - 232)
        return QColor(g, g, g)
    return None
