"""Useful CPU jobs: count primes, hash a file, a busy loop, a sleep, and an echo.

Each is an ordinary module-level function, importable by a worker as
``procdeck.tasks.builtin:<name>``.
"""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path
from typing import Any

#: Shown in the dispatch form, with example arguments.
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("procdeck.tasks.builtin:count_primes", "[2000000]"),
    ("procdeck.tasks.builtin:hash_file", '["/etc/hostname", "sha256"]'),
    ("procdeck.tasks.builtin:busy_loop", "[2.0]"),
    ("procdeck.tasks.builtin:sleep", "[1.0]"),
    ("procdeck.tasks.builtin:echo", '["hello"]'),
)


def count_primes(n: int) -> int:
    """How many primes are below ``n`` (a sieve of Eratosthenes; about 0.3 s for 10**7)."""
    n = int(n)
    if n < 3:
        return 0
    sieve = bytearray([1]) * n
    sieve[0] = sieve[1] = 0
    for i in range(2, math.isqrt(n - 1) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytes(len(range(i * i, n, i)))
    return sum(sieve)


def hash_file(path: str, algorithm: str = "sha256", chunk_size: int = 1 << 20) -> str:
    """The hex digest of a file's content (any algorithm hashlib knows)."""
    digest = hashlib.new(algorithm)
    with Path(path).open("rb") as stream:
        while chunk := stream.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def busy_loop(seconds: float) -> int:
    """Keep one CPU busy for ``seconds``; returns how many iterations ran."""
    deadline = time.perf_counter() + float(seconds)
    count = 0
    while time.perf_counter() < deadline:
        for _ in range(1000):
            count += 1
    return count


def sleep(seconds: float) -> float:
    """Sleep ``seconds`` without using CPU (to try cancel and the pool view)."""
    time.sleep(float(seconds))
    return float(seconds)


def echo(value: Any = None, *args: Any, **kwargs: Any) -> Any:
    """Print and return the first argument (a trivial job for trying things out)."""
    print(value)
    return value


def identity(value: Any = None) -> Any:
    """Return the argument untouched, printing nothing: the trivial job of benchmarks."""
    return value
