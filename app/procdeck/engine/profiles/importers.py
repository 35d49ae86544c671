"""Import profiles from a Procfile or a process-compose.yaml, reporting what was skipped.

Both formats run their commands through a shell, so imported profiles are shell
profiles. Nothing is launched: an import only produces Profile values for the store.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procdeck.core.profile import EnvVar, Profile, StartAfter, StartCondition
from procdeck.core.restart_policy import RestartMode, RestartPolicy


class ImportFailed(Exception):
    """A file that cannot be imported at all; the message names the file (and line)."""


@dataclass
class ImportResult:
    profiles: list[Profile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one sentence per thing left out

    def summary(self) -> str:
        text = f"{len(self.profiles)} profile(s) imported."
        if self.skipped:
            text += " Skipped: " + "; ".join(self.skipped)
        return text


_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror or exc}.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFailed(f"{path}: is not UTF-8 text.") from None


def import_procfile(path: Path, *, group: str | None = None) -> ImportResult:
    """``name: command`` lines (comments and blank lines ignored); cwd is the file's folder."""
    result = ImportResult()
    folder = str(path.resolve().parent)
    group = group or path.resolve().parent.name or None
    seen: set[str] = set()
    for number, raw in enumerate(_read_text(path).splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PROCFILE_LINE.match(line)
        if not match:
            result.skipped.append(f"line {number}: not 'name: command' ({line[:40]!r})")
            continue
        name, command = match.groups()
        if not command.strip():
            result.skipped.append(f"line {number}: {name!r} has no command")
            continue
        if name in seen:
            result.skipped.append(f"line {number}: {name!r} is defined twice; the first one is kept")
            continue
        seen.add(name)
        result.profiles.append(Profile(name, command.strip(), shell=True, cwd=folder, group=group))
    if not result.profiles and not result.skipped:
        raise ImportFailed(f"{path}: no processes found (expected lines like 'web: command').")
    return result


_PC_KNOWN = {
    "command", "working_dir", "environment", "depends_on", "availability", "shutdown",
    "namespace", "description", "disabled",
}  # fmt: skip
_PC_CONDITIONS = {
    "process_started": StartCondition.STARTED,
    "process_completed_successfully": StartCondition.SUCCEEDED,
}
_PC_RESTART = {"no": RestartMode.NEVER, "on_failure": RestartMode.ON_FAILURE, "always": RestartMode.ALWAYS,
               "exit_on_failure": RestartMode.NEVER}  # fmt: skip


def _env_items(value: Any, where: str, skipped: list[str]) -> list[EnvVar]:
    out: list[EnvVar] = []
    if isinstance(value, dict):
        items = [(str(k), None if v is None else str(v)) for k, v in value.items()]
    elif isinstance(value, list):
        items = []
        for item in value:
            key, sep, val = str(item).partition("=")
            if not sep:
                skipped.append(f"{where}: environment entry {str(item)!r} is not KEY=VALUE")
                continue
            items.append((key, val))
    else:
        skipped.append(f"{where}: environment is neither a list nor a mapping")
        return out
    out.extend(EnvVar(name, text) for name, text in items)
    return out


def import_process_compose(path: Path) -> ImportResult:
    """The common fields of process-compose: command, working_dir, environment,
    depends_on, availability (restart), shutdown signal/timeout, namespace, description."""
    import yaml  # ~40 ms: only when a process-compose file is imported, not at start-up

    text = _read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ImportFailed(f"{path}{where}: not valid YAML: {problem}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("processes"), dict):
        raise ImportFailed(f"{path}: has no 'processes:' mapping; is it a process-compose file?")
    result = ImportResult()
    folder = path.resolve().parent
    global_env = _env_items(data.get("environment", []) or [], "top level", result.skipped)
    for key in sorted(set(data) - {"processes", "environment", "version"}):
        result.skipped.append(f"top-level {key!r} is not supported")
    for name, proc in data["processes"].items():
        name = str(name)
        where = f"process {name!r}"
        if not isinstance(proc, dict):
            result.skipped.append(f"{where}: not a mapping")
            continue
        if proc.get("disabled"):
            result.skipped.append(f"{where}: disabled")
            continue
        command = proc.get("command")
        if not isinstance(command, str) or not command.strip():
            result.skipped.append(f"{where}: no command")
            continue
        for key in sorted(set(proc) - _PC_KNOWN):
            result.skipped.append(f"{where}: {key!r} is not supported")
        cwd = proc.get("working_dir")
        if isinstance(cwd, str) and cwd:
            cwd = str((folder / Path(cwd).expanduser()).resolve()) if not cwd.startswith("~") else cwd
        else:
            cwd = str(folder)
        env = list(global_env)
        names = {v.name for v in env}
        for var in _env_items(proc.get("environment", []) or [], where, result.skipped):
            if var.name in names:
                env = [v for v in env if v.name != var.name]
            env.append(var)
            names.add(var.name)
        deps: list[StartAfter] = []
        depends = proc.get("depends_on") or {}
        if isinstance(depends, dict):
            for dep, spec in depends.items():
                raw = (
                    (spec or {}).get("condition", "process_started")
                    if isinstance(spec, dict)
                    else "process_started"
                )
                condition = _PC_CONDITIONS.get(raw)
                if condition is None:
                    condition = StartCondition.STARTED
                    result.skipped.append(f"{where}: depends_on {dep!r} condition {raw!r} treated as started")
                deps.append(StartAfter(str(dep), condition))
        restart = RestartPolicy()
        availability = proc.get("availability") or {}
        if isinstance(availability, dict) and availability:
            raw = str(availability.get("restart", "no"))
            mode = _PC_RESTART.get(raw)
            if mode is None:
                result.skipped.append(f"{where}: restart {raw!r} is not supported")
                mode = RestartMode.NEVER
            elif raw == "exit_on_failure":
                result.skipped.append(f"{where}: restart 'exit_on_failure' imported as never")
            backoff = availability.get("backoff_seconds", 1)
            max_restarts = availability.get("max_restarts", 0)
            restart = RestartPolicy(
                mode,
                backoff_s=float(backoff) if isinstance(backoff, (int, float)) else 1.0,
                backoff_factor=1.0,  # process-compose waits a fixed backoff
                max_restarts=int(max_restarts) if isinstance(max_restarts, int) else 0,
            )
        stop_signal, grace = "SIGTERM", 5.0
        shutdown = proc.get("shutdown") or {}
        if isinstance(shutdown, dict):
            if "signal" in shutdown:
                try:
                    stop_signal = signal.Signals(int(shutdown["signal"])).name
                except (ValueError, TypeError):
                    result.skipped.append(f"{where}: shutdown signal {shutdown['signal']!r} is not known")
            if isinstance(shutdown.get("timeout_seconds"), (int, float)):
                grace = float(shutdown["timeout_seconds"])
            for key in sorted(set(shutdown) - {"signal", "timeout_seconds"}):
                result.skipped.append(f"{where}: shutdown {key!r} is not supported")
        namespace = proc.get("namespace")
        profile = Profile(
            name,
            command.strip(),
            shell=True,
            cwd=cwd,
            env=tuple(env),
            stop_signal=stop_signal,
            grace_s=grace,
            restart=restart,
            group=str(namespace) if namespace else (folder.name or None),
            start_after=tuple(deps),
            notes=str(proc.get("description") or ""),
        )
        problems = profile.problems()
        if problems:
            result.skipped.append(f"{where}: {problems[0]}")
            continue
        result.profiles.append(profile)
    return result


def import_any(path: Path) -> ImportResult:
    """Pick the importer by file name: *.yaml/*.yml is process-compose, else Procfile."""
    if path.suffix.lower() in (".yaml", ".yml"):
        return import_process_compose(path)
    return import_procfile(path)
