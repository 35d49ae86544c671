"""Worker jobs the self-test dispatches: top-level functions in an importable module.

anyio pickles a job by reference (module and name), so jobs must live in a module the
worker can import, in a bundle too. Standard library only, so a worker stays light.
"""

from __future__ import annotations

import hashlib
import os
import time


def checksum(size: int) -> str:
    """SHA-256 of ``size`` bytes of a fixed pattern: CPU work with a known answer."""
    digest = hashlib.sha256()
    block = bytes(range(256)) * 16
    remaining = size
    while remaining > 0:
        chunk = block[: min(len(block), remaining)]
        digest.update(chunk)
        remaining -= len(chunk)
    return digest.hexdigest()


def spin(seconds: float) -> int:
    """Keep one core busy for ``seconds``; returns the number of loop rounds."""
    deadline = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < deadline:
        rounds += 1
    return rounds


def worker_pid() -> int:
    return os.getpid()
