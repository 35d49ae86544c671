"""procdeck.qt_env: Qt's GUI thread pool is off in the app, and only in the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from procdeck import qt_env

APP = str(Path(__file__).resolve().parents[1] / "app")


def test_prepare_turns_the_pool_off_and_keeps_a_value_already_set() -> None:
    env: dict[str, str] = {}
    qt_env.prepare(env)
    assert env == {qt_env.NO_POOL: "1"}
    mine = {qt_env.NO_POOL: "yes"}
    qt_env.prepare(mine)
    assert mine == {qt_env.NO_POOL: "yes"}


CHILD = r"""
import json, os
from procdeck.main import make_application
from procdeck.engine.child_env import child_environment
app = make_application([])
print(json.dumps({
    "app": os.environ.get("QT_NO_GUI_THREADPOOL"),
    "launched": child_environment({}, unbuffered=False).get("QT_NO_GUI_THREADPOOL"),
}))
"""


def test_the_app_sets_it_and_launched_programs_do_not_inherit_it() -> None:
    env = {k: v for k, v in os.environ.items() if k != qt_env.NO_POOL}
    env["PYTHONPATH"] = APP
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"app": "1", "launched": None}
