"""Saves survive SIGKILL at any point: the file is never empty or unparseable, and the
backup is always a good version."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from procdeck.engine.profiles import codec

SAVER = r"""
import sys
from procdeck.core.profile import EnvVar, Profile
from procdeck.engine.profiles.store import ProfileStore

store = ProfileStore(sys.argv[1])
state = store.load()
assert state.ok, state.error
n = 0
while True:
    n += 1
    count = 1 + n % 40
    store.save([
        Profile(f"p{i}", ["python3", "-c", "print('x' * 100)", str(n)], env=(EnvVar("BIG", "v" * (n % 5000)),))
        for i in range(count)
    ])
    if n == 1:
        print("ready", flush=True)
"""


def check(folder: Path) -> int:
    main = folder / "profiles.toml"
    data = main.read_bytes()
    assert data.strip(), "profiles file is empty"
    doc = codec.loads(data.decode("utf-8"), str(main))
    assert doc.profiles, "profiles file lost its profiles"
    backup = folder / "profiles.toml.bak"
    if backup.exists():
        assert codec.loads(backup.read_text("utf-8"), str(backup)).profiles
    return len(doc.profiles)


@pytest.mark.slow
def test_sigkill_during_repeated_saves_never_corrupts(tmp_path: Path) -> None:
    rng = random.Random(1234)
    kills = 0
    for _round in range(25):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0, 0.15))
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
            if proc.stdout:
                proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        check(tmp_path)
    assert kills == 25
    # What a killed save left behind is cleaned up by the next save.
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    from procdeck.engine.profiles.store import ProfileStore

    store = ProfileStore(tmp_path)
    store.load()
    store.save(store.state.profiles)
    assert all(not p.exists() for p in leftovers)
