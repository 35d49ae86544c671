"""Profiles <-> TOML text, with errors that name the file, the line and the field.

The file looks like::

    schema = 1

    [[profiles]]
    name = "web"
    command = ["python3", "-m", "http.server"]   # argv; or: shell = "make serve && ..."
    cwd = "~/src/site"
    stop_signal = "SIGINT"
    grace_s = 5.0
    group = "site"
    start_after = ["db", { profile = "migrate", condition = "succeeded" }]

    [profiles.env]
    PORT = "8000"
    DEBUG = { unset = true }          # written as a sub-table by the writer
    TOKEN = { value = "...", secret = true }

    [profiles.restart]
    policy = "on-failure"             # never | on-failure | always
    backoff_s = 1.0
    max_restarts = 5
    window_s = 60.0

Reading uses the stdlib ``tomllib``; writing uses ``tomli_w``. Fields this version does
not know are kept in ``Profile.extra`` and written back, so nothing is lost on save.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from procdeck.core.jobs import JobSpecError, parse_size
from procdeck.core.probes import STREAMS, Probe, ProbeKind, WatchSpec
from procdeck.core.profile import EnvVar, Problem, Profile, StartAfter, StartCondition, WorkerJob
from procdeck.core.restart_policy import RestartMode, RestartPolicy

SCHEMA_VERSION = 1

_KNOWN = {
    "name", "command", "shell", "cwd", "env", "stop_signal", "grace_s", "restart",
    "group", "tags", "start_after", "notes", "job",
    "readiness", "liveness", "env_files", "watch", "disabled", "stop_group_on_failure",
    "tty", "stdin",
}  # fmt: skip
_PROBE_DEFAULT = Probe(ProbeKind.EXEC)
_PROBE_FIELDS = (
    "command", "host", "port", "scheme", "path", "status_min", "status_max", "pattern",
    "initial_delay_s", "period_s", "timeout_s", "success_threshold", "failure_threshold",
)  # fmt: skip
_RESTART_DEFAULT = RestartPolicy()


class ProfileFileError(Exception):
    """A profiles file that cannot be used as it is. ``str()`` is one line for the user."""

    def __init__(self, path: str, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}, line {self.line}"
        what = f"{self.field}: " if self.field else ""
        return f"{where}: {what}{self.message}"


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Document:
    """What a profiles file holds."""

    schema: int = SCHEMA_VERSION
    profiles: tuple[Profile, ...] = ()
    warnings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # unknown top-level keys, kept

    @property
    def newer(self) -> bool:
        return self.schema > SCHEMA_VERSION


# -- writing ---------------------------------------------------------------------------


def profile_to_table(profile: Profile) -> dict[str, Any]:
    """One profile as a TOML table; defaults are left out to keep the file short."""
    table: dict[str, Any] = {"name": profile.name}
    if profile.job is not None:
        job: dict[str, Any] = {"target": profile.job.target}
        if profile.job.args:
            job["args"] = list(profile.job.args)
        if profile.job.map_inputs:
            job["map_inputs"] = list(profile.job.map_inputs)
        if profile.job.timeout is not None:
            job["timeout"] = profile.job.timeout
        if profile.job.memory_limit is not None:
            job["memory_limit"] = _size_text(profile.job.memory_limit)
        table["job"] = job
    elif profile.shell:
        table["shell"] = profile.command if isinstance(profile.command, str) else ""
    else:
        table["command"] = list(profile.command)
    if profile.cwd:
        table["cwd"] = profile.cwd
    if profile.stop_signal != "SIGTERM":
        table["stop_signal"] = profile.stop_signal
    if profile.grace_s != 5.0:
        table["grace_s"] = float(profile.grace_s)
    if profile.tty:
        table["tty"] = True
    if profile.stdin != "none":
        table["stdin"] = profile.stdin
    if profile.group:
        table["group"] = profile.group
    if profile.tags:
        table["tags"] = list(profile.tags)
    if profile.start_after:
        table["start_after"] = [
            dep.profile
            if dep.condition is StartCondition.STARTED
            else {"profile": dep.profile, "condition": dep.condition.value}
            for dep in profile.start_after
        ]
    if profile.notes:
        table["notes"] = profile.notes
    if profile.env_files:
        table["env_files"] = list(profile.env_files)
    if profile.disabled:
        table["disabled"] = True
    if profile.stop_group_on_failure:
        table["stop_group_on_failure"] = True
    for key, value in profile.extra.items():
        if key not in _KNOWN:
            table[key] = value
    if profile.env:
        env: dict[str, Any] = {}
        for var in profile.env:
            if var.value is None:
                env[var.name] = {"unset": True, "secret": True} if var.secret else {"unset": True}
            elif var.secret:
                env[var.name] = {"value": var.value, "secret": True}
            else:
                env[var.name] = var.value
        table["env"] = env
    if profile.restart != _RESTART_DEFAULT:
        restart: dict[str, Any] = {"policy": profile.restart.mode.value}
        for name in ("backoff_s", "backoff_factor", "backoff_max_s", "max_restarts", "window_s"):
            value = getattr(profile.restart, name)
            if value != getattr(_RESTART_DEFAULT, name):
                restart[name] = value
        table["restart"] = restart
    for key, probe in (("readiness", profile.readiness), ("liveness", profile.liveness)):
        if probe is not None:
            table[key] = probe_to_table(probe)
    if profile.watch is not None:
        watch: dict[str, Any] = {"paths": list(profile.watch.paths)}
        if profile.watch.excludes:
            watch["excludes"] = list(profile.watch.excludes)
        watch["debounce_s"] = float(profile.watch.debounce_s)
        if profile.watch.restart_dependents:
            watch["restart_dependents"] = True
        table["watch"] = watch
    return table


def probe_to_table(probe: Probe) -> dict[str, Any]:
    """A probe as a TOML table: its kind and the fields that differ from the defaults."""
    table: dict[str, Any] = {"kind": probe.kind.value}
    for name in _PROBE_FIELDS:
        value = getattr(probe, name)
        if value != getattr(_PROBE_DEFAULT, name):
            table[name] = value
    if probe.headers:
        table["headers"] = dict(probe.headers)
    if probe.streams != STREAMS:
        table["streams"] = list(probe.streams)
    return table


def canonical_env(env: Iterable[EnvVar]) -> tuple[EnvVar, ...]:
    """The order a saved file gives back: plain values first, then unset/secret entries.

    tomli_w writes a table's plain values before its sub-tables, and unset/secret entries
    are sub-tables; within each kind the order is kept.
    """
    items = tuple(env)
    plain = tuple(v for v in items if v.value is not None and not v.secret)
    return plain + tuple(v for v in items if v.value is None or v.secret)


def dumps(profiles: Iterable[Profile], *, extra: Mapping[str, Any] | None = None) -> str:
    """The whole file's text."""
    doc: dict[str, Any] = {"schema": SCHEMA_VERSION}
    for key, value in (extra or {}).items():
        if key not in ("schema", "profiles"):
            doc[key] = value
    doc["profiles"] = [profile_to_table(p) for p in profiles]
    header = "# Procdeck launch profiles. Edits are picked up while Procdeck runs.\n"
    return header + tomli_w.dumps(doc)


# -- reading ---------------------------------------------------------------------------


def _want(
    table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str, default: Any = None
) -> Any:
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, kind) or (
        isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
    ):
        raise _FieldError(key, f"must be {what}, not {type(value).__name__}.")
    return value


def _job_timeout(raw: Mapping[str, Any]) -> float | None:
    if "timeout" not in raw:
        return None
    value = raw["timeout"]
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise _FieldError("job.timeout", "must be a positive number of seconds.")
    return float(value)


def _job_memory_limit(raw: Mapping[str, Any]) -> int | None:
    if "memory_limit" not in raw:
        return None
    value = raw["memory_limit"]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _FieldError("job.memory_limit", 'must be a size like "300M" or "2G".')
    try:
        return parse_size(str(value), "memory_limit")
    except JobSpecError as exc:
        raise _FieldError("job.memory_limit", str(exc)) from None


def _size_text(size: int) -> str:
    """Bytes as the shortest exact size text: ``2G``, ``300M``, or plain bytes."""
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size % scale == 0:
            return f"{size // scale}{unit}"
    return str(size)


def _str_list(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = _want(table, key, list, "a list of strings", [])
    if not all(isinstance(item, str) for item in value):
        raise _FieldError(key, "must be a list of strings.")
    return tuple(value)


def _number(table: Mapping[str, Any], key: str, default: float, prefix: str = "") -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _FieldError(prefix + key, "must be a number of seconds.")
    return float(value)


def _env(raw: Any) -> tuple[EnvVar, ...]:
    if not isinstance(raw, dict):
        raise _FieldError("env", 'must be a table of NAME = "value".')
    out = []
    for name, value in raw.items():
        if isinstance(value, str):
            out.append(EnvVar(name, value))
        elif isinstance(value, dict):
            unknown = set(value) - {"value", "secret", "unset"}
            if unknown:
                raise _FieldError(
                    f"env.{name}", f"unknown key {sorted(unknown)[0]!r} (use value, secret or unset)."
                )
            secret = value.get("secret", False)
            if not isinstance(secret, bool):
                raise _FieldError(f"env.{name}", "secret must be true or false.")
            if value.get("unset") is True:
                out.append(EnvVar(name, None, secret))
                continue
            if not isinstance(value.get("value"), str):
                raise _FieldError(f"env.{name}", 'needs value = "..." (or unset = true).')
            out.append(EnvVar(name, value["value"], secret))
        else:
            raise _FieldError(f"env.{name}", f"must be a string, not {type(value).__name__}.")
    return tuple(out)


def _restart(raw: Any) -> RestartPolicy:
    if not isinstance(raw, dict):
        raise _FieldError("restart", "must be a table.")
    policy = raw.get("policy", "never")
    try:
        mode = RestartMode(policy)
    except ValueError:
        raise _FieldError("restart.policy", f"must be never, on-failure or always, not {policy!r}.") from None
    max_restarts = raw.get("max_restarts", _RESTART_DEFAULT.max_restarts)
    if isinstance(max_restarts, bool) or not isinstance(max_restarts, int):
        raise _FieldError("restart.max_restarts", "must be a whole number.")
    d = _RESTART_DEFAULT
    return RestartPolicy(
        mode=mode,
        backoff_s=_number(raw, "backoff_s", d.backoff_s, "restart."),
        backoff_factor=_number(raw, "backoff_factor", d.backoff_factor, "restart."),
        backoff_max_s=_number(raw, "backoff_max_s", d.backoff_max_s, "restart."),
        max_restarts=max_restarts,
        window_s=_number(raw, "window_s", d.window_s, "restart."),
    )


def _start_after(raw: Any) -> tuple[StartAfter, ...]:
    if isinstance(raw, (str, dict)):
        raw = [raw]
    if not isinstance(raw, list):
        raise _FieldError("start_after", "must be a profile name or a list of them.")
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(StartAfter(item))
        elif isinstance(item, dict) and isinstance(item.get("profile"), str):
            condition = item.get("condition", "started")
            try:
                out.append(StartAfter(item["profile"], StartCondition(condition)))
            except ValueError:
                raise _FieldError(
                    "start_after",
                    f"condition must be started, healthy, succeeded or exited, not {condition!r}.",
                ) from None
        else:
            raise _FieldError(
                "start_after", 'each entry is a name or { profile = "...", condition = "..." }.'
            )
    return tuple(out)


def _probe(raw: Any, key: str) -> Probe:
    if not isinstance(raw, dict):
        raise _FieldError(key, "must be a table with kind = exec, tcp, http_get or log_line.")
    try:
        kind = ProbeKind(raw.get("kind"))
    except ValueError:
        raise _FieldError(
            f"{key}.kind", f"must be exec, tcp, http_get or log_line, not {raw.get('kind')!r}."
        ) from None
    unknown = set(raw) - {"kind", "headers", "streams", *_PROBE_FIELDS}
    if unknown:
        raise _FieldError(f"{key}.{sorted(unknown)[0]}", "is not a probe field.")
    values: dict[str, Any] = {}
    for name in _PROBE_FIELDS:
        if name not in raw:
            continue
        default = getattr(_PROBE_DEFAULT, name)
        value = raw[name]
        if isinstance(default, str):
            if not isinstance(value, str):
                raise _FieldError(f"{key}.{name}", "must be a string.")
        elif isinstance(default, int) and not name.endswith("_s"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise _FieldError(f"{key}.{name}", "must be a whole number.")
        else:
            value = _number(raw, name, default, f"{key}.")
        values[name] = value
    headers = raw.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise _FieldError(f"{key}.headers", 'must be a table of Name = "value".')
    streams = _str_list(raw, "streams") if "streams" in raw else STREAMS
    return Probe(kind, headers=tuple(headers.items()), streams=streams, **values)


def _watch(raw: Any) -> WatchSpec:
    if not isinstance(raw, dict):
        raise _FieldError("watch", "must be a table with paths = [...].")
    restart_dependents = raw.get("restart_dependents", False)
    if not isinstance(restart_dependents, bool):
        raise _FieldError("watch.restart_dependents", "must be true or false.")
    return WatchSpec(
        paths=_str_list(raw, "paths"),
        excludes=_str_list(raw, "excludes"),
        debounce_s=_number(raw, "debounce_s", 0.5, "watch."),
        restart_dependents=restart_dependents,
    )


def profile_from_table(table: Mapping[str, Any]) -> Profile:
    """Build a Profile from one [[profiles]] table; raises _FieldError on a wrong type."""
    name = _want(table, "name", str, "a string")
    if name is None:
        raise _FieldError("name", "is missing.")
    job = None
    if "job" in table:
        raw = table["job"]
        if not isinstance(raw, dict) or not isinstance(raw.get("target"), str):
            raise _FieldError("job", 'needs target = "package.module:function".')
        job = WorkerJob(
            raw["target"],
            _str_list(raw, "args"),
            _str_list(raw, "map_inputs"),
            _job_timeout(raw),
            _job_memory_limit(raw),
        )
    has_argv, has_shell = "command" in table, "shell" in table
    if has_argv and has_shell:
        raise _FieldError("command", 'give either command = [argv...] or shell = "line", not both.')
    command: str | tuple[str, ...]
    if has_shell:
        command, shell = _want(table, "shell", str, "a string"), True
    elif has_argv:
        if isinstance(table["command"], str):
            raise _FieldError("command", 'must be a list of arguments; for a shell line write shell = "...".')
        command, shell = _str_list(table, "command"), False
    elif job is not None:
        command, shell = (), False
    else:
        raise _FieldError("command", 'is missing (command = [argv...] or shell = "line").')
    extra = {k: v for k, v in table.items() if k not in _KNOWN}
    return Profile(
        name=name,
        command=command,
        shell=shell,
        cwd=_want(table, "cwd", str, "a string"),
        env=_env(table.get("env", {})),
        stop_signal=_want(table, "stop_signal", str, 'a signal name like "SIGTERM"', "SIGTERM"),
        grace_s=_number(table, "grace_s", 5.0),
        restart=_restart(table.get("restart", {})),
        group=_want(table, "group", str, "a string"),
        tags=_str_list(table, "tags"),
        start_after=_start_after(table.get("start_after", [])),
        notes=_want(table, "notes", str, "a string", ""),
        job=job,
        readiness=_probe(table["readiness"], "readiness") if "readiness" in table else None,
        liveness=_probe(table["liveness"], "liveness") if "liveness" in table else None,
        env_files=_str_list(table, "env_files"),
        watch=_watch(table["watch"]) if "watch" in table else None,
        disabled=_want(table, "disabled", bool, "true or false", False),
        stop_group_on_failure=_want(table, "stop_group_on_failure", bool, "true or false", False),
        tty=_want(table, "tty", bool, "true or false", False),
        stdin=_want(table, "stdin", str, '"none" or "pipe"', "none"),
        extra=extra,
    )


_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"^\s*\[\[\s*profiles\s*\]\]")


def locate(text: str, index: int | None, field: str | None) -> int | None:
    """Best-effort line number (1-based) of ``field`` in the ``index``-th [[profiles]] table.

    tomllib does not report positions of values, so this scans the text: the index-th
    ``[[profiles]]`` header, then the first line in that block assigning the field's last
    key. Falls back to the header line.
    """
    lines = text.splitlines()
    if index is None:
        start, end = 0, len(lines)
    else:
        headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
        if index >= len(headers):
            return None
        start = headers[index]
        end = headers[index + 1] if index + 1 < len(headers) else len(lines)
    if field:
        keys = [k for k in re.split(r"[.\[\]]", field) if k and not k.isdigit()]
        for key in reversed(keys):
            pattern = re.compile(r"^\s*(\[\s*profiles\.)?(\"?)" + re.escape(key) + r"\2\s*(=|\])")
            for i in range(start, end):
                if pattern.match(lines[i]):
                    return i + 1
    return start + 1 if index is not None else None


def loads(text: str, path: str, *, strict: bool = True) -> Document:
    """Parse and validate a whole file.

    Raises ProfileFileError naming the line and field of the first problem. A file from a
    newer schema is read leniently (profiles this version cannot read become warnings).
    """
    if "\0" in text:
        raise ProfileFileError(path, "is not a text file (contains NUL bytes).")
    if not text.strip():
        raise ProfileFileError(path, "is empty.")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = _TOML_POS.search(msg)
        line = int(match.group(1)) if match else None
        if "(at end of document)" in msg:
            line = max(1, len(text.splitlines()))
            msg = msg.replace("(at end of document)", "at the end of the file")
        msg = _TOML_POS.sub("", msg).strip()
        raise ProfileFileError(path, f"is not valid TOML: {msg}.", line=line) from None
    schema = data.get("schema")
    if schema is None:
        raise ProfileFileError(
            path,
            "has no schema = N line; it does not look like a Procdeck profiles file.",
            line=1,
            field="schema",
        )
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        raise ProfileFileError(
            path,
            f"must be a positive whole number, not {schema!r}.",
            line=locate(text, None, "schema"),
            field="schema",
        )
    newer = schema > SCHEMA_VERSION
    strict = strict and not newer
    raw_profiles = data.get("profiles", [])
    if not isinstance(raw_profiles, list) or not all(isinstance(t, dict) for t in raw_profiles):
        raise ProfileFileError(
            path, "must be [[profiles]] tables.", line=locate(text, None, "profiles"), field="profiles"
        )
    profiles: list[Profile] = []
    warnings: list[str] = []
    names: dict[str, int] = {}
    for index, table in enumerate(raw_profiles):
        label = f"profile #{index + 1}" + (
            f" ({table['name']!r})" if isinstance(table.get("name"), str) else ""
        )
        try:
            profile = profile_from_table(table)
            problems: list[Problem] = profile.problems()
            if profile.name in names:
                problems.insert(
                    0,
                    Problem(
                        "name",
                        f"{profile.name!r} is used by two profiles (#{names[profile.name] + 1} and #{index + 1}).",
                    ),
                )
        except _FieldError as exc:
            problems = [
                Problem(exc.field, exc.message if exc.message[0].isupper() else f"{exc.field} {exc.message}")
            ]
        if problems:
            first = problems[0]
            if strict:
                raise ProfileFileError(
                    path,
                    f"{label}: {first.message}",
                    line=locate(text, index, first.field),
                    field=first.field,
                )
            warnings.append(f"{label} skipped: {first}")
            continue
        names[profile.name] = index
        profiles.append(profile)
    for profile in profiles:
        for key in profile.extra:
            warnings.append(f"profile {profile.name!r}: unknown field {key!r} kept as it is.")
    extra = {k: v for k, v in data.items() if k not in ("schema", "profiles")}
    return Document(schema=schema, profiles=tuple(profiles), warnings=tuple(warnings), extra=extra)
