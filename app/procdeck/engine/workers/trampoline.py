"""Runs in the worker process: imports the job's function by path and calls it safely.

A bare worker call re-raises SystemExit and KeyboardInterrupt in the app (and breaks the
worker), and cannot send back a result or exception that does not pickle. This trampoline
makes every outcome a plain reply:

    (ok, payload, stdout, stderr, pid)

where ``payload`` is the result when ``ok`` (plain values as they are, anything else
pickled here as `_Pickled` bytes), else a `JobFailure` of plain strings. A plain result
(None, bool, number, str, bytes: never a tuple) of a job that printed nothing is sent
alone; the app then reads the worker's pid from the board.
In a Procdeck worker (`worker_main`) what the job writes to fd 1 and fd 2 is captured at
the descriptor level (`fd_capture`), its peak RSS and CPU time are noted on the board, and
a memory limit is enforced from inside too: RLIMIT_AS is lowered for the job's duration
so an allocation past the limit fails with MemoryError instead of growing further (the
app also watches the worker's RSS; this is the backstop that acts at once). Elsewhere (a
Dask worker) ``sys.stdout``/``sys.stderr`` are captured with StringIO.
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

from procdeck.core.jobs import FailureKind, JobFailure, format_size
from procdeck.engine.workers import board, fd_capture

#: Keep at most this much of what a job prints, per stream.
OUTPUT_LIMIT = fd_capture.OUTPUT_LIMIT
#: Address space allowed beyond the limit (thread stacks, allocator arenas): RLIMIT_AS
#: counts reserved memory, the limit means resident memory.
ADDRESS_SPACE_SLACK = 64 << 20

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
    memory_limit: int = 0,
) -> Reply:
    pid = _pid or _remember_pid()
    if board_path is not None:
        board.mark(board_path, slot, job_id, pid)
    fd_level = fd_capture.installed
    if fd_level:
        fd_capture.begin()
        restore_limit = _lower_address_space(memory_limit) if memory_limit else None
    else:
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
    ok = False
    payload: Any
    out_of_memory: str | None = None
    try:
        func = _functions.get((target, extra_path))
        if func is None:
            func = _resolve(target, extra_path)
        value = func(*args, **kwargs)
        try:
            # Plain values always pickle: send them as they are (the reply is pickled).
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
    except MemoryError as exc:
        if memory_limit and fd_level:
            out_of_memory = _where(exc)
            payload = None  # built below, with the peak RSS
        else:
            payload = JobFailure(FailureKind.EXCEPTION, _describe(exc), _format(exc))
        del exc  # its traceback holds the frames that hold the memory
    except BaseException as exc:
        payload = JobFailure(FailureKind.EXCEPTION, _describe(exc), _format(exc))
    finally:
        if fd_level:
            if restore_limit is not None:
                _restore_address_space(restore_limit)
        else:
            sys.stdout, sys.stderr = saved
    if fd_level:
        printed, warned, peak, cpu = fd_capture.end()
        if board_path is not None:
            board.finish(board_path, slot, peak, cpu)
        if out_of_memory is not None:
            payload = JobFailure(
                FailureKind.MEMORY,
                f"The job went over its memory limit of {format_size(memory_limit)}: an allocation "
                f"failed{out_of_memory} (peak RSS {format_size(peak)}).",
            )
    else:
        printed, warned = _limit(out.getvalue()), _limit(err.getvalue())
    if ok and not printed and not warned and type(payload) in _PLAIN:
        return payload  # the common case, as lean as a bare run_sync reply
    return ok, payload, printed, warned, pid


def _lower_address_space(limit: int) -> tuple[int, int] | None:
    """Cap this worker's address space at its size now plus ``limit``; returns the old cap."""
    try:
        import resource

        old = resource.getrlimit(resource.RLIMIT_AS)
        cap = fd_capture.address_space_now() + limit + ADDRESS_SPACE_SLACK
        if old[0] != resource.RLIM_INFINITY and old[0] < cap:
            return None
        if old[1] != resource.RLIM_INFINITY:
            cap = min(cap, old[1])
        resource.setrlimit(resource.RLIMIT_AS, (cap, old[1]))
        return old
    except (ImportError, OSError, ValueError):
        return None


def _restore_address_space(old: tuple[int, int]) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, old)
    except (ImportError, OSError, ValueError):
        pass


def _where(exc: BaseException) -> str:
    """`` in func (file.py:12)``: the innermost frame of a traceback, or nothing."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    if code.co_filename == _HERE:
        return ""
    return f" in {code.co_name} ({os.path.basename(code.co_filename)}:{tb.tb_lineno})"


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
