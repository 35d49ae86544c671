"""Preferences: validated on creation, plain values in and out, limits as the engine's."""

from __future__ import annotations

import pytest

from procdeck.core import preferences as p
from procdeck.core.preferences import Preferences, PreferencesError
from procdeck.core.samples import HistorySettings


def test_defaults_are_valid_and_round_trip_through_plain_values():
    prefs = Preferences()
    values = prefs.to_values()
    assert all(type(v) in (str, int, float, bool) for v in values.values())
    assert Preferences.from_values(values) == (prefs, [])
    # ini files hand everything back as strings
    as_text = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()}
    assert Preferences.from_values(as_text) == (prefs, [])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"scrollback_lines": 999}, "Scrollback"),
        ({"scrollback_lines": 50_000_001}, "Scrollback"),
        ({"run_log_mb": 0}, "log cap per run"),
        ({"sample_rate_hz": 0.1}, "sample rate"),
        ({"sample_rate_hz": float("nan")}, "sample rate"),
        ({"history_s": 10.0}, "Chart history"),
        ({"stop_grace_s": -1.0}, "grace"),
        ({"max_workers": 257}, "Max workers"),
        ({"pool_backend": "cloud"}, "backend"),
        ({"theme": "pink"}, "theme"),
        ({"log_folder": "relative/logs"}, "full path"),
        ({"log_folder": " /tmp/x"}, "full path"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_the_setting(change, words):
    with pytest.raises(PreferencesError, match=words):
        Preferences(**change)


def test_unusable_stored_values_fall_back_alone_and_are_named():
    stored = {"scrollback_lines": "lots", "theme": "dark", "max_workers": "2.5", "notifications": "maybe"}
    prefs, problems = Preferences.from_values(stored)
    assert prefs.theme == "dark"  # the good value is kept
    assert prefs.scrollback_lines == Preferences().scrollback_lines
    assert prefs.max_workers == 0 and prefs.notifications is False
    assert len(problems) == 3 and all(
        any(name in problem for problem in problems)
        for name in ("scrollback_lines", "max_workers", "notifications")
    )


def test_limits_agree_with_the_engine():
    from procdeck.engine.output import settings as output
    from procdeck.engine.workers import local

    assert (p.MIN_SCROLLBACK, p.MAX_SCROLLBACK) == (output.MIN_SCROLLBACK, output.MAX_SCROLLBACK)
    assert (p.MIN_RATE_HZ, p.MAX_RATE_HZ) == (HistorySettings.MIN_RATE_HZ, HistorySettings.MAX_RATE_HZ)
    assert p.MAX_HISTORY_S == HistorySettings.MAX_DURATION_S
    assert p.MAX_WORKERS == local.MAX_SLOTS
    assert Preferences(history_s=3600.0, sample_rate_hz=2.0).history_settings() == HistorySettings(
        3600.0, 2.0
    )
