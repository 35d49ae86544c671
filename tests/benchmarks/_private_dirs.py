"""A private folder for Procdeck's data, settings and logs while a benchmark runs.

Engines write run logs and instance records under PROCDECK_DATA_DIR; without it they go
to the user's own data folder (a readiness run left 500 MB of flood logs there). The
variables are put back on exit, so that the next benchmark of the same ``run_all`` does
not write into a folder that no longer exists (which made it again, and left it behind).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

VARIABLES = ("PROCDECK_DATA_DIR", "PROCDECK_CONFIG_DIR", "PROCDECK_LOG_DIR")


@contextlib.contextmanager
def private_dirs() -> Iterator[Path]:
    saved = {name: os.environ.get(name) for name in VARIABLES}
    with tempfile.TemporaryDirectory(prefix="procdeck-bench-") as folder:
        for name in VARIABLES:
            os.environ[name] = folder
        try:
            yield Path(folder)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
