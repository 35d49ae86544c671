"""When a run launched from a profile ends: restart it, when, or give up.

Pure decision logic (no clocks, no processes) so it can be tested exactly. The shape
follows process-compose's ``availability`` and supervisord's ``autorestart``: a mode
(never / on failure / always), an exponential backoff between restarts, and a limit of
``max_restarts`` restarts within a sliding ``window_s`` after which Procdeck gives up
instead of restarting a crashing program forever.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass


class RestartMode(enum.Enum):
    NEVER = "never"
    ON_FAILURE = "on-failure"
    ALWAYS = "always"

    @property
    def label(self) -> str:
        return {"never": "Never", "on-failure": "On failure", "always": "Always"}[self.value]


@dataclass(frozen=True)
class RestartPolicy:
    """How a profile's runs are restarted.

    The n-th restart inside the window waits ``backoff_s * backoff_factor ** n`` seconds,
    capped at ``backoff_max_s``. ``max_restarts`` of 0 means no limit.
    """

    mode: RestartMode = RestartMode.NEVER
    backoff_s: float = 1.0
    backoff_factor: float = 2.0
    backoff_max_s: float = 60.0
    max_restarts: int = 5
    window_s: float = 60.0

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) pairs for every invalid value."""
        out: list[tuple[str, str]] = []
        for name in ("backoff_s", "backoff_max_s", "window_s"):
            value = getattr(self, name)
            if (
                not isinstance(value, (int, float))
                or isinstance(value, bool)
                or not math.isfinite(value)
                or value < 0
            ):
                out.append((f"restart.{name}", f"{name} must be a number of seconds, 0 or more."))
        factor = self.backoff_factor
        if (
            not isinstance(factor, (int, float))
            or isinstance(factor, bool)
            or not math.isfinite(factor)
            or factor < 1
        ):
            out.append(("restart.backoff_factor", "backoff_factor must be a number, 1 or more."))
        if (
            not isinstance(self.max_restarts, int)
            or isinstance(self.max_restarts, bool)
            or self.max_restarts < 0
        ):
            out.append(
                ("restart.max_restarts", "max_restarts must be a whole number, 0 or more (0 = no limit).")
            )
        return out

    def describe(self) -> str:
        if self.mode is RestartMode.NEVER:
            return "Never restart"
        limit = (
            "no limit" if self.max_restarts == 0 else f"at most {self.max_restarts} in {self.window_s:g} s"
        )
        return f"{self.mode.label}, backoff {self.backoff_s:g} s x{self.backoff_factor:g} up to {self.backoff_max_s:g} s, {limit}"


@dataclass(frozen=True)
class Decision:
    """What to do after a run ended."""

    restart: bool
    delay_s: float = 0.0
    reason: str = ""
    attempt: int = 0  # the number this restart will have within the window (1-based)


def backoff_delay(policy: RestartPolicy, restarts_in_window: int) -> float:
    """Delay before the next restart when ``restarts_in_window`` already happened."""
    try:
        delay = policy.backoff_s * policy.backoff_factor**restarts_in_window
    except OverflowError:
        delay = math.inf
    return float(min(delay, policy.backoff_max_s))


def decide(
    policy: RestartPolicy,
    *,
    ok: bool,
    stop_requested: bool,
    now: float,
    restart_times: Sequence[float] = (),
) -> Decision:
    """Decide about one exit.

    ``ok`` is whether the run exited with status 0; ``stop_requested`` whether the user
    (or Procdeck) asked it to stop, which never triggers a restart; ``restart_times`` are
    the monotonic times of previous automatic restarts of this profile's run.
    """
    if stop_requested:
        return Decision(False, reason="stopped on request")
    if policy.mode is RestartMode.NEVER:
        return Decision(False, reason="restart policy is never")
    if policy.mode is RestartMode.ON_FAILURE and ok:
        return Decision(False, reason="exited successfully")
    recent = sum(1 for t in restart_times if now - t <= policy.window_s)
    if policy.max_restarts and recent >= policy.max_restarts:
        return Decision(False, reason=f"gave up after {recent} restarts in {policy.window_s:g} s")
    return Decision(True, delay_s=backoff_delay(policy, recent), reason="restarting", attempt=recent + 1)


@dataclass(frozen=True)
class RestartStatus:
    """What the window shows about a profile's restarts."""

    restarts: int = 0  # automatic restarts so far in this launch
    next_restart_at: float | None = None  # monotonic time of the pending restart
    gave_up: str | None = None  # why restarts stopped, when they did because of the limit

    def describe(self, now: float) -> str:
        if self.next_restart_at is not None:
            return f"restart #{self.restarts + 1} in {max(0.0, self.next_restart_at - now):.0f} s"
        if self.gave_up:
            return self.gave_up
        if self.restarts:
            return f"restarted {self.restarts}x"
        return ""
