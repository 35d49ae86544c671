"""Command-line entry point: the window by default, `procdeck run` headless."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from procdeck.main import run_gui

    return run_gui(argv)
