"""Runs in the worker process: imports the job's function by path and calls it safely.

``anyio.to_process`` sends the worker's stdout/stderr to /dev/null, re-raises SystemExit
and KeyboardInterrupt in the app (and breaks the worker), and cannot send back a result or
exception that does not pickle. This trampoline makes every outcome a plain reply:

    (ok, payload, stdout, stderr, pid)

where ``payload`` is the result when ``ok`` (plain values as they are, anything else
pickled here as `_Pickled` bytes), else a `JobFailure` of plain strings. A plain result
(None, bool, number, str, bytes: never a tuple) of a job that printed nothing is sent
alone; the app then reads the worker's pid from the board.
Only the standard library and `procdeck.core.jobs` are imported, so workers start fast.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import sys
import traceback
from collections.abc import Callable
from typing import Any

from procdeck.core.jobs import FailureKind, JobFailure
from procdeck.engine.workers import board

#: Keep at most this much of what a job prints, per stream.
OUTPUT_LIMIT = 1 << 20

_functions: dict[tuple[str, tuple[str, ...]], Callable[..., Any]] = {}
_HERE = __file__

Reply = Any  # tuple[bool, Any, str, str, int], or a plain result alone
_PLAIN = frozenset({type(None), bool, int, float, complex, str, bytes})


class _Pickled(bytes):
    """A result pickled in the worker; the app unpickles it (and reports if it cannot)."""


def run_job(
    target: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    extra_path: tuple[str, ...],
    board_path: str | None,
    slot: int,
    job_id: int,
) -> Reply:
    pid = _pid or _remember_pid()
    if board_path is not None:
        board.mark(board_path, slot, job_id, pid)
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    ok = False
    payload: Any
    try:
        func = _functions.get((target, extra_path))
        if func is None:
            func = _resolve(target, extra_path)
        value = func(*args, **kwargs)
        try:
            # Plain values always pickle: send them as they are (anyio pickles the reply).
            # Anything else is pickled here, so a result that cannot be sent is a clear
            # failure with the job's output kept, not a broken reply.
            payload = (
                value if type(value) in _PLAIN else _Pickled(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
            )
            ok = True
        except BaseException as exc:
            payload = JobFailure(
                FailureKind.BAD_RESULT,
                f"The result ({_type_name(value)}) cannot be sent back from the worker: {_describe(exc)}",
                _format(exc),
            )
    except _Failed as failed:
        payload = failed.failure
    except SystemExit as exc:
        payload = JobFailure(FailureKind.EXIT, f"The job called sys.exit({exc.code!r}).", _format(exc))
    except KeyboardInterrupt as exc:
        payload = JobFailure(FailureKind.INTERRUPT, "The job raised KeyboardInterrupt.", _format(exc))
    except BaseException as exc:
        payload = JobFailure(FailureKind.EXCEPTION, _describe(exc), _format(exc))
    finally:
        sys.stdout, sys.stderr = saved
    printed, warned = out.getvalue(), err.getvalue()
    if ok and not printed and not warned and type(payload) in _PLAIN:
        return payload  # the common case, as lean as a bare run_sync reply
    return ok, payload, _limit(printed), _limit(warned), pid


_pid = 0


def _remember_pid() -> int:
    # A worker never forks under us; os.getpid() is a system call worth saving per job.
    global _pid
    _pid = os.getpid()
    return _pid


class _Failed(Exception):
    def __init__(self, failure: JobFailure) -> None:
        self.failure = failure


def _resolve(target: str, extra_path: tuple[str, ...]) -> Callable[..., Any]:
    for folder in reversed(extra_path):
        if folder not in sys.path:
            sys.path.insert(0, folder)
            importlib.invalidate_caches()
    module_name, _, qualname = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except BaseException as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name and module_name.startswith(exc.name):
            message = f"No module named {exc.name!r} (while importing {target})."
        else:
            message = f"Importing {module_name} failed: {_describe(exc)}"
        raise _Failed(JobFailure(FailureKind.IMPORT, message, _format(exc))) from None
    owner = module_name
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise _Failed(
                JobFailure(FailureKind.IMPORT, f"{target}: {owner} has no attribute {part!r}.")
            ) from None
        owner = f"{owner}.{part}"
    if not callable(obj):
        raise _Failed(
            JobFailure(FailureKind.NOT_CALLABLE, f"{target} is a {_type_name(obj)}, not a function.")
        )
    function: Callable[..., Any] = obj
    _functions[(target, extra_path)] = function
    return function


def _type_name(value: Any) -> str:
    return type(value).__name__


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = "<unprintable>"
    name = type(exc).__qualname__
    return f"{name}: {text}" if text else name


def _format(exc: BaseException) -> str:
    """The worker-side traceback without this module's own frames."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == _HERE:
        tb = tb.tb_next
    try:
        return "".join(traceback.format_exception(type(exc), exc, tb))
    except Exception:
        return _describe(exc)


def _limit(text: str) -> str:
    if len(text) <= OUTPUT_LIMIT:
        return text
    return text[:OUTPUT_LIMIT] + f"\n[… {len(text) - OUTPUT_LIMIT:,} more characters not kept]\n"
