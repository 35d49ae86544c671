"""A terminal run's relays: two ``cat`` processes between its pty master and the engine.

A pty holds little (about 4 KiB in the line discipline plus the flip buffers), so a
program flooding its terminal blocks as soon as its reader is late. Read from the event
loop, every paint or frame of screen emulation stalled the program (Procdeck drained a
pty at a quarter of a plain read loop's rate); read by a thread of Procdeck's, the
thread's every read waited for the GIL while the loop's thread worked, and a flood
reached 0.5-0.9 of a plain loop. A ``cat`` reading the master into a 1 MiB pipe reads
as fast as a plain loop, in C, without the GIL, and the engine reads the pipe exactly as
it reads a pipe run's output (``pipe_reads``): large reads, one code path.

Input goes the same way in the other direction (a ``cat`` from a pipe to the master),
because the master must stay blocking: the relays share its open file description, so
O_NONBLOCK set by the engine would make the output relay's reads fail with EAGAIN. The
engine keeps the master itself only for ioctls (window size, foreground group).

Each relay ends by itself: the output relay reads EIO once every slave descriptor is
closed (the run's processes are gone), the input relay reads end of file when the
engine closes its pipe. They carry the instance's cookie under a run id of their own,
so the watchdog ends them if Procdeck dies, and a run's Stop (which ends the run's
cookie) does not cut its output short. They get a session of their own: a ^C meant for
``procdeck run`` must not reach them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

import anyio
import anyio.abc

from procdeck.engine.child_env import child_environment
from procdeck.engine.launch_errors import StartProblem

NICE = 10


def cat_path() -> str:
    return shutil.which("cat") or "/bin/cat"


@dataclass
class PtyRelays:
    output: anyio.abc.Process  # master -> its stdout pipe
    input: anyio.abc.Process  # its stdin pipe -> master

    @property
    def stdout(self) -> anyio.abc.ByteReceiveStream:
        assert self.output.stdout is not None
        return self.output.stdout

    @property
    def stdin(self) -> anyio.abc.ByteSendStream:
        assert self.input.stdin is not None
        return self.input.stdin

    async def aclose(self) -> None:
        """Wait for both relays, ending any still running (the engine is going away, or
        a process that escaped the run still holds the terminal)."""
        with anyio.CancelScope(shield=True):
            for process in (self.input, self.output):
                if process.returncode is None:
                    process.kill()
                await process.aclose()


async def open_relays(master: int, cookie: str) -> PtyRelays:
    """Start the two relays on ``master`` (a blocking descriptor)."""
    env = child_environment({}, unbuffered=False, cookie=cookie)
    env["LC_ALL"] = "C"
    cat = cat_path()
    try:
        return await _start(cat, master, env)
    except OSError as exc:
        raise StartProblem(
            f"A terminal run needs {cat} (coreutils) to relay its output, and it cannot be "
            f"started: {exc.strerror or exc}"
        ) from exc


async def _start(cat: str, master: int, env: dict[str, str]) -> PtyRelays:
    output = await anyio.open_process(
        [cat],
        stdin=master,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # "cat: -: Input/output error" is how a pty ends
        env=env,
        start_new_session=True,
    )
    try:
        input_ = await anyio.open_process(
            [cat],
            stdin=subprocess.PIPE,
            stdout=master,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    except BaseException:
        with anyio.CancelScope(shield=True):
            output.kill()
            await output.aclose()
        raise
    for process in (output, input_):
        lower_priority(process.pid)
    return PtyRelays(output, input_)


def lower_priority(pid: int) -> None:
    """Nice a relay: in a flood the program, its relay and the window's thread all want a
    core, and the window must not be the one that waits (the relay's lag only slows the
    program, as a slow terminal would)."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid, NICE)
    except OSError:  # it has already ended
        pass
