"""Headless subcommands of the `procdeck` command (one module each)."""
