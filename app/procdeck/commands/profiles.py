"""`procdeck profiles ...`: list, show, import, export and locate saved launch profiles.

Every subcommand honours ``--config-dir`` (else $PROCDECK_CONFIG_DIR, else the user
config folder). A profiles file that cannot be read gives a one-line error and exit
status 1, and the file is left untouched. Secret environment values are never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from procdeck.commands.options import add_config_dir_option
from procdeck.core.profile import Profile
from procdeck.engine.profiles.codec import ProfileFileError
from procdeck.engine.profiles.importers import ImportFailed, import_process_compose, import_procfile
from procdeck.engine.profiles.paths import config_dir
from procdeck.engine.profiles.store import (
    LoadState,
    ProfileStore,
    StoreError,
    export_text,
    import_file,
    write_export,
)

EXIT_PROBLEM = 1


class CommandError(Exception):
    """A problem to report as one line ``procdeck: ...`` with exit status 1."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "profiles", help="list, show, import and export launch profiles", description="Saved launch profiles."
    )
    add_config_dir_option(parser)
    sub = parser.add_subparsers(title="actions", metavar="ACTION")
    parser.set_defaults(handler=lambda args: _guard(cmd_list, args), group=None)

    p = sub.add_parser("list", help="list profiles (name, group, command)")
    add_config_dir_option(p)
    p.add_argument("--group", help="only this group")
    p.set_defaults(handler=lambda args: _guard(cmd_list, args))

    p = sub.add_parser("show", help="show one profile in full (secrets masked)")
    add_config_dir_option(p)
    p.add_argument("name")
    p.set_defaults(handler=lambda args: _guard(cmd_show, args))

    p = sub.add_parser("import", help="import profiles from TOML, a Procfile or a process-compose.yaml")
    add_config_dir_option(p)
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=("auto", "toml", "procfile", "compose"), default="auto")
    p.add_argument("--dry-run", action="store_true", help="report what would be imported, change nothing")
    p.set_defaults(handler=lambda args: _guard(cmd_import, args))

    p = sub.add_parser("export", help="export profiles as TOML (to a file or stdout)")
    add_config_dir_option(p)
    p.add_argument("names", nargs="*", metavar="NAME", help="profiles to export (default: all)")
    p.add_argument("--group", help="export this group")
    p.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    p.set_defaults(handler=lambda args: _guard(cmd_export, args))

    p = sub.add_parser("path", help="print where the profiles file is")
    add_config_dir_option(p)
    p.set_defaults(handler=lambda args: _guard(cmd_path, args))


def _guard(fn: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return fn(args)
    except CommandError as exc:
        print(f"procdeck: {exc}", file=sys.stderr)
        return EXIT_PROBLEM


def open_store(args: argparse.Namespace) -> tuple[ProfileStore, LoadState]:
    """Load the profiles file read-only; a broken file becomes a CommandError."""
    store = ProfileStore(config_dir(getattr(args, "config_dir", None)))
    state = store.load()
    if state.error is not None:
        hint = " (a backup exists: open Procdeck to restore it)" if state.backup_profiles is not None else ""
        raise CommandError(f"{state.error}{hint}")
    for warning in state.warnings:
        print(f"procdeck: warning: {warning}", file=sys.stderr)
    return store, state


def cmd_path(args: argparse.Namespace) -> int:
    print(config_dir(getattr(args, "config_dir", None)) / "profiles.toml")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    _store, state = open_store(args)
    profiles = [p for p in state.profiles if not args.group or p.group == args.group]
    if not profiles:
        print("No profiles." if not args.group else f"No profiles in group {args.group!r}.", file=sys.stderr)
        return 0
    width = max(len(p.name) for p in profiles)
    gwidth = max(len(p.group or "") for p in profiles)
    for p in profiles:
        print(f"{p.name:<{width}}  {p.group or '':<{gwidth}}  {p.preview()}".rstrip())
    return 0


def describe(profile: Profile) -> list[str]:
    """The profile as text lines, secrets masked."""
    lines = [f"name:        {profile.name}"]
    if profile.job is not None:
        lines.append(f"worker job:  {profile.job.target}")
    else:
        lines.append(f"{'shell:' if profile.shell else 'argv:':<12} {profile.command_text}")
        lines.append(f"runs:        {profile.preview()}")
    lines.append(f"cwd:         {profile.cwd or '(current folder)'}")
    for var in profile.env:
        lines.append(
            f"env:         {var.name}={var.shown_value()}"
            if var.value is not None
            else f"env:         unset {var.name}"
        )
    lines.append(f"stop:        {profile.stop_signal}, then SIGKILL after {profile.grace_s:g} s")
    lines.append(f"restart:     {profile.restart.describe()}")
    if profile.group:
        lines.append(f"group:       {profile.group}")
    if profile.tags:
        lines.append(f"tags:        {', '.join(profile.tags)}")
    for dep in profile.start_after:
        lines.append(f"start after: {dep.profile} {dep.condition.label}")
    for path in profile.env_files:
        lines.append(f"env file:    {path}")
    for role, probe in (("readiness:", profile.readiness), ("liveness:", profile.liveness)):
        if probe is not None:
            lines.append(
                f"{role:<12} {probe.describe()}, every {probe.period_s:g} s after {probe.initial_delay_s:g} s, "
                f"timeout {probe.timeout_s:g} s, {probe.success_threshold} pass / {probe.failure_threshold} fail"
            )
    if profile.watch is not None:
        w = profile.watch
        excludes = f" except {', '.join(w.excludes)}" if w.excludes else ""
        dependents = ", with dependents" if w.restart_dependents else ""
        lines.append(f"watch:       {', '.join(w.paths)}{excludes} (debounce {w.debounce_s:g} s{dependents})")
    if profile.disabled:
        lines.append("disabled:    left out of group launches")
    if profile.stop_group_on_failure:
        lines.append("on failure:  stops its group")
    if profile.notes:
        lines.append("notes:       " + profile.notes.replace("\n", "\n             "))
    return lines


def cmd_show(args: argparse.Namespace) -> int:
    _store, state = open_store(args)
    profile = state.get(args.name)
    if profile is None:
        raise CommandError(f"no profile named {args.name!r} in {state.path}.")
    print("\n".join(describe(profile)))
    return 0


def _read_import(path: Path, fmt: str) -> tuple[list[Profile], list[str]]:
    if fmt == "auto":
        name = path.name.lower()
        fmt = (
            "toml"
            if name.endswith(".toml")
            else "compose"
            if name.endswith((".yaml", ".yml"))
            else "procfile"
        )
    try:
        if fmt == "toml":
            doc = import_file(path)
            return list(doc.profiles), list(doc.warnings)
        result = import_process_compose(path) if fmt == "compose" else import_procfile(path)
        return result.profiles, result.skipped
    except (ProfileFileError, ImportFailed) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}.") from None


def cmd_import(args: argparse.Namespace) -> int:
    profiles, skipped = _read_import(args.file, args.format)
    store, state = open_store(args)
    if state.read_only:
        raise CommandError(f"{state.path} was written by a newer Procdeck; it is read-only here.")
    for line in skipped:
        print(f"skipped: {line}", file=sys.stderr)
    if args.dry_run:
        for p in profiles:
            print(f"would import {p.name}: {p.preview()}")
        return 0
    try:
        _state, notes = store.add_many(profiles)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"Imported {len(profiles)} profile(s) into {store.path}.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    _store, state = open_store(args)
    chosen = list(state.profiles)
    if args.names:
        missing = [n for n in args.names if state.get(n) is None]
        if missing:
            raise CommandError(f"no profile named {missing[0]!r}.")
        chosen = [p for p in chosen if p.name in args.names]
    if args.group:
        chosen = [p for p in chosen if p.group == args.group]
    if args.output == "-":
        sys.stdout.write(export_text(chosen))
        return 0
    try:
        write_export(Path(args.output), chosen)
    except OSError as exc:
        raise CommandError(f"{args.output}: {exc.strerror or exc}.") from None
    print(f"Exported {len(chosen)} profile(s) to {args.output}.", file=sys.stderr)
    return 0
