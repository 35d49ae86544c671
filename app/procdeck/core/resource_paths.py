"""Where Procdeck's resources (icons, desktop files) live: bundle, source tree or none.

Standard library only, so every layer can find an icon without importing the others.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_ID = "io.procdeck.Procdeck"


def resources_dir() -> Path | None:
    """The `resources/` folder, or None when this installation ships none.

    A PyInstaller bundle unpacks it under ``sys._MEIPASS``; a source checkout or an
    editable install has it at the top of the repository.
    """
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parents[3] / "resources")
    for candidate in candidates:
        if (candidate / "icons").is_dir():
            return candidate
    return None


def app_icon_png(size: int) -> Path | None:
    root = resources_dir()
    path = root / "icons" / "hicolor" / f"{size}x{size}" / "procdeck.png" if root else None
    return path if path is not None and path.is_file() else None


def action_icon_svg(name: str) -> Path | None:
    root = resources_dir()
    path = root / "icons" / "actions" / f"{name}.svg" if root else None
    return path if path is not None and path.is_file() else None
