"""TOML codec: round trips (property-based), field/line error reporting, unknown fields."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdeck.core.probes import Probe, ProbeKind, WatchSpec
from procdeck.core.profile import EnvVar, Profile, StartAfter, StartCondition, WorkerJob
from procdeck.core.restart_policy import RestartMode, RestartPolicy
from procdeck.engine.profiles import codec
from procdeck.engine.profiles.codec import ProfileFileError

# Any unicode except NUL (argv cannot carry it) and lone surrogates (not encodable).
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=40)
env_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
env_values = st.one_of(st.none(), st.just(""), st.just("="), st.just("a=b=c"), text)


@st.composite
def probes(draw: st.DrawFn) -> Probe:
    kind = draw(st.sampled_from(list(ProbeKind)))
    low = draw(st.integers(100, 599))
    return Probe(
        kind,
        command=draw(st.sampled_from(["pg_isready", "curl -f localhost:8080 && true"])),
        host=draw(st.sampled_from(["127.0.0.1", "localhost", "db.internal"])),
        port=draw(st.integers(1, 65535)),
        scheme=draw(st.sampled_from(["http", "https"])),
        path=draw(st.sampled_from(["/", "/health?x=1"])),
        headers=tuple(
            draw(
                st.dictionaries(
                    st.sampled_from(["X-A", "Authorization"]),
                    text.filter(lambda v: "\n" not in v and "\r" not in v),
                    max_size=2,
                )
            ).items()
        ),
        status_min=low,
        status_max=draw(st.integers(low, 599)),
        pattern=draw(st.sampled_from([r"ready on \d+", "started"])),
        streams=draw(st.sampled_from([("stdout", "stderr"), ("stdout",), ("stderr",)])),
        initial_delay_s=draw(st.floats(0, 100)),
        period_s=draw(st.floats(0.01, 100)),
        timeout_s=draw(st.floats(0, 100)),
        success_threshold=draw(st.integers(1, 10)),
        failure_threshold=draw(st.integers(1, 10)),
    )


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    name = draw(text.filter(lambda s: s.strip() == s and s and not any(c in s for c in "\n\r")))
    shell = draw(st.booleans())
    if shell:
        command: str | tuple[str, ...] = draw(
            st.sampled_from(["echo hi", "printf '%s\\n' \"a b\" && true", 'x=1; echo "$x" # c\nls'])
        )
    else:
        command = tuple(draw(st.lists(text, min_size=1, max_size=300)))
        if not command[0]:
            command = ("prog", *command)
    names = draw(st.lists(env_names, unique=True, max_size=6))
    env = tuple(EnvVar(n, draw(env_values), draw(st.booleans())) for n in names)
    restart = RestartPolicy(
        draw(st.sampled_from(list(RestartMode))),
        backoff_s=draw(st.floats(0, 100)),
        backoff_factor=draw(st.floats(1, 10)),
        backoff_max_s=draw(st.floats(0, 1000)),
        max_restarts=draw(st.integers(0, 50)),
        window_s=draw(st.floats(0, 3600)),
    )
    deps = tuple(
        StartAfter(d, draw(st.sampled_from(list(StartCondition))))
        for d in draw(st.lists(text.filter(lambda s: bool(s) and s != name), max_size=3))
    )
    return Profile(
        name=name,
        command=command,
        shell=shell,
        cwd=draw(st.one_of(st.none(), text.filter(bool))),
        env=env,
        stop_signal=draw(st.sampled_from(["SIGTERM", "SIGINT", "SIGHUP", "SIGKILL"])),
        grace_s=draw(st.floats(0, 1e6)),
        restart=restart,
        group=draw(st.one_of(st.none(), text.filter(bool))),
        tags=tuple(draw(st.lists(text.filter(lambda s: bool(s.strip())), max_size=3))),
        start_after=deps,
        notes=draw(text),
        readiness=draw(st.one_of(st.none(), probes())),
        liveness=draw(st.one_of(st.none(), probes())),
        env_files=tuple(draw(st.lists(text.filter(lambda s: bool(s.strip())), max_size=3))),
        watch=draw(
            st.one_of(
                st.none(),
                st.builds(
                    WatchSpec,
                    st.lists(text.filter(lambda s: bool(s.strip())), min_size=1, max_size=3).map(tuple),
                    st.lists(text.filter(lambda s: bool(s.strip())), max_size=2).map(tuple),
                    st.floats(0, 10),
                    st.booleans(),
                ),
            )
        ),
        disabled=draw(st.booleans()),
        stop_group_on_failure=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(profiles(), max_size=4, unique_by=lambda p: p.name))
def test_round_trip_is_exact(items: list[Profile]) -> None:
    for p in items:
        assert p.problems() == [], p.problems()
    doc = codec.loads(codec.dumps(items), "profiles.toml")
    expected = tuple(p.with_changes(env=codec.canonical_env(p.env)) for p in items)
    assert doc.profiles == expected
    # Saving what was loaded gives the same text back (a stable file for diffs).
    assert codec.dumps(doc.profiles) == codec.dumps(items)
    assert doc.warnings == ()


def test_worker_job_and_unknown_fields_survive_a_round_trip() -> None:
    text_in = codec.dumps([Profile("j", job=WorkerJob("pkg.mod:fn", ("1", "x=y"), ("a", "b")))])
    text_in = text_in.replace('name = "j"', 'name = "j"\nfuture_field = { a = 1 }', 1)
    doc = codec.loads(text_in, "f.toml")
    (p,) = doc.profiles
    assert p.job == WorkerJob("pkg.mod:fn", ("1", "x=y"), ("a", "b"))
    assert dict(p.extra) == {"future_field": {"a": 1}}
    assert any("future_field" in w for w in doc.warnings)
    assert "future_field" in codec.dumps(doc.profiles)


def test_worker_job_limits_round_trip() -> None:
    job = WorkerJob("pkg.mod:fn", timeout=90.0, memory_limit=2 << 30)
    text = codec.dumps([Profile("j", job=job)])
    assert 'memory_limit = "2G"' in text and "timeout = 90.0" in text
    (p,) = codec.loads(text, "f.toml").profiles
    assert p.job == job
    typed = '[job]\ntarget = "m:f"\ntimeout = 5\nmemory_limit = "300M"\n'
    (p,) = codec.loads(
        f'schema = 1\n[[profiles]]\nname = "a"\n{typed}'.replace("[job]", "[profiles.job]"), "f"
    ).profiles
    assert (p.job.timeout, p.job.memory_limit) == (5.0, 300 << 20)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("timeout = 0", "positive number of seconds"),
        ('timeout = "soon"', "positive number of seconds"),
        ('memory_limit = "lots"', "is not a size"),
        ("memory_limit = true", "a size like"),
    ],
)
def test_worker_job_bad_limits_are_clear(line: str, message: str) -> None:
    text = f'schema = 1\n[[profiles]]\nname = "a"\n[profiles.job]\ntarget = "m:f"\n{line}\n'
    with pytest.raises(ProfileFileError, match=message):
        codec.loads(text, "f")


def test_explicit_command_kinds() -> None:
    doc = codec.loads('schema = 1\n[[profiles]]\nname = "a"\nshell = "echo $HOME"\n', "f")
    assert doc.profiles[0].shell and doc.profiles[0].command == "echo $HOME"
    with pytest.raises(ProfileFileError, match="shell = "):
        codec.loads('schema = 1\n[[profiles]]\nname = "a"\ncommand = "echo hi"\n', "f")
    with pytest.raises(ProfileFileError, match="not both"):
        codec.loads('schema = 1\n[[profiles]]\nname = "a"\ncommand = ["a"]\nshell = "b"\n', "f")


BAD = [
    ('schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"\n', 4, None, "not valid TOML"),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n\n[[profiles]]\nname = "b"\ncommand = []\n',
        8,
        "command",
        "empty",
    ),
    ('schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\ngrace_s = "soon"\n', 5, "grace_s", "number"),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[profiles.env]\nOK = "1"\n"BAD NAME" = "2"\n',
        7,
        "env.BAD NAME",
        "Invalid environment",
    ),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[profiles.restart]\npolicy = "sometimes"\n',
        6,
        "restart.policy",
        "on-failure",
    ),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[[profiles]]\nname = "a"\ncommand = ["y"]\n',
        6,
        "name",
        "two profiles",
    ),
    ('schema = 1\n[[profiles]]\ncommand = ["x"]\n', 2, "name", "missing"),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[profiles.readiness]\nkind = "ping"\n',
        6,
        "readiness.kind",
        "exec, tcp, http_get or log_line",
    ),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[profiles.readiness]\nkind = "tcp"\nport = 0\n',
        7,
        "readiness.port",
        "1 to 65535",
    ),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[profiles.liveness]\nkind = "log_line"\npattern = "("\n',
        7,
        "liveness.pattern",
        "not a valid regular expression",
    ),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[profiles.readiness]\nkind = "exec"\ncommand = "x"\nfailure_threshold = 0\n',
        8,
        "readiness.failure_threshold",
        "1 or more",
    ),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[profiles.watch]\npaths = []\n',
        6,
        "watch.paths",
        "at least one path",
    ),
    (
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\nstart_after = [{ profile = "b", condition = "ready" }]\n',
        5,
        "start_after",
        "started, healthy, succeeded or exited",
    ),
    ('[[profiles]]\nname = "a"\ncommand = ["x"]\n', 1, "schema", "schema"),
    ('schema = "one"\n', 1, "schema", "whole number"),
    ("   \n", None, None, "empty"),
]


@pytest.mark.parametrize(("text_in", "line", "field", "words"), BAD)
def test_errors_name_line_and_field(text_in: str, line: int | None, field: str | None, words: str) -> None:
    with pytest.raises(ProfileFileError) as info:
        codec.loads(text_in, "/cfg/profiles.toml")
    err = info.value
    assert (err.line, err.field) == (line, field)
    assert words in str(err) and str(err).startswith("/cfg/profiles.toml")
    assert "\n" not in str(err)


def test_newer_schema_is_read_leniently() -> None:
    text_in = 'schema = 99\nnew_top = true\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[[profiles]]\nname = "b"\nspawn = "?"\n'
    doc = codec.loads(text_in, "f")
    assert doc.newer and [p.name for p in doc.profiles] == ["a"]
    assert any("profile #2" in w for w in doc.warnings)


def test_env_forms() -> None:
    doc = codec.loads(
        'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"]\n[profiles.env]\n'
        'A = ""\nB = { unset = true }\nC = { value = "s", secret = true }\n',
        "f",
    )
    assert doc.profiles[0].env == (EnvVar("A", ""), EnvVar("B", None), EnvVar("C", "s", True))


def test_printable_names_round_trip_through_locate() -> None:
    # locate() finds a field by its key in the right [[profiles]] block.
    text_in = codec.dumps([Profile(c, ["x"]) for c in string.ascii_letters[:5]])
    assert codec.locate(text_in, 3, "command") == text_in.splitlines().index('name = "d"') + 2
