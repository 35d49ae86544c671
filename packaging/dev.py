#!/usr/bin/env python3
"""Set up Procdeck's development environment if needed, then run the app or the tests.

    python3 packaging/dev.py run [ARGS...]     # start the app (any procdeck arguments)
    python3 packaging/dev.py test [PYTEST...]  # the whole test suite, headless
    python3 packaging/dev.py bench [--json P]  # every benchmark under tests/benchmarks
    python3 packaging/dev.py setup             # only create/refresh .venv

Needs nothing but Python 3.11+ (stdlib only). The environment lives in `.venv` at the
top of the repository and is refreshed whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("PROCDECK_VENV", ROOT / ".venv"))
STAMP = VENV / ".procdeck-stamp"
EXTRAS = os.environ.get("PROCDECK_EXTRAS", "test")


def _venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def _wanted_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(EXTRAS.encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def setup() -> Path:
    # dev.py runs under whatever python3 the user has: say so plainly on an old one.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"Procdeck needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = _venv_python()
    wanted = _wanted_stamp()
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    if not python.exists():
        print(f"procdeck: creating {VENV} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    print("procdeck: installing dependencies ...", file=sys.stderr)
    spec = f"{ROOT}[{EXTRAS}]" if EXTRAS else str(ROOT)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", spec],
        check=True,
    )
    STAMP.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    python = setup()
    env = dict(os.environ)
    if command == "setup":
        return 0
    if command == "run":
        return subprocess.call([str(python), "-m", "procdeck", *rest], env=env)
    if command == "test":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)
    if command == "bench":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        return subprocess.call(
            [str(python), str(ROOT / "tests" / "benchmarks" / "run_all.py"), *rest], cwd=ROOT, env=env
        )
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
