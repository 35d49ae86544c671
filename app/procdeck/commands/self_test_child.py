"""Small helper programs the self-test launches, runnable from source and from a bundle.

A bundle has no ``python -c``: it runs ``procdeck --self-test-child MODE`` (routed by
``procdeck.frozen`` before anything heavy loads); from source the same code runs as
``python -m procdeck.commands.self_test_child MODE``. Standard library only.

Modes:
  streams   three lines on stdout, one on stderr, exit code 3
  tree      start a grandchild (mode ``sleep``), print its pid, then sleep
  sleep     sleep until stopped
  env       print the environment as JSON
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

STREAMS_EXIT_CODE = 3
STREAMS_STDOUT = ("out 1", "out 2", "out 3 \u00e9")
STREAMS_STDERR = ("err 1",)


def child_argv(mode: str) -> list[str]:
    """The argv that runs this helper in ``mode``, in a bundle or from source."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--self-test-child", mode]
    return [sys.executable, "-m", "procdeck.commands.self_test_child", mode]


def _sleep_forever() -> int:
    while True:
        time.sleep(3600)


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else ""
    if mode == "streams":
        for line in STREAMS_STDOUT:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        for line in STREAMS_STDERR:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        return STREAMS_EXIT_CODE
    if mode == "tree":
        grandchild = subprocess.Popen(child_argv("sleep"), stdin=subprocess.DEVNULL)
        print(grandchild.pid, flush=True)
        return _sleep_forever()
    if mode == "sleep":
        return _sleep_forever()
    if mode == "env":
        print(json.dumps(dict(os.environ)), flush=True)
        return 0
    print(f"unknown self-test child mode: {mode!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
