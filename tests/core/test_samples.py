from __future__ import annotations

import signal

import pytest

from procdeck.core.samples import (
    HistorySettings,
    ProcessSample,
    ProcState,
    SignalRequest,
    SignalResult,
    TreeSample,
    format_bytes,
    format_percent,
)


def _s(pid: int, cpu: float | None, rss: int | None = 100, state: ProcState = ProcState.OK) -> ProcessSample:
    return ProcessSample(
        pid=pid,
        create_time=1.0,
        name=f"p{pid}",
        t=10.0,
        state=state,
        cpu_percent=cpu,
        cpu_norm=None if cpu is None else cpu / 2,
        rss=rss,
        threads=1,
    )


def test_first_sample_shows_dash_not_zero() -> None:
    assert _s(1, None).cpu_text == "-"
    assert _s(1, 0.0).cpu_text == "0.0%"
    assert format_percent(float("nan")) == "-"


def test_tree_sums_known_values_and_skips_dead_members() -> None:
    tree = TreeSample(
        "run/1",
        "r",
        _s(1, 10.0),
        (_s(1, 10.0), _s(2, None), _s(3, 50.0, 300), _s(4, 99.0, 999, ProcState.GONE)),
        10.0,
    )
    assert tree.cpu_percent == 60.0
    assert tree.cpu_norm == 30.0
    assert tree.rss == 500
    assert tree.threads == 3
    assert tree.live_count == 3
    assert [m.pid for m in tree.breakdown] == [4, 3, 1, 2]  # busiest first, unknown last


def test_tree_with_no_known_cpu_is_unknown() -> None:
    tree = TreeSample("run/1", "r", _s(1, None), (_s(1, None), _s(2, None)), 10.0)
    assert tree.cpu_percent is None


def test_state_text() -> None:
    assert _s(1, 1.0, state=ProcState.ACCESS_DENIED).state_text == "access denied"
    assert _s(1, 1.0, state=ProcState.GONE).state_text == "gone"
    assert not ProcState.ZOMBIE.is_live


def test_history_settings_bounds_and_memory() -> None:
    s = HistorySettings()
    assert s.capacity == 600
    assert s.bytes_per_series == 600 * 16
    assert s.memory_bound == 600 * 16 * 512
    day = HistorySettings(duration_s=24 * 3600, rate_hz=1.0)
    assert day.capacity == 86400
    assert "24 h" in day.describe() and "MiB" in day.describe()
    # 24 h at 10 Hz is capped at the 24 h-at-1 Hz buffer size.
    assert HistorySettings(duration_s=24 * 3600, rate_hz=10).capacity == 86400


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"rate_hz": 0.1}, "between 0.25 and 10"),
        ({"rate_hz": 11}, "between 0.25 and 10"),
        ({"rate_hz": float("nan")}, "between"),
        ({"duration_s": 25 * 3600}, "24 h"),
        ({"duration_s": 0}, "24 h"),
        ({"max_series": 0}, "at least 1"),
    ],
)
def test_history_settings_reject_bad_values(kwargs: dict[str, float], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        HistorySettings(**kwargs)


def test_signal_result_messages() -> None:
    req = SignalRequest(pid=42, create_time=1.0, signum=int(signal.SIGTERM), name="sleep")
    assert "another process" in SignalResult(req, reused=True).describe()
    assert not SignalResult(req, reused=True).ok
    msg = SignalResult(req, sent=(42,), denied=(43,)).describe()
    assert "SIGTERM" in msg and "access denied for pid 43" in msg
    assert SignalResult(req, sent=(42,)).ok


def test_format_bytes() -> None:
    assert format_bytes(None) == "-"
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(3 * 1024**3) == "3.0 GiB"
