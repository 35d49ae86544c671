"""Values for CPU jobs dispatched to worker processes, and parsing of what users type.

A job calls a function named by an import path (``package.module:function``) in a worker
process. Everything here is a plain value or a pure helper so the engine, the bridge, the
window and the worker-side trampoline share one vocabulary. Standard library only.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
import enum
import io
import json
import keyword
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Upper bound on jobs one mapped batch may create (a typo like range(0, 10**12) must
#: be a message, not an out-of-memory).
MAX_BATCH = 1_000_000
#: Longest repr kept for a result; the table shows a shorter prefix.
RESULT_REPR_LIMIT = 100_000
TABLE_REPR_LIMIT = 120


class JobSpecError(ValueError):
    """A user mistake in what to run (import path, arguments, inputs): a clear message."""


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class FailureKind(enum.Enum):
    """Why a job failed; the message says the details."""

    EXCEPTION = "exception"
    EXIT = "sys.exit"
    INTERRUPT = "KeyboardInterrupt"
    IMPORT = "import error"
    NOT_CALLABLE = "not callable"
    BAD_ARGUMENT = "unpicklable argument"
    BAD_RESULT = "unpicklable result"
    WORKER_DIED = "worker died"
    TIMEOUT = "timed out"
    MEMORY = "memory limit"
    INTERNAL = "internal error"


@dataclass(frozen=True)
class JobFailure:
    """A job's failure, made of plain strings so it always pickles back from a worker."""

    kind: FailureKind
    message: str
    traceback: str = ""

    def describe(self) -> str:
        return self.message


# ---------------------------------------------------------------------------------------
# Import paths

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class ImportPath:
    module: str
    qualname: str

    def __str__(self) -> str:
        return f"{self.module}:{self.qualname}"


def parse_import_path(text: str) -> ImportPath:
    """Check ``package.module:function`` (attribute chains allowed: ``mod:Class.method``)."""
    text = text.strip()
    if not text:
        raise JobSpecError("Enter a function as package.module:function.")
    if text.count(":") != 1:
        raise JobSpecError(
            f"{text!r} is not an import path: write package.module:function "
            "(one colon between the module and the function)."
        )
    module, qualname = (part.strip() for part in text.split(":"))
    for what, part in (("module", module), ("function", qualname)):
        if not part:
            raise JobSpecError(f"{text!r}: the {what} part is empty.")
        if not _DOTTED.match(part) or any(keyword.iskeyword(p) for p in part.split(".")):
            raise JobSpecError(f"{text!r}: {part!r} is not a valid dotted Python name.")
    if module in ("__main__", "__mp_main__"):
        raise JobSpecError(
            "Functions defined in __main__ cannot be imported by a worker process; "
            "move the function into a module and use module:function."
        )
    return ImportPath(module, qualname)


def import_path_of(func: Callable[..., Any]) -> str:
    """The import path of a module-level callable, or a clear reason why it has none."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not module or not qualname:
        raise JobSpecError(f"{func!r} has no module and name; pass an import path instead.")
    if "<lambda>" in qualname:
        raise JobSpecError("A lambda cannot be sent to a worker process; define a function in a module.")
    if "<locals>" in qualname:
        raise JobSpecError(
            f"{qualname} is defined inside another function; workers can only import module-level functions."
        )
    return str(parse_import_path(f"{module}:{qualname}"))


# ---------------------------------------------------------------------------------------
# Arguments and inputs


MAX_NESTING = 100  # deeper arguments are refused: parsing and pickling them would recurse


def _nesting(text: str) -> int:
    """How deeply brackets nest in ``text`` (strings ignored), without recursion."""
    depth = deepest = 0
    quote: str | None = None
    escaped = False
    for ch in text:
        if quote is not None:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[({":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "])}":
            depth -= 1
    return deepest


def _literal(text: str, what: str) -> Any:
    if _nesting(text) > MAX_NESTING:
        raise JobSpecError(
            f"{what} are nested more than {MAX_NESTING} levels deep; pass such data in a file instead."
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, SyntaxError) and exc.msg else type(exc).__name__
        raise JobSpecError(
            f"{what} must be JSON or a Python literal (numbers, strings, lists, dicts, "
            f"tuples, True/False/None); could not read {clip_text(text, 60)!r} ({detail})."
        ) from None


def parse_arguments(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Arguments as typed: empty, a list/tuple (positional), a dict (keywords), or one value.

    ``[[1, 2], {"k": 1}]`` style mixing is not guessed: a list is positional arguments, a
    dict keyword arguments with string keys, anything else a single positional argument.
    """
    text = text.strip()
    if not text:
        return (), {}
    value = _literal(text, "Arguments")
    if isinstance(value, (list, tuple)):
        return tuple(value), {}
    if isinstance(value, dict):
        bad = [k for k in value if not isinstance(k, str) or not k.isidentifier()]
        if bad:
            raise JobSpecError(f"Keyword argument names must be identifiers; {bad[0]!r} is not.")
        return (), dict(value)
    return (value,), {}


_RANGE = re.compile(r"^range\s*\((.*)\)$", re.S)


def parse_range(text: str) -> range | None:
    """``range(b)``, ``range(a, b)`` or ``range(a, b, step)`` with integer literals."""
    match = _RANGE.match(text.strip())
    if not match:
        return None
    inner = match.group(1).strip()
    try:
        parts = ast.literal_eval(f"({inner},)") if inner else ()
    except (ValueError, SyntaxError):
        parts = None
    if not parts or len(parts) > 3 or not all(type(p) is int for p in parts):
        raise JobSpecError(
            f"{clip_text(text.strip(), 60)!r}: range takes one to three integers, e.g. range(0, 100)."
        )
    if len(parts) == 3 and parts[2] == 0:
        raise JobSpecError("range step must not be zero.")
    return range(*parts)


def parse_inputs(text: str) -> list[Any]:
    """Inputs of a mapped batch: a literal list/tuple or ``range(a, b)``; one job each."""
    text = text.strip()
    if not text:
        raise JobSpecError("Enter the inputs to map over: a list like [1, 2, 3] or range(0, 10).")
    rng = parse_range(text)
    if rng is not None:
        values: Sequence[Any] = rng
    else:
        value = _literal(text, "Inputs")
        if not isinstance(value, (list, tuple)):
            raise JobSpecError(
                f"Inputs must be a list, a tuple or range(a, b); got a {type(value).__name__}."
            )
        values = value
    return _check_batch_size(values)


def inputs_from_lines(content: str) -> list[str]:
    """Inputs from a text file: one job per non-empty line, stripped of its newline."""
    lines = [line.rstrip("\r") for line in content.split("\n")]
    values = [line for line in lines if line.strip()]
    if not values:
        raise JobSpecError("The inputs file has no non-empty lines.")
    return _check_batch_size(values)


def _check_batch_size(values: Sequence[Any]) -> list[Any]:
    if len(values) == 0:
        raise JobSpecError("There are no inputs to map over (the list is empty).")
    if len(values) > MAX_BATCH:
        raise JobSpecError(f"{len(values):,} inputs is more than the {MAX_BATCH:,} allowed in one batch.")
    return list(values)


# ---------------------------------------------------------------------------------------
# Limits

_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(i?b)?\s*$", re.I)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
#: The smallest memory limit accepted: a worker needs some memory of its own.
MIN_MEMORY_LIMIT = 16 << 20


def parse_size(text: str, what: str = "memory limit") -> int:
    """A size as users write it: ``300M``, ``2G``, ``1.5G``, ``512MiB``, ``1048576`` (bytes).

    Units are binary (K = 1024). Raises JobSpecError with the reason for anything else.
    """
    match = _SIZE.match(text or "")
    if not match:
        raise JobSpecError(
            f"{what} {clip_text(text.strip(), 60)!r} is not a size: write a number with an optional "
            "unit K, M, G or T, e.g. 300M or 2G."
        )
    number, unit = float(match.group(1)), match.group(2).lower()
    size = int(number * _UNITS[unit])
    if size < MIN_MEMORY_LIMIT:
        raise JobSpecError(
            f"{what} {text.strip()} is too small: the least is {format_size(MIN_MEMORY_LIMIT)}."
        )
    return size


def format_size(n: int) -> str:
    """``314572800`` -> ``300 MiB``; one decimal where it matters."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value >= 100 or value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def parse_timeout(text: str, what: str = "timeout") -> float:
    """Seconds, a positive number (``2``, ``0.5``, ``90``)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise JobSpecError(
            f"{what} {clip_text(str(text).strip(), 60)!r} is not a number of seconds."
        ) from None
    if not value > 0 or value == float("inf"):
        raise JobSpecError(f"{what} must be a positive number of seconds, not {text}.")
    return value


def format_seconds(value: float) -> str:
    return f"{value:g} s"


# ---------------------------------------------------------------------------------------
# What to run


@dataclass(frozen=True)
class JobSpec:
    """One call: ``target(*args, **kwargs)`` in a worker, target given by import path."""

    target: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    #: Folders of the user's own task modules, put on the worker's sys.path first.
    extra_path: tuple[str, ...] = ()
    #: Seconds each job may run before its stacks are dumped and it is stopped.
    timeout: float | None = None
    #: Bytes of resident memory each job's worker may use (None: the pool's default).
    memory_limit: int | None = None
    #: Seconds a mapped batch may take as a whole (its unfinished jobs then time out).
    batch_timeout: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", str(parse_import_path(self.target)))

    @classmethod
    def for_callable(cls, func: Callable[..., Any], *args: Any, **kwargs: Any) -> JobSpec:
        return cls(import_path_of(func), tuple(args), dict(kwargs))


class DispatchMode(enum.Enum):
    ONCE = "once"
    MAP = "map"


@dataclass(frozen=True)
class DispatchRequest:
    """What the Jobs panel asks for: one job, or one job per input (``f(input, *args)``)."""

    spec: JobSpec
    mode: DispatchMode = DispatchMode.ONCE
    inputs: tuple[Any, ...] = ()
    #: Read the inputs from the lines of this file (read off the UI thread by the engine).
    inputs_file: str | None = None


def build_request(
    target: str,
    args_text: str = "",
    mode: DispatchMode = DispatchMode.ONCE,
    inputs_text: str = "",
    inputs_file: str | None = None,
    extra_path: Iterable[str] = (),
) -> DispatchRequest:
    """Validate everything the user typed before anything is dispatched."""
    args, kwargs = parse_arguments(args_text)
    spec = JobSpec(target, args, kwargs, tuple(extra_path))
    if mode is DispatchMode.ONCE:
        return DispatchRequest(spec)
    if inputs_file:
        return DispatchRequest(spec, mode, (), inputs_file)
    return DispatchRequest(spec, mode, tuple(parse_inputs(inputs_text)))


def with_limits(
    request: DispatchRequest, timeout: str = "", memory_limit: str = "", batch_timeout: str = ""
) -> DispatchRequest:
    """``request`` with the limits as typed (empty: none); a mistake is a JobSpecError."""
    seconds = parse_timeout(timeout, "Timeout") if timeout.strip() else None
    size = parse_size(memory_limit, "Memory limit") if memory_limit.strip() else None
    batch = parse_timeout(batch_timeout, "Batch timeout") if batch_timeout.strip() else None
    if batch is not None and request.mode is not DispatchMode.MAP:
        raise JobSpecError("A batch timeout applies to a mapped batch; use Timeout for one job.")
    spec = dataclasses.replace(request.spec, timeout=seconds, memory_limit=size, batch_timeout=batch)
    return dataclasses.replace(request, spec=spec)


def _profile_value(text: str) -> Any:
    """A job profile's argument or input: a Python literal if it is one, else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def request_from_profile(
    target: str,
    args: Iterable[str],
    map_inputs: Iterable[str],
    timeout: float | None = None,
    memory_limit: int | None = None,
) -> DispatchRequest:
    """The dispatch a worker-job profile stands for: each stored argument or input is a
    Python literal (``2000000``, ``'x'``, ``[1, 2]``) or, failing that, a plain string."""
    spec = JobSpec(target, tuple(_profile_value(a) for a in args), timeout=timeout, memory_limit=memory_limit)
    inputs = tuple(_profile_value(i) for i in map_inputs)
    if not inputs:
        return DispatchRequest(spec)
    return DispatchRequest(spec, DispatchMode.MAP, tuple(_check_batch_size(list(inputs))))


# ---------------------------------------------------------------------------------------
# What the engine publishes


def format_repr(value: Any, limit: int = RESULT_REPR_LIMIT) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the table
        text = f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"
    return clip_text(text, limit)


def clip_text(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class JobInfo:
    """A snapshot of one job, built by the engine only when someone looks (at UI rate)."""

    job_id: int
    target: str
    state: JobState
    batch_id: int | None = None
    index: int | None = None  # position in its batch
    input_repr: str = ""
    worker_pid: int | None = None
    queued_mono: float = 0.0
    started_mono: float | None = None
    ended_mono: float | None = None
    result_repr: str | None = None
    failure: JobFailure | None = None
    stdout: str = ""
    stderr: str = ""
    cancel_requested: bool = False
    #: Peak resident memory of the job's worker while it ran, in bytes (None: unknown).
    peak_rss: int | None = None
    #: CPU seconds the job used in its worker (None: unknown).
    cpu_time: float | None = None

    def duration(self, now: float | None = None) -> float | None:
        if self.started_mono is None:
            return None
        end = self.ended_mono if self.ended_mono is not None else now
        return None if end is None else max(0.0, end - self.started_mono)

    @property
    def output(self) -> str:
        if self.stdout and self.stderr:
            return f"{self.stdout}\n--- stderr ---\n{self.stderr}"
        return self.stdout or self.stderr


@dataclass(frozen=True)
class BatchInfo:
    """Progress of a mapped batch."""

    batch_id: int
    target: str
    total: int
    done: int = 0
    failed: int = 0
    cancelled: int = 0
    running: int = 0
    started_mono: float = 0.0
    ended_mono: float | None = None

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.cancelled

    @property
    def is_complete(self) -> bool:
        return self.finished >= self.total

    def elapsed(self, now: float) -> float:
        end = self.ended_mono if self.ended_mono is not None else now
        return max(0.0, end - self.started_mono)

    def eta(self, now: float) -> float | None:
        """Seconds left at the rate so far; None until one job has finished."""
        if self.is_complete:
            return 0.0
        completed = self.done + self.failed
        if completed == 0:
            return None
        remaining = self.total - self.finished
        return self.elapsed(now) / completed * remaining


@dataclass(frozen=True)
class WorkerInfo:
    """One live worker process of the pool."""

    pid: int
    busy: bool
    job_id: int | None = None
    cpu_percent: float = 0.0
    rss: int = 0
    age_s: float = 0.0


@dataclass(frozen=True)
class PoolSettings:
    max_workers: int
    cancellable: bool = True
    #: Default memory limit per job, in bytes (None: no limit).
    memory_limit: int | None = None
    #: Whether the backend can enforce a job's timeout / memory limit.
    enforces_timeout: bool = True
    enforces_memory_limit: bool = True


@dataclass(frozen=True)
class ResultRow:
    """One row of an exported batch: the input, and the result or the error."""

    index: int
    input: Any
    state: JobState
    result: Any = None
    error: str = ""
    peak_rss: int | None = None
    cpu_time: float | None = None


def results_to_csv(rows: Iterable[ResultRow]) -> str:
    """CSV with index,input,state,result,error,peak_rss_bytes,cpu_s; values as their repr
    unless plain text; unknown figures are empty."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["index", "input", "state", "result", "error", "peak_rss_bytes", "cpu_s"])
    for row in rows:
        writer.writerow(
            [
                row.index,
                _cell(row.input),
                row.state.value,
                "" if row.state is not JobState.DONE else _cell(row.result),
                row.error,
                "" if row.peak_rss is None else row.peak_rss,
                "" if row.cpu_time is None else f"{row.cpu_time:.6f}",
            ]
        )
    return buf.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return format_repr(value)


def results_to_json(rows: Iterable[ResultRow]) -> str:
    """A JSON list of objects; a result JSON cannot hold is written as its repr."""
    data = [
        {
            "index": row.index,
            "input": row.input,
            "state": row.state.value,
            "result": row.result if row.state is JobState.DONE else None,
            "error": row.error or None,
            "peak_rss_bytes": row.peak_rss,
            "cpu_s": row.cpu_time,
        }
        for row in rows
    ]
    return json.dumps(data, indent=1, default=lambda v: format_repr(v))
