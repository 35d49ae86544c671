"""Pseudo-terminals for terminal (pty) runs: open, size, signal.

A pty run's child gets the slave side as stdin, stdout and stderr and makes it its
controlling terminal (it is a session leader, see ``become_controlling_terminal``); the
engine keeps the master side for ioctls, and its relays (``pty_relay``) carry the bytes
between the master and the engine's pipes.
"""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import termios

from procdeck.core.process_spec import terminal_size_problem

TERM = "xterm-256color"
EOF_CHAR = b"\x04"  # VEOF (^D): at the start of a line, the program reads end of file


class TerminalError(ValueError):
    """A terminal operation that cannot be done; the message is for the user."""


def open_pty(rows: int, cols: int) -> tuple[int, int]:
    """A new (master, slave) pair with the given window size (both blocking)."""
    master, slave = os.openpty()
    try:
        set_window_size(master, rows, cols)
    except BaseException:
        os.close(master)
        os.close(slave)
        raise
    return master, slave


def set_window_size(fd: int, rows: int, cols: int) -> None:
    """TIOCSWINSZ; when the size changes the kernel sends SIGWINCH to the foreground group."""
    problem = terminal_size_problem(rows, cols)
    if problem:
        raise TerminalError(problem)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def window_size(fd: int) -> tuple[int, int]:
    rows, cols, _x, _y = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    return rows, cols


# Bound before any fork: the child runs this between fork and exec, where it must not
# import or allocate more than it has to.
_ioctl = fcntl.ioctl
_TIOCSCTTY = termios.TIOCSCTTY


def become_controlling_terminal() -> None:
    """In the child, after setsid (start_new_session) and the dup2 of the slave to 0/1/2:
    make the slave the session's controlling terminal, so ^C, job control and /dev/tty
    work as in a terminal emulator."""
    _ioctl(0, _TIOCSCTTY, 0)


def foreground_group(master: int) -> int:
    """The process group in the foreground of the terminal (tcgetpgrp on the master)."""
    try:
        pgrp = os.tcgetpgrp(master)
    except OSError:
        pgrp = 0
    # 0 once the session's leader has gone (the terminal has no session any more):
    # killpg(0) would signal Procdeck's own process group.
    if pgrp <= 0:
        raise TerminalError("The terminal has no foreground process group.")
    return pgrp


def signal_foreground(master: int, signum: int) -> int:
    """Send ``signum`` to the terminal's foreground process group; returns the group id."""
    pgrp = foreground_group(master)
    try:
        os.killpg(pgrp, signal.Signals(signum))
    except ProcessLookupError:
        raise TerminalError("The foreground process group has already exited.") from None
    return pgrp
