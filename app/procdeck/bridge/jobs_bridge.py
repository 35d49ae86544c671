"""Jobs between the worker pool and the window: coalesced snapshots out, commands in.

The pool marks what changed and wakes us once; we collect snapshots at most ``UI_HZ``
times per second, so a 20,000-job batch costs the window a few dozen updates a second,
not one per job. The worker list (psutil, in a thread) refreshes once a second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from procdeck.bridge.coalescer import UI_INTERVAL_MS, Coalescer
from procdeck.bridge.tasks import TaskSpawner
from procdeck.core.cluster_state import BackendChoice, BackendChoiceError
from procdeck.core.jobs import DispatchMode, DispatchRequest, JobSpecError
from procdeck.engine.workers.backend_factory import create_backend
from procdeck.engine.workers.files import read_inputs_file, render_results_async, save_results
from procdeck.engine.workers.pool import JobPool, PoolClosed

#: Job snapshots per UI tick at most; a bigger backlog is spread over the next ticks.
ROWS_PER_TICK = 1000
WORKERS_INTERVAL_MS = 1000

log = logging.getLogger(__name__)


class JobsBridge(QObject):
    jobsChanged = Signal(list)  # list[JobInfo] that changed
    batchesChanged = Signal(list)  # list[BatchInfo] that changed
    workersChanged = Signal(list)  # list[WorkerInfo]
    settingsChanged = Signal(object)  # PoolSettings
    jobDetails = Signal(object)  # JobInfo with the full result repr
    stacksReady = Signal(int, str)  # job id, the stacks of its worker's threads ("" if none)
    dispatched = Signal(str, int)  # "job" | "batch", id
    rejected = Signal(str)  # a dispatch request that cannot run, for the form
    exported = Signal(str)  # text of copied results
    saved = Signal(str)  # path results were saved to
    failed = Signal(str)  # anything else that went wrong, for the status bar
    backendState = Signal(object)  # ClusterState of a Dask backend, None for the local pool
    backendApplied = Signal(object)  # BackendChoice now in use (after a successful switch)

    def __init__(self, pool: JobPool, spawner: TaskSpawner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._spawner = spawner
        self._coalescer = Coalescer(self, self._emit_changes, UI_INTERVAL_MS)
        self._workers_timer = QTimer(self)
        self._workers_timer.setInterval(WORKERS_INTERVAL_MS)
        self._workers_timer.timeout.connect(self.refresh_workers)
        self._workers_timer.start()
        self._refreshing = False
        self._closed = False
        self._unsubscribe = pool.subscribe(self._wake)
        self._unsubscribe_state: Callable[[], None] | None = None
        self._switching = False
        if pool.has_changes:
            # Made after jobs started (the Jobs panel is built on first need): the pool
            # woke its listeners once already and waits for someone to take the changes.
            self._wake()

    # -- engine -> Qt -----------------------------------------------------------------
    def _wake(self) -> None:
        self._coalescer.poke()
        if not self._workers_timer.isActive() and not self._closed:
            self._workers_timer.start()  # a dispatch may start workers: watch them again

    def flush_now(self) -> None:
        """Emit what changed since the last flush at once (tests call it)."""
        self._coalescer.flush_now()

    def _emit_changes(self) -> None:
        jobs, batches = self._pool.take_changes(ROWS_PER_TICK)
        if jobs:
            self.jobsChanged.emit(jobs)
        if batches:
            self.batchesChanged.emit(batches)
        if self._pool.has_changes:
            self._coalescer.poke()  # the rest of a big backlog goes out next tick

    def refresh_workers(self) -> None:
        if not self._refreshing and not self._closed:
            self._refreshing = True
            self._spawner.spawn(self._refresh_workers)

    async def _refresh_workers(self) -> None:
        try:
            workers = await self._pool.workers()
        finally:
            self._refreshing = False
        if not self._closed:
            self.workersChanged.emit(workers)
            if not workers and not self._pool.active_count:
                # Nothing to watch until the pool changes (_wake) or the backend does.
                self._workers_timer.stop()

    def publish_settings(self) -> None:
        self.settingsChanged.emit(self._pool.settings)

    # -- commands ---------------------------------------------------------------------
    def dispatch(self, request: DispatchRequest) -> None:
        if request.mode is DispatchMode.MAP and request.inputs_file:
            self._spawner.spawn(self._dispatch_file, request)
            return
        try:
            if request.mode is DispatchMode.MAP:
                self.dispatched.emit("batch", self._pool.map(request.spec, request.inputs))
            else:
                self.dispatched.emit("job", self._pool.submit(request.spec))
        except PoolClosed as exc:
            self.rejected.emit(str(exc))

    async def _dispatch_file(self, request: DispatchRequest) -> None:
        try:
            inputs = await read_inputs_file(request.inputs_file or "")
        except JobSpecError as exc:
            self.rejected.emit(str(exc))
            return
        try:
            self.dispatched.emit("batch", self._pool.map(request.spec, inputs))
        except PoolClosed as exc:
            self.rejected.emit(str(exc))

    # -- backends -----------------------------------------------------------------------
    def use_backend(self, choice: BackendChoice) -> None:
        """Switch the pool to the local workers or a Dask cluster (jobs in flight are
        cancelled); a mistake or a missing extra is reported to the form."""
        if self._switching:
            self.rejected.emit("Still switching the pool's backend; try again in a moment.")
            return
        self._switching = True
        self._spawner.spawn(self._use_backend, choice)

    async def _use_backend(self, choice: BackendChoice) -> None:
        try:
            try:
                backend = await create_backend(choice, self._pool.task_group)
            except BackendChoiceError as exc:
                self.rejected.emit(str(exc))
                return
            if self._unsubscribe_state is not None:
                self._unsubscribe_state()
                self._unsubscribe_state = None
            await self._pool.use_backend(backend)
            if not self._closed:
                self._unsubscribe_state = backend.subscribe_state(self.backendState.emit)
                self.backendState.emit(backend.state)
                self.backendApplied.emit(choice)
            self.publish_settings()
            if not self._closed:
                self._workers_timer.start()
        finally:
            self._switching = False

    def cancel_job(self, job_id: int) -> None:
        if not self._pool.cancel(job_id):
            info = self._pool.info(job_id)
            if not info.state.is_final:
                backend = self._pool.backend
                why = (
                    "it is not cancellable"
                    if backend.can_interrupt(True)
                    else f"{backend.label} cannot interrupt a running task"
                )
                self.failed.emit(
                    f"Job {job_id} keeps running until it finishes ({why}); Kill job stops its worker."
                )

    def kill_job(self, job_id: int) -> None:
        """Stop a running job's worker now, even when the job cannot be interrupted."""
        self._spawner.spawn(self._pool.kill, job_id)

    def cancel_batch(self, batch_id: int) -> None:
        self._pool.cancel_batch(batch_id)

    def cancel_all(self) -> None:
        self._pool.cancel_all()

    def set_max_workers(self, n: int) -> None:
        self._pool.set_max_workers(n)
        self.publish_settings()

    def set_cancellable(self, cancellable: bool) -> None:
        self._pool.set_cancellable(cancellable)
        self.publish_settings()

    def set_memory_limit(self, limit: int | None) -> None:
        self._pool.set_memory_limit(limit)
        self.publish_settings()

    def show_stacks(self, job_id: int) -> None:
        """Dump the stacks of a running job's worker (it keeps running)."""
        self._spawner.spawn(self._show_stacks, job_id)

    async def _show_stacks(self, job_id: int) -> None:
        stacks = await self._pool.dump_stacks(job_id)
        if not self._closed:
            self.stacksReady.emit(job_id, stacks)

    def request_details(self, job_id: int) -> None:
        try:
            info = self._pool.info(job_id, full=True)
        except KeyError:
            return
        self.jobDetails.emit(info)

    def copy_results(self, batch_id: int, fmt: str) -> None:
        self._spawner.spawn(self._copy, batch_id, fmt)

    async def _copy(self, batch_id: int, fmt: str) -> None:
        text = await render_results_async(self._pool.results(batch_id), fmt)
        self.exported.emit(text)

    def save_results(self, batch_id: int, path: str, fmt: str) -> None:
        self._spawner.spawn(self._save, batch_id, path, fmt)

    async def _save(self, batch_id: int, path: str, fmt: str) -> None:
        try:
            await save_results(self._pool.results(batch_id), path, fmt)
        except OSError as exc:
            self.failed.emit(f"Could not save results to {path}: {exc.strerror or exc}")
            return
        self.saved.emit(path)

    def clear_finished(self) -> None:
        self._pool.remove_finished()

    def close(self) -> None:
        self._closed = True
        self._coalescer.close()
        self._workers_timer.stop()
        self._unsubscribe()
        if self._unsubscribe_state is not None:
            self._unsubscribe_state()
            self._unsubscribe_state = None
