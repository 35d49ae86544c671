"""The async sampler: ticks at a fixed rate, samples off the loop, keeps history.

One tick = one ``anyio.to_thread.run_sync`` call doing every psutil read for that tick
(workers, run trees, pinned processes, system totals). The result, an immutable
MonitorSnapshot, is appended to the History and handed to subscribers on the loop thread.

What is tracked comes from providers so that other components plug in without the
sampler knowing them:

- ``WorkerProvider``: ``() -> Iterable[(label, pid)]`` for the worker pool's processes;
- ``RunProvider``: ``() -> Iterable[(run_id, pid)]`` for live launched runs (each sampled
  as its whole tree);
- ``pin(pid, create_time)``: any process the user chose to chart.

Lifecycle: the Engine starts ``run()`` in its task group and calls ``stop()`` on shutdown.

Idle means idle: ``run()`` ticks only while there is something to sample: a live run, a
pinned process, a worker, or system totals someone wants (``set_system_wanted``: the
window wants them while its System chart is on screen). Otherwise it waits, without a
timer, until ``wake()`` (a run starts, a process is pinned, the job pool changes...).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import anyio
import anyio.abc
import anyio.to_thread

from procdeck.core import series_keys as keys
from procdeck.core.run_state import RunInfo
from procdeck.core.samples import (
    HistorySettings,
    MonitorSnapshot,
    ProcessRow,
    ProcessSample,
    RunMarker,
    SeriesInfo,
    SignalRequest,
    SignalResult,
)
from procdeck.engine.listeners import Listeners
from procdeck.engine.monitor.history import History
from procdeck.engine.monitor.markers import MarkerTracker, run_key
from procdeck.engine.monitor.probe import Probe, TickRequest, TreeTarget
from procdeck.engine.monitor.process_table import ProcessTable
from procdeck.engine.monitor.signals import send_signal

CPU, RSS = keys.Metric.CPU, keys.Metric.RSS
TREE, PARENT = keys.TreePart.TREE, keys.TreePart.PARENT

WorkerProvider = Callable[[], Iterable[tuple[str, int]]]
RunProvider = Callable[[], Iterable[tuple[int, int]]]
SnapshotCallback = Callable[[MonitorSnapshot], None]


def pin_key(pid: int, create_time: float) -> keys.SeriesGroup:
    return keys.pin_group(pid, create_time)


class Sampler:
    def __init__(
        self,
        settings: HistorySettings | None = None,
        *,
        workers: WorkerProvider | None = None,
        runs: RunProvider | None = None,
        run_label: Callable[[int], str] | None = None,
    ) -> None:
        self.settings = settings or HistorySettings()
        self.history = History(self.settings)
        self._probe = Probe()
        self._table = ProcessTable()
        self._workers = workers
        self._runs = runs
        self._run_label = run_label or (lambda run_id: f"run {run_id}")
        self._pinned: dict[str, TreeTarget] = {}
        self._subscribers = Listeners[[MonitorSnapshot]]()
        self._scope: anyio.CancelScope | None = None
        self._stopped = False
        self._rate_changed: anyio.Event | None = None  # created inside run(): needs a loop
        self._woken: anyio.Event | None = None  # set by wake() while run() has nothing to do
        self._system_wanted = True
        self.parked = False  # run() is waiting for something to sample
        self.markers = MarkerTracker(self.history.add_marker)
        self.last: MonitorSnapshot | None = None
        self.ticks = 0

    # -- configuration -------------------------------------------------------------------
    @property
    def rate_hz(self) -> float:
        return self.settings.rate_hz

    def set_rate(self, rate_hz: float) -> None:
        """Change the sampling rate (0.25-10 Hz); the history keeps its length in points."""
        HistorySettings(duration_s=self.settings.duration_s, rate_hz=rate_hz)  # validates
        self.settings = HistorySettings(self.settings.duration_s, rate_hz, self.settings.max_series)
        if self._rate_changed is not None:
            self._rate_changed.set()
        self.wake()

    def set_system_wanted(self, wanted: bool) -> None:
        """Whether system totals are worth a tick on their own (e.g. a System chart shown)."""
        self._system_wanted = wanted
        if wanted:
            self.wake()

    def wake(self) -> None:
        """Something to sample may have appeared: a parked run() looks again."""
        if self._woken is not None:
            self._woken.set()

    def has_work(self) -> bool:
        if self._system_wanted or self._pinned:
            return True
        if self._runs is not None and any(True for _ in self._runs()):
            return True
        return self._workers is not None and any(True for _ in self._workers())

    def set_worker_provider(self, provider: WorkerProvider | None) -> None:
        self._workers = provider
        self.wake()

    def pin(self, pid: int, create_time: float, name: str = "") -> str:
        """Chart any process (and its descendants); returns its series group key."""
        key = pin_key(pid, create_time)
        self._pinned[key] = TreeTarget(
            key=key, label=f"{name or 'pid'} {pid}", pid=pid, create_time=create_time
        )
        self.wake()
        return key

    def unpin(self, key: str) -> None:
        self._pinned.pop(key, None)

    @property
    def pinned(self) -> list[str]:
        return list(self._pinned)

    def on_run_info(self, info: RunInfo) -> None:
        """Feed from ProcessManager.subscribe: records start/stop/signal/exit markers."""
        self.markers.update(info)
        if info.state.is_live:
            self.wake()
        elif self.parked:
            self._republish()

    def forget_run(self, run_id: int) -> None:
        """The run was removed from the list: drop its series and markers."""
        self.markers.forget(run_id)
        self.history.drop_group(run_key(run_id))
        if self.parked:
            self._republish()

    def add_marker(self, marker: RunMarker) -> None:
        self.history.add_marker(marker)
        if self.parked:
            self._republish()

    def subscribe(self, callback: SnapshotCallback) -> Callable[[], None]:
        return self._subscribers.add(callback)

    # -- sampling ------------------------------------------------------------------------
    def _request(self) -> TickRequest:
        workers: tuple[tuple[str, int], ...] = ()
        if self._workers is not None:
            workers = tuple((str(label), int(pid)) for label, pid in self._workers())
        trees: list[TreeTarget] = []
        if self._runs is not None:
            for run_id, pid in self._runs():
                trees.append(TreeTarget(key=run_key(run_id), label=self._run_label(run_id), pid=int(pid)))
        trees.extend(self._pinned.values())
        return TickRequest(workers=workers, trees=tuple(trees))

    async def tick(self) -> MonitorSnapshot:
        """Sample once (off the loop), record history, notify subscribers."""
        request = self._request()
        snapshot = await anyio.to_thread.run_sync(self._probe.tick, request)
        self._record(snapshot)
        self.last = snapshot
        self.ticks += 1
        self._subscribers(snapshot)
        return snapshot

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Tick until stop(); ticks sit on a fixed grid and skip (not pile up) when late."""
        with anyio.CancelScope() as scope:
            self._scope = scope
            if self._stopped:
                scope.cancel()
            task_status.started()
            next_t = time.monotonic()
            while True:
                if not self.has_work():
                    await self._park()
                    next_t = time.monotonic()  # back on a grid that starts now
                await self.tick()
                period = 1.0 / self.settings.rate_hz
                now = time.monotonic()
                next_t += period
                if next_t <= now:
                    next_t = now + period - ((now - next_t) % period)
                rate_changed = self._rate_changed = anyio.Event()
                with anyio.move_on_after(max(0.0, next_t - now)):
                    await rate_changed.wait()
                    next_t = time.monotonic()  # rate changed: tick now on the new grid
        self._scope = None

    def _republish(self) -> None:
        """Hand the last snapshot out again: the history changed without a tick (a marker,
        a dropped run), and a resting sampler sends nothing else that tells the charts."""
        if self.last is not None:
            self._subscribers(self.last)

    async def _park(self) -> None:
        self.parked = True
        self._republish()  # the final state (e.g. an exit marker) gets drawn
        try:
            while not self.has_work():
                self._woken = anyio.Event()
                await self._woken.wait()
        finally:
            self._woken = None
            self.parked = False

    def stop(self) -> None:
        """End run(); safe to call before it started or after it ended."""
        self._stopped = True
        if self._scope is not None:
            self._scope.cancel()

    def _record(self, snap: MonitorSnapshot) -> None:
        hist = self.history
        t = snap.t
        sys = snap.system
        if sys.mem_total:
            hist.append(SeriesInfo(keys.SYS_CPU, keys.SYSTEM, "CPU total", "%"), t, sys.cpu_percent)
            for i, value in enumerate(sys.per_core):
                hist.append(SeriesInfo(keys.core_key(i), keys.SYSTEM, f"core {i}", "%"), t, value)
            hist.append(SeriesInfo(keys.SYS_MEM, keys.SYSTEM, "memory used", "B"), t, sys.mem_used)
            hist.append(SeriesInfo(keys.SYS_SWAP, keys.SYSTEM, "swap used", "B"), t, sys.swap_used)
            hist.append(SeriesInfo(keys.SYS_LOAD1, keys.SYSTEM, "load 1 min", ""), t, sys.load[0])
        if snap.workers:
            cpu_total = rss_total = 0.0
            cpu_known = False
            for label, sample in snap.workers:
                group = keys.worker_group(label)
                hist.append(
                    SeriesInfo(keys.metric_key(group, CPU), group, label, "%"),
                    t,
                    _live(sample, sample.cpu_percent),
                )
                hist.append(
                    SeriesInfo(keys.metric_key(group, RSS), group, label, "B"), t, _live(sample, sample.rss)
                )
                if sample.state.is_live and sample.cpu_percent is not None:
                    cpu_total += sample.cpu_percent
                    cpu_known = True
                if sample.state.is_live and sample.rss is not None:
                    rss_total += sample.rss
            hist.append(
                SeriesInfo(keys.POOL_CPU, keys.POOL, "pool total", "%"), t, cpu_total if cpu_known else None
            )
            hist.append(SeriesInfo(keys.POOL_RSS, keys.POOL, "pool total", "B"), t, rss_total)
        for tree in snap.trees:
            g = keys.SeriesGroup(tree.key)
            root = tree.root
            label = tree.label
            hist.append(SeriesInfo(keys.tree_key(g, TREE, CPU), g, label, "%"), t, tree.cpu_percent)
            hist.append(SeriesInfo(keys.tree_key(g, TREE, RSS), g, label, "B"), t, tree.rss)
            hist.append(
                SeriesInfo(keys.tree_key(g, PARENT, CPU), g, label, "%"), t, _live(root, root.cpu_percent)
            )
            hist.append(SeriesInfo(keys.tree_key(g, PARENT, RSS), g, label, "B"), t, _live(root, root.rss))

    # -- on-demand work ------------------------------------------------------------------
    async def process_table(self) -> tuple[ProcessRow, ...]:
        """Every process on the machine (a full walk: call it only while it is shown)."""
        return await anyio.to_thread.run_sync(self._table.snapshot)

    async def send_signal(self, request: SignalRequest) -> SignalResult:
        return await anyio.to_thread.run_sync(send_signal, request)


def _live(sample: ProcessSample, value: float | int | None) -> float | None:
    if not sample.state.is_live or value is None:
        return None
    return float(value)


__all__ = ["RunProvider", "Sampler", "WorkerProvider", "pin_key"]
