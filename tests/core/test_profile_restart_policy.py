"""Restart decisions: modes, backoff growth and cap, the restart window, user stops."""

from __future__ import annotations

import pytest

from procdeck.core.restart_policy import RestartMode, RestartPolicy, RestartStatus, backoff_delay, decide


def test_never_does_not_restart() -> None:
    d = decide(RestartPolicy(RestartMode.NEVER), ok=False, stop_requested=False, now=10.0)
    assert not d.restart and "never" in d.reason


def test_on_failure_restarts_only_failures() -> None:
    policy = RestartPolicy(RestartMode.ON_FAILURE, backoff_s=0.5)
    assert not decide(policy, ok=True, stop_requested=False, now=0).restart
    d = decide(policy, ok=False, stop_requested=False, now=0)
    assert d.restart and d.delay_s == 0.5 and d.attempt == 1


def test_always_restarts_success_too() -> None:
    assert decide(RestartPolicy(RestartMode.ALWAYS), ok=True, stop_requested=False, now=0).restart


@pytest.mark.parametrize("mode", list(RestartMode))
def test_user_stop_never_restarts(mode: RestartMode) -> None:
    d = decide(RestartPolicy(mode), ok=False, stop_requested=True, now=0)
    assert not d.restart and d.reason == "stopped on request"


def test_backoff_grows_and_is_capped() -> None:
    policy = RestartPolicy(RestartMode.ALWAYS, backoff_s=1, backoff_factor=2, backoff_max_s=5, max_restarts=0)
    delays = []
    times: list[float] = []
    for i in range(6):
        d = decide(policy, ok=False, stop_requested=False, now=float(i), restart_times=times)
        delays.append(d.delay_s)
        times.append(float(i))
    assert delays == [1, 2, 4, 5, 5, 5]
    assert backoff_delay(policy, 10_000) == 5  # no overflow for huge exponents


def test_gives_up_after_max_restarts_in_window_then_recovers_after_window() -> None:
    policy = RestartPolicy(RestartMode.ON_FAILURE, backoff_s=0, max_restarts=3, window_s=10)
    times = [1.0, 2.0, 3.0]
    d = decide(policy, ok=False, stop_requested=False, now=4.0, restart_times=times)
    assert not d.restart and d.reason == "gave up after 3 restarts in 10 s"
    # Restarts older than the window no longer count.
    d = decide(policy, ok=False, stop_requested=False, now=12.5, restart_times=times)
    assert d.restart and d.attempt == 2


def test_zero_max_restarts_means_unlimited() -> None:
    policy = RestartPolicy(RestartMode.ALWAYS, backoff_s=0, max_restarts=0)
    assert decide(policy, ok=False, stop_requested=False, now=1, restart_times=[1.0] * 1000).restart


def test_invalid_policy_values_are_reported_per_field() -> None:
    bad = RestartPolicy(
        RestartMode.ALWAYS, backoff_s=-1, backoff_factor=0.5, max_restarts=-2, window_s=float("nan")
    )
    fields = {f for f, _ in bad.problems()}
    assert fields == {
        "restart.backoff_s",
        "restart.backoff_factor",
        "restart.max_restarts",
        "restart.window_s",
    }
    assert RestartPolicy().problems() == []


def test_status_describes_pending_restart_and_giving_up() -> None:
    assert RestartStatus(restarts=2, next_restart_at=105.0).describe(now=100.0) == "restart #3 in 5 s"
    assert (
        RestartStatus(restarts=3, gave_up="gave up after 3 restarts in 60 s").describe(0)
        == "gave up after 3 restarts in 60 s"
    )
    assert RestartStatus(restarts=1).describe(0) == "restarted 1x"
    assert RestartStatus().describe(0) == ""
