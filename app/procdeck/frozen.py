"""Entry point of the bundled app: route helper invocations before anything heavy loads.

In a PyInstaller bundle ``sys.executable`` is Procdeck itself, so every library that
starts "a Python" with ``sys.executable`` starts Procdeck with Python's arguments:

- Procdeck's job pool starts its workers as
  ``[sys.executable, "-u", "-m", "procdeck.engine.workers.worker_main"]``
  (`engine/workers/worker_process.py`); the worker sets up its own unbuffered protocol
  streams on private descriptors, so it needs no ``-u``.
- anyio starts its worker processes as ``[sys.executable, "-u", "-m", "anyio.to_process"]``
  (https://github.com/agronholm/anyio/blob/master/src/anyio/to_process.py). A bundle
  ignores ``-u`` and ``-m``: without routing, the worker would open a window, never answer
  ``READY`` and every dispatch would fail after 20 s with BrokenWorkerProcess. The worker
  protocol writes to ``sys.stdout.buffer`` without flushing, so stdout must be unbuffered,
  as ``-u`` makes it for a real interpreter.
- multiprocessing's spawn start method (the default on macOS and Windows) runs
  ``sys.executable --multiprocessing-fork ...``; ``freeze_support()`` handles that
  (https://pyinstaller.org/en/stable/common-issues-and-pitfalls.html#multi-processing).
- ``procdeck --self-test`` launches small helper programs; a bundle has no ``-c``, so it
  runs itself with ``--self-test-child``.
- the engine starts its containment watchdog as
  ``[sys.executable, "-m", "procdeck.engine.containment.watchdog", INSTANCE]``; a bundle
  routes that argv to the watchdog's main() (standard library only, no window).

This module imports only the standard library at the top: routing must happen before Qt,
numpy or the engine are imported, so a worker starts in milliseconds and never touches a
display.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

ANYIO_WORKER_MODULE = "anyio.to_process"
WATCHDOG_MODULE = "procdeck.engine.containment.watchdog"
# Spelled out (not imported) so that routing imports nothing before it is needed.
PROCDECK_WORKER_MODULE = "procdeck.engine.workers.worker_main"
SELF_TEST_CHILD_FLAG = "--self-test-child"
# Interpreter flags that may precede "-m module" and that need no argument.
_HARMLESS_FLAGS = frozenset({"-u", "-B", "-E", "-s", "-S", "-I", "-O", "-OO", "-q"})


def is_anyio_worker_argv(args: Sequence[str], module: str = ANYIO_WORKER_MODULE) -> bool:
    """True when ``args`` (argv without the program) asks for anyio's worker process
    (or, with ``module``, for that module run as a worker)."""
    if len(args) < 2 or list(args[-2:]) != ["-m", module]:
        return False
    return all(flag in _HARMLESS_FLAGS for flag in args[:-2])


def _std_stream_fd(stream: IO[Any] | None, fd: int, std_handle: int) -> int:
    """A usable file descriptor for a standard stream, even in a windowed build."""
    if stream is not None:
        try:
            return stream.fileno()
        except (AttributeError, OSError, ValueError):
            pass
    if sys.platform == "win32":  # pragma: no cover - not built or run on Linux
        # A windowed (no console) build has sys.stdout = None; the pipe handles anyio
        # passed are still the process's standard handles.
        import _winapi
        import msvcrt

        return msvcrt.open_osfhandle(_winapi.GetStdHandle(std_handle), 0)
    return fd


class _FlushingWriter(io.BufferedWriter):
    """A binary writer that writes every chunk through at once, completely.

    Equivalent to ``python -u``'s unbuffered stdout, but a short write to the pipe can
    never drop part of a frame: BufferedWriter.flush() loops until everything is out.
    """

    def write(self, data: ReadableBuffer, /) -> int:
        written = super().write(data)
        self.flush()
        return written


def unbuffered_stdio() -> None:
    """Make sys.stdout write through and sys.stdin readable, as ``python -u`` would."""
    out_fd = _std_stream_fd(sys.stdout, 1, -11)  # STD_OUTPUT_HANDLE
    in_fd = _std_stream_fd(sys.stdin, 0, -10)  # STD_INPUT_HANDLE
    raw_out = io.FileIO(out_fd, "wb", closefd=False)
    sys.stdout = io.TextIOWrapper(_FlushingWriter(raw_out), encoding="utf-8", write_through=True)
    if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(in_fd, "rb", closefd=False)))


def run_anyio_worker() -> int:
    """Serve anyio.to_process jobs on stdin/stdout until the parent closes the pipe."""
    unbuffered_stdio()
    from anyio.to_process import process_worker

    process_worker()
    return 0


def route(args: Sequence[str]) -> int | None:
    """Handle a helper invocation and return its exit code, or None for the normal app."""
    if is_anyio_worker_argv(args, PROCDECK_WORKER_MODULE):
        from procdeck.engine.workers.worker_main import main as worker_main

        return worker_main()
    if is_anyio_worker_argv(args):
        return run_anyio_worker()
    if len(args) >= 2 and args[0] == "-m" and args[1] == WATCHDOG_MODULE:
        from procdeck.engine.containment.watchdog import main as watchdog_main

        return watchdog_main(list(args[2:]))
    if args and args[0] == SELF_TEST_CHILD_FLAG:
        from procdeck.commands.self_test_child import main as child_main

        return child_main(list(args[1:]))
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """The bundle's entry point: helpers first, then multiprocessing, then Procdeck."""
    args = list(sys.argv[1:] if argv is None else argv)
    code = route(args)
    if code is not None:
        return code
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()
    from procdeck.cli import main as cli_main

    return cli_main(args)
