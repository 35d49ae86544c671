"""A run's output: decoded incrementally, split into lines, kept in a bounded buffer.

The process pumps call ``feed`` with every chunk they read, so pipes are always drained
whatever the viewers do. Decoding is incremental with replacement characters (anyio's
TextReceiveStream is strict: one bad byte would end the stream). A line without a newline
longer than ``max_partial_chars`` is cut into pieces so one huge line cannot grow memory
without bound.
"""

from __future__ import annotations

import codecs
import time
from collections import deque
from collections.abc import Callable

from procdeck.core.output import OutputLine, Stream

DEFAULT_MAX_LINES = 100_000
DEFAULT_MAX_PARTIAL = 1 << 20


class RunOutput:
    def __init__(
        self,
        *,
        encoding: str = "utf-8",
        max_lines: int = DEFAULT_MAX_LINES,
        max_partial_chars: int = DEFAULT_MAX_PARTIAL,
    ) -> None:
        try:
            factory = codecs.getincrementaldecoder(encoding)
        except LookupError:
            factory = codecs.getincrementaldecoder("utf-8")
        self._decoders = {s: factory(errors="replace") for s in Stream}
        self._partial: dict[Stream, str] = {s: "" for s in Stream}
        self._open = {s: True for s in Stream}
        self.lines: deque[OutputLine] = deque(maxlen=max_lines)
        self.total_lines = 0  # ever appended, including those that fell out
        self.total_bytes = {s: 0 for s in Stream}
        self._max_partial = max_partial_chars
        self._listeners: list[Callable[[], None]] = []

    # -- writing (engine side) --------------------------------------------------------
    def feed(self, stream: Stream, data: bytes) -> None:
        self.total_bytes[stream] += len(data)
        text = self._partial[stream] + self._decoders[stream].decode(data)
        parts = text.split("\n")
        self._partial[stream] = parts.pop()
        now = time.time()
        for part in parts:
            self._append(stream, part.removesuffix("\r"), now)
        while len(self._partial[stream]) > self._max_partial:
            head, rest = self._partial[stream][: self._max_partial], self._partial[stream][self._max_partial :]
            self._partial[stream] = rest
            self._append(stream, head, now)
        self._notify()

    def close_stream(self, stream: Stream) -> None:
        if not self._open[stream]:
            return
        self._open[stream] = False
        tail = self._partial[stream] + self._decoders[stream].decode(b"", final=True)
        self._partial[stream] = ""
        if tail:
            self._append(stream, tail, time.time())
        self._notify()

    def marker(self, text: str) -> None:
        """A line of Procdeck's own (e.g. "restarted"), shown in the merged timeline."""
        self._append(Stream.STDERR, f"── {text} ──", time.time())
        self._notify()

    def reopen(self) -> None:
        """Start a new attempt (restart): streams open again, decoders reset."""
        for stream in Stream:
            self._open[stream] = True
            self._decoders[stream].reset()
            self._partial[stream] = ""

    def _append(self, stream: Stream, text: str, t: float) -> None:
        self.lines.append(OutputLine(stream, text, t))
        self.total_lines += 1

    # -- reading ----------------------------------------------------------------------
    def partial(self, stream: Stream) -> str:
        """The current unterminated line of ``stream`` (a prompt, a progress bar)."""
        return self._partial[stream]

    @property
    def dropped_lines(self) -> int:
        return self.total_lines - len(self.lines)

    def is_open(self, stream: Stream) -> bool:
        return self._open[stream]

    def text(self, stream: Stream | None = None) -> str:
        chosen = [line.text for line in self.lines if stream is None or line.stream == stream]
        return "\n".join(chosen)

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback()
