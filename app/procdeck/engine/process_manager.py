"""Launching, streaming, stopping and restarting child processes (anyio, no Qt).

Each run has one supervising task in the engine's task group. It opens the process in a
new session, pumps stdout and stderr into the run's RunOutput (so pipes are always
drained), waits for exit and publishes RunInfo snapshots to subscribers.

The stop ladder: the stop signal to the whole tree (session, descendants, remembered
members), a grace period, then SIGKILL for whatever is left. Kill is SIGKILL at once.
Process-tree walks run in worker threads (anyio.to_thread): they read /proc and would
otherwise stall the window.
"""

from __future__ import annotations

import dataclasses
import itertools
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.abc

from procdeck.core.output import Stream
from procdeck.core.process_spec import ProcessSpec
from procdeck.core.run_state import ExitOutcome, RunInfo, RunState, signal_name
from procdeck.engine import process_tree
from procdeck.engine.child_env import child_environment
from procdeck.engine.launch_errors import check_cwd, describe_start_error
from procdeck.engine.output import pipe_reads
from procdeck.engine.output.run_output import RunOutput

STOP_POLL_S = 0.05

ChangeListener = Callable[[RunInfo], None]
RemoveListener = Callable[[int], None]
OutputFactory = Callable[[int, ProcessSpec], RunOutput]


class UnknownRun(LookupError):
    def __init__(self, run_id: int) -> None:
        super().__init__(f"There is no run {run_id} (it was removed).")
        self.run_id = run_id


class _Run:
    """The engine's mutable record of one run; the world sees only RunInfo snapshots."""

    def __init__(self, run_id: int, spec: ProcessSpec, output: RunOutput) -> None:
        self.run_id = run_id
        self.spec = spec
        self.output = output
        self.info = RunInfo(run_id=run_id, spec=spec, state=RunState.STARTING)
        self.process: anyio.abc.Process | None = None
        self.known_tree: set[process_tree.ProcKey] = set()
        self.taps: list[Callable[[Stream, bytes], None]] = []  # see ProcessManager.tap_output
        self.new_attempt()

    def new_attempt(self) -> None:
        self.spawned = anyio.Event()  # open_process returned or failed
        self.exited = anyio.Event()  # leader exited or never started
        self.streams_closed = anyio.Event()  # both pumps reached EOF
        self.process = None
        self.stopping = False
        self.ended_at: float | None = None  # wall clock, for pid-reuse checks

    def tree_args(self) -> tuple[int, set[process_tree.ProcKey], float | None]:
        assert self.leader is not None
        return self.leader, set(self.known_tree), self.ended_at

    @property
    def leader(self) -> int | None:
        return self.info.pid


class ProcessManager:
    def __init__(
        self,
        task_group: anyio.abc.TaskGroup,
        *,
        output_factory: OutputFactory | None = None,
    ) -> None:
        self._tg = task_group
        self._runs: dict[int, _Run] = {}
        self._ids = itertools.count(1)
        self._change_listeners: list[ChangeListener] = []
        self._remove_listeners: list[RemoveListener] = []
        self._output_factory = output_factory or (lambda _id, spec: RunOutput(encoding=spec.encoding))
        self._closed = False

    # -- queries ----------------------------------------------------------------------
    def runs(self) -> list[RunInfo]:
        return [run.info for run in self._runs.values()]

    def info(self, run_id: int) -> RunInfo:
        return self._get(run_id).info

    def output(self, run_id: int) -> RunOutput:
        return self._get(run_id).output

    def tree_pids(self, run_id: int) -> list[int]:
        """Pids last seen in the run's tree (leader first); refreshed by stop/scan."""
        run = self._get(run_id)
        pids = sorted(pid for pid, _ in run.known_tree if pid != run.leader)
        return ([run.leader] if run.leader and run.info.state.is_live else []) + pids

    async def scan_tree(self, run_id: int) -> list[int]:
        """Walk the run's tree now (off the loop) and remember its members."""
        run = self._get(run_id)
        if run.leader is None:
            return []
        found = await anyio.to_thread.run_sync(process_tree.scan_tree, *run.tree_args())
        run.known_tree = found
        return self.tree_pids(run_id)

    def tap_output(self, run_id: int, tap: Callable[[Stream, bytes], None]) -> Callable[[], None]:
        """Call ``tap(stream, chunk)`` with every chunk the run's pipes deliver (log-line
        probes); whatever RunOutput the run has. Returns the function that removes the tap."""
        taps = self._get(run_id).taps
        taps.append(tap)
        return lambda: taps.remove(tap) if tap in taps else None

    def subscribe(
        self, on_change: ChangeListener, on_remove: RemoveListener | None = None
    ) -> Callable[[], None]:
        self._change_listeners.append(on_change)
        if on_remove is not None:
            self._remove_listeners.append(on_remove)

        def unsubscribe() -> None:
            if on_change in self._change_listeners:
                self._change_listeners.remove(on_change)
            if on_remove is not None and on_remove in self._remove_listeners:
                self._remove_listeners.remove(on_remove)

        return unsubscribe

    # -- commands ---------------------------------------------------------------------
    def launch(self, spec: ProcessSpec) -> int:
        """Start ``spec`` and return its run id at once; failures become run states."""
        if self._closed:
            raise RuntimeError("The engine is shutting down.")
        run_id = next(self._ids)
        run = _Run(run_id, spec, self._output_factory(run_id, spec))
        self._runs[run_id] = run
        self._publish(run)
        self._tg.start_soon(self._supervise, run, name=f"procdeck run {run_id}")
        return run_id

    async def wait(self, run_id: int) -> RunInfo:
        """Wait until the run's leader has exited (or failed to start)."""
        run = self._get(run_id)
        await run.exited.wait()
        return run.info

    async def wait_output(self, run_id: int) -> None:
        """Wait until both of the run's streams reached end of file."""
        await self._get(run_id).streams_closed.wait()

    async def stop(self, run_id: int) -> RunInfo:
        """The stop ladder: stop signal to the tree, grace period, then SIGKILL."""
        return await self._stop(self._get(run_id), kill=False)

    async def kill(self, run_id: int) -> RunInfo:
        return await self._stop(self._get(run_id), kill=True)

    async def restart(self, run_id: int) -> RunInfo:
        run = self._get(run_id)
        await self._stop(run, kill=False)
        with anyio.move_on_after(1.0):  # pipes close once the tree is gone
            await run.streams_closed.wait()
        run.output.marker("restarted")
        run.output.reopen()
        run.new_attempt()
        run.known_tree = set()
        self._set(
            run,
            state=RunState.STARTING,
            pid=None,
            outcome=None,
            error=None,
            stop_requested=False,
            signals_sent=(),
            started_at=None,
            started_mono=None,
            ended_mono=None,
        )
        self._tg.start_soon(self._supervise, run, name=f"procdeck run {run_id}")
        return run.info

    async def remove(self, run_id: int) -> None:
        """Forget a finished run (a live one is stopped first)."""
        run = self._get(run_id)
        await self._stop(run, kill=False)
        self._runs.pop(run_id, None)
        for listener in list(self._remove_listeners):
            listener(run_id)

    async def shutdown(self) -> None:
        """Stop every run (ladders run concurrently); no new launches afterwards."""
        self._closed = True
        async with anyio.create_task_group() as tg:
            for run in list(self._runs.values()):
                tg.start_soon(self._stop, run, False)

    # -- internals --------------------------------------------------------------------
    def _get(self, run_id: int) -> _Run:
        try:
            return self._runs[run_id]
        except KeyError:
            raise UnknownRun(run_id) from None

    def _set(self, run: _Run, **changes: Any) -> None:
        run.info = dataclasses.replace(run.info, **changes)
        self._publish(run)

    def _publish(self, run: _Run) -> None:
        for listener in list(self._change_listeners):
            listener(run.info)

    async def _supervise(self, run: _Run) -> None:
        spec = run.spec
        problem = check_cwd(spec)
        process: anyio.abc.Process | None = None
        if problem is None:
            try:
                process = await anyio.open_process(
                    list(spec.argv),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    cwd=spec.cwd,
                    env=child_environment(spec.env, unbuffered=spec.unbuffered),
                    start_new_session=True,
                )
            except OSError as exc:
                problem = describe_start_error(spec, exc)
        if process is None:
            self._set(run, state=RunState.FAILED_TO_START, error=problem)
            run.spawned.set()
            run.exited.set()
            run.streams_closed.set()
            return
        run.process = process
        self._set(
            run,
            state=RunState.STOPPING if run.stopping else RunState.RUNNING,
            pid=process.pid,
            started_at=time.time(),
            started_mono=time.monotonic(),
        )
        run.spawned.set()
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._pump_both, run, process)
                code = await process.wait()
                run.ended_at = time.time()
                run.exited.set()
                self._set(
                    run,
                    state=RunState.EXITED,
                    outcome=ExitOutcome.from_returncode(code),
                    ended_mono=time.monotonic(),
                )
        finally:
            with anyio.CancelScope(shield=True):
                if not run.exited.is_set():  # cancelled: the engine is going away
                    await anyio.to_thread.run_sync(process_tree.kill_tree, process.pid, set(run.known_tree))
                    await process.wait()
                    run.ended_at = time.time()
                    run.exited.set()
                    self._set(
                        run,
                        state=RunState.EXITED,
                        outcome=ExitOutcome.from_returncode(process.returncode or -9),
                        ended_mono=time.monotonic(),
                    )
                await process.aclose()
                run.streams_closed.set()

    async def _pump_both(self, run: _Run, process: anyio.abc.Process) -> None:
        async with anyio.create_task_group() as tg:
            assert process.stdout is not None and process.stderr is not None
            tg.start_soon(self._pump, run, process.stdout, Stream.STDOUT)
            tg.start_soon(self._pump, run, process.stderr, Stream.STDERR)
        run.streams_closed.set()

    @staticmethod
    async def _pump(run: _Run, source: anyio.abc.ByteReceiveStream, stream: Stream) -> None:
        feed = run.output.feed
        read_size = pipe_reads.widen(source)  # larger reads during floods
        try:
            while True:
                data = await source.receive(read_size)
                feed(stream, data)
                for tap in run.taps:
                    tap(stream, data)
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass
        finally:
            run.output.close_stream(stream)

    async def _stop(self, run: _Run, kill: bool) -> RunInfo:
        await run.spawned.wait()
        leader = run.leader
        if leader is None:  # never started
            return run.info
        live = run.info.state.is_live
        signum = signal.SIGKILL if kill else run.spec.stop_signal
        if live:
            run.stopping = True
            self._set(
                run,
                state=RunState.STOPPING,
                stop_requested=True,
                signals_sent=run.info.signals_sent + (signal_name(signum),),
            )
        signalled = await anyio.to_thread.run_sync(
            process_tree.signal_tree, leader, signum, set(run.known_tree), run.ended_at
        )
        if not live and not signalled:
            return run.info  # exited, and nothing of its tree is left
        run.known_tree |= signalled
        if not kill:
            deadline = anyio.current_time() + run.spec.grace_s
            with anyio.move_on_after(run.spec.grace_s):
                await run.exited.wait()
            while anyio.current_time() < deadline:
                left = await anyio.to_thread.run_sync(process_tree.scan_tree, *run.tree_args())
                if not left:
                    break
                await anyio.sleep(STOP_POLL_S)
        left = await anyio.to_thread.run_sync(process_tree.scan_tree, *run.tree_args())
        if left:
            if not kill and run.info.state.is_live:
                self._set(run, signals_sent=run.info.signals_sent + ("SIGKILL",))
            run.known_tree |= left
            await anyio.to_thread.run_sync(process_tree.kill_tree, *run.tree_args())
        await run.exited.wait()
        return run.info
