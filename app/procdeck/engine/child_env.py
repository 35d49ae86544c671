"""The environment launched programs get: the user's, never the bundle's.

A PyInstaller bundle points LD_LIBRARY_PATH at its own folder (keeping the user's value in
LD_LIBRARY_PATH_ORIG) and exports _PYI_* variables; programs launched from Procdeck must not
inherit them (https://pyinstaller.org/en/stable/runtime-information.html#ld-library-path-libpath-considerations).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

_RESTORED = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "LIBPATH")


def user_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default os.environ) with PyInstaller's changes undone."""
    env = dict(os.environ if base is None else base)
    if not any(key.startswith("_PYI_") or key.startswith("_MEIPASS") for key in env):
        return env
    for key in _RESTORED:
        original = env.pop(f"{key}_ORIG", None)
        if original is not None:
            env[key] = original
        else:
            env.pop(key, None)
    for key in [k for k in env if k.startswith("_PYI_") or k.startswith("_MEIPASS")]:
        del env[key]
    return env


def child_environment(
    overrides: Mapping[str, str | None], *, unbuffered: bool, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The full environment for a child: the user's, then ``overrides`` (None unsets)."""
    env = user_environment(base)
    if unbuffered and "PYTHONUNBUFFERED" not in overrides:
        env["PYTHONUNBUFFERED"] = "1"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env
