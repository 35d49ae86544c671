"""Command-line entry point: the window by default, `procdeck run` headless."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--self-test"]:
        from procdeck.commands.self_test import main as self_test_main

        return self_test_main()
    from procdeck.main import run_gui

    return run_gui(argv)
