"""The profiles file on disk: atomic saves, backups, permissions, broken and newer files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import anyio
import pytest

from procdeck.core.profile import EnvVar, Profile
from procdeck.engine.profiles import codec
from procdeck.engine.profiles.paths import ENV_VAR, config_dir
from procdeck.engine.profiles.store import ConflictError, ProfileStore, ReadOnlyError, StoreError


def make(n: int) -> list[Profile]:
    return [Profile(f"p{i}", ["echo", str(i)]) for i in range(n)]


def test_config_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert config_dir() == tmp_path / "env"
    assert config_dir(tmp_path / "opt") == tmp_path / "opt"
    monkeypatch.delenv(ENV_VAR)
    assert config_dir().name == "procdeck"


def test_missing_file_loads_empty_and_first_save_creates_owner_only_file(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "cfg")
    state = store.load()
    assert state.ok and state.profiles == () and not state.exists
    store.save([Profile("a", ["x"], env=(EnvVar("TOKEN", "s", secret=True),))])
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(store.config_dir).st_mode) == 0o700
    assert not store.backup_path.exists()  # nothing good to back up yet
    assert ProfileStore(store.config_dir).load().profiles[0].env[0].value == "s"


def test_each_save_keeps_the_previous_version_as_backup(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.load()
    store.save(make(1))
    store.save(make(2))
    store.save(make(3))
    assert len(codec.loads(store.backup_path.read_text(), "b").profiles) == 2
    assert stat.S_IMODE(os.stat(store.backup_path).st_mode) == 0o600
    assert [p.name for p in ProfileStore(tmp_path).load().profiles] == ["p0", "p1", "p2"]
    # No temporary files are left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profiles.toml", "profiles.toml.bak"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'schema = 1\n[[profiles]]\nname = "a"\ncommand = ["x"', "line 4"),  # truncated
        (b"", "is empty"),
        (b"\x00\x01\x02\xff\xfe binary", "not a text file"),
        (b"schema = 1\n\xff\xfe\n", "not UTF-8"),
        (b'schema = 1\n[[profiles]]\nname = "a"\ncommand = []\n', "line 4: command"),
    ],
)
def test_broken_file_is_reported_kept_and_moved_aside_not_overwritten(
    tmp_path: Path, content: bytes, words: str
) -> None:
    store = ProfileStore(tmp_path)
    store.load()
    store.save(make(2))
    store.save(make(1))  # backup now holds 2 profiles
    store.path.write_bytes(content)
    state = store.load()
    assert not state.ok and words in str(state.error) and str(store.path) in str(state.error)
    assert state.backup_profiles == 2 and "backup" in state.message()
    assert store.path.read_bytes() == content  # loading touched nothing
    store.save(make(3))
    aside = [p for p in tmp_path.iterdir() if ".broken-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    # The backup was not replaced by the broken content.
    assert len(codec.loads(store.backup_path.read_text(), "b").profiles) == 2


def test_restore_backup(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.load()
    store.save(make(2))
    store.save(make(5))
    store.path.write_text("garbage = [")
    assert store.load().backup_profiles == 2
    state = store.restore_backup()
    assert state.ok and len(state.profiles) == 2
    assert any(".broken-" in p.name for p in tmp_path.iterdir())


def test_restore_without_backup_is_a_clear_error(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.load()
    with pytest.raises(StoreError, match="no backup"):
        store.restore_backup()


def test_newer_schema_opens_read_only(tmp_path: Path) -> None:
    tmp_path.joinpath("profiles.toml").write_text('schema = 7\n[[profiles]]\nname = "a"\ncommand = ["x"]\n')
    store = ProfileStore(tmp_path)
    state = store.load()
    assert state.ok and state.read_only and [p.name for p in state.profiles] == ["a"]
    with pytest.raises(ReadOnlyError):
        store.save(make(1))
    assert "schema = 7" in store.path.read_text()


def test_external_edit_is_not_overwritten(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.load()
    store.save(make(1))
    store.path.write_text(codec.dumps(make(4)))
    with pytest.raises(ConflictError, match="changed outside"):
        store.save(make(2))
    assert len(store.load().profiles) == 4


def test_edit_operations_and_undo(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.load()
    store.save(make(3))
    store.upsert(Profile("renamed", ["y"]), replacing="p1")
    assert [p.name for p in store.state.profiles] == ["p0", "renamed", "p2"]
    with pytest.raises(StoreError, match="already exists"):
        store.upsert(Profile("p0", ["z"]), replacing="renamed")
    _, removed, index = store.delete("renamed")
    store.insert(removed, index)
    assert [p.name for p in ProfileStore(tmp_path).load().profiles] == ["p0", "renamed", "p2"]
    _, notes = store.add_many([Profile("p0", ["q"])])
    assert notes == ["'p0' already exists; imported as 'p0 (2)'."]
    with pytest.raises(StoreError, match="command"):
        store.upsert(Profile("bad", []))


def test_stale_temp_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.load()
    stale = tmp_path / ".profiles.toml.999999999.abc.tmp"
    stale.write_text("half")
    store.save(make(1))
    assert not stale.exists()


@pytest.mark.anyio
async def test_watch_reports_external_edits_only(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    await store.aload()
    await store.asave(make(1))
    seen: list[int] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: store.watch(lambda s: seen.append(len(s.profiles)), interval_s=0.05))
        await store.asave(make(2))  # our own save: no notification
        await anyio.sleep(0.3)
        assert seen == []
        await anyio.to_thread.run_sync(store.path.write_text, codec.dumps(make(5)))
        with anyio.fail_after(10):
            while not seen:
                await anyio.sleep(0.05)
        tg.cancel_scope.cancel()
    assert seen == [5] and len(store.state.profiles) == 5


def test_unreadable_path_and_unwritable_folder_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "profiles.toml").mkdir()  # a folder where the file should be
    store = ProfileStore(tmp_path)
    state = store.load()
    assert not state.ok and "cannot be read" in str(state.error) and "profiles.toml" in str(state.error)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    store = ProfileStore(blocked / "cfg")
    store.load()
    with pytest.raises(StoreError, match="Cannot save the profiles"):
        store.save(make(1))
