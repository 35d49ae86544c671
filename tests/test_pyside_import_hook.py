"""The cheaper PySide import check gives shiboken's own answers."""

from __future__ import annotations

import sys

from procdeck import pyside_import_hook


def test_the_fast_check_agrees_with_shiboken_on_every_loaded_module():
    assert pyside_import_hook.install()
    feature = sys.modules["shibokensupport.feature"]
    fast = feature._mod_uses_pyside
    assert getattr(fast, pyside_import_hook.MARK)
    assert pyside_import_hook.install()  # idempotent: not wrapped twice
    assert feature._mod_uses_pyside is fast
    import inspect

    def slow(module):  # shiboken's own check (shibokensupport/feature.py, PySide 6.11)
        try:
            return "PySide6" in inspect.getsource(module)
        except (TypeError, OSError, SyntaxError):
            return False

    import procdeck.core.samples  # does not
    import procdeck.ui.theme  # uses PySide6

    assert fast(procdeck.ui.theme) and not fast(procdeck.core.samples)
    checked = 0
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) is None:
            continue
        assert fast(module) == slow(module), module.__name__
        checked += 1
    assert checked > 100
