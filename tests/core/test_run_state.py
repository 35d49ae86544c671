"""How a stop's findings read."""

from __future__ import annotations

import pytest

from procdeck.core.run_state import describe_stop


@pytest.mark.parametrize(
    ("stopped", "escaped", "text"),
    [
        (0, 0, ""),
        (1, 0, "stopped 1 process"),
        (3, 0, "stopped 3 processes"),
        (3, 1, "stopped 3 processes, 1 had left the session"),
        (2, 2, "stopped 2 processes, 2 had left the session"),
    ],
)
def test_describe_stop(stopped, escaped, text):
    assert describe_stop(stopped, escaped) == text
