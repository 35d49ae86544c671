"""Qt settings that must be in place before the QApplication exists.

``QT_NO_GUI_THREADPOOL``: Qt 6's raster engine hands large fills, blends and image
conversions to a private thread pool in segments and waits for all of them; the variable
turns that pool off, read once at its first use (qtbase src/corelib/thread/qthreadpool.cpp,
``QThreadPoolPrivate::qtGuiInstance``). For a viewer-sized area on a 2-core machine the
hand-off costs more than the work: repainting an output viewer (984x672 pixels, 39 lines)
took 7.0-7.6 ms with the pool and 3.7-4.0 ms without, and a paint waiting for a pool
thread that waits for a core froze the window meanwhile. Painting now stays on the
window's thread.

Programs Procdeck launches do not inherit this: they get the environment Procdeck was
started with (``engine/child_env.py``, snapshot taken before Qt is imported); worker
processes, which show no window, do.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

NO_POOL = "QT_NO_GUI_THREADPOOL"


def prepare(environ: MutableMapping[str, str] | None = None) -> None:
    """Set the environment Qt reads at start-up; call before creating the QApplication."""
    env = os.environ if environ is None else environ
    env.setdefault(NO_POOL, "1")
