"""The `procdeck` command: the window by default, headless subcommands otherwise."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from procdeck import __version__
from procdeck.commands import desktop_entry_flags
from procdeck.commands import self_test as self_test_command
from procdeck.commands.options import add_config_dir_option

# Subcommand name -> its module (add_parser(subparsers)). A module is imported only when
# its name is on the command line (or for --help): the window, the default, starts
# without the headless commands' imports.
SUBCOMMANDS = {
    "run": "procdeck.commands.run",
    "profiles": "procdeck.commands.profiles",
    "job": "procdeck.commands.job",
    "leftovers": "procdeck.commands.leftovers",
}
# Top-level flags that do one thing and exit (each module: add_flags, from_flags).
FLAG_COMMANDS = (self_test_command, desktop_entry_flags)
HELP_FLAGS = ("-h", "--help")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: full for the subcommands named there (every one when
    ``argv`` is None or asks for help); the others are bare names until chosen."""
    parser = argparse.ArgumentParser(
        prog="procdeck", description="Procdeck: launch, watch and stop processes."
    )
    parser.add_argument("--version", action="version", version=f"procdeck {__version__}")
    add_config_dir_option(parser, top_level=True)
    parser.add_argument(
        "--launch",
        metavar="NAME",
        action="append",
        default=[],
        help="open the window and launch this profile (repeatable)",
    )
    parser.add_argument(
        "--launch-group",
        metavar="GROUP",
        action="append",
        default=[],
        help="open the window and launch this group, honouring start-after (repeatable)",
    )
    for flag_module in FLAG_COMMANDS:
        flag_module.add_flags(parser)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    everything = argv is None or any(a in HELP_FLAGS for a in argv)
    for name, module_name in SUBCOMMANDS.items():
        if everything or (argv is not None and name in argv):
            importlib.import_module(module_name).add_parser(subparsers)
        else:
            subparsers.add_parser(name)  # not on this command line: never parsed
    return parser


def _run_window(args: argparse.Namespace) -> int:
    import gc

    # What start-up allocates (modules, Qt wrappers, the window) lives as long as the app:
    # the 110-odd collections it triggered found nothing and cost about 25 ms. main_async
    # freezes it all and collects again once the window is shown (run_gui's finally too).
    gc.disable()
    from procdeck import pyside_import_hook

    pyside_import_hook.install()  # before the window's modules: see its docstring
    from procdeck.main import run_gui  # Qt is imported only for the window

    return run_gui([], config_dir=args.config_dir, launch=args.launch, launch_groups=args.launch_group)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    parser.set_defaults(handler=_run_window)
    args = parser.parse_args(argv)
    for flag_module in FLAG_COMMANDS:
        code: int | None = flag_module.from_flags(args)
        if code is not None:
            return code
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
