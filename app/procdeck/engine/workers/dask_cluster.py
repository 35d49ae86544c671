"""The connection to a Dask cluster: start or reach it, watch it, publish its state.

One `DaskConnection` owns the ``distributed.Client`` (asynchronous, on the running
asyncio loop: the app's qasync loop or the test's) and, in local-cluster mode, the
``LocalCluster`` and its worker processes. Its `run` task keeps the connection honest:

- the first start or connection that fails is a ``FAILED`` state with the reason, and it
  retries every ``retry_s`` seconds;
- a scheduler that goes away is ``RECONNECTING`` (the Client retries by itself for its
  timeout, then this class makes a new Client until it answers again);
- workers joining and leaving arrive as scheduler events (topic ``"all"``) and update the
  state at once; the backend hears which of its tasks were running on a leaving worker.

Nothing here raises into the window: every failure is a state with a message.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import anyio
import psutil
from anyio.abc import TaskStatus
from distributed import Client, LocalCluster

from procdeck.core.cluster_state import BackendChoice, ClusterState, ClusterStatus, DaskMode

log = logging.getLogger(__name__)

StateListener = Callable[[ClusterState], None]
#: ``(worker address, keys it was processing, expected)`` when a worker leaves.
LostListener = Callable[[str, set[str], bool], None]


class DaskConnection:
    """Owns one Client (and maybe a LocalCluster); start `run` in a task group, then
    `aclose` once. Create it inside the running event loop."""

    def __init__(
        self,
        choice: BackendChoice,
        *,
        connect_timeout: float = 10.0,
        poll_s: float = 1.0,
        retry_s: float = 3.0,
        allowed_failures: int = 0,
    ) -> None:
        if not choice.is_dask:
            raise ValueError("DaskConnection needs a Dask backend choice")
        self.choice = choice
        self.connect_timeout = connect_timeout
        self.poll_s = poll_s
        self.retry_s = retry_s
        self.allowed_failures = allowed_failures
        self.local = choice.dask_mode is DaskMode.LOCAL_CLUSTER
        target = (
            f"local cluster ({choice.n_workers} worker{'s' if choice.n_workers != 1 else ''})"
            if self.local
            else choice.address
        )
        self._state = ClusterState(
            ClusterStatus.STARTING if self.local else ClusterStatus.CONNECTING,
            target,
            since_mono=time.monotonic(),
        )
        self.client: Client | None = None
        self.cluster: LocalCluster | None = None
        #: address -> the scheduler's identity record for each live worker
        self.workers: dict[str, dict[str, Any]] = {}
        self.pids: dict[str, int] = {}
        #: every worker pid seen, kept after the worker left (to name it in messages)
        self.known_pids: dict[str, int] = {}
        self.first_seen: dict[str, float] = {}
        self._spawned: set[int] = set()
        self._state_listeners: list[StateListener] = []
        self._lost_listeners: list[LostListener] = []
        self._poll_hooks: list[Callable[[], Awaitable[None]]] = []
        self._changed = anyio.Event()
        self._wake = anyio.Event()
        self._scope: anyio.CancelScope | None = None
        self._stopped = anyio.Event()
        self._started = False
        self._closed = False
        self._subscribed: Any = None  # the scheduler comm the event subscription is on

    # -- state -----------------------------------------------------------------------

    @property
    def state(self) -> ClusterState:
        return self._state

    def subscribe(self, listener: StateListener) -> Callable[[], None]:
        """``listener(state)`` on every change of the published state."""
        self._state_listeners.append(listener)
        return lambda: self._state_listeners.remove(listener) if listener in self._state_listeners else None

    def on_worker_lost(self, listener: LostListener) -> None:
        self._lost_listeners.append(listener)

    def on_poll(self, hook: Callable[[], Awaitable[None]]) -> None:
        """``await hook()`` after each successful check of the scheduler."""
        self._poll_hooks.append(hook)

    def _publish(self, **changes: Any) -> None:
        new = self._state.with_(**changes)
        if new.status is not self._state.status:
            new = new.with_(since_mono=time.monotonic())
        if new == self._state:
            return
        self._state = new
        changed, self._changed = self._changed, anyio.Event()
        changed.set()
        for listener in list(self._state_listeners):
            try:
                listener(new)
            except Exception:  # a listener's bug must not stop the connection
                log.exception("cluster state listener failed")

    async def wait_settled(self, timeout: float | None = None) -> ClusterState:
        """Wait while the first start/connection is in progress; returns the state then."""
        with anyio.move_on_after(timeout):
            while self._state.status in (ClusterStatus.STARTING, ClusterStatus.CONNECTING):
                await self._changed.wait()
        return self._state

    async def wait_for(self, predicate: Callable[[ClusterState], bool], timeout: float) -> ClusterState:
        """Wait until ``predicate(state)``; raises TimeoutError after ``timeout``."""
        with anyio.fail_after(timeout):
            while not predicate(self._state):
                await self._changed.wait()
        return self._state

    def note(self, message: str) -> None:
        """Show ``message`` with the current state (e.g. a worker restart that failed)."""
        self._publish(message=message)

    def refresh_soon(self) -> None:
        self._wake.set()

    # -- the watching task -----------------------------------------------------------

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Connect, then watch until `aclose`. Start with ``task_group.start``."""
        self._started = True
        try:
            with anyio.CancelScope() as self._scope:
                task_status.started()
                if self._closed:
                    return
                while not self._closed:
                    if self.client is None:
                        await self._connect()
                        if self.client is None:
                            await self._sleep(self.retry_s)
                            continue
                    await self._check()
                    await self._sleep(self.poll_s)
        finally:
            self._stopped.set()

    async def _sleep(self, seconds: float) -> None:
        with anyio.move_on_after(seconds):
            await self._wake.wait()
        self._wake = anyio.Event()

    async def _connect(self) -> None:
        choice = self.choice
        try:
            with anyio.fail_after(self.connect_timeout + 30 if self.local else self.connect_timeout + 5):
                if self.local:
                    if self.cluster is None:
                        self._publish(status=ClusterStatus.STARTING, message="")
                        self.cluster = await LocalCluster(
                            n_workers=choice.n_workers,
                            threads_per_worker=1,
                            processes=True,
                            asynchronous=True,
                            dashboard_address="127.0.0.1:0",
                            # A task whose worker dies fails at once (KilledWorker)
                            # instead of running again elsewhere behind our back; with
                            # a remote scheduler its own allowed-failures rule applies.
                            scheduler_kwargs={"allowed_failures": self.allowed_failures},
                        )
                        self._note_spawned()
                    self.client = await Client(self.cluster, asynchronous=True, set_as_default=False)
                else:
                    kwargs: dict[str, Any] = {}
                    if choice.security.enabled:
                        kwargs["security"] = _security(choice)
                    self.client = await Client(
                        choice.address,
                        asynchronous=True,
                        set_as_default=False,
                        timeout=self.connect_timeout,
                        **kwargs,
                    )
        except Exception as exc:
            await self._drop_client()
            if self.local and self.cluster is not None:
                await self._close_cluster()
            status = self._state.status
            self._publish(
                status=ClusterStatus.RECONNECTING
                if status is ClusterStatus.RECONNECTING
                else ClusterStatus.FAILED,
                message=f"{_why(exc)} Retrying every {self.retry_s:g} s.",
                workers=0,
                threads=0,
            )
            return
        self._subscribed = None
        self._publish(message="")

    async def _check(self) -> None:
        client = self.client
        assert client is not None
        if client.status in ("closed", "closing", "failed"):
            # The Client gave up reconnecting on its own: make a new one.
            await self._drop_client()
            self._lost_everything("the scheduler connection closed")
            self._publish(status=ClusterStatus.RECONNECTING)
            return
        if client.status != "running":
            if self._state.status is ClusterStatus.CONNECTED:
                self._lost_everything("the connection to the scheduler was lost")
            self._publish(status=ClusterStatus.RECONNECTING, message="The scheduler does not answer.")
            return
        try:
            if self._subscribed is not client.scheduler_comm:
                client.subscribe_topic("all", self._on_event)
                self._subscribed = client.scheduler_comm
            with anyio.fail_after(max(5.0, self.connect_timeout)):
                identity = await scheduler_rpc(client).identity(n_workers=-1)
                await self._update_workers(client, identity.get("workers", {}))
        except Exception as exc:
            self._publish(status=ClusterStatus.RECONNECTING, message=_why(exc))
            return
        dashboard = None
        with suppress(Exception):
            dashboard = client.dashboard_link if identity.get("services", {}).get("dashboard") else None
        self._publish(
            status=ClusterStatus.CONNECTED,
            workers=len(self.workers),
            threads=sum(int(w.get("nthreads", 1)) for w in self.workers.values()),
            dashboard=dashboard,
            message="" if self._state.status is not ClusterStatus.CONNECTED else self._state.message,
        )
        for hook in list(self._poll_hooks):
            try:
                await hook()
            except Exception:
                log.exception("cluster poll hook failed")

    async def _update_workers(self, client: Client, workers: dict[str, dict[str, Any]]) -> None:
        now = time.monotonic()
        for gone in set(self.workers) - set(workers):
            self.pids.pop(gone, None)
            self.first_seen.pop(gone, None)
        new = [a for a in workers if a not in self.pids]
        for address in workers:
            self.first_seen.setdefault(address, now)
        self.workers = dict(workers)
        if new:
            # The scheduler does not report worker pids; ask the new workers themselves.
            with suppress(Exception):
                pids = await client.run(os.getpid, workers=new, on_error="ignore")
                self.pids.update({a: p for a, p in pids.items() if isinstance(p, int)})
                self.known_pids.update(self.pids)
            self._note_spawned()

    def _note_spawned(self) -> None:
        """Remember local worker pids so a failed close can still kill them."""
        if self.local:
            self._spawned.update(self.pids.values())
            cluster = self.cluster
            if cluster is not None:
                for nanny in list(getattr(cluster, "workers", {}).values()):
                    with suppress(Exception):
                        self._spawned.add(nanny.process.process.pid)

    def _on_event(self, event: tuple[float, dict[str, Any]]) -> None:
        try:
            _, msg = event
            action = msg.get("action")
        except Exception:
            return
        if action == "add-worker":
            self._publish(message=f"Worker {msg.get('worker', '?')} joined.")
            self.refresh_soon()
        elif action == "remove-worker":
            address = str(msg.get("worker", "?"))
            keys = set(msg.get("processing-tasks") or ())
            expected = bool(msg.get("expected"))
            how = "left" if expected else "was lost"
            self._publish(message=f"Worker {address} {how}.")
            for listener in list(self._lost_listeners):
                try:
                    listener(address, keys, expected)
                except Exception:
                    log.exception("worker-lost listener failed")
            self.refresh_soon()

    def _lost_everything(self, why: str) -> None:
        self.workers = {}
        self.pids.clear()
        self._publish(workers=0, threads=0, message=f"{why[0].upper()}{why[1:]}.")

    # -- local cluster helpers -------------------------------------------------------

    def local_pid(self, address: str) -> int | None:
        return self.pids.get(address)

    def is_local_worker(self, address: str) -> bool:
        return self.local and address in self.workers

    def kill_local_worker(self, address: str) -> bool:
        """Kill a local worker process; its nanny starts a fresh one."""
        pid = self.pids.get(address)
        if pid is None:
            return False
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    # -- shutdown --------------------------------------------------------------------

    async def _drop_client(self) -> None:
        client, self.client = self.client, None
        self._subscribed = None
        if client is None:
            return
        with anyio.CancelScope(shield=True), anyio.move_on_after(10):
            with suppress(Exception):
                if client.status == "running":
                    with suppress(Exception):
                        client.unsubscribe_topic("all")
                await client.close(timeout=5)

    async def _close_cluster(self) -> None:
        cluster, self.cluster = self.cluster, None
        if cluster is None:
            return
        with anyio.CancelScope(shield=True):
            # Retire the workers before the scheduler closes, or a worker's heartbeat may
            # meet a closed scheduler and log a traceback on the way out
            # (https://github.com/dask/distributed/issues/7105).
            with anyio.move_on_after(10), suppress(Exception):
                cluster.scale(0)
                while cluster.workers:
                    await anyio.sleep(0.05)
            with anyio.move_on_after(20), suppress(Exception):
                closing = cluster.close(timeout=15)
                if closing is not None:  # an asynchronous cluster returns its coroutine
                    await closing
            # Whatever the close left behind (a stuck worker) is ours to stop.
            await anyio.to_thread.run_sync(_kill_leftovers, set(self._spawned))

    async def aclose(self) -> None:
        """Close the client, then the local cluster and its processes. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._scope is not None:
            self._scope.cancel()
        if self._started:
            with anyio.CancelScope(shield=True):
                await self._stopped.wait()
        await self._drop_client()
        await self._close_cluster()
        self._publish(status=ClusterStatus.CLOSED, workers=0, threads=0, message="")


def _security(choice: BackendChoice) -> Any:
    from distributed.security import Security

    sec = choice.security
    for what, path in (
        ("CA file", sec.ca_file),
        ("client certificate", sec.client_cert),
        ("client key", sec.client_key),
    ):
        if path and not os.path.isfile(path):
            raise FileNotFoundError(f"TLS {what} not found: {path}")
    return Security(
        tls_ca_file=sec.ca_file or None,
        tls_client_cert=sec.client_cert or None,
        tls_client_key=sec.client_key or None,
        require_encryption=sec.require_encryption,
    )


def scheduler_rpc(client: Client) -> Any:
    """The client's handle on the scheduler; ConnectionError while it has none."""
    if client.scheduler is None:
        raise ConnectionError("not connected to a scheduler")
    return client.scheduler


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "No answer in time (timed out)."
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    return f"{type(exc).__name__}: {first}" if type(exc).__name__ not in first else first


def _kill_leftovers(pids: set[int]) -> None:
    me = os.getpid()
    procs = []
    for pid in pids:
        if pid == me:
            continue
        try:
            proc = psutil.Process(pid)
            if proc.ppid() != me and proc.status() != psutil.STATUS_ZOMBIE:
                # Not our child (any more): the pid may have been reused; leave it alone.
                continue
            procs.append(proc)
        except psutil.NoSuchProcess:
            continue
    for proc in procs:
        with suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(procs, timeout=5)
