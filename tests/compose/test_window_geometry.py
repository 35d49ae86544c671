"""The default layout's geometry rules, on the real app at several screen sizes.

Each case starts the app in its own process (window_geometry_probe.py) on an offscreen
screen of the given size (QT_QPA_PLATFORM=offscreen:configfile=...) and scale factor,
with fresh settings, launches a 300-character command line and dispatches a batch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCREENS = [
    pytest.param(1366, 768, 1, id="1366x768"),
    pytest.param(1920, 1080, 1, id="1920x1080"),
    pytest.param(2560, 1440, 2, id="2560x1440@2x"),
]


def _probe(tmp_path: Path, width: int, height: int, scale: int) -> list[dict]:
    config = tmp_path / "screen.json"
    screen = {"name": "probe", "x": 0, "y": 0, "width": width, "height": height}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        QT_SCALE_FACTOR=str(scale),
        PROCDECK_CONFIG_DIR=str(tmp_path / "config"),
        PROCDECK_LOG_DIR=str(tmp_path / "log"),
        PROCDECK_DATA_DIR=str(tmp_path / "data"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.compose.window_geometry_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("width", "height", "scale"), SCREENS)
def test_default_layout_fits_and_puts_output_first(tmp_path, width, height, scale):
    stages = {stage["stage"]: stage for stage in _probe(tmp_path, width, height, scale)}
    logical = [width // scale, height // scale]
    for name, stage in stages.items():
        # The window (frame included) stays on the screen, also once the 300-character
        # command line runs and whichever panel is in front.
        assert stage["screen"][2:] == logical, name
        assert stage["within"], f"{name}: frame {stage['frame']} outside {stage['screen']}"
        assert stage["min_size"][0] <= logical[0] and stage["min_size"][1] <= logical[1], name
        assert stage["elided_buttons"] == [], f"{name}: {stage['elided_buttons']}"
    for name in ("start", "long command running", "after dispatch"):
        stage = stages[name]
        tallest_panel = max(stage["bottom_panels"].values())
        assert stage["output_height"] > tallest_panel, f"{name}: {stage}"
        assert stage["runs_height"] > 0
    start = stages["start"]
    assert start["bottom_panels"]["jobs"] > 0  # one panel in front, the others a tab away
    assert sum(1 for h in start["bottom_panels"].values() if h) == 1
    after = stages["after dispatch"]
    # Dispatch brought the Jobs panel forward (it was behind Processes) with the new
    # jobs in view: at least two rows of the table are on screen.
    assert after["bottom_panels"]["jobs"] > 0 and after["bottom_panels"]["processes"] == 0
    assert after["job_row_visible"]
    assert after["job_table_height"] >= 2 * after["job_row_height"]
