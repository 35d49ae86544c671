"""`procdeck leftovers`: processes of Procdeck instances that no longer run.

Every program Procdeck starts carries its run's cookie (``PROCDECK_RUN``). When Procdeck
and its watchdog were both killed, what they started keeps running; this lists it
(pid, age, instance, run, command) and, with ``--stop``, ends it with the stop ladder.
"""

from __future__ import annotations

import argparse
import sys

from procdeck.core.run_state import format_duration
from procdeck.engine.containment import instances, procfs

EXIT_USAGE = 2
EXIT_LEFT = 1


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "leftovers",
        help="list (or stop) processes left running by a Procdeck that no longer runs",
        description="List processes started by a Procdeck instance that no longer runs; --stop ends them.",
    )
    parser.add_argument("--stop", action="store_true", help="end them: SIGTERM, grace period, then SIGKILL")
    parser.add_argument(
        "--grace", metavar="SECONDS", type=float, default=5.0, help="grace period before SIGKILL (default 5)"
    )
    parser.add_argument("--instance", metavar="ID", help="only processes of this Procdeck instance")
    parser.set_defaults(handler=handle)


def format_table(leftovers: list[instances.Leftover]) -> list[str]:
    rows = [("PID", "AGE", "INSTANCE", "RUN", "COMMAND")]
    rows += [
        (str(item.pid), format_duration(item.age_s), item.instance, item.run, item.command)
        for item in leftovers
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4]
        for row in rows
    ]


def handle(args: argparse.Namespace) -> int:
    if not procfs.available:
        print("procdeck leftovers: needs /proc (Linux); nothing to do here.", file=sys.stderr)
        return 0
    if args.grace < 0:
        print("procdeck leftovers: --grace must be 0 or more seconds.", file=sys.stderr)
        return EXIT_USAGE
    found = instances.find_leftovers(args.instance)
    if not found:
        print("No processes from an earlier Procdeck session are running.")
        return 0
    noun = "process" if len(found) == 1 else "processes"
    verb = "is" if len(found) == 1 else "are"
    print(f"{len(found)} {noun} from an earlier Procdeck session {verb} still running:")
    for name in sorted({item.instance for item in found}):
        print(f"  instance {name}: {instances.describe_instance(name)}")
    for line in format_table(found):
        print(line)
    if not args.stop:
        print("Stop them with: procdeck leftovers --stop")
        return 0
    result = instances.stop_leftovers(found, args.grace, args.instance)
    ended = len(result.signalled | result.killed)
    print(
        f"Stopped {ended} {'process' if ended == 1 else 'processes'}"
        + (f" ({len(result.killed)} needed SIGKILL)." if result.killed else ".")
    )
    if result.left:
        print(
            f"{len(result.left)} could not be stopped: {sorted(pid for pid, _ in result.left)}",
            file=sys.stderr,
        )
        return EXIT_LEFT
    return 0
