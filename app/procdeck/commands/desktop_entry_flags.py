"""`procdeck --install-desktop-entry` / `--uninstall-desktop-entry` (Linux, current user)."""

from __future__ import annotations

import argparse
import sys


def add_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add Procdeck to your application menu (Linux, current user) and exit",
    )
    group.add_argument(
        "--uninstall-desktop-entry",
        action="store_true",
        help="remove what --install-desktop-entry added and exit",
    )


def from_flags(args: argparse.Namespace) -> int | None:
    """Run the flag's action and return an exit code, or None when no flag was given."""
    install = getattr(args, "install_desktop_entry", False)
    if not install and not getattr(args, "uninstall_desktop_entry", False):
        return None  # the window starts without this module's imports
    from procdeck.desktop import desktop_entry

    if install:
        try:
            result = desktop_entry.install()
        except (desktop_entry.DesktopEntryError, OSError) as exc:
            print(f"procdeck: cannot install the desktop entry: {exc}", file=sys.stderr)
            return 1
        print(f"Installed Procdeck in your application menu (Exec={result.exec_line}):")
        for path in result.files[:2]:
            print(f"  {path}")
        print(f"  and {len(result.files) - 2} icons")
        return 0
    try:
        removed = desktop_entry.uninstall()
    except OSError as exc:
        print(f"procdeck: cannot remove the desktop entry: {exc}", file=sys.stderr)
        return 1
    if removed:
        print(f"Removed Procdeck from your application menu ({len(removed)} files).")
    else:
        print("Procdeck's desktop entry was not installed; nothing to remove.")
    return 0
