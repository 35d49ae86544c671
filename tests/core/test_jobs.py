"""Parsing what users type for jobs, and the values the engine publishes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from procdeck.core.jobs import (
    MAX_BATCH,
    BatchInfo,
    DispatchMode,
    JobSpec,
    JobSpecError,
    JobState,
    ResultRow,
    build_request,
    format_repr,
    format_size,
    import_path_of,
    inputs_from_lines,
    parse_arguments,
    parse_import_path,
    parse_inputs,
    parse_size,
    parse_timeout,
    request_from_profile,
    results_to_csv,
    results_to_json,
    with_limits,
)


@pytest.mark.parametrize(
    ("text", "module", "qualname"),
    [
        ("procdeck.tasks.builtin:count_primes", "procdeck.tasks.builtin", "count_primes"),
        ("  os.path:join ", "os.path", "join"),
        ("mod:Class.method", "mod", "Class.method"),
    ],
)
def test_import_paths(text, module, qualname):
    path = parse_import_path(text)
    assert (path.module, path.qualname) == (module, qualname)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a function"),
        ("os.path.join", "one colon"),
        ("a:b:c", "one colon"),
        (":f", "module part is empty"),
        ("os:", "function part is empty"),
        ("os:<lambda>", "not a valid dotted Python name"),
        ("1mod:f", "not a valid dotted"),
        ("mod:class", "not a valid dotted"),
        ("__main__:f", "__main__"),
    ],
)
def test_bad_import_paths_have_clear_messages(text, message):
    with pytest.raises(JobSpecError, match=message):
        parse_import_path(text)


def test_import_path_of_callables():
    assert import_path_of(json.dumps) == "json:dumps"
    with pytest.raises(JobSpecError, match="lambda"):
        import_path_of(lambda: None)


@pytest.mark.parametrize(
    ("text", "args", "kwargs"),
    [
        ("", (), {}),
        ("[1, 2]", (1, 2), {}),
        ("(1, 'a')", (1, "a"), {}),
        ('{"n": 5}', (), {"n": 5}),
        ("{'n': 5, 'flag': True}", (), {"n": 5, "flag": True}),
        ("1000", (1000,), {}),
        ('"text"', ("text",), {}),
        ("[null, true]", (None, True), {}),
        ("[[1, 2]]", ([1, 2],), {}),
    ],
)
def test_arguments(text, args, kwargs):
    assert parse_arguments(text) == (args, kwargs)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "JSON or a Python literal"),
        ("os.system('x')", "JSON or a Python literal"),
        ("{1: 2}", "identifiers"),
        ("{'not valid': 2}", "identifiers"),
    ],
)
def test_bad_arguments(text, message):
    with pytest.raises(JobSpecError, match=message):
        parse_arguments(text)


def test_inputs():
    assert parse_inputs("[1, 2, 3]") == [1, 2, 3]
    assert parse_inputs("range(3)") == [0, 1, 2]
    assert parse_inputs("range(2, 8, 3)") == [2, 5]
    assert parse_inputs(" range( 1 , 4 ) ") == [1, 2, 3]
    assert parse_inputs("('a', 'b')") == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the inputs"),
        ("[]", "empty"),
        ("range(5, 5)", "empty"),
        ("42", "must be a list"),
        ("range(a, b)", "one to three integers"),
        ("range(1.5)", "one to three integers"),
        ("range(1, 2, 3, 4)", "one to three integers"),
        ("range(0, 10, 0)", "step"),
        (f"range(0, {MAX_BATCH + 1})", "allowed in one batch"),
        ("[1, 2", "JSON or a Python literal"),
    ],
)
def test_bad_inputs(text, message):
    with pytest.raises(JobSpecError, match=message):
        parse_inputs(text)


def test_inputs_from_lines():
    assert inputs_from_lines("a\r\nb\n\n  \nc") == ["a", "b", "c"]
    with pytest.raises(JobSpecError, match="no non-empty lines"):
        inputs_from_lines("\n \n")


def test_build_request_validates_everything_first():
    request = build_request("procdeck.tasks.builtin:sleep", "[0.1]")
    assert request.mode is DispatchMode.ONCE and request.spec.args == (0.1,)
    mapped = build_request("m:f", "{'b': 1}", DispatchMode.MAP, "range(3)", extra_path=["/x"])
    assert mapped.inputs == (0, 1, 2) and mapped.spec.kwargs == {"b": 1}
    assert mapped.spec.extra_path == ("/x",)
    from_file = build_request("m:f", "", DispatchMode.MAP, "", inputs_file="/tmp/in.txt")
    assert from_file.inputs_file == "/tmp/in.txt"
    with pytest.raises(JobSpecError):
        build_request("m:f", "[1,", DispatchMode.ONCE)
    with pytest.raises(JobSpecError):
        build_request("bad", "[]")


def test_jobspec_normalises_target():
    assert JobSpec(" os:getpid ").target == "os:getpid"


def test_format_repr_clips_and_survives_broken_repr():
    class Broken:
        def __repr__(self):
            raise RuntimeError

    assert format_repr("x" * 50, 10) == "'xxxxxxxx…"
    assert "unrepresentable Broken" in format_repr(Broken())


def test_batch_eta():
    batch = BatchInfo(1, "m:f", total=10, done=2, started_mono=100.0)
    assert batch.elapsed(104.0) == 4.0
    assert batch.eta(104.0) == pytest.approx(16.0)
    assert BatchInfo(1, "m:f", total=10, started_mono=0).eta(1) is None
    done = BatchInfo(1, "m:f", total=2, done=1, cancelled=1, started_mono=0, ended_mono=3)
    assert done.is_complete and done.eta(9) == 0.0 and done.elapsed(9) == 3


ROWS = [
    ResultRow(0, 1, JobState.DONE, {"n": 1}, "", 3 << 20, 0.25),
    ResultRow(1, "a,b", JobState.FAILED, None, "ValueError: x"),
    ResultRow(2, 3, JobState.DONE, object()),
]


def test_results_csv():
    rows = list(csv.reader(io.StringIO(results_to_csv(ROWS))))
    assert rows[0] == ["index", "input", "state", "result", "error", "peak_rss_bytes", "cpu_s"]
    assert rows[1] == ["0", "1", "done", "{'n': 1}", "", str(3 << 20), "0.250000"]
    assert rows[2] == ["1", "a,b", "failed", "", "ValueError: x", "", ""]
    assert rows[3][3].startswith("<object object")


def test_results_json():
    data = json.loads(results_to_json(ROWS))
    assert data[0] == {
        "index": 0,
        "input": 1,
        "state": "done",
        "result": {"n": 1},
        "error": None,
        "peak_rss_bytes": 3 << 20,
        "cpu_s": 0.25,
    }
    assert data[1]["peak_rss_bytes"] is None and data[1]["cpu_s"] is None
    assert data[1]["error"] == "ValueError: x" and data[1]["result"] is None
    assert data[2]["result"].startswith("<object object")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "[" * 3000 + "]" * 3000,
        '{"a":' * 3000 + "1" + "}" * 3000,
        "(" * 5000 + "1" + ")" * 5000,
    ],
)
def test_deeply_nested_arguments_are_a_clear_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(JobSpecError, match="nested more than"):
        parse_arguments(text)
    with pytest.raises(JobSpecError, match="nested more than"):
        parse_inputs(text)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert parse_arguments('["' + "[" * 500 + '"]') == (("[" * 500,), {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("300M", 300 << 20),
        ("2G", 2 << 30),
        ("1.5g", 3 << 29),
        ("512MiB", 512 << 20),
        (" 64 mb ", 64 << 20),
        ("1T", 1 << 40),
        ("104857600", 100 << 20),
    ],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "3X", "-5M", "M", "1..5G", "2 G B"])
def test_parse_size_rejects_what_is_not_a_size(text):
    with pytest.raises(JobSpecError, match="not a size"):
        parse_size(text, "--memory-limit")


def test_parse_size_rejects_tiny_limits():
    with pytest.raises(JobSpecError, match="too small"):
        parse_size("1K")
    with pytest.raises(JobSpecError, match="too small"):
        parse_size("0")


def test_format_size():
    assert format_size(300 << 20) == "300 MiB"
    assert format_size(3 << 29) == "1.5 GiB"
    assert format_size(512) == "512 B"


@pytest.mark.parametrize("text", ["0", "-1", "abc", "", "inf", "nan"])
def test_parse_timeout_rejects(text):
    with pytest.raises(JobSpecError, match="--timeout"):
        parse_timeout(text, "--timeout")


def test_parse_timeout():
    assert parse_timeout("2") == 2.0 and parse_timeout("0.5") == 0.5


def test_profile_limits_reach_the_dispatch():
    request = request_from_profile("m:f", ["1"], [], timeout=5.0, memory_limit=300 << 20)
    assert (request.spec.timeout, request.spec.memory_limit) == (5.0, 300 << 20)


def test_with_limits_from_typed_text():
    request = with_limits(build_request("m:f"), "2.5", "300M", "")
    assert (request.spec.timeout, request.spec.memory_limit, request.spec.batch_timeout) == (
        2.5,
        300 << 20,
        None,
    )
    with pytest.raises(JobSpecError, match="mapped batch"):
        with_limits(build_request("m:f"), "", "", "10")
    mapped = with_limits(build_request("m:f", "", DispatchMode.MAP, "[1]"), "", "", "10")
    assert mapped.spec.batch_timeout == 10.0
