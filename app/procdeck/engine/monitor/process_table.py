"""The system Processes table: every process on the machine, as ProcessRow values.

Blocking (walks every process); the sampler runs it through anyio.to_thread and only
while the Processes view is visible. CPU% is the difference of two refreshes of the same
process (pid + create_time), so a process's first row shows "-" rather than 0%.

On Linux a refresh reads each /proc/<pid>/stat once (the same scan the sampler uses for
trees) for the changing numbers; what does not change in a process's life (name, user,
command line, start time, whether we may signal it) is read through psutil once per
process and kept. That makes a refresh about four times cheaper than asking psutil for
every field of every process, which matters because its Python work shares the GIL with
the window.
"""

from __future__ import annotations

import os
import time

import psutil

from procdeck.core.samples import ProcessRow, ProcState
from procdeck.engine.monitor.probe import _LINUX, scan_proc

_ATTRS = [
    "pid",
    "ppid",
    "name",
    "username",
    "cpu_times",
    "memory_info",
    "num_threads",
    "status",
    "create_time",
    "cmdline",
    "uids",
]


class ProcessTable:
    """Builds table snapshots; remembers CPU readings between refreshes."""

    def __init__(self) -> None:
        self._prev: dict[tuple[int, float], tuple[float, float]] = {}  # (pid, ctime) -> (cpu_s, mono)
        self._my_uids = {os.getuid(), os.geteuid()} if hasattr(os, "geteuid") else set()
        self._root = hasattr(os, "geteuid") and os.geteuid() == 0
        # (pid, raw start time) -> (name, user, cmdline, create_time, can_signal)
        self._static: dict[tuple[int, bytes], tuple[str, str, str, float, bool] | None] = {}
        self._prev_fast: dict[tuple[int, bytes], tuple[float, float]] = {}

    def _can_signal(self, uids: tuple[int, int, int] | None) -> bool:
        """kill(2): our real or effective uid must match the target's real or saved uid."""
        if self._root or not self._my_uids:  # root, or no uids on this platform
            return True
        if uids is None:
            return False
        real, _effective, saved = uids
        return bool(self._my_uids & {real, saved})

    def snapshot(self) -> tuple[ProcessRow, ...]:
        return self._snapshot_linux() if _LINUX else self._snapshot_psutil()

    def _static_info(self, pid: int) -> tuple[str, str, str, float, bool] | None:
        try:
            proc = psutil.Process(pid)
            with proc.oneshot():
                create_time = proc.create_time()
                name = proc.name()
                try:
                    user = proc.username()
                except (psutil.AccessDenied, KeyError):  # KeyError: uid with no passwd entry
                    user = ""
                try:
                    cmdline = " ".join(proc.cmdline())
                except psutil.AccessDenied:
                    cmdline = ""
                try:
                    uids = proc.uids()
                except psutil.AccessDenied:
                    uids = None
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return None
        except psutil.AccessDenied:
            return ("", "", "", 0.0, False)
        return (name, user, cmdline, create_time, self._can_signal(uids))

    def _snapshot_linux(self) -> tuple[ProcessRow, ...]:
        now = time.monotonic()
        total_mem = psutil.virtual_memory().total or 1
        stats = scan_proc()
        rows: list[ProcessRow] = []
        static: dict[tuple[int, bytes], tuple[str, str, str, float, bool] | None] = {}
        prev_cpu: dict[tuple[int, bytes], tuple[float, float]] = {}
        for pid, st in stats.items():
            key = (pid, st.ident)
            info = self._static.get(key)
            # A process may rename itself (prctl, kernel workers do it all the time).
            if info is None or not _same_name(info[0], st.comm):
                info = self._static_info(pid)
            static[key] = info
            if info is None:
                continue  # exited between the scan and the lookup
            name, user, cmdline, create_time, can_signal = info
            cpu: float | None = None
            prev = self._prev_fast.get(key)
            if prev is not None and now > prev[1]:
                cpu = max(0.0, (st.cpu_s - prev[0]) / (now - prev[1]) * 100.0)
            prev_cpu[key] = (st.cpu_s, now)
            rows.append(
                ProcessRow(
                    pid=pid,
                    ppid=st.ppid,
                    name=name,
                    user=user,
                    cpu_percent=cpu,
                    rss=st.rss,
                    mem_percent=100.0 * st.rss / total_mem,
                    threads=st.threads,
                    status=st.state,
                    create_time=create_time,
                    cmdline=cmdline,
                    state=ProcState.ZOMBIE if st.state == psutil.STATUS_ZOMBIE else ProcState.OK,
                    can_signal=can_signal,
                )
            )
        self._static = static
        self._prev_fast = prev_cpu
        return tuple(rows)

    def _snapshot_psutil(self) -> tuple[ProcessRow, ...]:
        now = time.monotonic()
        total_mem = psutil.virtual_memory().total or 1
        rows: list[ProcessRow] = []
        seen: dict[tuple[int, float], tuple[float, float]] = {}
        # ad_value=None: fields we may not read come back as None instead of raising.
        for proc in psutil.process_iter(_ATTRS, ad_value=None):
            info = proc.info
            pid = int(info["pid"])
            create_time = float(info.get("create_time") or 0.0)
            status = info.get("status") or ""
            cpu_times = info.get("cpu_times")
            cpu: float | None = None
            if cpu_times is not None:
                total = cpu_times.user + cpu_times.system
                key = (pid, create_time)
                prev = self._prev.get(key)
                if prev is not None and now > prev[1]:
                    cpu = max(0.0, (total - prev[0]) / (now - prev[1]) * 100.0)
                seen[key] = (total, now)
            mem = info.get("memory_info")
            rss = int(mem.rss) if mem is not None else None
            cmdline = info.get("cmdline")
            denied = cpu_times is None and mem is None
            if status == psutil.STATUS_ZOMBIE:
                state = ProcState.ZOMBIE
            elif denied:
                state = ProcState.ACCESS_DENIED
            else:
                state = ProcState.OK
            rows.append(
                ProcessRow(
                    pid=pid,
                    ppid=int(info.get("ppid") or 0),
                    name=info.get("name") or "",
                    user=info.get("username") or "",
                    cpu_percent=cpu,
                    rss=rss,
                    mem_percent=None if rss is None else 100.0 * rss / total_mem,
                    threads=info.get("num_threads"),
                    status=status,
                    create_time=create_time,
                    cmdline=" ".join(cmdline) if cmdline else "",
                    state=state,
                    can_signal=self._can_signal(info.get("uids")),
                )
            )
        self._prev = seen
        return tuple(rows)


def _same_name(name: str, comm: str) -> bool:
    """psutil's name is the kernel's comm, completed from the command line when cut at 15."""
    return name == comm or (len(comm) >= 15 and name.startswith(comm))
