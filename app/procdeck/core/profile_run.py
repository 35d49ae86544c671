"""Values the window shows about runs launched from profiles (published by the launcher)."""

from __future__ import annotations

from dataclasses import dataclass

from procdeck.core.probes import Health
from procdeck.core.restart_policy import RestartStatus


@dataclass(frozen=True)
class RunSummary:
    """One finished attempt of a profile, for its "last runs"."""

    run_id: int
    started_at: float | None  # wall clock
    duration_s: float | None
    status: str  # "0", "1", "SIGTERM", "failed to start: ..."
    ok: bool


@dataclass(frozen=True)
class ProfileRun:
    """A run launched from a profile and its restart status."""

    profile: str
    run_id: int
    restart: RestartStatus = RestartStatus()
    finished: bool = False  # ended, and no restart is coming
    health: Health = Health.UNKNOWN  # from the readiness probe (unknown without one)
    health_detail: str = ""  # the last verdict's reason
    last_restart_reason: str = ""  # "liveness probe failed ...", "files changed: src/app.py"
