"""`procdeck run`'s own stdin and terminal: forwarded to the child.

- Without ``--tty`` the child's stdin is a pipe: our stdin's bytes are forwarded as they
  come and the pipe is closed at our end of file (``echo hi | procdeck run -- cat``). When
  our stdin is a terminal it is forwarded the same way, line by line, ^D closing it.
- With ``--tty`` the child runs on a pseudo-terminal. When our stdin is a terminal it is
  put in raw mode (every key, ^C included, goes to the child's terminal, which interprets
  it) and restored on the way out, whatever ends the run; our window size is passed on and
  followed (SIGWINCH). When our stdin is not a terminal, its bytes are forwarded as they
  come and end of file becomes the terminal's EOF character (^D), so
  ``printf 'print(6*7)\\nexit()\\n' | procdeck run --tty -- python3 -q`` works.
- A terminal stdin while we run in the background (``procdeck run ... &``) is left alone:
  reading it would stop us with SIGTTIN. The child then gets /dev/null (or no input).
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import termios
import tty
from collections.abc import AsyncIterator, Iterator

import anyio

from procdeck.core.process_spec import StdinMode
from procdeck.engine.input_feed import InputRefused
from procdeck.engine.process_manager import ProcessManager
from procdeck.engine.pty_terminal import EOF_CHAR, TerminalError

STDIN = 0
READ_SIZE = 16 * 1024
RETRY_S = 0.01  # the child's input queue is full: try again shortly (backpressure, not loss)
DEFAULT_SIZE = (24, 80)


def _stdin_usable() -> bool:
    """Our stdin can be read without trouble: it is open, and if it is a terminal, we are
    its foreground process group."""
    try:
        os.fstat(STDIN)
    except OSError:
        return False
    if os.isatty(STDIN):
        try:
            return os.tcgetpgrp(STDIN) == os.getpgrp()
        except OSError:
            return False
    return True


def stdin_mode(tty_mode: bool) -> StdinMode:
    """A pipe for the child's stdin when there is something to forward."""
    return StdinMode.PIPE if _stdin_usable() else StdinMode.NONE


def own_terminal_size() -> tuple[int, int]:
    """Rows and columns of the terminal we run in, or 24x80."""
    for fd in (STDIN, 1, 2):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        if size.lines > 0 and size.columns > 0:
            return size.lines, size.columns
    return DEFAULT_SIZE


@contextlib.contextmanager
def raw_terminal(enabled: bool) -> Iterator[None]:
    """Our terminal in raw mode for the duration (restored however the block ends)."""
    if not enabled or not os.isatty(STDIN) or not _stdin_usable():
        yield
        return
    saved = termios.tcgetattr(STDIN)
    tty.setraw(STDIN, termios.TCSANOW)
    try:
        yield
    finally:
        termios.tcsetattr(STDIN, termios.TCSADRAIN, saved)


async def _chunks(fd: int) -> AsyncIterator[bytes]:
    """What arrives on ``fd`` until end of file, without blocking the loop."""
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode) or (stat.S_ISCHR(mode) and not os.isatty(fd)):
        # Regular files and /dev/null cannot be watched by epoll; their reads never wait.
        while chunk := await anyio.to_thread.run_sync(os.read, fd, READ_SIZE):
            yield chunk
        return
    while True:
        await anyio.wait_readable(fd)
        try:
            chunk = os.read(fd, READ_SIZE)
        except BlockingIOError:
            continue
        except OSError:  # the terminal hung up
            return
        if not chunk:
            return
        yield chunk


async def _send(processes: ProcessManager, run_id: int, data: bytes) -> bool:
    """Deliver ``data``, waiting while the child's input queue is full; False once the
    child takes no more input."""
    while True:
        try:
            processes.send_input(run_id, data)
            return True
        except InputRefused as exc:
            if not exc.full:
                return False
            await anyio.sleep(RETRY_S)


async def forward_stdin(processes: ProcessManager, run_id: int, tty_mode: bool) -> None:
    if not _stdin_usable():
        return
    last = b"\n"
    async for chunk in _chunks(STDIN):
        if not await _send(processes, run_id, chunk):
            return
        last = chunk[-1:]
    if tty_mode:
        # ^D ends a read; after an unfinished line it only flushes it, so a second one
        # is needed for the program to see end of file.
        eof = EOF_CHAR if last in (b"\n", b"\r") else EOF_CHAR * 2
        await _send(processes, run_id, eof)
    else:
        with contextlib.suppress(InputRefused):
            processes.close_input(run_id)


async def follow_window_size(processes: ProcessManager, run_id: int) -> None:
    """Pass our terminal's new size on to the child's terminal (SIGWINCH)."""
    if not any(os.isatty(fd) for fd in (STDIN, 1, 2)):
        return
    with anyio.open_signal_receiver(signal.SIGWINCH) as signals:
        async for _signum in signals:
            with contextlib.suppress(TerminalError, OSError, LookupError):
                processes.resize(run_id, *own_terminal_size())
