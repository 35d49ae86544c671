"""Install Procdeck into the current user's application menu (Linux), and remove it again.

Follows the freedesktop specs: the .desktop entry goes to
``$XDG_DATA_HOME/applications`` (default ``~/.local/share``), icons to
``$XDG_DATA_HOME/icons/hicolor/<size>/apps``, the AppStream metainfo to
``$XDG_DATA_HOME/metainfo``. The entry's Exec line points at the program that ran the
install (the bundle's executable, the ``procdeck`` script, or ``python -m procdeck``), so
it starts the same Procdeck the user installed from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from procdeck.core.private_files import make_private_dir, write_private_atomic
from procdeck.core.resource_paths import APP_ID, resources_dir

ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
DESKTOP_FILE = f"{APP_ID}.desktop"
METAINFO_FILE = f"{APP_ID}.metainfo.xml"


class DesktopEntryError(Exception):
    """The entry cannot be installed as asked; the message is for the user."""


@dataclass(frozen=True)
class InstallResult:
    files: tuple[Path, ...]
    exec_line: str


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    # The spec: a relative or empty value is invalid and must be ignored.
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / ".local" / "share"


def _quote_exec_arg(arg: str) -> str:
    """Quote one Exec argument per the Desktop Entry spec ("Exec key")."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    escaped = arg.replace("%", "%%")
    if not any(ch in reserved for ch in escaped):
        return escaped
    inner = escaped.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    # The .desktop file format then escapes backslashes once more.
    return '"' + inner.replace("\\", "\\\\") + '"'


def launch_command() -> list[str]:
    """The argv that starts this same Procdeck from a desktop menu."""
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable)]
    script = Path(sys.executable).with_name("procdeck")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script.absolute())]
    return [os.path.abspath(sys.executable), "-m", "procdeck"]


def exec_line(argv: list[str]) -> str:
    return " ".join(_quote_exec_arg(arg) for arg in argv)


def _check_no_control_characters(argv: list[str]) -> None:
    """A newline (or any control character) in a path would end the Exec line and let the
    rest of the path add its own keys to the entry: refused, not escaped away."""
    for arg in argv:
        bad = next((ch for ch in arg if ord(ch) < 0x20 or ord(ch) == 0x7F), None)
        if bad is not None:
            raise DesktopEntryError(
                f"Procdeck's path {arg!r} contains a control character ({bad!r}), which a desktop "
                "entry cannot hold safely; install Procdeck in a folder whose path has none."
            )


def render_desktop_file(template: str, argv: list[str]) -> str:
    """The template with Exec/TryExec pointing at ``argv``."""
    _check_no_control_characters(argv)
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + exec_line(argv)
        elif line.startswith("TryExec="):
            line = "TryExec=" + argv[0]
        lines.append(line)
    return "\n".join(lines) + "\n"


def installed_paths(home: Path | None = None) -> list[Path]:
    base = home if home is not None else data_home()
    paths = [base / "applications" / DESKTOP_FILE, base / "metainfo" / METAINFO_FILE]
    paths += [base / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in ICON_SIZES]
    paths.append(base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg")
    return paths


def _refresh_caches(base: Path) -> None:
    """Tell menus about the change, when the tools exist; failure is harmless."""
    for tool, target in (
        ("update-desktop-database", base / "applications"),
        ("gtk-update-icon-cache", base / "icons" / "hicolor"),
    ):
        program = shutil.which(tool)
        if program and target.is_dir():
            subprocess.run(
                [program, "-q", str(target)]
                if tool != "gtk-update-icon-cache"
                else [program, "-q", "-t", str(target)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
                timeout=30,
            )


def _write_atomic(path: Path, data: bytes) -> None:
    make_private_dir(path.parent)
    write_private_atomic(path, data)


def install(home: Path | None = None, argv: list[str] | None = None) -> InstallResult:
    """Install the entry, icons and metainfo for the current user."""
    if not sys.platform.startswith("linux"):
        raise DesktopEntryError(
            "Desktop entries are a Linux feature; on macOS use Procdeck.app, on Windows Procdeck.exe."
        )
    resources = resources_dir()
    if resources is None:
        raise DesktopEntryError(
            "This installation has no resources folder (icons, desktop file); "
            "install from a source checkout or use the bundle."
        )
    base = home if home is not None else data_home()
    command = argv if argv is not None else launch_command()
    template = (resources / DESKTOP_FILE).read_text(encoding="utf-8")
    written: list[Path] = []
    desktop = base / "applications" / DESKTOP_FILE
    _write_atomic(desktop, render_desktop_file(template, command).encode("utf-8"))
    written.append(desktop)
    metainfo = base / "metainfo" / METAINFO_FILE
    _write_atomic(metainfo, (resources / METAINFO_FILE).read_bytes())
    written.append(metainfo)
    for size in ICON_SIZES:
        source = resources / "icons" / "hicolor" / f"{size}x{size}" / "procdeck.png"
        target = base / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        _write_atomic(target, source.read_bytes())
        written.append(target)
    svg = base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    _write_atomic(svg, (resources / "icons" / "procdeck.svg").read_bytes())
    written.append(svg)
    _refresh_caches(base)
    return InstallResult(tuple(written), exec_line(command))


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what install() wrote; returns the files that were there."""
    base = home if home is not None else data_home()
    removed = []
    for path in installed_paths(base):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    _refresh_caches(base)
    return removed
