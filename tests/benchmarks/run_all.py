"""Run every benchmark in this folder, one after another, and print each table.

    python3 packaging/dev.py bench [--quick] [--json-dir DIR]

Each benchmark is a script `NAME.py` here with `main(argv) -> int`; it prints a table and,
given `--json PATH`, writes its figures there. With --json-dir, this runner passes
`--json DIR/NAME.json` to each.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.name != "run_all.py" and not p.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json-dir", type=Path, help="write NAME.json for each benchmark here")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("only", nargs="*", help="benchmark names to run (default: all)")
    args = parser.parse_args(argv)
    failures = 0
    for path in benchmarks():
        if args.only and path.stem not in args.only:
            continue
        print(f"\n=== {path.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        bench_args = ["--quick"] if args.quick else []
        if args.json_dir:
            args.json_dir.mkdir(parents=True, exist_ok=True)
            bench_args += ["--json", str(args.json_dir / f"{path.stem}.json")]
        failures += int(module.main(bench_args) != 0)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    sys.exit(main())
