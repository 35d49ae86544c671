"""Output limits and where the complete logs are kept."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "PROCDECK_DATA_DIR"

MIN_SCROLLBACK = 1_000
MAX_SCROLLBACK = 50_000_000


def data_dir() -> Path:
    """Procdeck's user data directory: $PROCDECK_DATA_DIR, else platformdirs' user data dir."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("procdeck", appauthor=False))


def log_dir() -> Path:
    return data_dir() / "logs"


@dataclass(frozen=True, slots=True)
class OutputSettings:
    """Per-run memory limits and spool caps.

    ``scrollback_lines`` lines stay in memory per run (all streams together); older ones
    are dropped whole blocks at a time but stay in the log file. ``max_line_bytes`` caps
    one line in memory (the log keeps it whole). ``run_log_bytes`` caps one run's log
    files, ``total_log_bytes`` all logs together: the oldest runs' logs are deleted first.
    """

    scrollback_lines: int = 100_000
    max_memory_bytes: int = 512 << 20
    max_line_bytes: int = 1 << 20
    spool: bool = True
    run_log_bytes: int = 1 << 30
    total_log_bytes: int = 4 << 30
    log_directory: Path | None = None  # None: log_dir() at the time a run starts

    def __post_init__(self) -> None:
        if not MIN_SCROLLBACK <= self.scrollback_lines <= MAX_SCROLLBACK:
            raise ValueError(
                f"Scrollback must be between {MIN_SCROLLBACK:,} and {MAX_SCROLLBACK:,} lines, "
                f"got {self.scrollback_lines:,}."
            )
        if self.max_line_bytes < 1024:
            raise ValueError("The line length cap must be at least 1024 bytes.")
        if self.run_log_bytes < 0 or self.total_log_bytes < 0:
            raise ValueError("Log size caps cannot be negative.")

    def directory(self) -> Path:
        return self.log_directory if self.log_directory is not None else log_dir()
