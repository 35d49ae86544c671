"""Each profile's last runs, kept between sessions in ``profile-runs.json``.

This is a cache, not user data: a damaged or unknown file is ignored (and replaced on the
next save), never an error. It is written atomically and owner-only like the profiles.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from procdeck.core.private_files import ensure_private_dir
from procdeck.core.profile_run import RunSummary
from procdeck.engine.profiles.atomic import atomic_write

HISTORY_FILE = "profile-runs.json"
VERSION = 1


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def load_history(folder: Path) -> dict[str, list[RunSummary]]:
    """Runs by profile name, oldest first; {} when there is no usable file."""
    try:
        data = json.loads((folder / HISTORY_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("runs"), dict):
        return {}
    out: dict[str, list[RunSummary]] = {}
    for name, runs in data["runs"].items():
        if not isinstance(runs, list):
            continue
        for run in runs:
            if not isinstance(run, dict) or not isinstance(run.get("status"), str):
                continue
            out.setdefault(name, []).append(
                RunSummary(
                    0,
                    _number(run.get("started_at")),
                    _number(run.get("duration_s")),
                    run["status"],
                    run.get("ok") is True,
                )
            )
    return out


def save_history(folder: Path, history: Mapping[str, Sequence[RunSummary]]) -> None:
    runs = {
        name: [
            {"started_at": r.started_at, "duration_s": r.duration_s, "status": r.status, "ok": r.ok}
            for r in items
        ]
        for name, items in history.items()
        if items
    }
    ensure_private_dir(folder)
    atomic_write(
        folder / HISTORY_FILE, json.dumps({"version": VERSION, "runs": runs}, indent=1).encode("utf-8")
    )
