"""Procdeck: a desktop process launcher and monitor."""

import os as _os
import sys as _sys
import types as _types

__version__ = "0.1.0"

# The environment programs launched by Procdeck get is the user's, as Procdeck was
# started, not Procdeck's own: importing PySide6 sets PYSIDE6_OPTION_PYTHON_ENUM (and
# the bundle's runtime hooks set Qt paths). This package is imported before anything
# else of Procdeck, so the snapshot is taken here, before Qt, unless a bundle's first
# runtime hook (packaging/rthook_launch_env.py) took one earlier or Qt was already
# imported by an embedding program (then there is nothing clean to take).
# procdeck.engine.child_env reads it.
if "_procdeck_launch_env" not in _sys.modules and "PySide6" not in _sys.modules:
    _snapshot = _types.ModuleType("_procdeck_launch_env")
    _snapshot.environ = dict(_os.environ)  # type: ignore[attr-defined]
    _sys.modules["_procdeck_launch_env"] = _snapshot
    del _snapshot
