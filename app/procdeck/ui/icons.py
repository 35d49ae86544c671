"""Procdeck's icons from resources/: the app icon in every size, and the action icons.

A missing resources folder (an installation without it) gives empty icons, never an
error: every action also has a text.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from procdeck.core.resource_paths import action_icon_svg, app_icon_png, resources_dir

APP_ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


@cache
def app_icon() -> QIcon:
    """The window and taskbar icon: every rendered size plus the scalable source."""
    icon = QIcon()
    for size in APP_ICON_SIZES:
        path = app_icon_png(size)
        if path is not None:
            icon.addFile(str(path), QSize(size, size))
    root = resources_dir()
    if root is not None and (root / "icons" / "procdeck.svg").is_file():
        icon.addFile(str(root / "icons" / "procdeck.svg"))
    return icon


@cache
def action_icon(name: str) -> QIcon:
    """The icon for a menu or toolbar action (``launch``, ``stop``, ``about``...)."""
    path = action_icon_svg(name)
    return QIcon(str(path)) if path is not None else QIcon()
