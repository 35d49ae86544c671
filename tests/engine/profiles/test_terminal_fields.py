"""Profiles choose a terminal (tty) and pipe-mode stdin; files and imports carry them."""

from __future__ import annotations

from pathlib import Path

from procdeck.core.process_spec import ProcessSpec, StdinMode
from procdeck.core.profile import Profile, profile_from_spec
from procdeck.engine.profiles import codec
from procdeck.engine.profiles.importers import import_process_compose


def test_fields_reach_the_spec_and_survive_a_round_trip():
    profile = Profile("repl", ("python3", "-q"), tty=True)
    spec = profile.to_spec()
    assert spec.tty and spec.stdin is StdinMode.NONE
    piped = Profile("cat", ("cat",), stdin="pipe")
    assert piped.to_spec().stdin is StdinMode.PIPE
    doc = codec.loads(codec.dumps([profile, piped]), "profiles.toml")
    assert [(p.tty, p.stdin) for p in doc.profiles] == [(True, "none"), (False, "pipe")]
    assert "tty" not in codec.profile_to_table(Profile("plain", ("true",)))  # defaults stay out of the file
    saved = profile_from_spec(ProcessSpec(("top",), tty=True), "top")
    assert saved.tty and saved.stdin == "none"


def test_a_bad_stdin_value_is_a_field_problem():
    problems = Profile("x", ("cat",), stdin="keyboard").problems()
    assert [p.field for p in problems] == ["stdin"]
    assert 'must be "none" or "pipe"' in problems[0].message


def test_process_compose_is_tty_and_is_interactive_import_as_terminal_runs(tmp_path: Path):
    compose = tmp_path / "process-compose.yaml"
    compose.write_text(
        "processes:\n"
        "  shell:\n    command: bash\n    is_tty: true\n"
        "  repl:\n    command: python3\n    is_interactive: true\n"
        "  web:\n    command: python3 -m http.server\n"
    )
    result = import_process_compose(compose)
    by_name = {p.name: p for p in result.profiles}
    assert by_name["shell"].tty and by_name["repl"].tty and not by_name["web"].tty
    assert not any("is_tty" in s or "is_interactive" in s for s in result.skipped)
