"""A run's bounded scrollback: lines kept as large byte blocks with a compact index.

Why blocks: a chatty child prints millions of short lines per second. One Python object per
line would cost ~60-100 bytes and a few hundred nanoseconds each; here a 64 KiB pipe read
becomes (at most) one block: the bytes themselves plus an int32 array of line ends found
with one vectorised numpy comparison. Arrival time and stream are kept per chunk
("segments"), not per line. Nothing is decoded until a viewer paints a row.

Lines from all streams of a run go into one store in arrival order (the merged timeline);
a ``StreamIndex`` maps one stream's rows onto it. Each stream has its own pending partial
line (text after the last newline), shown by viewers as a partial row.

Memory is bounded by ``max_lines`` (exactly, logically) and ``max_bytes`` (whole blocks);
one pending line is capped at ``max_line_bytes`` (the log file keeps it whole). A line that
keeps rewriting itself with ``\\r`` (a progress bar that never prints a newline) is
compacted to its last rewrite when it reaches the cap, so it keeps updating on screen.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING

# numpy (~0.1 s to import) is imported in the functions that use it: on first use,
# not on the window's start-up path.
if TYPE_CHECKING:
    import numpy as np


NEWLINE = 10
CR = b"\r"


def line_ends(data: bytes | bytearray) -> np.ndarray:
    """Offsets just past each newline of ``data`` (one vectorised scan)."""
    import numpy as np

    return np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == NEWLINE).astype(np.int32) + 1


class Block:
    """Immutable run of ``n`` complete lines.

    The line index (offsets just past each newline) is built on first use: during a flood
    most blocks are never looked at before they are dropped, so the hot path only counts
    newlines (a C-speed ``bytes.count``).
    """

    __slots__ = ("first", "data", "n", "_ends")

    def __init__(self, first: int, data: bytes, n: int) -> None:
        self.first = first
        self.data = data
        self.n = n
        self._ends: np.ndarray | None = None

    @property
    def ends(self) -> np.ndarray:
        if self._ends is None:
            self._ends = line_ends(self.data)
        return self._ends

    def __len__(self) -> int:
        return self.n


class LineStore:
    """Append-only (from the front: bounded) store of complete and pending lines."""

    def __init__(
        self,
        max_lines: int = 100_000,
        max_bytes: int = 512 << 20,
        max_line_bytes: int = 1 << 20,
        block_bytes: int = 256 << 10,
    ) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.max_line_bytes = max_line_bytes
        self._block_bytes = block_bytes
        # sealed blocks: a list with a lazily compacted head (index _b0), plus their firsts
        self._blocks: list[Block] = []
        self._firsts = array("q")
        self._b0 = 0
        # the open block grows in place and is sealed at block_bytes
        self._open = bytearray()
        self._open_n = 0
        self._open_ends_cache: np.ndarray | None = None
        self._end = 0  # lines ever completed
        self._first = 0  # first retained line
        self._bytes = 0
        # segments: one per append that completed lines (stream and arrival time)
        self.seg_line = array("q")
        self.seg_kind = array("b")
        self.seg_time = array("d")
        self._pending: dict[int, bytearray] = {}
        self._pending_time: dict[int, float] = {}
        self.version = 0

    # ----------------------------------------------------------------- writing
    @property
    def first(self) -> int:
        return self._first

    @property
    def end(self) -> int:
        return self._end

    @property
    def nbytes(self) -> int:
        return self._bytes

    def append(self, kind: int, data: bytes, t: float) -> None:
        """Add raw UTF-8 output of one stream (hot path: one call per pipe read)."""
        import numpy as np

        if not data:
            return
        # numpy's compare-and-count runs ~4x faster than bytes.count on a 64 KiB read
        n = (
            int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == NEWLINE))
            if len(data) > 512
            else data.count(b"\n")
        )
        if not n:
            self._add_pending(kind, data, t)
            self.version += 1
            return
        last = data.rindex(b"\n") + 1
        pend = self._pending.pop(kind, None)
        if pend is not None:
            self._pending_time.pop(kind, None)
            pend += memoryview(data)[:last]
            text = bytes(pend)
        else:
            text = data if last == len(data) else data[:last]
        self._append_lines(kind, text, n, t)
        if last < len(data):
            self._add_pending(kind, data[last:], t)
        self.version += 1

    def finish(self, kind: int, t: float) -> None:
        """The stream ended: its pending partial line (if any) becomes a complete line."""
        pend = self._pending.pop(kind, None)
        self._pending_time.pop(kind, None)
        if pend is None:
            return
        pend += b"\n"
        self._append_lines(kind, bytes(pend), 1, t)
        self.version += 1

    def add_line(self, kind: int, text: str, t: float) -> None:
        """Add one complete line (a marker) without disturbing pending partial lines."""
        raw = text.replace("\n", " ").encode("utf-8", "replace") + b"\n"
        self._append_lines(kind, raw, 1, t)
        self.version += 1

    def _add_pending(self, kind: int, chunk: bytes, t: float) -> None:
        pend = self._pending.get(kind)
        if pend is None:
            pend = self._pending[kind] = bytearray()
        self._pending_time[kind] = t
        pend += chunk
        cap = self.max_line_bytes
        while len(pend) > cap:
            # A progress line rewritten with \r shows only its last rewrite: keep that, so
            # it keeps updating in place. Otherwise the line is cut into pieces of at
            # most ``cap`` bytes (at a UTF-8 character boundary); the log keeps it whole.
            r = pend.rfind(CR, 0, len(pend) - 1)
            if r > 0 and len(pend) - r <= cap:
                del pend[:r]
                break
            cut = cap
            while cut > cap - 4 and 0x80 <= pend[cut] < 0xC0:
                cut -= 1
            piece = bytes(pend[:cut]) + b"\n"
            del pend[:cut]
            self._append_lines(kind, piece, 1, t)

    def _append_lines(self, kind: int, text: bytes, n: int, t: float) -> None:
        first = self._end
        self.seg_line.append(first)
        self.seg_kind.append(kind)
        self.seg_time.append(t)
        self._end += n
        self._bytes += len(text)
        if not self._open and len(text) >= self._block_bytes // 16:
            self._blocks.append(Block(first, text, n))
            self._firsts.append(first)
        else:
            self._open += text
            self._open_n += n
            self._open_ends_cache = None
            if len(self._open) >= self._block_bytes:
                self._seal()
        self._evict()

    def _seal(self) -> None:
        first = self._end - self._open_n
        self._blocks.append(Block(first, bytes(self._open), self._open_n))
        self._firsts.append(first)
        self._open = bytearray()
        self._open_n = 0
        self._open_ends_cache = None

    def _evict(self) -> None:
        lo = self._end - self.max_lines
        if lo > self._first:
            self._first = lo
        blocks = self._blocks
        while self._b0 < len(blocks):
            b = blocks[self._b0]
            bend = b.first + b.n
            if bend <= self._first or self._bytes > self.max_bytes:
                self._bytes -= len(b.data)
                # Free the slot in place (popping the front would be O(n)); nothing reads below _b0.
                blocks[self._b0] = None  # type: ignore[call-overload]
                self._b0 += 1
                if self._first < bend:
                    self._first = bend
            else:
                break
        if self._b0 > 64 and self._b0 * 2 > len(blocks):
            del blocks[: self._b0]
            del self._firsts[: self._b0]
            self._b0 = 0
        nseg = len(self.seg_line)
        if nseg > 1024:
            k = bisect_right(self.seg_line, self._first) - 1
            if k * 2 > nseg:
                del self.seg_line[:k]
                del self.seg_kind[:k]
                del self.seg_time[:k]

    # ----------------------------------------------------------------- reading
    def pending(self) -> list[tuple[int, bytes, float]]:
        """Pending partial lines as (kind, bytes, time), stdout before stderr."""
        return [(k, bytes(self._pending[k]), self._pending_time.get(k, 0.0)) for k in sorted(self._pending)]

    def pending_kinds(self) -> list[int]:
        return sorted(self._pending)

    def pending_line(self, kind: int) -> bytes:
        p = self._pending.get(kind)
        return bytes(p) if p is not None else b""

    def pending_time(self, kind: int) -> float:
        return self._pending_time.get(kind, 0.0)

    def _open_ends(self) -> np.ndarray:
        if self._open_ends_cache is None:
            self._open_ends_cache = line_ends(self._open)
        return self._open_ends_cache

    def _where(self, line: int) -> tuple[bytes | bytearray, np.ndarray, int]:
        """(data, ends, index in block) for a retained line."""
        if not self._first <= line < self._end:
            raise IndexError(f"line {line} not retained ({self._first}..{self._end})")
        open_first = self._end - self._open_n
        if line >= open_first:
            return self._open, self._open_ends(), line - open_first
        j = bisect_right(self._firsts, line, self._b0) - 1
        b = self._blocks[j]
        return b.data, b.ends, line - b.first

    def line(self, line: int) -> bytes:
        """Line bytes without the newline."""
        data, ends, k = self._where(line)
        start = int(ends[k - 1]) if k else 0
        return bytes(data[start : int(ends[k]) - 1])

    def lines(self, start: int, stop: int) -> list[bytes]:
        """Lines ``[start, stop)`` without their newlines: one slice and split per block
        (a viewer's paint fetches its visible rows this way)."""
        out: list[bytes] = []
        line = start
        while line < stop:
            data, ends, k = self._where(line)
            n = min(stop - line, len(ends) - k)
            begin = int(ends[k - 1]) if k else 0
            out += bytes(data[begin : int(ends[k + n - 1]) - 1]).split(b"\n")
            line += n
        return out

    def segment_index(self, line: int) -> int:
        return bisect_right(self.seg_line, line) - 1

    def kind(self, line: int) -> int:
        k = self.segment_index(line)
        return self.seg_kind[k] if k >= 0 else 1

    def time(self, line: int) -> float:
        k = self.segment_index(line)
        return self.seg_time[k] if k >= 0 else 0.0

    def blocks(self, start: int, stop: int) -> Iterator[tuple[int, bytes, np.ndarray]]:
        """Yield (first line, data, ends) of blocks overlapping [start, stop) in order.

        The open block is yielded as a copy, so callers may keep what they get.
        """
        start = max(start, self._first)
        stop = min(stop, self._end)
        if start >= stop:
            return
        open_first = self._end - self._open_n
        if start < open_first:
            j = max(bisect_right(self._firsts, start, self._b0) - 1, self._b0)
            while j < len(self._blocks):
                b = self._blocks[j]
                if b.first >= stop:
                    return
                yield b.first, b.data, b.ends
                j += 1
        if stop > open_first and self._open_n:
            yield open_first, bytes(self._open), self._open_ends().copy()
