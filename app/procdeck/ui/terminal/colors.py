"""pyte's colour names and hex strings as QColors, on a dark terminal background."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor

BACKGROUND = QColor(30, 30, 30)
FOREGROUND = QColor(212, 212, 212)
CURSOR = QColor(220, 220, 220)
SELECTION = QColor(38, 79, 120)

# xterm's 16 colours under pyte's names ("brown" is pyte's name for yellow).
_NAMED = {
    "black": (0, 0, 0),
    "red": (205, 49, 49),
    "green": (13, 188, 121),
    "brown": (229, 229, 16),
    "yellow": (229, 229, 16),
    "blue": (36, 114, 200),
    "magenta": (188, 63, 188),
    "cyan": (17, 168, 205),
    "white": (229, 229, 229),
    "brightblack": (102, 102, 102),
    "brightred": (241, 76, 76),
    "brightgreen": (35, 209, 139),
    "brightbrown": (245, 245, 67),
    "brightyellow": (245, 245, 67),
    "brightblue": (59, 142, 234),
    "brightmagenta": (214, 112, 214),
    "brightcyan": (41, 184, 219),
    "brightwhite": (255, 255, 255),
}


@lru_cache(maxsize=4096)
def _lookup(name: str) -> QColor | None:
    rgb = _NAMED.get(name)
    if rgb is not None:
        return QColor(*rgb)
    if len(name) == 6:
        try:
            return QColor(int(name[0:2], 16), int(name[2:4], 16), int(name[4:6], 16))
        except ValueError:
            pass
    return None  # "default", or something pyte made up


def color(name: str, default: QColor) -> QColor:
    """A pyte colour ("red", "brightblue", "ff8700", "default") as a QColor."""
    found = _lookup(name)
    return default if found is None else found


def bright(name: str) -> str:
    """The bright variant a bold ANSI colour is drawn with, as xterm does."""
    return "bright" + name if name in _NAMED and not name.startswith("bright") and name != "default" else name
