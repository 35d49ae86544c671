"""Installing and removing the desktop entry for the current user, into a temp XDG dir."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from procdeck.desktop import desktop_entry
from procdeck.desktop.desktop_entry import DesktopEntryError, exec_line, install, installed_paths, uninstall

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop entries are Linux-only")


def test_install_writes_entry_icons_and_metainfo(tmp_path: Path) -> None:
    result = install(home=tmp_path, argv=["/opt/Procdeck App/procdeck"])
    assert set(result.files) == set(installed_paths(tmp_path))
    desktop = (tmp_path / "applications" / "io.procdeck.Procdeck.desktop").read_text()
    assert 'Exec="/opt/Procdeck App/procdeck"' in desktop.splitlines()
    assert "TryExec=/opt/Procdeck App/procdeck" in desktop.splitlines()
    png = tmp_path / "icons/hicolor/48x48/apps/io.procdeck.Procdeck.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "metainfo/io.procdeck.Procdeck.metainfo.xml").is_file()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_installed_entry_is_valid(tmp_path: Path) -> None:
    install(home=tmp_path, argv=[sys.executable, "-m", "procdeck"])
    entry = tmp_path / "applications" / "io.procdeck.Procdeck.desktop"
    result = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_uninstall_removes_exactly_what_install_wrote(tmp_path: Path) -> None:
    other = tmp_path / "applications" / "other.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\n")
    install(home=tmp_path, argv=["/usr/bin/procdeck"])
    removed = uninstall(home=tmp_path)
    assert set(removed) == set(installed_paths(tmp_path))
    assert other.exists()
    assert not any(path.exists() for path in installed_paths(tmp_path))
    assert uninstall(home=tmp_path) == []


def test_default_location_follows_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert desktop_entry.data_home() == tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop_entry.data_home() == tmp_path / ".local" / "share"


def test_exec_quoting_follows_the_spec() -> None:
    assert exec_line(["/usr/bin/procdeck"]) == "/usr/bin/procdeck"
    assert exec_line(["/a b/procdeck", "-m", "x"]) == '"/a b/procdeck" -m x'
    assert exec_line(["/p/100%"]) == "/p/100%%"
    assert exec_line(['/a"b c']) == '"/a\\\\"b c"'


def test_launch_command_from_source_runs_this_procdeck() -> None:
    argv = desktop_entry.launch_command()
    assert Path(argv[0]).is_absolute()
    probe = [*argv, "--version"] if argv[-1] == "procdeck" or len(argv) > 1 else [*argv, "--version"]
    out = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("procdeck ")


def test_missing_resources_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desktop_entry, "resources_dir", lambda: None)
    with pytest.raises(DesktopEntryError, match="no resources folder"):
        install(home=tmp_path, argv=["/usr/bin/procdeck"])
    assert not (tmp_path / "applications").exists()


@pytest.mark.e2e
def test_cli_install_and_uninstall(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "procdeck", "--install-desktop-entry"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Installed Procdeck" in done.stdout
    assert (tmp_path / "applications" / "io.procdeck.Procdeck.desktop").is_file()
    gone = subprocess.run(
        [sys.executable, "-m", "procdeck", "--uninstall-desktop-entry"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert gone.returncode == 0 and "Removed Procdeck" in gone.stdout
    assert not (tmp_path / "applications" / "io.procdeck.Procdeck.desktop").exists()


@pytest.mark.parametrize(
    "path", ["/opt/pro\ndeck/procdeck", "/opt/x\rTerminal=true/procdeck", "/opt/tab\there"]
)
def test_a_control_character_in_the_install_path_cannot_add_a_line(tmp_path: Path, path: str) -> None:
    with pytest.raises(DesktopEntryError, match="control character"):
        install(home=tmp_path, argv=[path])
    assert not (tmp_path / "applications").exists()


def test_installed_files_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        result = install(home=tmp_path / "data", argv=["/usr/bin/procdeck"])
    finally:
        os.umask(old)
    for path in result.files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (tmp_path / "data").rglob("*"):
        if folder.is_dir():
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
