"""Command-line options shared by the top-level parser and the subcommands."""

from __future__ import annotations

import argparse


def add_config_dir_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    # On subcommands the default is SUPPRESS so that `procdeck --config-dir X run ...`
    # is not overwritten by the subparser's own default.
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        default=None if top_level else argparse.SUPPRESS,
        help="folder of profiles.toml (default: $PROCDECK_CONFIG_DIR or the user config folder)",
    )
