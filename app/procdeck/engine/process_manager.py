"""Launching, streaming, stopping and restarting child processes (anyio, no Qt).

Each run has one supervising task in the engine's task group. It opens the process in a
new session, pumps stdout and stderr into the run's RunOutput (so pipes are always
drained), waits for exit and publishes RunInfo snapshots to subscribers.

The stop ladder: the stop signal to the whole tree (session, cookie, remembered members
and their descendants, see process_tree), a grace period, then SIGKILL for whatever is
left. Kill is SIGKILL at once. Each process gets each signal once per attempt. Trees come
from one ``/proc`` scan shared by all concurrent stops, taken in a worker thread
(engine/containment/scanner.py).
"""

from __future__ import annotations

import dataclasses
import errno
import itertools
import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.abc

from procdeck.core.output import Stream
from procdeck.core.process_spec import ProcessSpec, StdinMode
from procdeck.core.run_state import ExitOutcome, RunInfo, RunState, signal_name
from procdeck.engine import process_tree, pty_relay, pty_terminal
from procdeck.engine.child_env import child_environment
from procdeck.engine.containment import cookie, ladder, procfs
from procdeck.engine.containment.runtime import Containment
from procdeck.engine.input_feed import InputFeed, InputRefused
from procdeck.engine.launch_errors import check_cwd, describe_start_error
from procdeck.engine.listeners import Listeners, unsubscribe_all
from procdeck.engine.output import pipe_reads
from procdeck.engine.output.run_output import RunOutput

STOP_POLL_S = 0.05
KILL_ROUNDS = 20

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
        self.size = (spec.rows, spec.cols)  # a terminal run's window size, kept across restarts
        self.cookie: str | None = None
        self.taps: list[Callable[[Stream, bytes], None]] = []  # see ProcessManager.tap_output
        self.new_attempt()

    def new_attempt(self) -> None:
        self.spawned = anyio.Event()  # open_process returned or failed
        self.exited = anyio.Event()  # leader exited or never started
        self.streams_closed = anyio.Event()  # both pumps reached EOF
        # The attempt's output pumps (a restart cancels them when a process that left the
        # tree keeps the output open), and the end of the attempt's clean-up.
        self.pumps = anyio.CancelScope()
        self.finished = anyio.Event()
        self.process = None
        self.stopping = False
        self.master: int | None = None  # a terminal run's pty master, while the attempt lives
        # stdin=pipe or a terminal: user input, queued from launch on (typed ahead of the start)
        self.input = InputFeed() if self.spec.tty or self.spec.stdin is StdinMode.PIPE else None
        self.ended_at: int | None = None  # start-tick clock (procfs.now_ticks), for pid-reuse checks
        self.leader_key: process_tree.ProcKey | None = None
        # What this attempt's stops signalled (each process once per signal), and which
        # of those had left the run's session.
        self.signalled: dict[int, set[process_tree.ProcKey]] = {}
        self.escaped: set[process_tree.ProcKey] = set()

    def ref(self) -> process_tree.RunRef:
        assert self.leader_key is not None
        return process_tree.RunRef(self.leader_key, frozenset(self.known_tree), self.cookie, self.ended_at)

    @property
    def leader(self) -> int | None:
        return self.info.pid


class ProcessManager:
    def __init__(
        self,
        task_group: anyio.abc.TaskGroup,
        *,
        output_factory: OutputFactory | None = None,
        containment: Containment | None = None,
    ) -> None:
        self._tg = task_group
        self._containment = containment or Containment(watchdog=False, record=False)
        self._runs: dict[int, _Run] = {}
        self._ids = itertools.count(1)
        self._change_listeners = Listeners[[RunInfo]]()
        self._remove_listeners = Listeners[[int]]()
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
        if run.leader_key is None:
            return []
        found = process_tree.members(await self._containment.scanner.fresh(), run.ref())
        run.known_tree = found.keys
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
        """``on_change(info)`` on every change of a run, ``on_remove(run_id)`` when one is removed;
        returns the function that unsubscribes both."""
        if on_remove is None:
            return self._change_listeners.add(on_change)
        return unsubscribe_all(self._change_listeners.add(on_change), self._remove_listeners.add(on_remove))

    # -- commands ---------------------------------------------------------------------
    def launch(self, spec: ProcessSpec) -> int:
        """Start ``spec`` and return its run id at once; failures become run states."""
        if self._closed:
            raise RuntimeError("The engine is shutting down.")
        run_id = next(self._ids)
        run = _Run(run_id, spec, self._output_factory(run_id, spec))
        run.cookie = self._containment.cookie_for(run_id)
        self._runs[run_id] = run
        self._publish(run)
        self._tg.start_soon(self._supervise, run, name=f"procdeck run {run_id}")
        return run_id

    def send_input(self, run_id: int, data: bytes) -> None:
        """Queue ``data`` for the run's stdin or terminal; InputRefused says why not."""
        run = self._get(run_id)
        if run.input is None:
            raise InputRefused("This run was started without input (stdin: none).")
        run.input.write(data)

    def close_input(self, run_id: int) -> None:
        """End of file for the run's input: its pipe closes, or its terminal gets ^D."""
        run = self._get(run_id)
        if run.input is None:
            raise InputRefused("This run was started without input (stdin: none).")
        if run.spec.tty:
            run.input.write(pty_terminal.EOF_CHAR)
        else:
            run.input.close_input()

    def resize(self, run_id: int, rows: int, cols: int) -> None:
        """Set a terminal run's window size (the program gets SIGWINCH when it changes)."""
        run = self._get(run_id)
        if not run.spec.tty:
            raise pty_terminal.TerminalError("This run has no terminal.")
        if run.master is not None:
            pty_terminal.set_window_size(run.master, rows, cols)
        run.size = (rows, cols)

    def terminal_size(self, run_id: int) -> tuple[int, int]:
        return self._get(run_id).size

    def signal_foreground(self, run_id: int, signum: int) -> int:
        """Send ``signum`` to the foreground process group of a terminal run; its id."""
        run = self._get(run_id)
        if run.master is None:
            raise pty_terminal.TerminalError("This run has no running terminal.")
        return pty_terminal.signal_foreground(run.master, signum)

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
        # Whatever still holds the old output open, the old attempt's pumps end here and
        # its clean-up completes before the new attempt shares the run's output.
        run.pumps.cancel()
        await run.finished.wait()
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
            stopped_processes=0,
            escaped_processes=0,
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
        self._remove_listeners(run_id)

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
        self._change_listeners(run.info)

    async def _supervise(self, run: _Run) -> None:
        spec = run.spec
        problem = check_cwd(spec)
        process: anyio.abc.Process | None = None
        master: int | None = None
        relays: pty_relay.PtyRelays | None = None
        if problem is None:
            try:
                if spec.tty:
                    process, master, relays = await self._open_terminal(run)
                else:
                    process = await self._open_pipes(run, list(spec.argv))
            except OSError as exc:
                problem = describe_start_error(spec, exc)
        feed = run.input
        if process is None:
            if feed is not None:
                feed.shut("The program did not start; it takes no input.")
            self._set(run, state=RunState.FAILED_TO_START, error=problem)
            run.spawned.set()
            run.exited.set()
            run.streams_closed.set()
            run.finished.set()
            return
        run.process = process
        run.master = master
        run.leader_key = (process.pid, procfs.start_of(process.pid) or 0)
        self._containment.register_run(run.leader_key, spec.grace_s)
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
                if relays is not None:
                    tg.start_soon(self._pump_terminal, run, relays)
                else:
                    tg.start_soon(self._pump_both, run, process)
                writer = anyio.CancelScope()
                if feed is not None:
                    tg.start_soon(self._write_input, run, feed, process, relays, writer)
                code = await process.wait()
                if feed is not None:  # input waiting for a program that is gone is dropped
                    feed.shut("The program has exited; it takes no more input.")
                    writer.cancel()
                run.ended_at = procfs.now_ticks()
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
                    await anyio.to_thread.run_sync(self._kill_now, run)
                    await process.wait()
                    run.ended_at = procfs.now_ticks()
                    run.exited.set()
                    self._set(
                        run,
                        state=RunState.EXITED,
                        outcome=ExitOutcome.from_returncode(process.returncode or -9),
                        ended_mono=time.monotonic(),
                    )
                if feed is not None:
                    feed.shut("The program has exited; it takes no more input.")
                await process.aclose()
                if relays is not None:
                    await relays.aclose()
                if master is not None:
                    if run.master == master:
                        run.master = None
                    os.close(master)
                run.streams_closed.set()
                run.finished.set()

    async def _open_pipes(self, run: _Run, argv: list[str]) -> anyio.abc.Process:
        spec = run.spec
        try:
            return await anyio.open_process(
                argv,
                stdin=subprocess.PIPE if spec.stdin is StdinMode.PIPE else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=spec.cwd,
                env=child_environment(spec.env, unbuffered=spec.unbuffered, cookie=run.cookie),
                start_new_session=True,
            )
        except OSError as exc:
            # A script without a #! line: run it with /bin/sh, as POSIX execvp() and every
            # shell do (https://pubs.opengroup.org/onlinepubs/9699919799/functions/exec.html).
            if exc.errno != errno.ENOEXEC or spec.shell or argv[0] == "/bin/sh":
                raise
        return await self._open_pipes(run, ["/bin/sh", *argv])

    async def _open_terminal(self, run: _Run) -> tuple[anyio.abc.Process, int, pty_relay.PtyRelays]:
        """Start a terminal run: the pty's slave as stdin, stdout and stderr, a new session
        with the pty as its controlling terminal, TERM=xterm-256color; and its relays."""
        spec = run.spec
        env = child_environment(spec.env, unbuffered=spec.unbuffered, cookie=run.cookie)
        if "TERM" not in spec.env:
            env["TERM"] = pty_terminal.TERM
        master, slave = pty_terminal.open_pty(*run.size)
        process: anyio.abc.Process | None = None
        try:
            try:
                # anyio.open_process takes no preexec_fn; its backend passes it on to
                # subprocess.Popen, which calls it after setsid() and the dup2 of the slave
                # onto 0/1/2. TIOCSCTTY must be called by the new session leader itself.
                # https://github.com/agronholm/anyio/blob/master/src/anyio/_core/_subprocesses.py
                from anyio._core._eventloop import get_async_backend

                process = await get_async_backend().open_process(
                    list(spec.argv),
                    stdin=slave,
                    stdout=slave,
                    stderr=slave,
                    cwd=spec.cwd,
                    env=env,
                    start_new_session=True,
                    preexec_fn=pty_terminal.become_controlling_terminal,
                )
            finally:
                os.close(slave)  # the child has its copies: EIO on the master once they close
            relays = await pty_relay.open_relays(master, self._containment.cookie_for(cookie.RELAYS_RUN))
        except BaseException:
            if process is not None:  # the relays did not start: the program goes too
                with anyio.CancelScope(shield=True):
                    os.killpg(process.pid, signal.SIGKILL)  # it is its session's leader, nothing else yet
                    await process.aclose()
            os.close(master)
            raise
        return process, master, relays

    @staticmethod
    async def _pump_terminal(run: _Run, relays: pty_relay.PtyRelays) -> None:
        run.output.enable_terminal()
        run.output.close_stream(Stream.STDERR)  # a terminal has one output stream
        try:
            with run.pumps:
                await ProcessManager._pump(
                    run, relays.stdout, Stream.STDOUT, gather_s=pipe_reads.TERMINAL_GATHER_S
                )
        finally:
            run.streams_closed.set()

    @staticmethod
    async def _write_input(
        run: _Run,
        feed: InputFeed,
        process: anyio.abc.Process,
        relays: pty_relay.PtyRelays | None,
        scope: anyio.CancelScope,
    ) -> None:
        """The run's writer task: deliver queued input, never blocking the loop."""
        with scope:
            await ProcessManager._deliver(run, feed, process, relays)

    @staticmethod
    async def _deliver(
        run: _Run, feed: InputFeed, process: anyio.abc.Process, relays: pty_relay.PtyRelays | None
    ) -> None:
        try:
            if relays is not None:
                terminal = relays.stdin

                async def send_eof() -> None:
                    await terminal.send(pty_terminal.EOF_CHAR)

                await feed.drain(terminal.send, send_eof)
            else:
                stdin = process.stdin
                assert stdin is not None
                await feed.drain(stdin.send, stdin.aclose)
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            if not feed.closed:
                run.output.marker("The program closed its input; what was still waiting was not delivered.")
            feed.shut("The program closed its input; it takes no more.")

    async def _pump_both(self, run: _Run, process: anyio.abc.Process) -> None:
        with run.pumps:
            async with anyio.create_task_group() as tg:
                assert process.stdout is not None and process.stderr is not None
                tg.start_soon(self._pump, run, process.stdout, Stream.STDOUT)
                tg.start_soon(self._pump, run, process.stderr, Stream.STDERR)
        run.streams_closed.set()

    @staticmethod
    async def _pump(
        run: _Run, source: anyio.abc.ByteReceiveStream, stream: Stream, gather_s: float = 0.0
    ) -> None:
        feed = run.output.feed
        reader = pipe_reads.PipeReader(source, gather_s)  # large reads; fewer with gather_s
        try:
            while True:
                data = await reader.receive()
                feed(stream, data)
                for tap in run.taps:
                    tap(stream, data)
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass
        finally:
            run.output.close_stream(stream)

    def _kill_now(self, run: _Run) -> None:
        """SIGKILL the run's whole tree until nothing is left (blocking, for a thread)."""
        since = self._containment.started - 1
        ladder.run(lambda: process_tree.members(procfs.scan(since), run.ref()).keys, signal.SIGKILL)

    async def _members(self, run: _Run, first: bool = False, after: int | None = None) -> process_tree.Found:
        scanner = self._containment.scanner
        snap = await (scanner.current() if first else scanner.fresh(after))
        return process_tree.members(snap, run.ref())

    async def _signal(self, run: _Run, found: process_tree.Found, signum: int) -> None:
        """Send ``signum`` to the members of ``found`` that have not had it yet."""
        done = run.signalled.setdefault(signum, set())
        new = found.keys - done
        if not new:
            return
        done |= new
        run.known_tree |= new
        run.escaped |= {key for key in new if found.escaped[key]}
        group = None
        if run.leader_key in new:  # first pass: the leader's group at once, like a terminal
            leader = run.leader_key[0]
            group = (run.leader_key, {key for key in new if found.pgid[key] == leader})
        await self._containment.signaller.send(new, signum, group)

    async def _stop(self, run: _Run, kill: bool) -> RunInfo:
        await run.spawned.wait()
        if run.leader_key is None:  # never started
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
        found = await self._members(run, first=True)
        if not live and not found:
            return run.info  # exited, and nothing of its tree is left
        await self._signal(run, found, signum)
        # The next pass needs a scan that began after the signal went out; stops that
        # signalled together then share it.
        signalled_at: int | None = self._containment.scanner.mark()
        if not kill:
            deadline = anyio.current_time() + run.spec.grace_s
            with anyio.move_on_after(run.spec.grace_s):
                await run.exited.wait()
            while True:
                found = await self._members(run, after=signalled_at)
                signalled_at = None
                if not found or anyio.current_time() >= deadline:
                    break
                await self._signal(run, found, signum)  # newcomers since the last pass
                await anyio.sleep(STOP_POLL_S)
        else:
            found = await self._members(run, after=signalled_at)
        if found and not kill and run.info.state.is_live:
            self._set(run, signals_sent=run.info.signals_sent + ("SIGKILL",))
        for attempt in range(KILL_ROUNDS):
            if not found:
                break
            await self._signal(run, found, signal.SIGKILL)
            await anyio.sleep(0.01 * (attempt + 1))  # let the kernel finish the kills
            found = await self._members(run)
        await run.exited.wait()
        stopped = set().union(*run.signalled.values())
        self._set(run, stopped_processes=len(stopped), escaped_processes=len(run.escaped & stopped))
        return run.info
