"""Spool every run's complete raw output to log files, off the event loop.

One writer thread (owned by a ``Spooler``) does all file work: opening, writing, closing
and pruning. The event loop only appends ``(file, bytes)`` to a queue, which costs well
under a microsecond per pipe read, so a slow disk never stalls the UI or the pipes.

Files are byte-identical to what the child wrote, one per stream:
``<dir>/<start time>-<run>-<name>.stdout.log`` and ``.stderr.log``. A run's files stop
growing at ``run_cap`` bytes (the viewer is told); when all logs together exceed
``total_cap`` the oldest runs' logs (both streams) are deleted first, never an open one.
If the disk cannot keep up and more than ``max_queued`` bytes wait in memory, further
output is not logged (and the viewer is told) rather than growing memory without bound.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import itertools
import os
import queue
import re
import threading
import time
from pathlib import Path

from procdeck.core.private_files import ensure_private_dir, private_opener
from procdeck.engine.output.settings import data_dir, log_dir

_SUFFIXES = (".stdout.log", ".stderr.log")
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
_STOP = object()
_KICK = object()
BATCH_S = 0.02
_RUN_SEQ = itertools.count(1)  # unique log names within this process, across spoolers


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe short form of a run's label."""
    s = _SLUG.sub("_", text).strip("._")
    return s[:limit] or "run"


def _in_use(path: Path) -> bool:
    """Whether a log is open for writing by a Procdeck process (this one or another).

    Every writer holds a shared flock(2) on its open logs; an exclusive one cannot be
    had while any is held.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


def run_key(path: Path) -> str:
    """The part of a log's file name shared by a run's stdout and stderr logs."""
    name = path.name
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class SpoolFile:
    """One stream's log. Written from the loop thread (``write``), flushed by the writer."""

    __slots__ = (
        "path",
        "cap",
        "accepted",
        "dropped",
        "written",
        "error",
        "closed",
        "_spooler",
        "_fh",
        "__weakref__",
    )

    def __init__(self, spooler: Spooler, path: Path, cap: int) -> None:
        self.path = path
        self.cap = cap
        self.accepted = 0  # bytes queued for the file (loop thread only)
        self.dropped = 0  # bytes not logged: cap reached or disk too slow (loop thread only)
        self.written = 0  # bytes on disk (writer thread only)
        self.error: str | None = None  # set by the writer thread on an OSError
        self.closed = False
        self._spooler = spooler
        self._fh: io.FileIO | None = None

    @property
    def capped(self) -> bool:
        return self.accepted >= self.cap

    def write(self, data: bytes) -> None:
        if self.closed or self.error is not None:
            self.dropped += len(data)
            return
        room = self.cap - self.accepted
        if room <= 0:
            self.dropped += len(data)
            return
        if len(data) > room:
            self.dropped += len(data) - room
            data = data[:room]
        if not self._spooler._put(self, data):
            self.dropped += len(data)
            return
        self.accepted += len(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.accepted:
                self._spooler._enqueue(self, None)


class Spooler:
    """The writer thread and the log directory it prunes."""

    def __init__(self, directory: Path, *, total_cap: int = 4 << 30, max_queued: int = 256 << 20) -> None:
        self.directory = Path(directory)
        self.total_cap = total_cap
        self.max_queued = max_queued
        # Writes go into a batch list that the writer swaps out whole; the queue only wakes
        # the writer (once per batch, not per chunk: fewer thread switches and GIL
        # hand-offs while a child floods its pipe) and carries stop/prune requests.
        self._batch: list[tuple[SpoolFile, bytes | None]] = []
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._queued_in = 0  # bytes put (loop thread only)
        self._queued_out = 0  # bytes taken (writer thread only)
        self._thread: threading.Thread | None = None
        self._open: dict[str, int] = {}  # run key -> open files of that run (writer thread only)
        self._files: dict[int, SpoolFile] = {}  # files with an open handle (writer thread only)
        self._since_prune = 0
        self._closing = False
        self._folder_ready = False
        self.errors: list[str] = []

    # ------------------------------------------------------------- loop thread side
    def open_run(self, run_id: object, label: str, run_cap: int) -> tuple[SpoolFile, SpoolFile]:
        """Name the stdout and stderr logs of a new run (a file appears on its first write)."""
        if self._closing:
            raise RuntimeError("The log spooler is closed.")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{os.getpid()}-{next(_RUN_SEQ):04d}-{slug(str(run_id))}-{slug(label)}"
        out = SpoolFile(self, self.directory / (base + ".stdout.log"), run_cap)
        err = SpoolFile(self, self.directory / (base + ".stderr.log"), run_cap)
        return out, err

    def reopen(self, f: SpoolFile) -> SpoolFile:
        """A new handle appending to the same log (a restarted run), same cap left."""
        g = SpoolFile(self, f.path, f.cap)
        g.accepted = f.accepted
        return g

    def _put(self, f: SpoolFile, data: bytes) -> bool:
        if self._queued_in - self._queued_out + len(data) > self.max_queued:
            return False
        self._queued_in += len(data)
        self._enqueue(f, data)
        return True

    def _enqueue(self, f: SpoolFile, data: bytes | None) -> None:
        batch = self._batch
        batch.append((f, data))
        if len(batch) == 1:  # the writer may be asleep: wake it once for this batch
            self._start()
            self._queue.put(_KICK)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="procdeck-log-writer", daemon=True)
            self._thread.start()

    def finish(self) -> None:
        """No more files will be opened: the writer stops once the queue is written."""
        self._closing = True
        if self._thread is not None:
            self._queue.put(_STOP)

    def close(self, timeout: float | None = None) -> None:
        """Flush everything queued and stop the writer thread (blocks: call off the loop)."""
        self._closing = True
        thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)
            if not thread.is_alive():
                self._thread = None

    async def aclose(self) -> None:
        """``close`` without blocking the event loop."""
        import anyio

        await anyio.to_thread.run_sync(self.close)

    def sync(self, timeout: float | None = 10.0) -> bool:
        """Wait until everything queued so far is written (blocks: call off the loop);
        False if the writer did not get there within ``timeout``."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return True
        reached = threading.Event()
        self._queue.put(reached)
        return reached.wait(timeout) or not thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def prune(self) -> None:
        """Ask the writer to enforce the total cap now."""
        self._start()
        self._queue.put(self)

    # ----------------------------------------------------------- writer thread side
    def _run(self) -> None:
        q = self._queue
        while True:
            signal = q.get()
            # Swap the batch out whole; an append racing with the swap lands in the list
            # taken here (list.append is atomic), so nothing is lost or reordered.
            batch, self._batch = self._batch, []
            self._write_batch(batch)
            if signal is _KICK and batch:
                # Let the next batch grow: during a flood this turns thousands of small
                # wake-ups (each a GIL hand-off that stalls the event loop thread) into a
                # few dozen large writes per second. Logs lag the pipe by at most this.
                time.sleep(BATCH_S)
            if signal is _STOP:
                batch, self._batch = self._batch, []
                self._write_batch(batch)
                break
            if signal is self:
                self._prune()
            if isinstance(signal, threading.Event):  # sync(): what came before is written
                signal.set()
        for f in list(self._files.values()):
            self._close_file(f)

    def _fail(self, f: SpoolFile, exc: OSError) -> None:
        f.error = f"Cannot write the log file {f.path}: {exc.strerror or exc}"
        self.errors.append(f.error)
        self._close_file(f)

    def _write_batch(self, batch: list[tuple[SpoolFile, bytes | None]]) -> None:
        """Write a batch in order, one writev per run of chunks for the same file."""
        run: list[bytes] = []
        current: SpoolFile | None = None
        for f, data in batch:
            if f is not current or data is None:
                if current is not None and run:
                    self._write(current, run)
                run = []
                current = f
            if data is None:
                self._close_file(f)
                current = None
            else:
                run.append(data)
        if current is not None and run:
            self._write(current, run)

    def _write(self, f: SpoolFile, parts: list[bytes]) -> None:
        size = sum(len(p) for p in parts)
        self._queued_out += size
        if f.error is not None:
            return
        try:
            fh = f._fh
            if fh is None:
                if not self._folder_ready:
                    self._prepare_folder()
                # Unbuffered: the batch goes to the kernel in one writev, no extra copy.
                # Owner-only (0600 whatever the umask): output can hold tokens.
                fh = f._fh = open(f.path, "ab", buffering=0, opener=private_opener)
                # A shared lock says "open": another Procdeck pruning the same folder
                # leaves this run's logs alone while it is held (see _in_use).
                with contextlib.suppress(OSError):
                    fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                key = run_key(f.path)
                self._open[key] = self._open.get(key, 0) + 1
                self._files[id(f)] = f
                self._prune()
            fd = fh.fileno()
            for i in range(0, len(parts), 512):
                group = parts[i : i + 512]
                done = os.writev(fd, group)
                want = sum(len(p) for p in group)
                if done < want:  # a short write: finish the group plainly
                    rest = b"".join(group)[done:]
                    while rest:
                        rest = rest[os.write(fd, rest) :]
            f.written += size
            self._since_prune += size
            if self._since_prune >= 64 << 20:
                self._prune()
        except OSError as exc:
            self._fail(f, exc)

    def _prepare_folder(self) -> None:
        """The log folder (and the data folder it sits in) owner-only, 0700."""
        if self.directory == log_dir():
            ensure_private_dir(data_dir())
        ensure_private_dir(self.directory)
        self._folder_ready = True

    def _close_file(self, f: SpoolFile) -> None:
        fh = f._fh
        f._fh = None
        if fh is not None:
            try:
                fh.close()
            except OSError as exc:
                f.error = f"Cannot write the log file {f.path}: {exc.strerror or exc}"
            self._files.pop(id(f), None)
            key = run_key(f.path)
            left = self._open.get(key, 1) - 1
            if left > 0:
                self._open[key] = left
            else:
                self._open.pop(key, None)

    def _prune(self) -> None:
        self._since_prune = 0
        try:
            logs = [p for p in self.directory.iterdir() if p.name.endswith(_SUFFIXES)]
        except OSError:
            return
        runs: dict[str, list[tuple[Path, int, float]]] = {}
        total = 0
        for p in logs:
            try:
                st = p.stat()
            except OSError:
                continue
            runs.setdefault(run_key(p), []).append((p, st.st_size, st.st_mtime))
            total += st.st_size
        if total <= self.total_cap:
            return
        order = sorted(runs.items(), key=lambda kv: min(m for _, _, m in kv[1]))
        for key, files in order:
            if total <= self.total_cap:
                break
            if key in self._open or any(_in_use(p) for p, _, _ in files):
                continue
            for p, size, _ in files:
                try:
                    p.unlink()
                    total -= size
                except OSError:
                    pass
