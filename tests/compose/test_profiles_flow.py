"""The profiles feature in the real window on the real engine and a real file."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

from procdeck.compose.window import build
from procdeck.core.profile import EnvVar, Profile
from procdeck.core.restart_policy import RestartMode, RestartPolicy
from procdeck.engine.engine import Engine
from procdeck.engine.profiles import codec
from procdeck.engine.profiles.store import ProfileStore
from procdeck.ui.profiles.panel import NAME_ROLE


async def until(predicate, timeout=15.0):
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


def py(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def seed(folder: Path, profiles: list[Profile]) -> ProfileStore:
    store = ProfileStore(folder)
    store.load()
    store.save(profiles)
    return store


def panel_of(parts):
    return parts.window.panel_widgets["profiles"]


def names(panel) -> list[str]:
    return [p.name for p in panel.profiles()]


def test_edit_launch_restart_delete_undo_and_external_edits(qt_run, qtbot, tmp_path):
    store = seed(
        tmp_path,
        [
            Profile(
                "crash",
                py("import sys; print('crashing'); sys.exit(2)"),
                env=(EnvVar("TOKEN", "hunter2", secret=True),),
                restart=RestartPolicy(RestartMode.ON_FAILURE, backoff_s=0.05, max_restarts=2),
            ),
        ],
    )

    async def scenario():
        async with Engine(config_dir=tmp_path) as engine:
            parts = build(engine, on_quit=lambda: None)
            window, panel = parts.window, panel_of(parts)
            qtbot.addWidget(window)
            window.show()
            await until(lambda: names(panel) == ["crash"])
            await anyio.sleep(0.3)
            assert window.runs_model.rowCount() == 0  # loading launched nothing

            # New profile through the editor: saved to disk.
            panel.new_button.click()
            editor = panel.editor
            editor.name.setText("hello")
            editor.command.setPlainText(f"{sys.executable} -c \"print('hi from profile')\"")
            editor._try_accept()
            await until(lambda: names(panel) == ["crash", "hello"])
            assert [p.name for p in ProfileStore(tmp_path).load().profiles] == ["crash", "hello"]

            # Launch: the run appears in the table, selected.
            panel.select("hello")
            panel.launch_button.click()
            await until(lambda: window.runs_model.rowCount() == 1)
            await until(lambda: "hi from profile" in window.output.plain_text())

            # Restart policy: visible in the panel, gives up after 2 restarts.
            panel.select("crash")
            panel.launch_button.click()
            item = lambda: next(i for i in panel._items() if i.data(0, NAME_ROLE) == "crash")  # noqa: E731
            await until(lambda: "gave up after 2 restarts" in item().text(2))
            assert panel.details.text().count("exit 2") == 3

            # Delete, then undo: the file has it back at the same place.
            panel.select("crash")
            panel.delete_button.click()
            await until(lambda: names(panel) == ["hello"] and not panel.undo_button.isHidden())
            panel.undo_button.click()
            await until(lambda: names(panel) == ["crash", "hello"])
            assert [p.name for p in ProfileStore(tmp_path).load().profiles] == ["crash", "hello"]

            # An external edit is picked up.
            text = codec.dumps([Profile("from-editor", ["true"])])
            await anyio.to_thread.run_sync(store.path.write_text, text)
            await until(lambda: names(panel) == ["from-editor"])
            assert "changed on disk" in window.statusBar().currentMessage()

            # Save as profile from a run in the table.
            save_as = next(a for a in window.menus["Run"].actions() if a.objectName() == "saveAsProfile")
            window.table.select_run(window.runs_model.infos()[0].run_id)
            save_as.trigger()
            editor = panel.editor
            assert editor.windowTitle() == "New profile" and editor.command.toPlainText().startswith(
                sys.executable
            )
            editor.name.setText("saved-run")
            editor._try_accept()
            await until(lambda: "saved-run" in names(panel))
            # From a run launched by a profile: secret marks and restart policy carry over.
            window.table.select_run(window.runs_model.infos()[1].run_id)
            save_as.trigger()
            copy = panel.editor.profile()
            assert copy.name == "crash" and copy.secret_names == {"TOKEN"}
            assert copy.restart.mode is RestartMode.ON_FAILURE
            assert panel.editor.env.value_widget(0).echoMode().name == "Password"
            panel.editor.reject()
            parts.close()

    qt_run(scenario)


def test_broken_file_banner_and_restore_backup(qt_run, qtbot, tmp_path):
    store = seed(tmp_path, [Profile("one", ["true"])])
    store.save([Profile("one", ["true"]), Profile("two", ["true"])])
    store.path.write_text('schema = 1\n[[profiles]]\nname = "x"\ncommand = "not a list"\n')

    async def scenario():
        async with Engine(config_dir=tmp_path) as engine:
            parts = build(engine, on_quit=lambda: None)
            panel = panel_of(parts)
            qtbot.addWidget(parts.window)
            await until(lambda: not panel.banner_box.isHidden())
            text = panel.banner.text()
            assert str(store.path) in text and "line 4" in text and "command" in text
            assert not panel.restore_button.isHidden()
            panel.restore_button.click()
            await until(lambda: names(panel) == ["one"])
            assert any(".broken-" in p.name for p in tmp_path.iterdir())
            parts.close()

    qt_run(scenario)


def test_worker_job_profiles_launch_into_the_jobs_panel(qt_run, qtbot, tmp_path):
    from procdeck.core.jobs import JobState
    from procdeck.core.profile import WorkerJob

    seed(
        tmp_path,
        [
            Profile("primes", job=WorkerJob("procdeck.tasks.builtin:count_primes", ("1000",))),
            Profile("squares", job=WorkerJob("procdeck.tasks.builtin:identity", (), ("1", "'two'", "[3]"))),
            Profile("missing", job=WorkerJob("procdeck.tasks.builtin:no_such_task", ("1",))),
        ],
    )

    async def scenario():
        async with Engine(config_dir=tmp_path) as engine:
            parts = build(engine, on_quit=lambda: None)
            window, panel = parts.window, panel_of(parts)
            qtbot.addWidget(window)
            messages = []
            parts.profiles.failed.connect(messages.append)
            await until(lambda: sorted(names(panel)) == ["missing", "primes", "squares"])
            assert parts.profiles.launch("primes") is None  # a job, not a run
            await until(lambda: [j.state for j in engine.jobs.jobs()] == [JobState.DONE])
            assert engine.jobs.result(engine.jobs.jobs()[0].job_id) == 168  # primes below 1000
            parts.profiles.launch("squares")
            await until(lambda: len(engine.jobs.batches()) == 1 and engine.jobs.batches()[0].done == 3)
            assert [row.result for row in engine.jobs.results(engine.jobs.batches()[0].batch_id)] == [
                1,
                "two",
                [3],
            ]
            assert window.runs_model.rowCount() == 0  # nothing was launched as a process
            parts.profiles.launch("missing")  # dispatched; the failure is the job's, with a reason
            await until(lambda: len(engine.jobs.jobs()) == 5 and engine.jobs.jobs()[-1].state.is_final)
            failed = engine.jobs.info(engine.jobs.jobs()[-1].job_id)
            assert failed.state is JobState.FAILED and "no_such_task" in failed.failure.message
            assert messages == []
            parts.close()

    qt_run(scenario)


def test_group_launch_graph_health_and_restart_with_dependents(qt_run, qtbot, tmp_path):
    from procdeck.core.group_graph import NodeState
    from procdeck.core.probes import Probe, ProbeKind
    from procdeck.core.profile import StartAfter, StartCondition

    flag = tmp_path / "db-up"
    forever = "import time; time.sleep(60)"
    seed(
        tmp_path,
        [
            Profile(
                "db",
                py(
                    f"import pathlib, time; time.sleep(0.3); pathlib.Path({str(flag)!r}).write_text(''); {forever}"
                ),
                group="g",
                readiness=Probe(
                    ProbeKind.EXEC, command=f"test -f {flag}", period_s=0.05, failure_threshold=1000
                ),
            ),
            Profile("api", py(forever), group="g", start_after=(StartAfter("db", StartCondition.HEALTHY),)),
            Profile(
                "never",
                py(forever),
                group="g",
                readiness=Probe(ProbeKind.EXEC, command="false", period_s=0.05, failure_threshold=2),
            ),
            Profile(
                "blocked",
                py("print('BLOCKED-RAN')"),
                group="g",
                start_after=(StartAfter("never", StartCondition.HEALTHY),),
            ),  # fmt: skip
        ],
    )

    async def scenario():
        async with Engine(config_dir=tmp_path) as engine:
            parts = build(engine, on_quit=lambda: None)
            window, panel = parts.window, panel_of(parts)
            qtbot.addWidget(window)
            window.show()
            await until(lambda: len(names(panel)) == 4)
            panel.launchGroupRequested.emit("g")
            await until(lambda: panel.graph.state is not None and panel.graph.state.settled)
            state = panel.graph.state
            assert not panel.graph_area.isHidden()
            assert state.node("blocked").state is NodeState.BLOCKED
            assert "waits on never, which failed its readiness probe" in state.node("blocked").detail
            assert state.node("db").healthy_after_s is not None
            await until(
                lambda: (
                    "running · healthy"
                    in [window.runs_model.index(r, 2).data() for r in range(window.runs_model.rowCount())]
                )
            )
            assert window.runs_model.rowCount() == 3  # db, api, never; blocked never ran
            api_run = state.node("api").run_id
            api_pid = engine.processes.info(api_run).pid
            panel.select("db")
            panel.restart_dependents_action.trigger()
            await until(
                lambda: (
                    engine.profiles.launcher.run_of(api_run).last_restart_reason
                    == "restarted with dependents"
                )
            )
            await until(lambda: engine.processes.info(api_run).pid not in (None, api_pid))
            panel.select("api")
            await until(lambda: "Last restart: restarted with dependents" in panel.details.text())
            profiles = {p.name: p for p in panel.profiles()}
            await engine.profiles.launcher.stop_group(profiles, list(profiles))
            await until(lambda: window.live_runs() == 0)
            parts.close()

    qt_run(scenario)


def test_the_editor_names_a_malformed_env_file(qtbot, tmp_path):
    from procdeck.compose.profiles import _env_file_checker
    from procdeck.ui.profiles.panel import ProfilesPanel

    (tmp_path / "bad.env").write_text("OK=1\nnot dotenv\n")
    panel = ProfilesPanel()
    qtbot.addWidget(panel)
    panel.env_file_check = _env_file_checker()  # as compose.profiles.wire sets it
    panel.set_profiles([Profile("svc", py("pass"), cwd=str(tmp_path))])
    panel.select("svc")
    editor = panel.open_editor(panel.current_profile())
    editor.env_files.setPlainText("bad.env")
    label = editor.errors["env_files"]
    assert not label.isHidden()
    assert (
        label.text()
        == f"env file {tmp_path / 'bad.env'}, line 2: cannot parse 'not dotenv' (expected NAME=value)."
    )
    (tmp_path / "bad.env").write_text("OK=1\nFIXED=2\n")  # a new version of the file is parsed again
    editor.validate()
    assert label.isHidden()
    editor.close()
