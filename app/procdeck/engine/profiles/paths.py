"""Where the profiles file lives: --config-dir, else $PROCDECK_CONFIG_DIR, else the
platform's user config folder (platformdirs: ~/.config/procdeck on Linux)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "PROCDECK_CONFIG_DIR"
PROFILES_FILE = "profiles.toml"


def config_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The configuration folder to use (not created here)."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_config_dir("procdeck", appauthor=False))


def profiles_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    return config_dir(explicit) / PROFILES_FILE
