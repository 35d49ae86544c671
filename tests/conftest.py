"""Shared test set-up: headless Qt, asyncio for anyio, and leak checks."""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def python() -> str:
    """The interpreter for real child processes in tests."""
    return sys.executable
