"""The profile editor: field-level validation as you type, the exact preview, secrets."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from procdeck.core.profile import EnvVar, Profile, StartAfter, StartCondition
from procdeck.core.restart_policy import RestartMode, RestartPolicy
from procdeck.ui.profiles.editor import KIND_ARGV, KIND_SHELL, ProfileEditor


def make(qtbot, profile=None, **kw) -> ProfileEditor:
    editor = ProfileEditor(profile, **kw)
    qtbot.addWidget(editor)
    return editor


def visible_errors(editor: ProfileEditor) -> dict[str, str]:
    return {k: label.text() for k, label in editor.errors.items() if not label.isHidden()}


def save_enabled(editor: ProfileEditor) -> bool:
    return editor.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()


def test_new_profile_starts_invalid_and_becomes_valid(qtbot, tmp_path: Path) -> None:
    editor = make(qtbot)
    assert set(visible_errors(editor)) == {"name", "command"} and not save_enabled(editor)
    editor.name.setText("web")
    editor.command.setPlainText("python3 -m http.server 'my port'")
    editor.cwd.setText(str(tmp_path))
    assert visible_errors(editor) == {} and save_enabled(editor)
    assert editor.preview.text() == "python3 -m http.server 'my port'"
    p = editor.profile()
    assert p.command == ("python3", "-m", "http.server", "my port") and not p.shell and p.cwd == str(tmp_path)


def test_missing_folder(qtbot, tmp_path: Path) -> None:
    editor = make(qtbot, Profile("a", ["x"]))
    editor.cwd.setText(str(tmp_path / "gone"))
    assert "does not exist" in visible_errors(editor)["cwd"] and not save_enabled(editor)


def test_unbalanced_quoting_in_both_kinds(qtbot) -> None:
    editor = make(qtbot, Profile("a", ["x"]))
    editor.command.setPlainText("echo 'oops")
    assert "No closing quotation" in visible_errors(editor)["command"]
    editor.kind.setCurrentIndex(KIND_SHELL)
    assert "Unbalanced shell quoting" in visible_errors(editor)["command"]
    editor.command.setPlainText("echo 'fine' && ls")
    assert "command" not in visible_errors(editor)
    assert editor.preview.text() == "/bin/sh -c 'echo '\"'\"'fine'\"'\"' && ls'"
    editor.kind.setCurrentIndex(KIND_ARGV)
    assert editor.preview.text() == "echo fine '&&' ls"


def test_invalid_env_name_and_duplicate_profile_name(qtbot) -> None:
    editor = make(qtbot, Profile("a", ["x"]), taken_names=["a", "other"])
    row = editor.env.add_row()
    editor.env.cellWidget(row, 0).setText("BAD-NAME")
    assert "Invalid environment variable name" in visible_errors(editor)["env"]
    editor.env.cellWidget(row, 0).setText("GOOD")
    assert "env" not in visible_errors(editor)
    editor.name.setText("other")
    assert "already exists" in visible_errors(editor)["name"]
    editor.name.setText("a")  # its own name is fine
    assert visible_errors(editor) == {}


def test_secret_values_are_masked_until_shown(qtbot) -> None:
    p = Profile(
        "a", ["x"], env=(EnvVar("TOKEN", "hunter2", secret=True), EnvVar("PLAIN", "v"), EnvVar("DROP", None))
    )
    editor = make(qtbot, p)
    token = editor.env.value_widget(0)
    assert token.echoMode() is QLineEdit.EchoMode.Password
    assert editor.env.value_widget(1).echoMode() is QLineEdit.EchoMode.Normal
    assert not editor.env.value_widget(2).isEnabled()  # unset: no value to type
    editor.show_secrets.setChecked(True)
    assert token.echoMode() is QLineEdit.EchoMode.Normal
    assert editor.profile().env == p.env


def test_loads_and_returns_every_field(qtbot) -> None:
    p = Profile(
        "svc",
        "make run",
        shell=True,
        cwd=None,
        stop_signal="SIGINT",
        grace_s=2.5,
        restart=RestartPolicy(
            RestartMode.ON_FAILURE,
            backoff_s=2,
            backoff_factor=3,
            backoff_max_s=30,
            max_restarts=4,
            window_s=120,
        ),
        group="backend",
        tags=("a", "b"),
        start_after=(StartAfter("db", StartCondition.SUCCEEDED),),
        notes="line1\nline2",
    )
    editor = make(qtbot, p, taken_names=["svc", "db"])
    assert editor.profile() == p and visible_errors(editor) == {}


def test_start_after_unknown_profile(qtbot) -> None:
    editor = make(qtbot, Profile("a", ["x"]), taken_names=["a", "db"])
    editor.start_after.add_row()
    assert "start_after" not in visible_errors(editor)
    editor.start_after.cellWidget(0, 0).setCurrentText("ghost")
    assert "no profile named 'ghost'" in visible_errors(editor)["start_after"]


def test_save_only_accepts_valid(qtbot) -> None:
    editor = make(qtbot)
    accepted = []
    editor.accepted.connect(lambda: accepted.append(editor.profile()))
    editor._try_accept()
    assert accepted == [] and editor.isVisible() is False
    editor.name.setText("ok")
    editor.command.setPlainText("true")
    editor._try_accept()
    assert [p.name for p in accepted] == ["ok"]


def test_restart_fields_follow_the_mode(qtbot) -> None:
    editor = make(qtbot, Profile("a", ["x"]))
    assert not editor.backoff.isEnabled() and not editor.max_restarts.isEnabled()
    editor.restart_mode.setCurrentIndex(list(RestartMode).index(RestartMode.ALWAYS))
    assert editor.backoff.isEnabled() and editor.window_s.isEnabled()


def test_worker_job_fields_are_edited_validated_and_kept(qtbot) -> None:
    from procdeck.core.profile import WorkerJob
    from procdeck.ui.profiles.editor import KIND_JOB

    job = WorkerJob("procdeck.tasks.builtin:count_primes", ("2000000",), ("1", "2"))
    editor = make(qtbot, Profile("primes", job=job))
    editor.show()
    assert editor.kind.currentIndex() == KIND_JOB
    assert editor.job_target.isVisible() and not editor.command.isVisible()
    assert editor.job_args.toPlainText() == "2000000" and editor.job_inputs.toPlainText() == "1\n2"
    assert visible_errors(editor) == {} and editor.profile().job == job
    editor.job_target.setText("not a path")
    assert "package.module:function" in visible_errors(editor)["command"] and not save_enabled(editor)
    editor.job_target.setText("procdeck.tasks.builtin:sleep")
    editor.job_args.setPlainText("0.1\n")
    editor.job_inputs.setPlainText("")
    assert save_enabled(editor)
    assert editor.profile().job == WorkerJob("procdeck.tasks.builtin:sleep", ("0.1",), ())
    editor.kind.setCurrentIndex(KIND_ARGV)  # back to a command: the job fields hide
    assert editor.command.isVisible() and not editor.job_target.isVisible()
    assert editor.profile().job is None


def test_env_files_and_probes_survive_an_edit(qtbot, tmp_path: Path) -> None:
    from procdeck.core.probes import Probe, ProbeKind, WatchSpec

    (tmp_path / "a.env").write_text("A=1\n")
    original = Profile(
        "svc",
        ["serve"],
        cwd=str(tmp_path),
        env_files=("a.env",),
        readiness=Probe(ProbeKind.HTTP_GET, port=8000),
        liveness=Probe(ProbeKind.TCP, port=8000),
        watch=WatchSpec(("src",)),
        disabled=True,
        stop_group_on_failure=True,
    )
    editor = make(qtbot, original)
    assert "Readiness: GET http://127.0.0.1:8000/" in editor.probes_summary.text()
    editor.notes.setPlainText("edited")
    assert editor.profile() == original.with_changes(notes="edited")
    editor.env_files.setPlainText("a.env\nmissing.env\n")
    assert visible_errors(editor) == {"env_files": "The env file does not exist: missing.env"}
    assert not save_enabled(editor)
    editor.env_files.setPlainText("a.env")
    assert save_enabled(editor)


def test_a_malformed_env_file_is_named_when_a_checker_is_given(qtbot, tmp_path: Path) -> None:
    (tmp_path / "bad.env").write_text("x\n")
    seen: list[str] = []

    def check(path: str) -> str | None:
        seen.append(path)
        return (
            f"env file {path}, line 1: cannot parse 'x' (expected NAME=value)."
            if path.endswith("bad.env")
            else None
        )

    editor = make(qtbot, Profile("svc", ["serve"], cwd=str(tmp_path)))
    editor.env_file_check = check
    editor.env_files.setPlainText("bad.env")
    assert visible_errors(editor) == {"env_files": check(str(tmp_path / "bad.env"))}
    assert not save_enabled(editor) and str(tmp_path / "bad.env") in seen


def test_terminal_and_input_choices_are_loaded_edited_and_kept(qtbot) -> None:
    from procdeck.ui.profiles.editor import IO_MODES

    terminal = Profile("shell", ["bash"], tty=True)
    editor = make(qtbot, terminal)
    assert IO_MODES[editor.io_mode.currentIndex()][1] is True
    editor.notes.setPlainText("an edit elsewhere")
    assert editor.profile() == terminal.with_changes(notes="an edit elsewhere")  # tty survives

    piped = Profile("repl", ["python3", "-i"], stdin="pipe")
    editor = make(qtbot, piped)
    assert editor.profile() == piped
    editor.io_mode.setCurrentIndex(2)
    assert editor.profile().tty and save_enabled(editor)
    editor.io_mode.setCurrentIndex(0)
    assert (editor.profile().tty, editor.profile().stdin) == (False, "none")
    assert editor.profile().to_spec().stdin.value == "none"
