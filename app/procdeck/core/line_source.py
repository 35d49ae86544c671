"""What an output viewer reads: rows of styled text, pulled by index at paint time.

The engine keeps a run's output as large byte blocks; a viewer never receives lines one by
one. Instead the bridge hands the viewer an object implementing ``LineSource`` and tells it
(at display rate) that the source changed. The viewer then asks only for the rows it is
about to paint. Rows are numbered absolutely and never renumbered: when old lines fall out
of memory, ``row_range()`` simply starts later, so positions held by the viewer (scroll
position, selection, search hits) stay valid.

These are plain values and a Protocol so the widget layer depends on nothing but core.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from procdeck.core.output import Stream


class LineKind(enum.IntEnum):
    """Where a row came from: a marker, or one of the output ``Stream``s (same values)."""

    MARKER = 0  # a note from Procdeck itself ("exited with code 0", "log capped")
    STDOUT = Stream.STDOUT.value
    STDERR = Stream.STDERR.value

    @classmethod
    def of(cls, stream: Stream) -> LineKind:
        """The kind of the rows a stream produces."""
        return cls(stream.value)


# Colours are ints: -1 the default colour, 0..255 the xterm palette (0..15 the ANSI 16),
# and TRUECOLOR | 0xRRGGBB for 24-bit colour.
DEFAULT_COLOR = -1
TRUECOLOR = 1 << 24


def rgb_color(r: int, g: int, b: int) -> int:
    """A truecolor value from 0-255 components."""
    return TRUECOLOR | ((r & 255) << 16) | ((g & 255) << 8) | (b & 255)


@dataclass(frozen=True, slots=True)
class TextStyle:
    """One ANSI SGR state."""

    fg: int = DEFAULT_COLOR
    bg: int = DEFAULT_COLOR
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    inverse: bool = False
    strike: bool = False


PLAIN = TextStyle()


@dataclass(frozen=True, slots=True)
class StyledRun:
    """Characters ``text[start:end]`` drawn with ``style``."""

    start: int
    end: int
    style: TextStyle


@dataclass(frozen=True, slots=True)
class DisplayLine:
    """One row ready to paint: plain text (escapes removed, ``\\r`` resolved, tabs expanded)."""

    text: str
    runs: tuple[StyledRun, ...] = ()
    kind: LineKind = LineKind.STDOUT
    time: float = 0.0  # arrival time (time.time()) of the chunk that completed the line
    partial: bool = False  # no newline yet (a prompt, a progress bar)
    clipped_chars: int = 0  # characters not shown (the whole line is in the log file)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to look for. ``regex`` patterns use Python ``re`` syntax."""

    pattern: str
    regex: bool = False
    case_sensitive: bool = False

    def compile(self) -> re.Pattern[str]:
        """The pattern to search with; raises re.error for a bad regex."""
        flags = 0 if self.case_sensitive else re.IGNORECASE
        return re.compile(self.pattern if self.regex else re.escape(self.pattern), flags)


@dataclass(slots=True)
class SearchStep:
    """Result of searching rows ``[start, next_row)``: the matching rows and match count."""

    rows: Sequence[int] = field(default_factory=list)
    occurrences: int = 0
    next_row: int = 0


@runtime_checkable
class LineSource(Protocol):
    """Read-only view of one run's output for one viewer (stdout, stderr, or merged)."""

    @property
    def title(self) -> str: ...

    @property
    def version(self) -> int:
        """Changes whenever rows were added, completed, dropped or cleared."""
        ...

    def row_range(self) -> tuple[int, int]:
        """(first retained row, end row). Partial lines are the last rows."""
        ...

    def dropped_rows(self) -> int:
        """How many rows fell out of memory (they are still in the log file)."""
        ...

    def display(self, row: int) -> DisplayLine:
        """The row ready to paint (cached; cheap to call at paint time)."""
        ...

    def displays(self, start: int, stop: int) -> list[DisplayLine]:
        """Rows ``[start, stop)`` ready to paint: what a paint shows, fetched in one call."""
        ...

    def plain(self, row: int) -> str:
        """The row's text as shown, without styles (for copy, export, search)."""
        ...

    def search(self, query: SearchQuery, start: int, stop: int, max_rows: int) -> SearchStep:
        """Search rows ``[start, min(stop, start + max_rows))``; call again from next_row."""
        ...

    def streams(self) -> frozenset[LineKind]:
        """The streams shown (markers are always shown)."""
        ...

    def set_streams(self, streams: frozenset[LineKind]) -> None:
        """Show only these streams (rows are renumbered; version changes)."""
        ...

    def clear(self) -> None:
        """Hide everything received so far in this viewer (the run and log are untouched)."""
        ...

    def log_paths(self) -> tuple[str, ...]:
        """Files holding the complete output (may be empty when spooling is off)."""
        ...

    def save(
        self,
        path: str,
        *,
        full: bool,
        rows: Sequence[int] | None = None,
        done: Callable[[str | None], None] | None = None,
    ) -> None:
        """Write rows (default: all shown) or, with ``full``, the complete log to a file.

        The writing happens off the UI thread; ``done(error message or None)`` is called
        from that thread when it ends. Raises OSError at once if there is nothing to save.
        """
        ...
