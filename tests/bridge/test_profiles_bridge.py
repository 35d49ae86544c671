"""ProfilesBridge on a real engine and file: edits survive concurrent external edits."""

from __future__ import annotations

import gc

import anyio
import pytest
import shiboken6
from PySide6.QtCore import QObject

from procdeck.bridge.profiles_bridge import ProfilesBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.profile import Profile
from procdeck.engine.engine import Engine
from procdeck.engine.profiles import codec
from procdeck.engine.profiles.store import ProfileStore


@pytest.fixture(autouse=True)
def _qt_garbage_on_this_thread():
    """Collect Qt objects left in reference cycles (by any earlier test) here, on the main
    thread: the store's worker threads would otherwise run the cyclic GC and destroy a
    QObject with timers off its thread ("Timers cannot be stopped from another thread")."""
    gc.collect()
    yield
    gc.collect()


def test_save_after_an_unseen_external_edit_keeps_both(qt_run, tmp_path):
    async def scenario():
        async with Engine(config_dir=tmp_path) as engine:
            owner = QObject()
            bridge = ProfilesBridge(engine.profiles, TaskSpawner(engine.task_group, owner), owner)
            seen, messages = [], []
            bridge.profilesChanged.connect(lambda profiles, _ro: seen.append([p.name for p in profiles]))
            bridge.message.connect(messages.append)
            await bridge._reload()  # load without the watcher: the external edit stays unseen
            await bridge._save(Profile("mine", ["true"]), None)
            await anyio.to_thread.run_sync(
                engine.profiles.store.path.write_text,
                codec.dumps([Profile("mine", ["true"]), Profile("theirs", ["false"])]),
            )
            # Edit "mine" (rename) while the window still shows the old file.
            await bridge._save(Profile("mine-renamed", ["true"]), "mine")
            assert [p.name for p in ProfileStore(tmp_path).load().profiles] == ["mine-renamed", "theirs"]
            assert seen[-1] == ["mine-renamed", "theirs"]
            assert any("changed on disk" in m for m in messages)
            # The profile being edited was deleted on disk: the edit is kept as a new profile.
            await anyio.to_thread.run_sync(
                engine.profiles.store.path.write_text, codec.dumps([Profile("theirs", ["false"])])
            )
            await bridge._save(Profile("mine-again", ["true"]), "mine-renamed")
            assert [p.name for p in ProfileStore(tmp_path).load().profiles] == ["theirs", "mine-again"]
            bridge.close()
            shiboken6.delete(owner)

    qt_run(scenario)


def test_launch_unknown_and_invalid_profiles_are_messages(qt_run, tmp_path):
    async def scenario():
        async with Engine(config_dir=tmp_path) as engine:
            owner = QObject()
            bridge = ProfilesBridge(engine.profiles, TaskSpawner(engine.task_group, owner), owner)
            failures = []
            bridge.failed.connect(failures.append)
            await bridge._reload()
            assert bridge.launch("ghost") is None
            await bridge._launch_group("nobody")
            assert failures == ["There is no profile named 'ghost'.", "No profiles in group 'nobody'."]
            assert engine.processes.runs() == []
            bridge.close()
            shiboken6.delete(owner)

    qt_run(scenario)


def test_import_and_export_from_the_window(qt_run, tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: echo web\nnot a process\n")
    bad = tmp_path / "broken.yaml"
    bad.write_text("processes: [\n")

    async def scenario():
        async with Engine(config_dir=tmp_path / "cfg") as engine:
            owner = QObject()
            bridge = ProfilesBridge(engine.profiles, TaskSpawner(engine.task_group, owner), owner)
            messages, failures = [], []
            bridge.message.connect(messages.append)
            bridge.failed.connect(failures.append)
            await bridge._reload()
            await bridge._import(procfile)
            assert [p.name for p in engine.profiles.store.state.profiles] == ["web"]
            assert "Imported 1 profile(s) from Procfile" in messages[-1] and "skipped line 2" in messages[-1]
            await bridge._import(bad)
            assert "broken.yaml, line 2" in failures[-1]
            out = tmp_path / "out" / "export.toml"
            await bridge._export(out, ["web"])
            assert 'name = "web"' in out.read_text() and (out.stat().st_mode & 0o777) == 0o600
            bridge.close()
            shiboken6.delete(owner)

    qt_run(scenario)
