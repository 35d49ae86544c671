"""The blocking half of the sampler: every psutil call of one tick, run in one thread call.

``Probe.tick(request)`` is called through ``anyio.to_thread.run_sync`` once per tick and
does all the psutil work for that tick in one go (one thread hop, not one per process).
It keeps one ``psutil.Process`` per tracked pid between ticks, because CPU% is a
difference of two readings of the same process, and checks at every tick that the pid
still belongs to the same process (create_time), so a reused pid never inherits the
history of a dead process. Reads are grouped with ``oneshot()`` so psutil parses
/proc/<pid>/stat once per process per tick.

A Probe is used by one thread at a time (the sampler never overlaps its ticks).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import psutil

from procdeck.core.samples import MonitorSnapshot, ProcessSample, ProcState, SystemSample, TreeSample

_LINUX = sys.platform.startswith("linux")


@dataclass(frozen=True, slots=True)
class TreeTarget:
    """A process tree to sample: a run's root process, or a process pinned by the user."""

    key: str
    label: str
    pid: int
    create_time: float | None = None  # when known, a different process at pid is "gone"


@dataclass(frozen=True, slots=True)
class TickRequest:
    """What one tick should sample; built on the loop thread, read in the worker thread."""

    workers: tuple[tuple[str, int], ...] = ()
    trees: tuple[TreeTarget, ...] = ()
    system: bool = True


class _Tracked:
    """One tracked process: its psutil handle, identity and previous CPU reading."""

    __slots__ = ("proc", "create_time", "ident", "name", "cpu_total", "mono", "seen")

    def __init__(self, proc: psutil.Process, create_time: float, ident: object, name: str) -> None:
        self.proc = proc
        self.create_time = create_time
        self.ident = ident  # raw start time from /proc/<pid>/stat where available
        self.name = name
        self.cpu_total: float | None = None
        self.mono = 0.0
        self.seen = 0  # tick number of the last request that asked for this pid


def _stat_ident(proc: psutil.Process) -> object:
    """The process start time as read *now* (not psutil's cached create_time).

    psutil caches create_time() on the Process object and its read methods do not check
    for pid reuse, so a fresh reading is needed at each tick. On Linux, inside oneshot(),
    the raw start-time field of the already-parsed /proc/<pid>/stat is free; elsewhere (or
    if psutil's internals change) a new Process is built, which costs one more read.
    https://github.com/giampaolo/psutil/blob/master/psutil/_pslinux.py (_parse_stat_file)
    """
    impl = getattr(proc, "_proc", None)
    parse = getattr(impl, "_parse_stat_file", None)
    if _LINUX and parse is not None:
        try:
            return parse()["create_time"]
        except (KeyError, TypeError):
            pass
    return psutil.Process(proc.pid).create_time()


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# /proc/<pid>/stat state letters, named as psutil names them.
_STATES = {
    "R": psutil.STATUS_RUNNING,
    "S": psutil.STATUS_SLEEPING,
    "D": psutil.STATUS_DISK_SLEEP,
    "T": psutil.STATUS_STOPPED,
    "t": psutil.STATUS_TRACING_STOP,
    "Z": psutil.STATUS_ZOMBIE,
    "X": psutil.STATUS_DEAD,
    "x": psutil.STATUS_DEAD,
    "K": "wake-kill",
    "W": psutil.STATUS_WAKING,
    "P": psutil.STATUS_PARKED,
    "I": psutil.STATUS_IDLE,
}


@dataclass(frozen=True, slots=True)
class StatLine:
    """The fields of /proc/<pid>/stat the sampler needs."""

    ppid: int
    state: str
    cpu_s: float  # utime + stime
    threads: int
    ident: bytes  # raw start time (clock ticks since boot): the process identity
    rss: int  # bytes
    comm: str = ""  # the kernel's process name (15 characters for user processes)


def scan_proc() -> dict[int, StatLine]:
    """Every process's /proc/<pid>/stat in one pass (Linux).

    Finding a tree's descendants needs every process's ppid anyway, and that same read
    holds everything a sample needs (CPU times, state, threads, RSS, start time): tree
    members are then sampled without reading their files a second time. This is what
    keeps 250+ tracked processes at 1 Hz cheaper than top (see the monitor_overhead
    benchmark).
    """
    result: dict[int, StatLine] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
        except OSError:  # gone, or not ours to read
            continue
        # The name field may hold spaces and parentheses: the rest starts after the last ")".
        rpar = data.rfind(b")")
        fields = data[rpar + 2 :].split()
        try:
            result[int(name)] = StatLine(
                ppid=int(fields[1]),
                state=_STATES.get(fields[0].decode(), "?"),
                cpu_s=(int(fields[11]) + int(fields[12])) / _CLK_TCK,
                threads=int(fields[17]),
                ident=fields[19],
                rss=int(fields[21]) * _PAGE,
                comm=data[data.find(b"(") + 1 : rpar].decode("utf-8", "replace"),
            )
        except (IndexError, ValueError):
            continue
    return result


def ppid_map() -> dict[int, int]:
    """{pid: ppid} for every process, in one pass."""
    if _LINUX:
        return {pid: st.ppid for pid, st in scan_proc().items()}
    result = {}
    for proc in psutil.process_iter(["ppid"]):
        ppid = proc.info.get("ppid")
        if ppid is not None:
            result[proc.pid] = ppid
    return result


def descendants(root: int, parents: dict[int, int]) -> list[int]:
    """Every descendant of ``root`` in a {pid: ppid} map, breadth first."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        if pid != ppid:
            children.setdefault(ppid, []).append(pid)
    out: list[int] = []
    queue = list(children.get(root, ()))
    seen = {root}
    while queue:
        pid = queue.pop(0)
        if pid in seen:
            continue
        seen.add(pid)
        out.append(pid)
        queue.extend(sorted(children.get(pid, ())))
    return out


class Probe:
    """Samples processes and the system; keeps state between ticks for CPU deltas."""

    def __init__(
        self, *, mono: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time
    ) -> None:
        self._mono = mono
        self._wall = wall
        self._tracked: dict[int, _Tracked] = {}
        self._tick_no = 0
        self.cpu_count = psutil.cpu_count() or 1
        self._cpu_prev: list[tuple[float, float]] | None = None

    @property
    def tracked_pids(self) -> list[int]:
        return list(self._tracked)

    # -- one tick ------------------------------------------------------------------------
    def tick(self, request: TickRequest) -> MonitorSnapshot:
        started = time.perf_counter()
        self._tick_no += 1
        now = self._mono()
        wall = self._wall()
        system = self.system_sample(wall) if request.system else _empty_system(wall, self.cpu_count)
        workers = tuple((label, self.sample(pid, now, wall)) for label, pid in request.workers)
        trees: list[TreeSample] = []
        if request.trees:
            stats = scan_proc() if _LINUX else None
            parents = {pid: st.ppid for pid, st in stats.items()} if stats is not None else ppid_map()
            for target in request.trees:
                trees.append(self._tree(target, parents, now, wall, stats))
        # Forget processes no request asked for this tick (ended runs, exited workers).
        for pid in [p for p, tr in self._tracked.items() if tr.seen != self._tick_no]:
            del self._tracked[pid]
        return MonitorSnapshot(
            t=wall, system=system, workers=workers, trees=tuple(trees), tick_s=time.perf_counter() - started
        )

    def _tree(
        self,
        target: TreeTarget,
        parents: dict[int, int],
        now: float,
        wall: float,
        stats: dict[int, StatLine] | None,
    ) -> TreeSample:
        get = stats.get if stats is not None else (lambda _pid: None)
        root = self.sample(target.pid, now, wall, expect=target.create_time, stat=get(target.pid))
        members = [root]
        if root.state.is_live:
            for pid in descendants(target.pid, parents):
                sample = self.sample(pid, now, wall, stat=get(pid))
                # A descendant that started before its "parent" is a reused pid edge case.
                if sample.state is not ProcState.GONE and sample.create_time + 1.0 >= root.create_time:
                    members.append(sample)
        return TreeSample(key=target.key, label=target.label, root=root, members=tuple(members), t=wall)

    # -- one process ---------------------------------------------------------------------
    def sample(
        self, pid: int, now: float, wall: float, expect: float | None = None, stat: StatLine | None = None
    ) -> ProcessSample:
        """Sample one pid; every psutil failure becomes the sample's state.

        ``stat``: this tick's /proc/<pid>/stat line when the tick already read it (trees on
        Linux); used instead of asking psutil to read the same file again.
        """
        tracked = self._tracked.get(pid)
        if tracked is None:
            try:
                proc = psutil.Process(pid)
                with proc.oneshot():
                    create_time = proc.create_time()
                    ident = _stat_ident(proc)
                    name = proc.name()
            except psutil.NoSuchProcess:
                return ProcessSample(
                    pid=pid, create_time=expect or 0.0, name="", t=wall, state=ProcState.GONE
                )
            except psutil.AccessDenied:
                return ProcessSample(
                    pid=pid, create_time=expect or 0.0, name="", t=wall, state=ProcState.ACCESS_DENIED
                )
            tracked = _Tracked(proc, create_time, ident, name)
            self._tracked[pid] = tracked
        if expect is not None and abs(tracked.create_time - expect) > 0.05:
            tracked.seen = self._tick_no
            return ProcessSample(pid=pid, create_time=expect, name="", t=wall, state=ProcState.GONE)
        tracked.seen = self._tick_no
        if stat is not None and stat.ident == tracked.ident:
            if stat.state == psutil.STATUS_ZOMBIE:
                return self._ended(pid, tracked, wall, ProcState.ZOMBIE, forget=False)
            return self._measured(tracked, pid, wall, now, stat.cpu_s, stat.rss, stat.threads, stat.state)
        proc = tracked.proc
        try:
            with proc.oneshot():
                cpu = proc.cpu_times()
                if _stat_ident(proc) != tracked.ident:
                    raise psutil.NoSuchProcess(pid)  # the pid was reused by a new process
                status = proc.status()
                rss: int | None
                threads: int | None
                try:
                    rss = proc.memory_info().rss
                    threads = proc.num_threads()
                except psutil.AccessDenied:
                    rss = threads = None
        except psutil.ZombieProcess:
            return self._ended(pid, tracked, wall, ProcState.ZOMBIE)
        except psutil.NoSuchProcess:
            return self._ended(pid, tracked, wall, ProcState.GONE)
        except psutil.AccessDenied:
            return ProcessSample(
                pid=pid,
                create_time=tracked.create_time,
                name=tracked.name,
                t=wall,
                state=ProcState.ACCESS_DENIED,
            )
        if status == psutil.STATUS_ZOMBIE:
            return self._ended(pid, tracked, wall, ProcState.ZOMBIE, forget=False)
        return self._measured(tracked, pid, wall, now, cpu.user + cpu.system, rss, threads, status)

    def _measured(
        self,
        tracked: _Tracked,
        pid: int,
        wall: float,
        now: float,
        total: float,
        rss: int | None,
        threads: int | None,
        status: str,
    ) -> ProcessSample:
        percent: float | None = None
        if tracked.cpu_total is not None and now > tracked.mono:
            percent = max(0.0, (total - tracked.cpu_total) / (now - tracked.mono) * 100.0)
        tracked.cpu_total = total
        tracked.mono = now
        return ProcessSample(
            pid=pid,
            create_time=tracked.create_time,
            name=tracked.name,
            t=wall,
            state=ProcState.OK,
            cpu_percent=percent,
            cpu_norm=None if percent is None else percent / self.cpu_count,
            rss=rss,
            threads=threads,
            status=status,
        )

    def _ended(
        self, pid: int, tracked: _Tracked, wall: float, state: ProcState, forget: bool = True
    ) -> ProcessSample:
        if forget:
            self._tracked.pop(pid, None)
        return ProcessSample(
            pid=pid,
            create_time=tracked.create_time,
            name=tracked.name,
            t=wall,
            state=state,
            status=state.value,
        )

    # -- the machine ---------------------------------------------------------------------
    def system_sample(self, wall: float) -> SystemSample:
        per_core_times = psutil.cpu_times(percpu=True)
        current = [_busy_total(ct) for ct in per_core_times]
        per_core: tuple[float, ...] = ()
        total: float | None = None
        prev = self._cpu_prev
        if prev is not None and len(prev) == len(current):
            values = []
            busy_sum = total_sum = 0.0
            for (b0, t0), (b1, t1) in zip(prev, current, strict=False):
                d_total = t1 - t0
                d_busy = max(0.0, b1 - b0)
                values.append(min(100.0, 100.0 * d_busy / d_total) if d_total > 0 else 0.0)
                busy_sum += d_busy
                total_sum += max(0.0, d_total)
            per_core = tuple(values)
            total = min(100.0, 100.0 * busy_sum / total_sum) if total_sum > 0 else 0.0
        self._cpu_prev = current
        mem = psutil.virtual_memory()
        swap = psutil.swap_memory()
        try:
            load = os.getloadavg()
        except OSError:  # not available on this platform
            load = (0.0, 0.0, 0.0)
        return SystemSample(
            t=wall,
            cpu_percent=total,
            per_core=per_core,
            mem_total=int(mem.total),
            mem_used=int(mem.total - mem.available),
            mem_available=int(mem.available),
            swap_total=int(swap.total),
            swap_used=int(swap.used),
            load=load,
            cpu_count=len(current) or self.cpu_count,
        )


def _busy_total(times: NamedTuple) -> tuple[float, float]:
    """(busy, total) seconds of one CPU, the way psutil.cpu_percent counts them."""
    fields: dict[str, float] = times._asdict()
    total = sum(fields.values())
    # On Linux guest time is already counted in user/nice.
    total -= fields.get("guest", 0.0) + fields.get("guest_nice", 0.0)
    idle = fields.get("idle", 0.0) + fields.get("iowait", 0.0)
    return total - idle, total


def _empty_system(wall: float, cpu_count: int) -> SystemSample:
    return SystemSample(
        t=wall,
        cpu_percent=None,
        per_core=(),
        mem_total=0,
        mem_used=0,
        mem_available=0,
        swap_total=0,
        swap_used=0,
        load=(0.0, 0.0, 0.0),
        cpu_count=cpu_count,
    )
