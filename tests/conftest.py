"""Shared test set-up: headless Qt, asyncio for anyio, and leak checks."""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from procdeck import qt_env

qt_env.prepare()  # as the app does before its QApplication


@pytest.fixture(scope="session", autouse=True)
def _private_settings_and_logs(tmp_path_factory: pytest.TempPathFactory):
    """Keep the user's real settings and log folder out of tests (subprocesses inherit)."""
    saved = {name: os.environ.get(name) for name in ("PROCDECK_CONFIG_DIR", "PROCDECK_LOG_DIR")}
    os.environ["PROCDECK_CONFIG_DIR"] = str(tmp_path_factory.mktemp("config"))
    os.environ["PROCDECK_LOG_DIR"] = str(tmp_path_factory.mktemp("logs"))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory, monkeypatch):
    """Run logs and other user data go to a temporary directory, never the user's."""
    monkeypatch.setenv("PROCDECK_DATA_DIR", str(tmp_path_factory.mktemp("procdeck-data")))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def python() -> str:
    """The interpreter for real child processes in tests."""
    return sys.executable


@pytest.fixture
def qt_run(qapp):
    """Run an async function to completion on Procdeck's own Qt-driven loop.

    Widgets and the engine then share one thread, as in the app.
    """
    import asyncio

    from procdeck.bridge.event_loop import new_event_loop_factory

    qapp.setQuitOnLastWindowClosed(False)  # as in the app: closing a window must not stop the loop
    runner = asyncio.Runner(loop_factory=new_event_loop_factory(qapp))

    def run(fn, *args):
        return runner.run(fn(*args))

    yield run
    runner.close()
    # Collect this test's cyclic Qt garbage (loop timers, bridges) here, on the main
    # thread: left to chance, Python's collector may run in a worker thread and Qt then
    # warns "Timers cannot be stopped from another thread".
    import gc

    gc.collect()


@pytest.fixture(autouse=True)
def _private_config_dir(tmp_path_factory, monkeypatch):
    """Every test (and every child it starts) gets its own empty profiles folder: tests
    must never read or write the user's real ~/.config/procdeck."""
    monkeypatch.setenv("PROCDECK_CONFIG_DIR", str(tmp_path_factory.mktemp("procdeck-config")))
