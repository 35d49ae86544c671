"""Restart on file change: watch a profile's paths and globs with watchfiles (anyio-based).

A watch spec's entries are folders, files or globs; relative ones are taken from the
profile's folder. Each glob is watched from its longest literal folder prefix and changed
paths are matched against the glob; excludes are globs matched against the whole path
and against the file name. watchfiles gathers changes for ``debounce_s`` into one batch,
so a burst of saves gives one restart.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

from procdeck.core.probes import WatchSpec

if TYPE_CHECKING:  # watchfiles (its Rust watcher) is imported when a watch starts
    from watchfiles import Change


class WatchError(Exception):
    """A watch that cannot start (a path that does not exist); the message is for the user."""


@dataclass(frozen=True)
class _Root:
    folder: str  # what watchfiles watches
    pattern: str | None  # a glob changed paths must match (None: anything below folder)


def _roots(spec: WatchSpec, base: str | None) -> list[_Root]:
    roots = []
    for raw in spec.paths:
        path = os.path.expanduser(raw)
        if not os.path.isabs(path):
            path = os.path.join(os.path.expanduser(base or os.getcwd()), path)
        path = os.path.normpath(path)
        if glob.has_magic(path):
            parts = path.split(os.sep)
            literal = next(i for i, part in enumerate(parts) if glob.has_magic(part))
            folder = os.sep.join(parts[:literal]) or os.sep
            roots.append(_Root(folder, path))
        else:
            roots.append(_Root(path, None))
    missing = [r.folder for r in roots if not os.path.exists(r.folder)]
    if missing:
        raise WatchError(f"cannot watch {missing[0]}: it does not exist.")
    return roots


class _Filter:
    """watchfiles' default ignores (.git, __pycache__, editor swap files...) plus the spec's."""

    def __init__(self, roots: list[_Root], excludes: tuple[str, ...], base: str | None) -> None:
        from watchfiles import DefaultFilter

        self._default = DefaultFilter()
        self._roots = roots
        self._excludes = excludes
        self._base = os.path.expanduser(base) if base else None

    def __call__(self, change: Change, path: str) -> bool:
        if not self._default(change, path):
            return False
        name = os.path.basename(path)
        relative = os.path.relpath(path, self._base) if self._base else path
        for pattern in self._excludes:
            if (
                fnmatch.fnmatch(path, pattern)
                or fnmatch.fnmatch(name, pattern)
                or fnmatch.fnmatch(relative, pattern)
            ):
                return False
        return any(
            (
                root.pattern is None
                and (path == root.folder or path.startswith(root.folder.rstrip(os.sep) + os.sep))
            )
            or (root.pattern is not None and _glob_match(path, root.pattern))
            for root in self._roots
        )


def _glob_match(path: str, pattern: str) -> bool:
    """``**`` matches any number of folders; ``*`` and ``?`` stay within one."""
    regex = _CACHE.get(pattern)
    if regex is None:
        regex = _CACHE[pattern] = re.compile(_translate(pattern))
    return regex.match(path) is not None


_CACHE: dict[str, re.Pattern[str]] = {}


def _translate(pattern: str) -> str:
    # glob.translate only exists from Python 3.13; this is the part of it watches need.
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out) + r"\Z"


def describe_changes(paths: list[str], base: str | None) -> str:
    """'files changed: src/app.py (+2 more)'."""
    shown = sorted(paths)
    first = os.path.relpath(shown[0], os.path.expanduser(base)) if base else shown[0]
    more = f" (+{len(shown) - 1} more)" if len(shown) > 1 else ""
    return f"files changed: {first}{more}"


async def watch_for_changes(
    spec: WatchSpec,
    base: str | None,
    on_change: Callable[[str], Awaitable[None]],
    *,
    stop: anyio.Event | None = None,
) -> None:
    """Call ``on_change(reason)`` for every debounced batch of matching changes, until
    cancelled or ``stop`` is set. Raises WatchError when a watched path does not exist."""
    from watchfiles import awatch

    roots = _roots(spec, base)
    folders = sorted({r.folder for r in roots})
    stop = stop or anyio.Event()

    async def set_stop_when_cancelled() -> None:
        # watchfiles waits for its watcher thread without letting the wait be cancelled,
        # and sets its stop event only after the thread returned (up to rust_timeout, 5 s,
        # later). Setting the event as soon as we are cancelled ends the thread within one
        # step. See watchfiles/main.py awatch().
        try:
            await stop.wait()
        finally:
            stop.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(set_stop_when_cancelled)
        async for changes in awatch(
            *folders,
            watch_filter=_Filter(roots, spec.excludes, base),
            debounce=max(1, int(spec.debounce_s * 1000)),
            step=50,
            stop_event=stop,
        ):
            paths = sorted({path for _change, path in changes})
            if paths:
                await on_change(describe_changes(paths, base))
        tg.cancel_scope.cancel()
