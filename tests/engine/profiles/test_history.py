"""Last runs survive a restart of Procdeck; a damaged history file is ignored."""

from __future__ import annotations

import os
import sys

import pytest

from procdeck.core.profile import Profile
from procdeck.engine.engine import Engine
from procdeck.engine.profiles.history import HISTORY_FILE, load_history
from procdeck.engine.profiles.store import ProfileStore

pytestmark = pytest.mark.anyio


async def test_last_runs_are_kept_between_sessions(tmp_path):
    store = ProfileStore(tmp_path)
    store.load()
    store.save([Profile("job", [sys.executable, "-c", "raise SystemExit(3)"])])
    async with Engine(config_dir=tmp_path) as engine:
        await engine.profiles.open()
        launcher = engine.profiles.launcher
        await engine.processes.wait(launcher.launch(store.state.profiles[0]))
        await launcher.wait_finished(r.run_id for r in launcher.profile_runs())
    assert (os.stat(tmp_path / HISTORY_FILE).st_mode & 0o777) == 0o600
    async with Engine(config_dir=tmp_path) as engine:
        assert engine.profiles.launcher.last_runs("job") == []  # nothing read before open()
        await engine.profiles.open()
        (run,) = engine.profiles.launcher.last_runs("job")
        assert run.status == "3" and not run.ok and run.duration_s is not None and run.started_at is not None


async def test_headless_engine_without_open_writes_nothing(tmp_path):
    async with Engine(config_dir=tmp_path) as engine:
        launcher = engine.profiles.launcher
        await engine.processes.wait(launcher.launch(Profile("x", [sys.executable, "-c", "pass"])))
    assert not (tmp_path / HISTORY_FILE).exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe",
        b'{"version": 99, "runs": {}}',
        b'{"version": 1, "runs": {"a": [1, {"status": 2}]}}',
    ],
)
def test_damaged_history_is_ignored(tmp_path, content):
    (tmp_path / HISTORY_FILE).write_bytes(content)
    assert load_history(tmp_path) == {}
