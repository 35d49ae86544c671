"""Cost of Procdeck's crash-safe profile saves and validated loads, against the plain way.

- save_ms: ProfileStore.save (serialize, back up the previous file, temp file, fsync,
  os.replace, fsync the folder) for N profiles.
- raw_save_ms: codec.dumps + Path.write_text (no validation, fsync or backup: not crash-safe).
- load_ms: ProfileStore.load (read, decode, parse, build and validate every profile).
- raw_load_ms: tomllib.loads of the same text (parse only).
Medians over --n repetitions, for 10, 100 and 1000 profiles.

    .venv/bin/python tests/benchmarks/profiles_store.py [--n 30] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from procdeck.core.profile import EnvVar, Profile
from procdeck.core.restart_policy import RestartMode, RestartPolicy
from procdeck.engine.profiles import codec
from procdeck.engine.profiles.store import ProfileStore


def profiles(count: int, generation: int) -> list[Profile]:
    return [
        Profile(
            f"service-{i}",
            ["python3", "-m", "service", f"--port={8000 + i}", f"--gen={generation}"],
            cwd="~/src/project",
            env=(
                EnvVar("PORT", str(8000 + i)),
                EnvVar("TOKEN", "x" * 32, secret=True),
                EnvVar("DEBUG", None),
            ),
            restart=RestartPolicy(RestartMode.ON_FAILURE, max_restarts=3),
            group=f"group-{i % 7}",
            tags=("web", "api"),
            notes="A service used for the benchmark.",
        )
        for i in range(count)
    ]


def measure(count: int, n: int) -> dict[str, float]:
    save, raw_save, load, raw_load = [], [], [], []
    with tempfile.TemporaryDirectory() as folder:
        store = ProfileStore(Path(folder) / "cfg")
        store.load()
        raw_path = Path(folder) / "raw.toml"
        for generation in range(n):
            items = profiles(count, generation)
            t0 = time.perf_counter()
            store.save(items)
            save.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            raw_path.write_text(codec.dumps(items))
            raw_save.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            state = store.load()
            load.append(time.perf_counter() - t0)
            assert len(state.profiles) == count
            t0 = time.perf_counter()
            tomllib.loads(raw_path.read_text())
            raw_load.append(time.perf_counter() - t0)
    ms = lambda xs: round(statistics.median(xs) * 1000, 3)  # noqa: E731
    return {
        "save_ms": ms(save),
        "raw_save_ms": ms(raw_save),
        "load_ms": ms(load),
        "raw_load_ms": ms(raw_load),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    n = 5 if args.quick else args.n
    result: dict[str, float] = {"repetitions": n}
    print(f"{'profiles':>9} {'metric':<10}{'procdeck':>12}{'plain':>12}{'ratio':>8}")
    for count in (10, 100, 1000):
        row = measure(count, n)
        for key, value in row.items():
            result[f"{key.removesuffix('_ms')}_{count}_ms"] = value
        for metric in ("save", "load"):
            ours, base = row[f"{metric}_ms"], row[f"raw_{metric}_ms"]
            print(
                f"{count:>9} {metric + ' ms':<10}{ours:>12.2f}{base:>12.2f}{ours / base if base else float('inf'):>8.1f}"
            )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
