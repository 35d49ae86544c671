"""Turn the ways a launch can fail into one sentence for the user."""

from __future__ import annotations

import errno
import os

from procdeck.core.process_spec import ProcessSpec


class StartProblem(OSError):
    """A start that failed for a reason already put in words for the user."""


def check_cwd(spec: ProcessSpec) -> str | None:
    """A problem with the working folder, checked before anything is started."""
    if spec.cwd is None:
        return None
    if not os.path.exists(spec.cwd):
        return f"Working folder does not exist: {spec.cwd}"
    if not os.path.isdir(spec.cwd):
        return f"Working folder is not a folder: {spec.cwd}"
    if not os.access(spec.cwd, os.X_OK):
        return f"Working folder cannot be entered (permission denied): {spec.cwd}"
    return None


def describe_start_error(spec: ProcessSpec, exc: OSError) -> str:
    if isinstance(exc, StartProblem):
        return str(exc)
    program = spec.argv[0]
    if isinstance(exc, FileNotFoundError):
        return f"Command not found: {program}"
    if isinstance(exc, (PermissionError, IsADirectoryError)):
        if os.path.isdir(program):
            return f"Not a program (it is a folder): {program}"
        return f"Permission denied: {program} is not executable"
    if exc.errno == errno.ENOEXEC:
        return f"Not an executable format (a script needs a #! line): {program}"
    return f"Cannot start {program}: {exc.strerror or exc}"
