"""Where the app's settings file is: ``settings.json`` in the config folder.

The folder is ``--config-dir``, else ``$PROCDECK_CONFIG_DIR``, else ``~/.config/procdeck``
on Linux (``engine/profiles/paths.py``). Its own module so that the window can be shown
(``compose/shell.py``) without importing the features that also read it.
"""

from __future__ import annotations

import os

from procdeck.engine.profiles.paths import config_dir
from procdeck.ui.settings_file import SettingsFile

SETTINGS_FILE = "settings.json"
LEGACY_SETTINGS_FILE = "procdeck.ini"


def open_settings(directory: str | os.PathLike[str] | None = None) -> SettingsFile:
    """The settings file in ``directory``, or in the default config folder."""
    folder = config_dir(directory)
    return SettingsFile(folder / SETTINGS_FILE, legacy_ini=folder / LEGACY_SETTINGS_FILE)
