"""The environment programs launched by Procdeck get: the user's, never the bundle's.

A PyInstaller bundle changes its own environment before any Procdeck code runs:

- the Linux bootloader prepends the bundle folder to ``LD_LIBRARY_PATH`` and keeps the
  original value in ``LD_LIBRARY_PATH_ORIG`` (no ``_ORIG`` when there was none);
- it exports ``_PYI_*`` variables (``_PYI_ARCHIVE_FILE``, ``_PYI_APPLICATION_HOME_DIR``,
  ``_PYI_PARENT_PROCESS_LEVEL``...) that tell a PyInstaller program it is a child of its
  own bootloader, so another PyInstaller-built program launched with them breaks;
  PyInstaller 5 and older used ``_MEIPASS2`` and ``_PYI_ONEDIR_MODE``;
- runtime hooks set ``QT_PLUGIN_PATH``, ``QML2_IMPORT_PATH`` (and prepend ``PATH`` on
  Windows) to the bundle's Qt, which would make any Qt program launched from Procdeck load
  the wrong plugins.

See https://pyinstaller.org/en/stable/common-issues-and-pitfalls.html
("Launching external programs from the Frozen Application").

Importing PySide6 also changes Procdeck's own environment (it sets
``PYSIDE6_OPTION_PYTHON_ENUM``), frozen or not.

The bundle's first runtime hook (``packaging/rthook_launch_env.py``) snapshots the
environment before the other hooks change it, in the module named by
``LAUNCH_ENV_MODULE``; outside a bundle ``procdeck/__init__.py`` takes the same snapshot
before Qt is imported. That snapshot is the base; in a bundle the bootloader's own
changes are then undone. Without a snapshot (Procdeck imported by a program that had
already imported Qt) the base is the current ``os.environ``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

# Module the bundle's first runtime hook registers in sys.modules, holding `environ`.
LAUNCH_ENV_MODULE = "_procdeck_launch_env"

# Library search paths a bootloader prepends to, each with its saved original.
LIBRARY_PATH_VARIABLES = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "LIBPATH")
ORIGINAL_SUFFIX = "_ORIG"

# Variables only a PyInstaller bootloader sets; their presence misleads child bundles.
BUNDLE_VARIABLE_PREFIXES = ("_PYI_", "_MEIPASS")
BUNDLE_VARIABLES = frozenset({"_PYI_ONEDIR_MODE", "_PYI_SPLASH_IPC"})


def is_frozen() -> bool:
    """True inside a PyInstaller (or similar) bundle."""
    return bool(getattr(sys, "frozen", False))


def launch_environ() -> Mapping[str, str]:
    """The environment Procdeck itself was started with, before bundle hooks changed it."""
    snapshot = sys.modules.get(LAUNCH_ENV_MODULE)
    environ = getattr(snapshot, "environ", None)
    if isinstance(environ, Mapping):
        return environ
    return os.environ


def without_bundle_changes(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with a PyInstaller bootloader's changes undone.

    Library paths come back from their ``*_ORIG`` copy, or are dropped when there was no
    original; the ``*_ORIG`` copies and the bootloader's private variables go.
    """
    cleaned = dict(environ)
    for name in LIBRARY_PATH_VARIABLES:
        original = cleaned.pop(name + ORIGINAL_SUFFIX, None)
        if original is not None:
            cleaned[name] = original
        else:
            cleaned.pop(name, None)
    for name in list(cleaned):
        if name in BUNDLE_VARIABLES or name.startswith(BUNDLE_VARIABLE_PREFIXES):
            del cleaned[name]
    return cleaned


def child_environment(
    overrides: Mapping[str, str | None],
    *,
    unbuffered: bool,
    base: Mapping[str, str] | None = None,
    frozen: bool | None = None,
    cookie: str | None = None,
) -> dict[str, str]:
    """The full environment for a launched program.

    ``overrides`` come from the user's spec: a string sets a variable, ``None`` unsets it.
    With ``unbuffered``, ``PYTHONUNBUFFERED=1`` is added unless the overrides mention it,
    so Python children stream their output instead of block-buffering into a pipe.
    ``base`` defaults to the environment Procdeck was started with; ``frozen`` defaults to
    whether this process is a bundle (the bundle's changes are undone only then).
    ``cookie`` is the run's containment cookie (``PROCDECK_RUN``, see
    engine/containment/cookie.py); it wins over the overrides, since Stop relies on it.
    """
    if frozen is None:
        frozen = is_frozen()
    if base is None:
        base = launch_environ()
    environment = without_bundle_changes(base) if frozen else dict(base)
    for name, value in overrides.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    if unbuffered and "PYTHONUNBUFFERED" not in overrides:
        environment["PYTHONUNBUFFERED"] = "1"
    if cookie is not None:
        environment["PROCDECK_RUN"] = cookie
    return environment
