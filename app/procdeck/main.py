"""Composition root: builds the QApplication, the loop, the engine and the window."""

from __future__ import annotations


def run_gui(argv: list[str]) -> int:
    raise SystemExit("not yet")
