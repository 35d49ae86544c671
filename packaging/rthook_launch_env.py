"""First runtime hook of the Procdeck bundle: remember the environment we were started with.

PyInstaller runs custom runtime hooks before its own (PyInstaller/depend/analysis.py,
analyze_runtime_hooks), and its PySide6 hook then points QT_PLUGIN_PATH and
QML2_IMPORT_PATH at the bundle (and prepends PATH on Windows). Programs Procdeck
launches must get the user's values back, so the environment is recorded here, before
those changes, for procdeck.engine.child_env. The bootloader's own changes
(LD_LIBRARY_PATH, _PYI_*) are already in it and are undone there.
"""

import os
import sys
import types

_snapshot = types.ModuleType("_procdeck_launch_env")
_snapshot.environ = dict(os.environ)
sys.modules["_procdeck_launch_env"] = _snapshot
del _snapshot
