"""Job functions for the worker tests, importable by path from a worker process."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

NOT_CALLABLE = 42


def add(a, b=0):
    return a + b


def shout(text):
    print(f"out: {text}")
    print(f"err: {text}", file=sys.stderr)
    return text.upper()


def fail(message="boom"):
    def inner():
        raise ValueError(message)

    inner()


def exit_with(code=3):
    print("about to exit")
    sys.exit(code)


def interrupt():
    raise KeyboardInterrupt


def hard_exit(code=7):
    os._exit(code)


def _no_core_dump():
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def segfault():
    _no_core_dump()
    os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(5)


def null_deref():
    _no_core_dump()
    ctypes.string_at(0)


def unpicklable_result():
    return threading.Lock()


class Unpicklable(Exception):
    def __init__(self):
        super().__init__("cannot pickle me")
        self.lock = threading.Lock()


def raise_unpicklable():
    raise Unpicklable()


def sleep(seconds):
    time.sleep(seconds)
    return seconds


def pid():
    return os.getpid()


def write_marker(path):
    with open(path, "a") as f:
        f.write(f"{os.getpid()}\n")
    return path


def print_lines(n):
    for i in range(n):
        print(i)
    return n


def buffered_print():
    """Print without a newline and without flushing: must still be captured."""
    sys.stdout.write("partial")
    return "ok"


square = lambda x: x * x  # noqa: E731  (a module-level lambda is importable by path)


def descriptor_writes():
    """print() and writes below Python, interleaved: all must come back, in order."""
    print("one (print)")
    os.write(1, b"two (fd 1)\n")
    print("three (print)")
    os.write(2, b"err one (fd 2)\n")
    print("err two (print)", file=sys.stderr)
    import subprocess

    subprocess.run(["sh", "-c", "echo four from a child; echo err three from a child >&2"], check=True)
    print("five (print)")
    return "ok"


def flood_stderr(n_bytes):
    """More than a pipe holds, straight to fd 2: must neither block nor break the reply."""
    os.write(2, b"x" * n_bytes)
    return n_bytes


def spin_forever_here():
    x = 0
    while True:
        x += 1


def spin_with_a_thread(seconds):
    """A busy main thread and a sleeping helper thread, for stack dumps."""

    def helper_thread_waits():
        time.sleep(seconds + 5)

    threading.Thread(target=helper_thread_waits, daemon=True).start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
    return "finished"


def touch_memory(megabytes):
    """Allocate and touch ``megabytes`` MiB in 1 MiB pieces (resident memory grows)."""
    chunks = [b"\x01" * (1 << 20) for _ in range(int(megabytes))]
    return len(chunks)


def reserve_memory(megabytes):
    """Allocate ``megabytes`` MiB in 1 MiB zeroed pieces that are never touched (numpy's
    zeros come from calloc): the address space grows while the RSS barely does."""
    import numpy

    chunks = [numpy.zeros(1 << 20, dtype=numpy.uint8) for _ in range(int(megabytes))]
    return len(chunks)


def kill_myself():
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(5)


def burn_cpu(seconds):
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        pass
    return seconds
