"""The `procdeck` command: the window by default, headless subcommands otherwise."""

from __future__ import annotations

import argparse
import sys

from procdeck import __version__
from procdeck.commands import desktop_entry_flags
from procdeck.commands import job as job_command
from procdeck.commands import profiles as profiles_command
from procdeck.commands import run as run_command
from procdeck.commands import self_test as self_test_command

SUBCOMMANDS = (run_command, profiles_command, job_command)
# Top-level flags that do one thing and exit (each module: add_flags, from_flags).
FLAG_COMMANDS = (self_test_command, desktop_entry_flags)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="procdeck", description="Procdeck: launch, watch and stop processes."
    )
    parser.add_argument("--version", action="version", version=f"procdeck {__version__}")
    profiles_command.add_config_dir_option(parser, top_level=True)
    for flag_module in FLAG_COMMANDS:
        flag_module.add_flags(parser)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def _run_window(args: argparse.Namespace) -> int:
    from procdeck.main import run_gui  # Qt is imported only for the window

    return run_gui([], config_dir=args.config_dir)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    parser.set_defaults(handler=_run_window)
    args = parser.parse_args(argv)
    for flag_module in FLAG_COMMANDS:
        code = flag_module.from_flags(args)
        if code is not None:
            return code
    return int(args.handler(args))
