"""Profile values: field-level validation, preview, secret masking, ProcessSpec conversion."""

from __future__ import annotations

import signal

import pytest

from procdeck.core.process_spec import SpecError
from procdeck.core.profile import (
    MASK,
    EnvVar,
    Profile,
    StartAfter,
    StartCondition,
    WorkerJob,
    launch_order,
    profile_from_spec,
    unique_name,
)
from procdeck.core.restart_policy import RestartMode, RestartPolicy


def fields(profile: Profile, **kw: bool) -> set[str]:
    return {p.field for p in profile.problems(**kw)}


def test_valid_argv_profile_converts_to_spec(tmp_path) -> None:
    p = Profile(
        "web",
        ["python3", "-m", "http.server", "a b"],
        cwd=str(tmp_path),
        env=(EnvVar("PORT", "8000"), EnvVar("DROP", None), EnvVar("TOKEN", "s3cr3t", secret=True)),
        stop_signal="SIGINT",
        grace_s=2,
    )
    assert p.problems(check_paths=True) == []
    spec = p.to_spec()
    assert spec.command == ("python3", "-m", "http.server", "a b")
    assert not spec.shell and spec.cwd == str(tmp_path) and spec.name == "web"
    assert dict(spec.env) == {"PORT": "8000", "DROP": None, "TOKEN": "s3cr3t"}
    assert spec.stop_signal == int(signal.SIGINT) and spec.grace_s == 2.0
    assert p.preview() == "python3 -m http.server 'a b'"


def test_shell_profile_preview_is_the_exact_sh_line() -> None:
    p = Profile("s", "echo 'hi there' && sleep 1", shell=True)
    assert p.argv == ("/bin/sh", "-c", "echo 'hi there' && sleep 1")
    assert p.preview() == "/bin/sh -c 'echo '\"'\"'hi there'\"'\"' && sleep 1'"
    assert p.to_spec().shell


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        (Profile("", ["x"]), "name"),
        (Profile(" x", ["x"]), "name"),
        (Profile("x", []), "command"),
        (Profile("x", [""]), "command"),
        (Profile("x", "   ", shell=True), "command"),
        (Profile("x", "echo 'unbalanced", shell=True), "command"),
        (Profile("x", "echo hi"), "command"),  # a string without shell=True is ambiguous
        (Profile("x", ["x"], env=(EnvVar("BAD-NAME", "1"),)), "env.BAD-NAME"),
        (Profile("x", ["x"], env=(EnvVar("1ABC", "1"),)), "env.1ABC"),
        (Profile("x", ["x"], env=(EnvVar("A", "1"), EnvVar("A", "2"))), "env.A"),
        (Profile("x", ["x"], stop_signal="SIGNOPE"), "stop_signal"),
        (Profile("x", ["x"], grace_s=-1), "grace_s"),
        (Profile("x", ["x"], restart=RestartPolicy(RestartMode.ALWAYS, backoff_s=-1)), "restart.backoff_s"),
        (Profile("x", ["x"], start_after=(StartAfter("x"),)), "start_after[0]"),
        (Profile("x", job=WorkerJob("not a target")), "job.target"),
    ],
)
def test_each_problem_names_its_field(profile: Profile, field: str) -> None:
    assert field in fields(profile)
    with pytest.raises(SpecError):
        profile.to_spec()


def test_missing_folder_is_reported_only_when_paths_are_checked(tmp_path) -> None:
    p = Profile("x", ["x"], cwd=str(tmp_path / "nope"))
    assert p.problems() == []
    problems = p.problems(check_paths=True)
    assert [pr.field for pr in problems] == ["cwd"] and "does not exist" in problems[0].message


def test_secret_values_never_appear_in_repr() -> None:
    p = Profile("x", ["x"], env=(EnvVar("TOKEN", "hunter2", secret=True), EnvVar("PLAIN", "visible")))
    text = repr(p) + str(p) + repr(p.env)
    assert "hunter2" not in text and MASK in text and "visible" in text
    assert p.env[0].shown_value() == MASK and p.env[1].shown_value() == "visible"
    assert p.secret_names == {"TOKEN"}


def test_worker_job_is_not_a_command() -> None:
    p = Profile("j", job=WorkerJob("procdeck.jobs:work", ("1",)))
    assert p.problems() == []
    with pytest.raises(SpecError, match="worker job"):
        p.to_spec()


def test_profile_from_spec_round_trips_to_an_equal_spec() -> None:
    original = Profile(
        "x", ("a", "b c"), env=(EnvVar("A", "1"),), stop_signal="SIGINT", grace_s=1.5
    ).to_spec()
    again = profile_from_spec(original, "x").to_spec()
    assert again == original and dict(again.env) == dict(original.env)


def test_unique_name() -> None:
    assert unique_name("a", ["b"]) == "a"
    assert unique_name("a", ["a", "a (2)"]) == "a (3)"
    assert unique_name("a (2)", ["a", "a (2)"]) == "a (3)"


def test_launch_order_puts_dependencies_first_and_reports_cycles_and_unknowns() -> None:
    profiles = {
        "db": Profile("db", ["db"]),
        "migrate": Profile("migrate", ["m"], start_after=(StartAfter("db"),)),
        "web": Profile(
            "web", ["w"], start_after=(StartAfter("migrate", StartCondition.SUCCEEDED), StartAfter("db"))
        ),
        "a": Profile("a", ["a"], start_after=(StartAfter("b"),)),
        "b": Profile("b", ["b"], start_after=(StartAfter("a"),)),
        "lost": Profile("lost", ["l"], start_after=(StartAfter("ghost"),)),
    }
    order, problems = launch_order(["web"], profiles)
    assert order == ["db", "migrate", "web"] and problems == []
    order, problems = launch_order(["a", "lost", "db"], profiles)
    assert order == ["db"]
    text = " ".join(p.message for p in problems)
    assert "cycle" in text and "ghost" in text


def test_secret_env_is_masked_in_spec_and_run_reprs_and_kept_by_to_spec() -> None:
    import dataclasses

    from procdeck.core.process_spec import ProcessSpec
    from procdeck.core.profile import profile_from_spec
    from procdeck.core.run_state import RunInfo, RunState

    profile = Profile(
        "p", ("echo",), env=(EnvVar("TOKEN", "hunter2", secret=True), EnvVar("PLAIN", "visible"))
    )
    spec = profile.to_spec()
    assert spec.secret_env == frozenset({"TOKEN"})
    assert spec.env["TOKEN"] == "hunter2"  # the child still gets it
    for text in (
        repr(spec),
        str(spec),
        repr(RunInfo(1, spec, RunState.RUNNING)),
        repr(dataclasses.replace(spec)),
    ):
        assert "hunter2" not in text and "visible" in text
    assert profile_from_spec(spec, "again").env[0].secret is True
    assert "x" in repr(ProcessSpec(("echo",), env={"A": "x"}))  # nothing secret: nothing masked
