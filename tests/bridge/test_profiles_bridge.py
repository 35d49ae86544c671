"""ProfilesBridge on a real engine and file: edits survive concurrent external edits."""

from __future__ import annotations

import anyio
from PySide6.QtCore import QObject

from procdeck.bridge.profiles_bridge import ProfilesBridge
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.profile import Profile
from procdeck.engine.engine import Engine
from procdeck.engine.profiles import codec
from procdeck.engine.profiles.store import ProfileStore


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
                engine.profiles.store.path.write_text, codec.dumps([Profile("mine", ["true"]), Profile("theirs", ["false"])])
            )
            # Edit "mine" (rename) while the window still shows the old file.
            await bridge._save(Profile("mine-renamed", ["true"]), "mine")
            assert [p.name for p in ProfileStore(tmp_path).load().profiles] == ["mine-renamed", "theirs"]
            assert seen[-1] == ["mine-renamed", "theirs"]
            assert any("changed on disk" in m for m in messages)
            # The profile being edited was deleted on disk: the edit is kept as a new profile.
            await anyio.to_thread.run_sync(engine.profiles.store.path.write_text, codec.dumps([Profile("theirs", ["false"])]))
            await bridge._save(Profile("mine-again", ["true"]), "mine-renamed")
            assert [p.name for p in ProfileStore(tmp_path).load().profiles] == ["theirs", "mine-again"]
            bridge.close()

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

    qt_run(scenario)
