"""Env files (dotenv format) for profiles, parsed with python-dotenv.

Precedence, lowest first: the group's env file (``[groups.NAME] env_file = "..."`` in
profiles.toml), the profile's env files in the order
listed, then the profile's own environment entries (which can also unset a variable).
A missing, unreadable or malformed file is an EnvFileError naming the file and line;
python-dotenv itself would only log a warning and skip the line.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from procdeck.core.profile import Profile


class EnvFileError(Exception):
    """An env file that cannot be used; ``str()`` is one line for the user."""


def read_env_file(path: str) -> dict[str, str]:
    """The variables ``path`` sets (``${VAR}`` references expanded as python-dotenv does)."""
    from dotenv import dotenv_values  # only profiles with env files need it
    from dotenv.parser import parse_stream

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise EnvFileError(f"env file {path} does not exist.") from None
    except IsADirectoryError:
        raise EnvFileError(f"env file {path} is a folder, not a file.") from None
    except UnicodeDecodeError:
        raise EnvFileError(f"env file {path} is not UTF-8 text.") from None
    except OSError as exc:
        raise EnvFileError(f"env file {path} cannot be read: {exc.strerror or exc}.") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            statement = (
                binding.original.string.strip().splitlines()[0] if binding.original.string.strip() else ""
            )
            raise EnvFileError(
                f"env file {path}, line {binding.original.line}: cannot parse {statement[:60]!r} "
                "(expected NAME=value)."
            )
    values = dotenv_values(stream=io.StringIO(text))
    return {name: value if value is not None else "" for name, value in values.items()}


def env_from_files(paths: Iterable[str]) -> dict[str, str]:
    """All variables of ``paths``, later files winning."""
    merged: dict[str, str] = {}
    for path in paths:
        merged.update(read_env_file(path))
    return merged


def profile_env_files(profile: Profile, group_env_file: str | None = None) -> list[str]:
    """The files to read for ``profile``, lowest precedence first, as absolute paths."""
    paths = [group_env_file] if group_env_file else []
    return [profile.resolve_path(p) for p in paths] + [profile.resolve_path(p) for p in profile.env_files]


def file_environment(profile: Profile, group_env_file: str | None = None) -> dict[str, str]:
    """What ``profile``'s env files set (its own entries still override these)."""
    return env_from_files(profile_env_files(profile, group_env_file))


def group_env_file(extra: Mapping[str, Any], group: str | None) -> str | None:
    """The env file of ``group`` from the profiles file's ``[groups.NAME] env_file = "..."``."""
    if not group:
        return None
    groups = extra.get("groups")
    table = groups.get(group) if isinstance(groups, dict) else None
    path = table.get("env_file") if isinstance(table, dict) else None
    return path if isinstance(path, str) and path.strip() else None
