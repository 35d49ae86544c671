"""App side of Procdeck's worker processes: start them, send a call, read the reply.

``anyio.to_process.run_sync`` starts ``python -u -m anyio.to_process``, whose protocol
runs over the worker's stdin/stdout: a job that writes to fd 1 below Python
(``os.write(1, ...)``, a C library's printf, a child process inheriting stdout) corrupts
the reply and the worker is killed. This is anyio's ``run_sync`` (anyio 4.x,
src/anyio/to_process.py, MIT licence; the same framing and the same per-loop pool of idle
workers) with two changes:

- the worker is `worker_main`, which moves the protocol to private descriptors and
  captures fd 1 and fd 2 per job;
- the worker set and idle deque are Procdeck's own run variables (not anyio's), filled by
  `anyio_workers.install` with a set that remembers every process; there is no
  "shutdown at loop close" task: the backend's ``aclose`` stops the workers. The ``init``
  command carries only ``sys.path``: jobs are imported by path, so the app's
  ``__main__`` is not re-run in every worker (anyio does that, like multiprocessing).

Workers get ``PROCDECK_WORKER_DIR`` (where their capture and stacks files go) in their
environment; their stderr goes to /dev/null until `worker_main` points it at a capture
file (anyio leaves it an unread pipe).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from typing import Any, cast

from anyio import (
    BrokenWorkerProcess,
    CancelScope,
    CapacityLimiter,
    current_time,
    fail_after,
    get_cancelled_exc_class,
    open_process,
)
from anyio.abc import ByteReceiveStream, ByteSendStream, Process
from anyio.lowlevel import RunVar, checkpoint_if_cancelled
from anyio.streams.buffered import BufferedByteReceiveStream

from procdeck.engine.workers.worker_main import DIR_ENV

WORKER_MODULE = "procdeck.engine.workers.worker_main"
#: Idle workers older than this are retired (anyio's figure).
WORKER_MAX_IDLE_TIME = 300

workers_var: RunVar[set[Process]] = RunVar("procdeck_workers")
idle_workers_var: RunVar[deque[tuple[Process, float]]] = RunVar("procdeck_idle_workers")
#: The folder of the workers' capture and stacks files, per loop (set by the backend).
worker_dir_var: RunVar[str] = RunVar("procdeck_worker_dir")


def worker_command() -> list[str]:
    return [sys.executable, "-u", "-m", WORKER_MODULE]


async def run_sync(func: Callable[..., Any], *args: Any, cancellable: bool, limiter: CapacityLimiter) -> Any:
    """Call ``func(*args)`` in a worker process (see anyio.to_process.run_sync)."""

    async def send_raw_command(pickled_cmd: bytes) -> object:
        try:
            await stdin.send(pickled_cmd)
            response = await buffered.receive_until(b"\n", 50)
            status, length = response.split(b" ")
            if status not in (b"RETURN", b"EXCEPTION"):
                raise RuntimeError(f"Worker process returned unexpected response: {response!r}")
            pickled_response = await buffered.receive_exactly(int(length))
        except BaseException as exc:
            workers.discard(process)
            try:
                process.kill()
                with CancelScope(shield=True):
                    await process.aclose()
            except ProcessLookupError:
                pass
            if isinstance(exc, get_cancelled_exc_class()):
                raise
            raise BrokenWorkerProcess from exc

        retval = pickle.loads(pickled_response)
        if status == b"EXCEPTION":
            assert isinstance(retval, BaseException)
            raise retval
        return retval

    await checkpoint_if_cancelled()
    request = pickle.dumps(("run", func, args), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        workers = workers_var.get()
        idle_workers = idle_workers_var.get()
    except LookupError:
        workers = set()
        idle_workers = deque()
        workers_var.set(workers)
        idle_workers_var.set(idle_workers)

    async with limiter:
        process: Process
        while idle_workers:
            process, _idle_since = idle_workers.pop()
            if process.returncode is None:
                stdin = cast(ByteSendStream, process.stdin)
                buffered = BufferedByteReceiveStream(cast(ByteReceiveStream, process.stdout))
                now = current_time()
                killed: list[Process] = []
                while idle_workers:
                    if now - idle_workers[0][1] < WORKER_MAX_IDLE_TIME:
                        break
                    stale, _idle_since = idle_workers.popleft()
                    stale.kill()
                    workers.discard(stale)
                    killed.append(stale)
                with CancelScope(shield=True):
                    for stale in killed:
                        await stale.aclose()
                break
            workers.discard(process)
        else:
            env = dict(os.environ)
            try:
                env[DIR_ENV] = worker_dir_var.get()
            except LookupError:
                pass
            process = await open_process(
                worker_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            try:
                stdin = cast(ByteSendStream, process.stdin)
                buffered = BufferedByteReceiveStream(cast(ByteReceiveStream, process.stdout))
                with fail_after(20):
                    message = await buffered.receive(6)
                if message != b"READY\n":
                    raise BrokenWorkerProcess(f"Worker process returned unexpected response: {message!r}")
                await send_raw_command(pickle.dumps(("init", sys.path), protocol=pickle.HIGHEST_PROTOCOL))
            except BaseException as exc:
                # anyio leaves the worker running when cancelled here; Procdeck does not.
                with suppress(ProcessLookupError):
                    process.kill()
                with CancelScope(shield=True):
                    await process.aclose()
                if isinstance(exc, (BrokenWorkerProcess, get_cancelled_exc_class())):
                    raise
                raise BrokenWorkerProcess("Error during worker process initialization") from exc
            workers.add(process)

        with CancelScope(shield=not cancellable):
            try:
                return await send_raw_command(request)
            finally:
                if process in workers:
                    idle_workers.append((process, current_time()))
