"""Incremental search over a LineSource, a bounded slice per event-loop turn.

Searching millions of rows at once would freeze the window (the UI and the engine share
one thread). Instead a zero-interval QTimer searches ``SLICE_ROWS`` rows per tick, then
keeps up with new output as the viewer refreshes. Matching rows accumulate in a sorted list
that the viewer uses for next/previous, the match count and filter mode.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left, bisect_right

from PySide6.QtCore import QObject, QTimer, Signal

from procdeck.core.line_source import LineSource, SearchQuery

SLICE_ROWS = 20_000
SLICE_BUDGET_S = 0.004


class SearchRunner(QObject):
    """Finds the rows of a source that match a query, in slices."""

    progressed = Signal()  # more rows searched (hits or counts may have changed)
    failed = Signal(str)  # the query cannot be compiled (bad regex)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source: LineSource | None = None
        self._query: SearchQuery | None = None
        self.pattern: re.Pattern[str] | None = None
        self.rows: list[int] = []
        self.occurrences = 0
        self._next = 0
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    @property
    def active(self) -> bool:
        return self._query is not None

    @property
    def done(self) -> bool:
        """Every row present so far has been searched."""
        if self._source is None or self._query is None:
            return True
        return self._next >= self._source.row_range()[1]

    @property
    def searching(self) -> bool:
        """Slices are still being searched (the count may grow)."""
        return self._timer.isActive()

    def start(self, source: LineSource | None, query: SearchQuery | None) -> None:
        """Search ``source`` for ``query`` from its first row (None: stop searching)."""
        self._timer.stop()
        self._source = source
        self.rows = []
        self.occurrences = 0
        self.pattern = None
        self._query = None
        if source is None or query is None or not query.pattern:
            self.progressed.emit()
            return
        try:
            self.pattern = query.compile()
        except re.error as exc:
            self.failed.emit(f"Invalid regular expression: {exc}")
            self.progressed.emit()
            return
        self._query = query
        self._next = source.row_range()[0]
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._query = None

    def catch_up(self) -> None:
        """New rows arrived: search them too (called at display rate)."""
        if self._query is not None and not self._timer.isActive() and not self.done:
            self._timer.start()

    def _step(self) -> None:
        src, query = self._source, self._query
        if src is None or query is None:
            self._timer.stop()
            return
        deadline = time.perf_counter() + SLICE_BUDGET_S
        first, end = src.row_range()
        self._next = max(self._next, first)
        # Partial rows (the last ones) may still change: they are searched again later.
        changed = False
        while self._next < end and time.perf_counter() < deadline:
            step = src.search(query, self._next, end, SLICE_ROWS)
            self.rows.extend(step.rows)
            self.occurrences += step.occurrences
            self._next = step.next_row
            changed = True
        if self._next >= end:
            self._timer.stop()
            self._next = self._first_partial(src, end)
            changed = True
        if changed:
            self.progressed.emit()

    def _first_partial(self, src: LineSource, end: int) -> int:
        """Where to resume: a trailing partial row may still grow, so it is searched again
        (its hits are taken back now and re-added then)."""
        if end > 0:
            try:
                partial = src.display(end - 1).partial
            except IndexError:
                partial = False
            if partial and self._query is not None:
                step = src.search(self._query, end - 1, end, 1)
                self.occurrences -= step.occurrences
                if self.rows and self.rows[-1] == end - 1:
                    self.rows.pop()
                return end - 1
        return end

    # ------------------------------------------------------------- navigation
    def visible_rows(self) -> list[int]:
        """Hits still retained by the source."""
        if self._source is None:
            return []
        first = self._source.row_range()[0]
        k = bisect_left(self.rows, first)
        if k:
            del self.rows[:k]
        return self.rows

    def next_after(self, row: int | None) -> int | None:
        rows = self.visible_rows()
        if not rows:
            return None
        k = 0 if row is None else bisect_right(rows, row)
        return rows[k] if k < len(rows) else rows[0]

    def previous_before(self, row: int | None) -> int | None:
        rows = self.visible_rows()
        if not rows:
            return None
        k = len(rows) if row is None else bisect_left(rows, row)
        return rows[k - 1] if k > 0 else rows[-1]

    def index_of(self, row: int | None) -> int | None:
        rows = self.visible_rows()
        if row is None:
            return None
        k = bisect_left(rows, row)
        return k if k < len(rows) and rows[k] == row else None
