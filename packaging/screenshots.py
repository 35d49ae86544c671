#!/usr/bin/env python3
"""Take the README's screenshots of the real window under a real X server (Xvfb).

    .venv/bin/python packaging/screenshots.py                 # the app from this checkout
    .venv/bin/python packaging/screenshots.py --app dist/procdeck/procdeck   # a bundle

Starts Xvfb, starts Procdeck on it (QT_QPA_PLATFORM=xcb, fresh settings with a few saved
profiles in a temp dir) and saves `import -window root` shots into resources/screenshots/:
main-window-WxH[-dark].png for each screen size (default 1366x768 and 1920x1080) and
theme, with the window at the size a first start gives it, and (from source) the Settings
dialog over it as settings-WxH[-dark].png. --out and --prefix put them elsewhere.
From source, the app is driven through its own API (demo commands in the launcher bar,
a worker batch dispatched to the pool), then quits itself. A bundle is driven from
outside with xdotool (demo commands typed into the launcher bar) and quit with SIGTERM,
which stops every demo process. Xvfb is stopped at the end.

Needs Debian's xvfb, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1 (PySide6's xcb
plugin loads them), xdotool and imagemagick:

    apt-get install xvfb libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 xdotool imagemagick
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "screenshots"
SCREENS = ((1366, 768), (1920, 1080))
TOOLS = ("Xvfb", "xdotool", "import")

TICKER = """\
import itertools, random, time
for i in itertools.count():
    print(f"[ticker] tick {i:04d}  load={random.random():.2f}", flush=True)
    time.sleep(0.4)
"""
SERVER = """\
import itertools, sys, time
print("serving on http://127.0.0.1:8000 (demo)", flush=True)
for i in itertools.count():
    print(f"GET /api/items/{i % 7} 200 {3 + i % 5} ms", flush=True)
    if i % 6 == 5:
        print(f"WARNING slow request /api/report took {400 + i} ms", file=sys.stderr, flush=True)
    time.sleep(0.3)
"""
BUILD = """\
import time
for step in ("configure", "compile core", "compile ui", "link", "test"):
    print(f"==> {step}", flush=True)
    time.sleep(0.2)
print("build finished", flush=True)
"""


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        time.sleep(0.1)


def _free_display() -> int:
    for number in range(99, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise SystemExit("screenshots: no free X display number")


def _xdotool(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"screenshots: xdotool {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def _type_command(env: dict[str, str], window: str, command: str) -> None:
    _xdotool(env, "windowfocus", "--sync", window)
    _xdotool(env, "key", "--clearmodifiers", "ctrl+l")
    _xdotool(env, "type", "--delay", "4", command)
    _xdotool(env, "key", "Return")


def _shoot(env: dict[str, str], target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", str(target)], env=env, check=True, timeout=60)
    return target


def _seed_profiles(config: Path, python: str) -> None:
    """A few saved profiles, so the Profiles panel shows what it is for."""
    sys.path.insert(0, str(ROOT / "app"))
    from procdeck.core.profile import EnvVar, Profile
    from procdeck.engine.profiles.store import ProfileStore

    profiles = [
        Profile(
            name="web server",
            command=(python, "server.py"),
            group="demo",
            tags=("web",),
            env=(EnvVar("PORT", "8000"),),
            notes="the demo API",
        ),
        Profile(name="ticker", command=(python, "ticker.py"), group="demo"),
        Profile(name="build", command=(python, "build.py"), group="ci"),
        Profile(name="disk usage", command="du -sh . | sort -h", shell=True, group="tools"),
    ]
    state = ProfileStore(config).save(profiles)
    if not state.ok:
        raise SystemExit(f"screenshots: cannot seed profiles: {state.message()}")


def take(
    app_argv: Sequence[str],
    theme: str,
    target: Path,
    settle_s: float,
    *,
    typed: bool,
    screen: tuple[int, int],
) -> Path:
    display = _free_display()
    with tempfile.TemporaryDirectory(prefix="procdeck-shots-") as temp:
        tmp = Path(temp)
        config = tmp / "config"
        config.mkdir()
        (config / "procdeck.ini").write_text(f"[appearance]\ntheme={theme}\n")
        python = "python3" if shutil.which("python3") else sys.executable
        _seed_profiles(config, python)
        scripts = {}
        for script_name, body in (("ticker", TICKER), ("server", SERVER), ("build", BUILD)):
            path = tmp / f"{script_name}.py"
            path.write_text(body)
            scripts[script_name] = path
        env = dict(
            os.environ,
            DISPLAY=f":{display}",
            QT_QPA_PLATFORM="xcb",
            PROCDECK_CONFIG_DIR=str(config),
            PROCDECK_LOG_DIR=str(tmp / "log"),
        )
        env.pop("WAYLAND_DISPLAY", None)
        xvfb = subprocess.Popen(
            ["Xvfb", f":{display}", "-screen", "0", f"{screen[0]}x{screen[1]}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        app = None
        try:
            _wait_for(lambda: Path(f"/tmp/.X11-unix/X{display}").exists(), 30, "Xvfb")
            # The demo commands run in the temp folder: short names in the table.
            app = subprocess.Popen(
                list(app_argv), env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            _wait_for(
                lambda: (
                    subprocess.run(
                        ["xdotool", "search", "--onlyvisible", "--name", "^Procdeck$"],
                        env=env,
                        capture_output=True,
                        check=False,
                    ).returncode
                    == 0
                    or app.poll() is not None
                ),
                60,
                "the Procdeck window",
            )
            if app.poll() is not None:
                raise SystemExit(
                    f"screenshots: Procdeck exited: {app.stderr.read().decode(errors='replace')}"
                )
            if not typed:  # the driver shoots and quits by itself
                target.parent.mkdir(parents=True, exist_ok=True)
                _, err = app.communicate(timeout=180)
                if app.returncode != 0:
                    raise SystemExit(f"screenshots: the driven app failed: {err.decode(errors='replace')}")
                return target
            # The window keeps the size a first start gives it on this screen.
            window = _xdotool(env, "search", "--onlyvisible", "--name", "^Procdeck$").splitlines()[0]
            _xdotool(env, "windowmove", window, "0", "0")
            _type_command(env, window, f"{python} {scripts['build'].name}")
            time.sleep(1.0)
            _type_command(env, window, f"{python} {scripts['ticker'].name}")
            time.sleep(0.5)
            _type_command(env, window, f"{python} {scripts['server'].name}")
            time.sleep(settle_s)
            return _shoot(env, target)
        finally:
            if app is not None and app.poll() is None:
                app.send_signal(signal.SIGTERM)  # stops every demo process, saves nothing harmful
                try:
                    app.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    app.kill()
                    app.wait()
            if app is not None and app.stderr is not None:
                app.stderr.close()
            xvfb.terminate()
            try:
                xvfb.wait(timeout=10)
            except subprocess.TimeoutExpired:
                xvfb.kill()
                xvfb.wait()


def drive_inside(shot: Path, settle_s: float) -> int:
    """Runs inside the app's process (source mode): drive it through its own API, shoot.

    Like tests/e2e/drive_app.py: the real window, engine and worker pool, with demo
    commands typed into the launcher bar and a worker batch dispatched to the pool.
    """
    import asyncio

    import anyio

    from procdeck.bridge.event_loop import new_event_loop_factory
    from procdeck.core.jobs import JobSpec
    from procdeck.main import main_async, make_application

    app = make_application([])

    async def drive(parts) -> None:
        window = parts.window
        window.move(0, 0)  # at the size a first start gives it on this screen
        python = "python3" if shutil.which("python3") else sys.executable
        for script in ("build.py", "ticker.py", "server.py"):
            window.launcher.command.setText(f"{python} {script}")
            window.launcher.submit()
            await anyio.sleep(0.6)
        sizes = [30_000_000 + 1_000_000 * i for i in range(24)]  # about 1 s each
        parts.engine.jobs.map(JobSpec("procdeck.tasks.builtin:count_primes"), sizes)
        # The default layout as a first start shows it: the Jobs tab in front.
        await anyio.sleep(settle_s)
        await anyio.run_process(["import", "-window", "root", str(shot)])
        if parts.preferences is not None:  # and the Settings dialog over it
            parts.preferences.action.trigger()
            dialog = parts.preferences.dialog
            await anyio.sleep(1.0)
            dialog.move(window.geometry().center() - dialog.rect().center())
            await anyio.sleep(0.5)
            settings_shot = shot.with_name(shot.name.replace("main-window", "settings"))
            await anyio.run_process(["import", "-window", "root", str(settings_shot)])
            dialog.close()
        window.confirm_quit = lambda: True
        window.close()

    def on_ready(parts) -> None:
        parts.spawner.spawn(drive, parts)

    with asyncio.Runner(loop_factory=new_event_loop_factory(app)) as runner:
        return runner.run(main_async(app, on_ready))


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app", help="executable to run (default: this checkout's Python with -m procdeck)")
    parser.add_argument("--settle", type=float, default=6.0, help="seconds of output before each shot")
    parser.add_argument(
        "--screen",
        type=_size,
        action="append",
        metavar="WxH",
        help="screen size (repeatable; default: 1366x768 and 1920x1080)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the shots (default: {OUT})")
    parser.add_argument("--prefix", default="", help="prefix for the file names (e.g. before-)")
    parser.add_argument("--inside", metavar="PNG", help=argparse.SUPPRESS)  # the driven app itself
    args = parser.parse_args(argv)
    if args.inside:
        return drive_inside(Path(args.inside), args.settle)
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        print(f"screenshots: missing {', '.join(missing)}; see this script's docstring", file=sys.stderr)
        return 2
    for screen in args.screen or SCREENS:
        for theme in ("light", "dark"):
            name = f"{args.prefix}main-window-{screen[0]}x{screen[1]}{'-dark' if theme == 'dark' else ''}"
            shot = args.out.resolve() / f"{name}.png"
            if args.app:
                path = take(
                    [str(Path(args.app).resolve())], theme, shot, args.settle, typed=True, screen=screen
                )
            else:
                driver = [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--inside",
                    str(shot),
                    "--settle",
                    str(args.settle),
                ]
                path = take(driver, theme, shot, args.settle, typed=False, screen=screen)
            print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
