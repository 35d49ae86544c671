"""A Procdeck worker process: serves jobs on private descriptors, never on fd 0, 1 or 2.

Started by `worker_process.run_sync` as ``python -u -m procdeck.engine.workers.worker_main``
with the job protocol's pipes on its stdin and stdout (anyio's framing: pickled commands
in, ``RETURN n``/``EXCEPTION n`` plus a pickle out). Before any job code runs it:

- moves the protocol to new descriptors (``os.dup``: above 2, not inherited by children)
  and points fd 0 at /dev/null, fd 1 and fd 2 at this worker's capture files
  (`fd_capture`), so nothing a job writes, at whatever level, can reach the reply channel;
- registers faulthandler: SIGUSR1 dumps the Python stack of every thread into this
  worker's stacks file without stopping the job ("Show stacks", timeouts), and a fatal
  error (a segfault in a C extension) dumps there too before the worker dies.

The folder for those files comes from ``PROCDECK_WORKER_DIR`` (removed from the
environment, so job children do not see it); files are named by this worker's pid.
Only the standard library and small Procdeck modules are imported, so workers start fast.
"""

from __future__ import annotations

import faulthandler
import io
import os
import pickle
import signal
import sys
import tempfile
from typing import Any, BinaryIO

from procdeck.engine.workers import fd_capture

DIR_ENV = "PROCDECK_WORKER_DIR"
#: The signal that makes a worker dump its threads' stacks.
STACKS_SIGNAL = signal.SIGUSR1

_keep: list[Any] = []  # the stacks file, referenced for faulthandler's sake


def files_of(directory: str, pid: int) -> tuple[str, str, str]:
    """(stdout capture, stderr capture, stacks) paths of the worker ``pid``."""
    base = os.path.join(directory, str(pid))
    return f"{base}.out", f"{base}.err", f"{base}.stacks"


def setup() -> tuple[BinaryIO, BinaryIO]:
    """Move the protocol off the standard descriptors; returns its (reader, writer)."""
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    directory = os.environ.pop(DIR_ENV, "") or tempfile.mkdtemp(prefix="procdeck-worker-")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    out_path, err_path, stacks_path = files_of(directory, os.getpid())
    fd_capture.install(out_path, err_path)
    stacks = open(stacks_path, "ab", buffering=0)
    _keep.append(stacks)
    faulthandler.enable(file=stacks, all_threads=True)
    if hasattr(faulthandler, "register"):
        faulthandler.register(STACKS_SIGNAL, file=stacks, all_threads=True, chain=False)
    sys.stdin = open(os.devnull)
    sys.stdout, sys.stderr = fd_capture.stdout, fd_capture.stderr
    reader = io.BufferedReader(io.FileIO(proto_in, "rb"))
    writer = io.FileIO(proto_out, "wb")
    return reader, writer


def _write_all(writer: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = writer.write(view)
        view = view[written or 0 :]


def serve(reader: BinaryIO, writer: BinaryIO) -> None:
    """The job loop: returns when the app closes the pipe."""
    _write_all(writer, b"READY\n")
    while True:
        retval = exception = None
        try:
            command, *args = pickle.load(reader)
        except EOFError:
            return
        except BaseException as exc:
            exception = exc
        else:
            if command == "run":
                func, func_args = args
                try:
                    retval = func(*func_args)
                except BaseException as exc:
                    exception = exc
            elif command == "init":
                sys.path[:] = args[0]
        try:
            if exception is not None:
                status = b"EXCEPTION"
                pickled = pickle.dumps(exception, pickle.HIGHEST_PROTOCOL)
            else:
                status = b"RETURN"
                pickled = pickle.dumps(retval, pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:
            exception = exc
            status = b"EXCEPTION"
            pickled = pickle.dumps(exc, pickle.HIGHEST_PROTOCOL)
        _write_all(writer, b"%s %d\n%s" % (status, len(pickled), pickled))
        if isinstance(exception, SystemExit):
            raise exception


def main() -> int:
    reader, writer = setup()
    serve(reader, writer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
