#!/usr/bin/env python3
"""Build Procdeck's PyInstaller bundle with one command.

    python3 packaging/build_bundle.py                # onedir bundle in dist/procdeck/
    python3 packaging/build_bundle.py --onefile      # one executable, dist/procdeck(.exe)
    python3 packaging/build_bundle.py --self-test    # build, then run the bundle's --self-test
    python3 packaging/build_bundle.py --no-build --measure   # size and start time of dist/

--measure starts the bundled window headless (QT_QPA_PLATFORM=offscreen) a few times
and reads "window shown N s after process start" from its log, then quits it with
SIGTERM; the first start after a build or reboot is the cold one.

Sets up `.venv` like packaging/dev.py, installs PyInstaller into it when missing, runs
packaging/procdeck.spec, then prints the bundle's path, size and build time. Standard
library only, so it runs with any Python 3.11+.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "procdeck.spec"
PYINSTALLER_REQUIREMENT = "pyinstaller>=6.10,<7"

sys.path.insert(0, str(ROOT / "packaging"))
import dev  # noqa: E402  (packaging/dev.py: the shared venv set-up)


def ensure_pyinstaller(python: Path) -> None:
    found = subprocess.run([str(python), "-c", "import PyInstaller"], capture_output=True, check=False)
    if found.returncode == 0:
        return
    print("procdeck: installing PyInstaller ...", file=sys.stderr)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", PYINSTALLER_REQUIREMENT],
        check=True,
    )


def bundle_path(dist: Path, onefile: bool) -> Path:
    """The executable the build produces on this platform."""
    if sys.platform == "darwin":
        return dist / "Procdeck.app" / "Contents" / "MacOS" / "procdeck"
    if sys.platform == "win32":
        return dist / "procdeck.exe" if onefile else dist / "procdeck" / "procdeck-cli.exe"
    return dist / "procdeck" if onefile else dist / "procdeck" / "procdeck"


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def measure_start(executable: Path, runs: int = 3, timeout: float = 120.0) -> list[float]:
    """Seconds from process start to window shown, for ``runs`` headless starts."""
    times = []
    pattern = re.compile(r"window shown ([0-9.]+) s after process start")
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="procdeck-measure-") as temp:
            env = dict(
                os.environ, QT_QPA_PLATFORM="offscreen", PROCDECK_LOG_DIR=temp, PROCDECK_CONFIG_DIR=temp
            )
            process = subprocess.Popen(
                [str(executable)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            deadline = time.monotonic() + timeout
            found = None
            try:
                while found is None and time.monotonic() < deadline and process.poll() is None:
                    log = Path(temp, "procdeck.log")
                    match = pattern.search(log.read_text()) if log.exists() else None
                    found = float(match.group(1)) if match else None
                    time.sleep(0.05)
            finally:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                try:
                    _, err = process.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    _, err = process.communicate()
            if found is None:
                raise RuntimeError(
                    f"the window did not show within {timeout:.0f} s: {err.decode(errors='replace')}"
                )
            times.append(found)
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--onefile", action="store_true", help="build one self-extracting executable")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller work folder"
    )
    parser.add_argument("--self-test", action="store_true", help="run the built bundle's --self-test")
    parser.add_argument(
        "--measure", action="store_true", help="measure start time (window shown) of the bundle"
    )
    parser.add_argument("--no-build", action="store_true", help="use the bundle already in --dist")
    args = parser.parse_args(argv)
    dist = args.dist.resolve()
    env = dict(os.environ)
    if args.no_build:
        return report(dist, args, env, build_seconds=None)

    python = dev.setup()
    ensure_pyinstaller(python)
    command = [
        str(python),
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(args.work.resolve()),
        str(SPEC),
    ]
    if args.onefile:
        command += ["--", "--onefile"]
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    return report(dist, args, env, build_seconds=time.monotonic() - started)


def report(dist: Path, args: argparse.Namespace, env: dict[str, str], build_seconds: float | None) -> int:
    executable = bundle_path(dist, args.onefile)
    if not executable.exists():
        print(f"procdeck: the build finished but {executable} is missing", file=sys.stderr)
        return 1
    measured = executable if args.onefile else executable.parent
    size_mb = tree_size(measured) / 1e6
    print(f"bundle: {executable}")
    print(f"size: {size_mb:.1f} MB ({'onefile' if args.onefile else 'onedir'})")
    if build_seconds is not None:
        print(f"build time: {build_seconds:.0f} s")
    if args.measure:
        times = measure_start(executable)
        print(
            f"window shown after: first {times[0]:.2f} s, median {statistics.median(times):.2f} s ({len(times)} starts)"
        )
    if args.self_test:
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        return subprocess.call([str(executable), "--self-test"], env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
