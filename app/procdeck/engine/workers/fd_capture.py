"""Worker side: what a job writes to file descriptors 1 and 2, and what it cost.

In a Procdeck worker (`worker_main`) the job protocol runs on private descriptors, so fd 1
and fd 2 are free: they point at this worker's two capture files (opened with O_APPEND,
so child processes that inherit them and the job's own writes land in order). Python's
``sys.stdout``/``sys.stderr`` are line-buffered text streams on the same descriptors, so
``print()`` and ``os.write(1, ...)``, a C library's printf or a subprocess's output end up
in one file, in the order they happened. After each job the files are read back (only
when they grew: two ``fstat`` calls per job otherwise) and truncated.

Each job also gets its CPU time (the worker's ``process_time`` delta) and its peak RSS:
the kernel's high-water mark (VmHWM), reset by writing 5 to ``/proc/self/clear_refs``
(proc(5)). Reading VmHWM costs about 20 µs, so jobs that used under `EXACT_PEAK_AFTER`
seconds of CPU report their RSS at the end instead (a job that short cannot have touched
much more memory than it holds). The mark is reset after each job whose peak was read
from it (and once at start-up), not before every job: short jobs in between can only
have raised it to about their own RSS, and a trivial job stays a few µs cheaper.

Elsewhere (a Dask worker, a bare anyio worker) nothing is installed: `installed` is False
and the trampoline captures ``sys.stdout``/``sys.stderr`` with StringIO as before.
"""

from __future__ import annotations

import io
import os
import time

#: Keep at most this much of what a job writes, per stream.
OUTPUT_LIMIT = 1 << 20
#: CPU seconds after which a job's peak RSS is read from VmHWM (see the module docstring).
EXACT_PEAK_AFTER = 0.002

installed = False
_read_fds: tuple[int, int] = (-1, -1)
stdout: io.TextIOWrapper | None = None
stderr: io.TextIOWrapper | None = None
_status_fd = -1
_statm_fd = -1
_clear_refs_fd = -1
_page_kb = 4
_cpu_start = 0.0


def install(out_path: str, err_path: str) -> None:
    """Point fd 1 and fd 2 at the capture files (call once, before any job runs)."""
    global installed, _read_fds, stdout, stderr, _status_fd, _statm_fd, _clear_refs_fd, _page_kb
    read_fds = []
    for target, path in ((1, out_path), (2, err_path)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        os.dup2(fd, target)  # dup2 makes fd 1/2 inheritable, as standard streams are
        os.close(fd)
        read_fds.append(os.open(path, os.O_RDWR))
    _read_fds = (read_fds[0], read_fds[1])
    stdout = _text_stream(1, "backslashreplace")
    stderr = _text_stream(2, "backslashreplace")
    for name, flags in (("status", os.O_RDONLY), ("statm", os.O_RDONLY), ("clear_refs", os.O_WRONLY)):
        try:
            fd = os.open(f"/proc/self/{name}", flags)
        except OSError:
            fd = -1
        if name == "status":
            _status_fd = fd
        elif name == "statm":
            _statm_fd = fd
        else:
            _clear_refs_fd = fd
    _page_kb = max(1, os.sysconf("SC_PAGE_SIZE") // 1024)
    _reset_peak()
    installed = True


def _reset_peak() -> None:
    if _clear_refs_fd >= 0:
        try:
            os.write(_clear_refs_fd, b"5")
        except OSError:
            pass


def _text_stream(fd: int, errors: str) -> io.TextIOWrapper:
    raw = io.FileIO(fd, "wb", closefd=False)
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", errors=errors, line_buffering=True)


def begin() -> None:
    """A job starts: print() goes to fd 1/2, the peak RSS and CPU clock start afresh."""
    global _cpu_start
    import sys

    sys.stdout, sys.stderr = stdout, stderr
    _cpu_start = time.process_time()


def end() -> tuple[str, str, int, float]:
    """The job ended: (stdout, stderr, peak RSS in bytes, CPU seconds); files emptied."""
    cpu = time.process_time() - _cpu_start
    for stream in (stdout, stderr):
        try:
            stream.flush()  # type: ignore[union-attr]
        except Exception:
            pass
    out, err = (_take(fd) for fd in _read_fds)
    return out, err, _peak_rss(cpu), cpu


def _take(fd: int) -> str:
    try:
        size = os.fstat(fd).st_size
        if not size:
            return ""
        data = os.pread(fd, min(size, OUTPUT_LIMIT), 0)
        os.ftruncate(fd, 0)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if size > OUTPUT_LIMIT:
        text += f"\n[… {size - OUTPUT_LIMIT:,} more bytes not kept]\n"
    return text


def _peak_rss(cpu: float) -> int:
    try:
        if cpu >= EXACT_PEAK_AFTER and _status_fd >= 0:
            status = os.pread(_status_fd, 4096, 0)
            at = status.find(b"VmHWM:")
            if at >= 0:
                peak = int(status[at + 6 : status.index(b"kB", at)]) * 1024
                _reset_peak()
                return peak
        if _statm_fd >= 0:
            return int(os.pread(_statm_fd, 128, 0).split()[1]) * _page_kb * 1024
    except (OSError, ValueError):
        pass
    return 0


def rss_now() -> int:
    """This worker's resident memory now, in bytes (0 if unknown)."""
    try:
        return int(os.pread(_statm_fd, 128, 0).split()[1]) * _page_kb * 1024
    except (OSError, ValueError, IndexError):
        return 0


def address_space_now() -> int:
    """This worker's virtual memory size now, in bytes (0 if unknown)."""
    try:
        return int(os.pread(_statm_fd, 128, 0).split()[0]) * _page_kb * 1024
    except (OSError, ValueError, IndexError):
        return 0


def take_output_of(out_path: str, err_path: str) -> tuple[str, str]:
    """Parent side: what a worker that died had captured for its job (best effort)."""
    texts = []
    for path in (out_path, err_path):
        try:
            with open(path, "rb") as stream:
                data = stream.read(OUTPUT_LIMIT)
        except OSError:
            data = b""
        texts.append(data.decode("utf-8", errors="replace"))
    return texts[0], texts[1]
