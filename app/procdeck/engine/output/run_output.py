"""RunOutput: the per-run sink the pipe pumps feed, and the source of its viewers.

The pumps call ``feed(stream, data)`` with every chunk read from a pipe (64 KiB reads),
whatever viewers exist, so a child never blocks on a full pipe. ``feed`` does three cheap
things: queue the raw bytes for the run's log file (written by the spool thread), append
them to the in-memory block store (one vectorised newline scan, no per-line objects), and
tell subscribers that something changed. Subscribers must be cheap (set a flag, start a
timer): the UI coalesces to display rate and pulls only the rows it paints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from procdeck.core.line_source import LineKind
from procdeck.core.output import OutputLine, Stream
from procdeck.engine.listeners import Listeners
from procdeck.engine.output.decoder import EncodingError, Utf8Transcoder
from procdeck.engine.output.line_store import LineStore
from procdeck.engine.output.settings import OutputSettings
from procdeck.engine.output.spool import Spooler, SpoolFile
from procdeck.engine.output.terminal_tail import RESET, TerminalTail
from procdeck.engine.output.view import ALL_STREAMS, OutputView

Callback = Callable[[], None]


class RunOutput:
    """Output of one run: bounded scrollback, complete log files, change notifications.

    ``spooler`` is the engine's shared log writer. Without one, and with spooling on in
    ``settings``, the run gets a private writer that stops once both streams are closed
    (``aclose``/``close`` wait for it).
    """

    def __init__(
        self,
        run_id: object = 0,
        *,
        label: str = "",
        encoding: str = "utf-8",
        settings: OutputSettings | None = None,
        spooler: Spooler | None = None,
        max_lines: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.run_id = run_id
        self.label = label or str(run_id)
        settings = settings or OutputSettings()
        if max_lines is not None:
            settings = replace(settings, scrollback_lines=max_lines)
        self.settings = settings
        self._clock = clock
        self.store = LineStore(
            max_lines=settings.scrollback_lines,
            max_bytes=settings.max_memory_bytes,
            max_line_bytes=settings.max_line_bytes,
        )
        self._subscribers = Listeners[[]]()
        self._open_streams = {Stream.STDOUT, Stream.STDERR}
        self.total_bytes = {Stream.STDOUT: 0, Stream.STDERR: 0}
        self._notes_given: set[str] = set()
        try:
            self._transcoders = {s: Utf8Transcoder(encoding) for s in Stream}
        except EncodingError as exc:
            self._transcoders = {s: Utf8Transcoder("utf-8") for s in Stream}
            self._note(str(exc))
        self._private_spooler = False
        self._spool: dict[Stream, SpoolFile | None] = {Stream.STDOUT: None, Stream.STDERR: None}
        if settings.spool:
            if spooler is None:
                spooler = Spooler(settings.directory(), total_cap=settings.total_log_bytes)
                self._private_spooler = True
            self._spooler: Spooler | None = spooler
            out, err = spooler.open_run(run_id, self.label, settings.run_log_bytes)
            self._spool = {Stream.STDOUT: out, Stream.STDERR: err}
        else:
            self._spooler = None
        self.terminal: TerminalTail | None = None  # a pty run's raw bytes, for terminal views

    def enable_terminal(self) -> TerminalTail:
        """This run writes to a terminal: keep its raw bytes for terminal views too."""
        if self.terminal is None:
            self.terminal = TerminalTail()
        return self.terminal

    # --------------------------------------------------------------- pump side
    def feed(self, stream: Stream, data: bytes) -> None:
        """Take one chunk read from the pipe of ``stream`` (hot path)."""
        if not data:
            return
        self.total_bytes[stream] += len(data)
        spool = self._spool[stream]
        if spool is not None:
            spool.write(data)
            if spool.dropped and spool.error is None and spool.capped:
                self._note(
                    f"The {stream.name.lower()} log reached its size cap; later output is only in memory."
                )
            elif spool.error is not None:
                self._note(spool.error)
            elif spool.dropped:
                self._note("The disk is not keeping up; some output is missing from the log file.")
        tr = self._transcoders[stream]
        if not tr.passthrough:
            data = tr.feed(data)
        self.store.append(int(stream), data, self._clock())
        if self.terminal is not None:
            self.terminal.append(data)
        self._subscribers()

    def close_stream(self, stream: Stream) -> None:
        """The pipe of ``stream`` reached EOF: complete its last line, close its log."""
        if stream not in self._open_streams:
            return
        self._open_streams.discard(stream)
        tr = self._transcoders[stream]
        if not tr.passthrough:
            tail = tr.flush()
            if tail:
                self.store.append(int(stream), tail, self._clock())
        self.store.finish(int(stream), self._clock())
        spool = self._spool[stream]
        if spool is not None:
            spool.close()
        if not self._open_streams and self._private_spooler and self._spooler is not None:
            self._spooler.finish()  # the private writer thread ends once the logs are written
        self._notify()

    def reopen(self) -> None:
        """A new attempt of the run (restart): streams open again and the logs continue."""
        self._open_streams = {Stream.STDOUT, Stream.STDERR}
        if self.terminal is not None:
            self.terminal.append(RESET)
        self._transcoders = {s: Utf8Transcoder(t.encoding) for s, t in self._transcoders.items()}
        if self._spooler is not None:
            if self._private_spooler and self._spooler._closing:
                old = self._spooler
                self._spooler = Spooler(old.directory, total_cap=old.total_cap)
            for stream, f in self._spool.items():
                if f is not None:
                    g = self._spooler.reopen(f)
                    g._spooler = self._spooler
                    self._spool[stream] = g

    def marker(self, text: str) -> None:
        """A note in the output timeline ("exited with code 1"); never written to the logs."""
        self.store.add_line(int(LineKind.MARKER), text, self._clock())
        self._notify()

    def _note(self, text: str) -> None:
        if text not in self._notes_given:
            self._notes_given.add(text)
            self.marker(text)

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback()`` after every change; returns the unsubscribe function."""
        return self._subscribers.add(callback)

    def _notify(self) -> None:
        self._subscribers()

    # ------------------------------------------------------------- viewer side
    @property
    def title(self) -> str:
        return self.label

    @property
    def closed(self) -> bool:
        return not self._open_streams

    def view(self, kinds: frozenset[LineKind] = ALL_STREAMS) -> OutputView:
        """A new viewer's window onto this output (history first, then live)."""
        return OutputView(self, kinds)

    def log_paths(self, kinds: frozenset[LineKind] = ALL_STREAMS) -> tuple[str, ...]:
        out = []
        for stream in (Stream.STDOUT, Stream.STDERR):
            spool = self._spool[stream]
            if (
                spool is not None
                and LineKind.of(stream) in kinds
                and (spool.accepted or stream == Stream.STDOUT)
            ):
                out.append(str(spool.path))
        return tuple(out)

    def is_open(self, stream: Stream) -> bool:
        return stream in self._open_streams

    def partial(self, stream: Stream) -> str:
        """The current unterminated line of ``stream`` (a prompt, a progress bar)."""
        return self.store.pending_line(int(stream)).decode("utf-8", "replace")

    @property
    def total_lines(self) -> int:
        """Lines ever completed (markers included), also those that fell out of memory."""
        return self.store.end

    @property
    def lines(self) -> list[OutputLine]:
        """Every retained stream line as a value (tests, small outputs; never the UI)."""
        store = self.store
        out = []
        for i in range(store.first, store.end):
            kind = store.kind(i)
            if kind == LineKind.MARKER:
                continue
            text = store.line(i).decode("utf-8", "replace").removesuffix("\r")
            out.append(OutputLine(Stream(kind), text, store.time(i)))
        return out

    def text(self, stream: Stream | None = None) -> str:
        """Retained complete lines joined by newlines (one stream, or all with markers)."""
        store = self.store
        parts = []
        for i in range(store.first, store.end):
            kind = store.kind(i)
            if stream is None or kind == int(stream):
                raw = store.line(i).decode("utf-8", "replace").removesuffix("\r")
                parts.append(f"\u2500\u2500 {raw} \u2500\u2500" if kind == LineKind.MARKER else raw)
        return "\n".join(parts)

    def close(self, timeout: float | None = 10.0) -> None:
        """Close both streams and wait for a private log writer (blocking)."""
        for stream in (Stream.STDOUT, Stream.STDERR):
            self.close_stream(stream)
        if self._private_spooler and self._spooler is not None:
            self._spooler.close(timeout)

    async def aclose(self) -> None:
        """``close`` without blocking the event loop; once it returns, the run's logs
        hold everything (a shared log writer has written this run's part)."""
        import anyio

        for stream in (Stream.STDOUT, Stream.STDERR):
            self.close_stream(stream)
        if self._spooler is None:
            return
        if self._private_spooler:
            await anyio.to_thread.run_sync(self._spooler.close)
        else:
            await anyio.to_thread.run_sync(self._spooler.sync)
