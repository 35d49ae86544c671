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
