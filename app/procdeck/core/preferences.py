"""The user's preferences (the Settings dialog): one frozen value, validated on creation.

Plain values only (str, int, float, bool), so any settings store can keep them:
``to_values()`` gives ``{key: value}`` under stable keys, ``from_values()`` reads them
back, falling back to the default for anything missing or unusable (and saying which).
The limits are the ones the engine enforces where the values are used (scrollback,
sample rate, history length, worker count); tests/core/test_preferences.py checks that
they agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from procdeck.core.samples import HistorySettings

MIN_SCROLLBACK = 1_000  # engine.output.settings
MAX_SCROLLBACK = 50_000_000
MIN_RATE_HZ = 0.25  # core.samples.HistorySettings
MAX_RATE_HZ = 10.0
RATES_HZ = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)  # the View menu's choices
MIN_HISTORY_S = 60.0
MAX_HISTORY_S = 24 * 3600.0
MAX_WORKERS = 256  # engine.workers.local.MAX_SLOTS
MAX_GRACE_S = 3600.0
MAX_LOG_MB = 1 << 20  # 1 TiB
THEMES = ("system", "light", "dark")
BACKENDS = ("local", "dask")  # local worker processes, or a local Dask cluster
MB = 1 << 20


class PreferencesError(ValueError):
    """A value out of range: the message names the setting and its limits."""


@dataclass(frozen=True, slots=True)
class Preferences:
    scrollback_lines: int = 100_000
    run_log_mb: int = 1024  # one run's log files
    total_log_mb: int = 4096  # all logs together; the oldest go first
    log_folder: str = ""  # "" : the default folder
    history_s: float = 600.0  # chart history kept in memory
    sample_rate_hz: float = 1.0
    stop_grace_s: float = 5.0  # Stop: SIGTERM, then SIGKILL after this long
    pool_backend: str = "local"
    max_workers: int = 0  # 0: one per CPU core
    notifications: bool = False
    notify_min_s: float = 10.0  # only runs/batches at least this long
    theme: str = "system"

    def __post_init__(self) -> None:
        _int_range("Scrollback", self.scrollback_lines, MIN_SCROLLBACK, MAX_SCROLLBACK, "lines")
        _int_range("The log cap per run", self.run_log_mb, 1, MAX_LOG_MB, "MB")
        _int_range("The log cap for all runs", self.total_log_mb, 1, MAX_LOG_MB, "MB")
        _float_range("Chart history", self.history_s, MIN_HISTORY_S, MAX_HISTORY_S, "s")
        _float_range("The sample rate", self.sample_rate_hz, MIN_RATE_HZ, MAX_RATE_HZ, "Hz")
        _float_range("The stop grace period", self.stop_grace_s, 0.0, MAX_GRACE_S, "s")
        _int_range("Max workers", self.max_workers, 0, MAX_WORKERS, "(0: one per core)")
        _float_range("The notification threshold", self.notify_min_s, 0.0, 24 * 3600.0, "s")
        if self.pool_backend not in BACKENDS:
            raise PreferencesError(
                f"The pool backend must be one of {', '.join(BACKENDS)}, not {self.pool_backend!r}."
            )
        if self.theme not in THEMES:
            raise PreferencesError(f"The theme must be one of {', '.join(THEMES)}, not {self.theme!r}.")
        folder = self.log_folder
        if folder and (folder != folder.strip() or "\0" in folder or not _is_absolute(folder)):
            raise PreferencesError(
                f"The log folder must be a full path (or empty for the default), not {folder!r}."
            )

    def history_settings(self) -> HistorySettings:
        return HistorySettings(duration_s=self.history_s, rate_hz=self.sample_rate_hz)

    # -- plain values -------------------------------------------------------------------
    def to_values(self) -> dict[str, str | int | float | bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> tuple[Preferences, list[str]]:
        """Preferences from stored values; unusable ones take their default, and each
        such key is named in the returned problems (nothing else is lost)."""
        prefs = cls()
        problems: list[str] = []
        for f in fields(cls):
            if f.name not in values or values[f.name] is None:
                continue
            default = getattr(prefs, f.name)
            try:
                value = _coerce(values[f.name], type(default))
                prefs = replace(prefs, **{f.name: value})  # type: ignore[arg-type]
            except (TypeError, ValueError) as exc:
                problems.append(f"{f.name}: {exc}")
        return prefs, problems


def _coerce(raw: object, kind: type) -> object:
    """A stored value (ini files give strings) back to the field's type."""
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"not a yes/no value: {raw!r}")
    if kind is int:
        if isinstance(raw, bool):
            raise ValueError(f"not a whole number: {raw!r}")
        number = float(raw) if isinstance(raw, str) else raw
        if not isinstance(number, int | float) or not float(number).is_integer():
            raise ValueError(f"not a whole number: {raw!r}")
        return int(number)
    if kind is float:
        if isinstance(raw, bool):
            raise ValueError(f"not a number: {raw!r}")
        return float(raw)  # type: ignore[arg-type]
    return str(raw)


def _is_absolute(path: str) -> bool:
    return (
        path.startswith("/")
        or (len(path) > 2 and path[1] == ":" and path[2] in "\\/")
        or path.startswith("\\\\")
    )


def _int_range(what: str, value: object, low: int, high: int, unit: str) -> None:
    if type(value) is not int or not low <= value <= high:
        raise PreferencesError(
            f"{what} must be a whole number from {low:,} to {high:,} {unit}, not {value!r}."
        )


def _float_range(what: str, value: object, low: float, high: float, unit: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or not low <= value <= high
    ):
        raise PreferencesError(f"{what} must be from {low:g} to {high:g} {unit}, not {value!r}.")
