"""The environment launched programs get, in and out of a bundle."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from procdeck.engine import child_env
from procdeck.engine.child_env import child_environment, without_bundle_changes

BUNDLE_ENV = {
    "HOME": "/home/user",
    "PATH": "/usr/bin:/bin",
    "LD_LIBRARY_PATH": "/tmp/_MEIabc123:/opt/user/lib",
    "LD_LIBRARY_PATH_ORIG": "/opt/user/lib",
    "_PYI_ARCHIVE_FILE": "/opt/procdeck/procdeck",
    "_PYI_APPLICATION_HOME_DIR": "/tmp/_MEIabc123",
    "_PYI_PARENT_PROCESS_LEVEL": "1",
    "_MEIPASS2": "/tmp/_MEIold",
    "_PYI_ONEDIR_MODE": "1",
}


def test_frozen_restores_library_path_and_drops_bootloader_variables() -> None:
    env = child_environment({}, unbuffered=False, base=BUNDLE_ENV, frozen=True)
    assert env == {"HOME": "/home/user", "PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": "/opt/user/lib"}


def test_frozen_without_original_library_path_drops_it() -> None:
    base = {"LD_LIBRARY_PATH": "/tmp/_MEIabc123", "_PYI_PARENT_PROCESS_LEVEL": "0", "A": "1"}
    env = child_environment({}, unbuffered=False, base=base, frozen=True)
    assert env == {"A": "1"}


def test_frozen_empty_original_is_kept_empty() -> None:
    base = {"LD_LIBRARY_PATH": "/tmp/_MEIx", "LD_LIBRARY_PATH_ORIG": ""}
    assert child_environment({}, unbuffered=False, base=base, frozen=True) == {"LD_LIBRARY_PATH": ""}


def test_other_platform_library_paths_are_restored_too() -> None:
    base = {"DYLD_LIBRARY_PATH": "/bundle", "LIBPATH": "/bundle:/usr/lib", "LIBPATH_ORIG": "/usr/lib"}
    env = without_bundle_changes(base)
    assert env == {"LIBPATH": "/usr/lib"}


def test_not_frozen_keeps_everything() -> None:
    env = child_environment({}, unbuffered=False, base=BUNDLE_ENV, frozen=False)
    assert env == BUNDLE_ENV


def test_overrides_set_and_unset_after_cleaning() -> None:
    env = child_environment(
        {"HOME": None, "NEW": "v", "LD_LIBRARY_PATH": "/mine", "ABSENT": None},
        unbuffered=False,
        base=BUNDLE_ENV,
        frozen=True,
    )
    assert "HOME" not in env and "ABSENT" not in env
    assert env["NEW"] == "v"
    assert env["LD_LIBRARY_PATH"] == "/mine"


def test_unbuffered_adds_pythonunbuffered_unless_overridden() -> None:
    assert child_environment({}, unbuffered=True, base={}, frozen=False) == {"PYTHONUNBUFFERED": "1"}
    assert (
        child_environment(
            {"PYTHONUNBUFFERED": None}, unbuffered=True, base={"PYTHONUNBUFFERED": "1"}, frozen=False
        )
        == {}
    )
    assert child_environment({"PYTHONUNBUFFERED": "0"}, unbuffered=True, base={}, frozen=False) == {
        "PYTHONUNBUFFERED": "0"
    }
    assert child_environment({}, unbuffered=False, base={}, frozen=False) == {}


def test_inputs_are_not_mutated() -> None:
    base = dict(BUNDLE_ENV)
    overrides = {"X": "1"}
    child_environment(overrides, unbuffered=True, base=base, frozen=True)
    assert base == BUNDLE_ENV and overrides == {"X": "1"}


def test_frozen_default_base_is_launch_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = types.ModuleType(child_env.LAUNCH_ENV_MODULE)
    snapshot.environ = {"QT_PLUGIN_PATH": "/user/plugins", "_PYI_ARCHIVE_FILE": "x"}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, child_env.LAUNCH_ENV_MODULE, snapshot)
    monkeypatch.setenv("QT_PLUGIN_PATH", "/bundle/PySide6/Qt/plugins")
    env = child_environment({}, unbuffered=False, frozen=True)
    assert env == {"QT_PLUGIN_PATH": "/user/plugins"}


def test_frozen_without_snapshot_uses_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, child_env.LAUNCH_ENV_MODULE, raising=False)
    monkeypatch.setenv("_PYI_PARENT_PROCESS_LEVEL", "1")
    monkeypatch.setenv("PROCDECK_TEST_MARK", "kept")
    env = child_environment({}, unbuffered=False, frozen=True)
    assert "_PYI_PARENT_PROCESS_LEVEL" not in env
    assert env["PROCDECK_TEST_MARK"] == "kept"


def test_real_child_sees_the_cleaned_environment(python: str) -> None:
    env = child_environment({"PROCDECK_CHILD": "yes"}, unbuffered=True, base=BUNDLE_ENV, frozen=True)
    code = (
        "import os; print(sorted(k for k in os.environ if k.startswith(('_PYI', '_MEI', 'LD_', 'PROCDECK'))))"
    )
    out = subprocess.run(
        [python, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "['LD_LIBRARY_PATH', 'PROCDECK_CHILD']"


_SNAPSHOT_PROBE = """
import os, subprocess, sys
import procdeck  # first, as every entry point does
from procdeck.main import make_application  # imports PySide6
from procdeck.engine.child_env import child_environment
assert "PySide6" in sys.modules
print("APP", os.environ.get("PYSIDE6_OPTION_PYTHON_ENUM"))
code = "import os; print('CHILD', os.environ.get('PYSIDE6_OPTION_PYTHON_ENUM'))"
env = child_environment({}, unbuffered=True)
print(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip())
"""


@pytest.mark.parametrize("user_value", [None, "1"])
def test_children_do_not_get_what_importing_qt_set(python: str, user_value: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYSIDE6_OPTION_PYTHON_ENUM"}
    if user_value is not None:
        env["PYSIDE6_OPTION_PYTHON_ENUM"] = user_value
    out = subprocess.run(
        [python, "-c", _SNAPSHOT_PROBE], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout.split("\n")
    if user_value is None:
        assert out[0] != "APP None"  # Qt did set it in Procdeck's own environment...
    assert out[1] == f"CHILD {user_value}"  # ...and the child has exactly what the user had
