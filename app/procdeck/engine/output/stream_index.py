"""Rows of one stream (plus markers) mapped onto a run's merged line store.

The store records which stream completed which lines per chunk (segments). A viewer of
stdout alone walks new segments when it refreshes (at display rate, not per chunk) and
keeps ranges ``(first line, first row)``: consecutive chunks of the same stream merge into
one range, so a run that only writes stdout needs one range however long it runs.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right

from procdeck.core.line_source import LineKind
from procdeck.engine.output.line_store import LineStore


class StreamIndex:
    """Row <-> line mapping for the lines of some streams (markers always included)."""

    def __init__(self, store: LineStore, kinds: frozenset[int]) -> None:
        self.store = store
        self.kinds = frozenset(int(k) for k in kinds) | {int(LineKind.MARKER)}
        self._r_line = array("q")
        self._r_row = array("q")
        self._rows = 0  # complete rows so far
        self._synced = 0  # store lines looked at so far

    @property
    def rows(self) -> int:
        self.sync()
        return self._rows

    def sync(self) -> None:
        store = self.store
        end = store.end
        if self._synced >= end:
            return
        segs = store.seg_line
        kinds = store.seg_kind
        k = max(bisect_right(segs, self._synced) - 1, 0)
        nseg = len(segs)
        r_line, r_row = self._r_line, self._r_row
        want = self.kinds
        while k < nseg:
            a = max(segs[k], self._synced)
            b = segs[k + 1] if k + 1 < nseg else end
            if b > a and kinds[k] in want:
                if r_line and r_line[-1] + (self._rows - r_row[-1]) == a:
                    pass  # contiguous with the previous range: just extend it
                else:
                    r_line.append(a)
                    r_row.append(self._rows)
                self._rows += b - a
            k += 1
        self._synced = end
        self._trim()

    def _trim(self) -> None:
        n = len(self._r_line)
        if n > 1024:
            j = bisect_right(self._r_line, self.store.first) - 1
            if j * 2 > n:
                del self._r_line[:j]
                del self._r_row[:j]

    def first_row(self) -> int:
        """Row of the first retained line of these streams."""
        self.sync()
        first = self.store.first
        j = bisect_right(self._r_line, first) - 1
        if j < 0:
            return self._r_row[0] if self._r_row else self._rows
        length = (self._r_row[j + 1] if j + 1 < len(self._r_row) else self._rows) - self._r_row[j]
        return self._r_row[j] + min(first - self._r_line[j], length)

    def line(self, row: int) -> int:
        j = bisect_right(self._r_row, row) - 1
        if j < 0:
            raise IndexError(row)
        return self._r_line[j] + row - self._r_row[j]

    def ranges(self, start: int, stop: int) -> list[tuple[int, int, int]]:
        """(first row, first line, count) pieces covering rows [start, stop)."""
        out: list[tuple[int, int, int]] = []
        j = max(bisect_right(self._r_row, start) - 1, 0)
        n = len(self._r_row)
        while j < n:
            row0 = self._r_row[j]
            row1 = self._r_row[j + 1] if j + 1 < n else self._rows
            if row0 >= stop:
                break
            a, b = max(row0, start), min(row1, stop)
            if b > a:
                out.append((a, self._r_line[j] + a - row0, b - a))
            j += 1
        return out
