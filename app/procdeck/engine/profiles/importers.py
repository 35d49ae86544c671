"""Import profiles from a Procfile or a process-compose.yaml, reporting what was skipped.

Both formats run their commands through a shell, so imported profiles are shell
profiles. Nothing is launched: an import only produces Profile values for the store.
"""

from __future__ import annotations

import re
import shlex
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procdeck.core.probes import Probe, ProbeKind
from procdeck.core.profile import EnvVar, Profile, StartAfter, StartCondition
from procdeck.core.restart_policy import RestartMode, RestartPolicy
from procdeck.engine.profiles.env_files import EnvFileError, read_env_file


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


PROCFILE_BASE_PORT = 5000
PROCFILE_PORT_STEP = 100


def import_procfile(path: Path, *, group: str | None = None) -> ImportResult:
    """``name: command`` lines (comments and blank lines ignored); cwd is the file's folder.

    As foreman and honcho do, each process gets ``PORT``: 5000 for the first, plus 100 for
    each next one (the base is the ``PORT`` of a ``.env`` beside the Procfile, when it sets
    one), and that ``.env`` is loaded for every process (as an env file of each profile).
    """
    result = ImportResult()
    folder = str(path.resolve().parent)
    group = group or path.resolve().parent.name or None
    dotenv = path.resolve().parent / ".env"
    env_files: tuple[str, ...] = ()
    base_port = PROCFILE_BASE_PORT
    if dotenv.is_file():
        try:
            values = read_env_file(str(dotenv))
        except EnvFileError as exc:
            result.skipped.append(f"{exc} It is not loaded")
        else:
            env_files = (str(dotenv),)
            if values.get("PORT", "").isdigit():
                base_port = int(values["PORT"])
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
        port = base_port + PROCFILE_PORT_STEP * len(seen)
        seen.add(name)
        result.profiles.append(
            Profile(
                name,
                command.strip(),
                shell=True,
                cwd=folder,
                group=group,
                env=(EnvVar("PORT", str(port)),),
                env_files=env_files,
            )
        )
    if not result.profiles and not result.skipped:
        raise ImportFailed(f"{path}: no processes found (expected lines like 'web: command').")
    return result


_PC_KNOWN = {
    "command", "working_dir", "environment", "depends_on", "availability", "shutdown",
    "namespace", "description", "disabled", "readiness_probe", "liveness_probe", "ready_log_line",
    "env_file", "vars",
}  # fmt: skip
_PC_CONDITIONS = {
    "process_started": StartCondition.STARTED,
    "process_healthy": StartCondition.HEALTHY,
    "process_log_ready": StartCondition.HEALTHY,  # ready_log_line is imported as a readiness probe
    "process_completed_successfully": StartCondition.SUCCEEDED,
    "process_completed": StartCondition.EXITED,
}
_PC_RESTART = {"no": RestartMode.NEVER, "on_failure": RestartMode.ON_FAILURE, "always": RestartMode.ALWAYS,
               "exit_on_failure": RestartMode.NEVER, "exit_on_end": RestartMode.NEVER}  # fmt: skip
# process-compose's probe defaults (src/health/probe.go, ValidateAndSetDefaults).
_PC_PROBE_DEFAULTS = {
    "period_seconds": 10,
    "timeout_seconds": 1,
    "success_threshold": 1,
    "failure_threshold": 3,
}
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)
_TEMPLATE_VAR = re.compile(r"\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\Z")


class _TemplateError(Exception):
    pass


def _render(text: str, variables: dict[str, Any]) -> str:
    """process-compose's Go templates, for the form it documents: ``{{.NAME}}``.

    Anything else (pipelines, ``if``, functions) or an unknown name raises _TemplateError:
    a template is never left in a command literally."""

    def one(match: re.Match[str]) -> str:
        inner = _TEMPLATE_VAR.match(match.group(1))
        if inner is None:
            raise _TemplateError(f"template {match.group(0)!r} is not a plain {{{{.NAME}}}} reference")
        name = inner.group(1)
        if name not in variables:
            raise _TemplateError(f"template variable {name!r} is not defined in vars")
        value = variables[name]
        return str(value).lower() if isinstance(value, bool) else str(value)

    return _TEMPLATE.sub(one, text)


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


def _seconds(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _pc_probe(
    raw: Any, where: str, role: str, render: Any, shell_argv: tuple[str, str] | None, folder: Path
) -> tuple[Probe | None, list[str]]:
    """A process-compose probe as a Probe, and what of it could not be kept."""
    notes: list[str] = []
    if not isinstance(raw, dict):
        return None, [f"{where}: {role} is not a mapping"]
    timing = {
        "initial_delay_s": _seconds(raw.get("initial_delay_seconds"), 0.0),
        "period_s": _seconds(raw.get("period_seconds"), _PC_PROBE_DEFAULTS["period_seconds"]),
        "timeout_s": _seconds(raw.get("timeout_seconds"), _PC_PROBE_DEFAULTS["timeout_seconds"]),
    }
    # process-compose turns values below 1 into its defaults; so do we.
    timing["period_s"] = timing["period_s"] if timing["period_s"] >= 1 else 10.0
    timing["timeout_s"] = timing["timeout_s"] if timing["timeout_s"] >= 1 else 1.0
    counts = {}
    for key in ("success_threshold", "failure_threshold"):
        value = raw.get(key)
        counts[key] = (
            value
            if isinstance(value, int) and not isinstance(value, bool) and value >= 1
            else _PC_PROBE_DEFAULTS[key]
        )
    for key in sorted(set(raw) - {"exec", "http_get", "initial_delay_seconds", "period_seconds",
                                  "timeout_seconds", "success_threshold", "failure_threshold"}):  # fmt: skip
        notes.append(f"{where}: {role} {key!r} is not supported")
    if isinstance(raw.get("exec"), dict):
        exec_ = raw["exec"]
        command = render(str(exec_.get("command") or ""))
        if shell_argv is not None:
            command = shlex.join([*shell_argv, command])
        workdir = exec_.get("working_dir")
        if isinstance(workdir, str) and workdir:
            command = f"cd {shlex.quote(str((folder / render(workdir)).resolve()))} && {command}"
        return Probe(ProbeKind.EXEC, command=command, **timing, **counts), notes
    if isinstance(raw.get("http_get"), dict):
        http = raw["http_get"]
        port_raw = http.get("num_port") or http.get("port")
        port_text = render(str(port_raw)) if port_raw is not None else ""
        if not port_text.isdigit():
            return None, [*notes, f"{where}: {role} http_get port {port_raw!r} is not a number"]
        status = http.get("status_code")
        status_range = (status, status) if isinstance(status, int) and status else (200, 200)
        headers = http.get("headers") or {}
        probe = Probe(
            ProbeKind.HTTP_GET,
            host=render(str(http.get("host") or "127.0.0.1")),
            port=int(port_text),
            scheme=render(str(http.get("scheme") or "http")),
            path=render(str(http.get("path") or "/")),
            headers=tuple((str(k), str(v)) for k, v in headers.items()) if isinstance(headers, dict) else (),
            status_min=status_range[0],
            status_max=status_range[1],
            **timing,
            **counts,
        )
        return probe, notes
    return None, [*notes, f"{where}: {role} has neither exec nor http_get"]


def import_process_compose(path: Path) -> ImportResult:
    """Import a process-compose.yaml, keeping its meaning.

    Imported: command (through the file's ``shell``), working_dir, environment, env_file,
    vars and ``{{.NAME}}`` templates, depends_on (all conditions), readiness_probe,
    liveness_probe, ready_log_line, availability (restart, backoff_seconds, max_restarts,
    exit_on_failure), shutdown (signal, timeout_seconds), disabled, namespace, description.
    Everything else is reported in ``skipped``.
    """
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
    global_vars = data.get("vars") or {}
    if not isinstance(global_vars, dict):
        result.skipped.append("top-level vars is not a mapping")
        global_vars = {}
    shell_argv: tuple[str, str] | None = None
    shell = data.get("shell")
    if isinstance(shell, dict):
        command = str(shell.get("shell_command") or "bash")
        argument = str(shell.get("shell_argument") or "-c")
        if (command, argument) not in (("/bin/sh", "-c"), ("sh", "-c")):
            shell_argv = (command, argument)
        for key in sorted(set(shell) - {"shell_command", "shell_argument"}):
            result.skipped.append(f"top-level shell {key!r} is not supported")
    elif shell is not None:
        result.skipped.append("top-level shell is not a mapping")
    for key in sorted(set(data) - {"processes", "environment", "version", "vars", "shell", "disable_dotenv"}):
        result.skipped.append(f"top-level {key!r} is not supported")
    names = {str(n) for n in data["processes"]}
    dotenv = (folder / ".env").is_file() and not data.get("disable_dotenv")
    for name, proc in data["processes"].items():
        name = str(name)
        where = f"process {name!r}"
        if not isinstance(proc, dict):
            result.skipped.append(f"{where}: not a mapping")
            continue
        command = proc.get("command")
        if not isinstance(command, str) or not command.strip():
            result.skipped.append(f"{where}: no command")
            continue
        for key in sorted(set(proc) - _PC_KNOWN):
            result.skipped.append(f"{where}: {key!r} is not supported")
        proc_vars = proc.get("vars") or {}
        variables = {**global_vars, **(proc_vars if isinstance(proc_vars, dict) else {}), "PC_REPLICA_NUM": 0}

        def render(value: str, variables: dict[str, Any] = variables) -> str:
            return _render(value, variables)

        try:
            command = render(command.strip())
            cwd = proc.get("working_dir")
            if isinstance(cwd, str) and cwd:
                cwd = render(cwd)
                cwd = str((folder / Path(cwd).expanduser()).resolve()) if not cwd.startswith("~") else cwd
            else:
                cwd = str(folder)
            env = [*global_env, EnvVar("PC_PROC_NAME", name), EnvVar("PC_REPLICA_NUM", "0")]
            for var in _env_items(proc.get("environment", []) or [], where, result.skipped):
                env = [v for v in env if v.name != var.name]
                env.append(EnvVar(var.name, render(var.value) if var.value is not None else None))
            readiness = liveness = None
            if proc.get("readiness_probe") is not None:
                readiness, notes = _pc_probe(
                    proc["readiness_probe"], where, "readiness_probe", render, shell_argv, folder
                )
                result.skipped.extend(notes)
            if proc.get("liveness_probe") is not None:
                liveness, notes = _pc_probe(
                    proc["liveness_probe"], where, "liveness_probe", render, shell_argv, folder
                )
                result.skipped.extend(notes)
        except _TemplateError as exc:
            result.skipped.append(f"{where}: not imported: {exc}")
            continue
        log_line = proc.get("ready_log_line")
        if isinstance(log_line, str) and log_line:
            if readiness is not None:
                result.skipped.append(f"{where}: ready_log_line ignored (it has a readiness_probe)")
            else:
                readiness = Probe(ProbeKind.LOG_LINE, pattern=re.escape(log_line), period_s=1.0)
        # process-compose loads a .env beside the file first (unless disable_dotenv).
        env_files: tuple[str, ...] = (str(folder / ".env"),) if dotenv else ()
        env_file = proc.get("env_file")
        if isinstance(env_file, str) and env_file:
            env_files = (*env_files, str((folder / Path(env_file).expanduser()).resolve()))
        elif env_file:
            result.skipped.append(f"{where}: env_file is not a file name")
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
                    result.skipped.append(
                        f"{where}: depends_on {dep!r} has an unknown condition {raw!r}; not imported"
                    )
                    continue
                if str(dep) not in names:
                    result.skipped.append(
                        f"{where}: depends_on {dep!r}, which is not in this file (kept: a group launch "
                        f"blocks {name!r} until a profile {dep!r} exists)"
                    )
                deps.append(StartAfter(str(dep), condition))
        elif depends:
            result.skipped.append(f"{where}: depends_on is not a mapping")
        restart = RestartPolicy()
        stop_group = False
        availability = proc.get("availability") or {}
        if isinstance(availability, dict) and availability:
            raw = str(availability.get("restart", "no"))
            mode = _PC_RESTART.get(raw)
            if mode is None:
                result.skipped.append(f"{where}: restart {raw!r} is not supported")
                mode = RestartMode.NEVER
            stop_group = raw == "exit_on_failure" or availability.get("exit_on_failure") is True
            if raw == "exit_on_end":
                result.skipped.append(f"{where}: restart 'exit_on_end' imported as never")
            backoff = availability.get("backoff_seconds", 1)
            max_restarts = availability.get("max_restarts", 0)
            restart = RestartPolicy(
                mode,
                backoff_s=float(backoff) if isinstance(backoff, (int, float)) else 1.0,
                backoff_factor=1.0,  # process-compose waits a fixed backoff
                max_restarts=int(max_restarts) if isinstance(max_restarts, int) else 0,
            )
            for key in sorted(
                set(availability) - {"restart", "backoff_seconds", "max_restarts", "exit_on_failure"}
            ):
                result.skipped.append(f"{where}: availability {key!r} is not supported")
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
            if shutdown.get("command"):
                result.skipped.append(
                    f"{where}: shutdown command is not supported (Procdeck stops with the signal, then SIGKILL)"
                )
            for key in sorted(set(shutdown) - {"signal", "timeout_seconds", "command"}):
                result.skipped.append(f"{where}: shutdown {key!r} is not supported")
        namespace = proc.get("namespace")
        profile = Profile(
            name,
            (*shell_argv, command) if shell_argv else command,
            shell=shell_argv is None,
            cwd=cwd,
            env=tuple(env),
            stop_signal=stop_signal,
            grace_s=grace,
            restart=restart,
            group=str(namespace) if namespace else (folder.name or None),
            start_after=tuple(deps),
            notes=str(proc.get("description") or ""),
            readiness=readiness,
            liveness=liveness,
            env_files=env_files,
            disabled=bool(proc.get("disabled")),
            stop_group_on_failure=stop_group,
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
