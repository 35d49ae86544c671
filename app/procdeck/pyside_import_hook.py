"""Shiboken's import hook, made cheap.

Since PySide 6.4, shiboken asks of every module imported after PySide6 whether it uses
PySide (PYSIDE-2029, for its ``__feature__`` switching): ``inspect.getsource(module)``
and a search for "PySide6" in the text. inspect reads the file through linecache and
tokenize; for the 260 modules Procdeck imports before its window shows, that cost 30-40 ms
of a 0.6 s start. ``install`` puts the same search on the file's bytes in its place;
modules without a ``.py`` file (a bundle's archive, extension modules) keep the original
check. https://bugreports.qt.io/browse/PYSIDE-2029
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

MARK = "_procdeck_fast"


def install() -> bool:
    """Import PySide6 and replace shiboken's check; False where its internals differ."""
    import PySide6.QtCore  # noqa: F401  (loads shiboken, which installs the hook)

    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original):
        return False
    if getattr(original, MARK, False):
        return True
    feature._mod_uses_pyside = fast_check(original)  # type: ignore[attr-defined]
    return True


def fast_check(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return original(module)

    setattr(uses_pyside, MARK, True)
    return uses_pyside
