"""``OutputView``: one viewer's read-only window onto a run's output (a ``LineSource``).

Everything here runs on the event loop thread and touches only what is asked for: the
rows about to be painted (rendered once and cached), or a bounded slice of rows per search
step, so a search over millions of lines is spread over many short steps.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from procdeck.core.line_source import DisplayLine, LineKind, SearchQuery, SearchStep
from procdeck.core.private_files import private_opener
from procdeck.engine.output import ansi
from procdeck.engine.output.line_store import LineStore
from procdeck.engine.output.stream_index import StreamIndex

if TYPE_CHECKING:
    pass

ALL_STREAMS = frozenset({LineKind.STDOUT, LineKind.STDERR})
DISPLAY_CAP = 10_000  # characters shown per row; the log keeps the whole line
_CACHE_MAX = 8192
_KINDS = {int(k): k for k in LineKind}
_FAST_BAD = (b"\x1b", b"\r", b"\t", b"\x00", b"\x08", b"\x7f")


class OutputOwner(Protocol):
    """What a view needs from a run's output (``RunOutput`` provides it)."""

    store: LineStore

    @property
    def title(self) -> str: ...

    def log_paths(self, kinds: frozenset[LineKind]) -> tuple[str, ...]: ...


def decode_bounded(raw: bytes, cap: int = DISPLAY_CAP) -> tuple[str, int]:
    """Decode at most what can be shown of a line; returns (text, bytes left out)."""
    limit = cap * 4 + 64
    if len(raw) <= limit:
        return raw.decode("utf-8", "replace"), 0
    body = raw.rstrip(b"\r")
    r = body.rfind(b"\r")
    if r >= 0 and len(body) - r <= limit:
        return body[r + 1 :].decode("utf-8", "replace"), 0
    return raw[:limit].decode("utf-8", "replace"), len(raw) - limit


def _plain_fast(chunk: bytes) -> bool:
    return chunk.isascii() and not any(b in chunk for b in _FAST_BAD)


class OutputView:
    """Rows of some streams of one run, for one viewer. Implements ``LineSource``."""

    def __init__(
        self, owner: OutputOwner, kinds: frozenset[LineKind] = ALL_STREAMS, cap: int = DISPLAY_CAP
    ) -> None:
        self._owner = owner
        self._store = owner.store
        self._cap = cap
        self._local = 0
        self._floor = 0
        self._cache: dict[int, DisplayLine] = {}
        self._rx_key: SearchQuery | None = None
        self._rx: re.Pattern[str] | None = None
        self._threads: list[threading.Thread] = []
        self._set_kinds(kinds)

    # ------------------------------------------------------------------ LineSource
    @property
    def title(self) -> str:
        names = {LineKind.STDOUT: "stdout", LineKind.STDERR: "stderr"}
        shown = "+".join(names[k] for k in sorted(self._kinds) if k in names)
        return f"{self._owner.title} [{shown or 'none'}]"

    @property
    def version(self) -> int:
        return self._store.version + self._local

    def streams(self) -> frozenset[LineKind]:
        return self._kinds

    def set_streams(self, streams: frozenset[LineKind]) -> None:
        self._set_kinds(frozenset(streams))
        self._floor = 0
        self._local += 1

    def _set_kinds(self, kinds: frozenset[LineKind]) -> None:
        self._kinds = frozenset(LineKind(k) for k in kinds if k != LineKind.MARKER)
        self._index = None if self._kinds >= ALL_STREAMS else StreamIndex(self._store, self._kinds)
        self._cache.clear()

    def _complete_rows(self) -> tuple[int, int]:
        if self._index is None:
            return self._store.first, self._store.end
        self._index.sync()
        return self._index.first_row(), self._index.rows

    def _partials(self) -> list[int]:
        return [k for k in self._store.pending_kinds() if k in self._kinds]

    def row_range(self) -> tuple[int, int]:
        first, end = self._complete_rows()
        return max(first, self._floor), end + len(self._partials())

    def dropped_rows(self) -> int:
        first, _ = self._complete_rows()
        return max(0, first - self._floor)

    def clear(self) -> None:
        self._floor = self._complete_rows()[1]
        self._local += 1

    def _line(self, row: int) -> int:
        return row if self._index is None else self._index.line(row)

    def display(self, row: int) -> DisplayLine:
        hit = self._cache.get(row)
        if hit is not None:
            return hit
        first, end = self._complete_rows()
        if row >= end:
            parts = self._partials()
            if row - end >= len(parts):
                raise IndexError(row)
            kind = parts[row - end]
            store = self._store
            return self._render(store.pending_line(kind), kind, store.pending_time(kind), True)
        if row < first:
            raise IndexError(row)
        line = self._line(row)
        store = self._store
        result = self._render(store.line(line), store.kind(line), store.time(line), False)
        self._keep(row, result)
        return result

    def displays(self, start: int, stop: int) -> list[DisplayLine]:
        """Rows ``[start, stop)`` ready to paint. A paint's rows come from one slice of the
        store (one split instead of a lookup per row); raises IndexError like display()."""
        first, end = self._complete_rows()
        c_stop = min(stop, end)
        if self._index is not None or not first <= start < c_stop:
            return [self.display(row) for row in range(start, stop)]
        cache = self._cache
        out: list[DisplayLine] = []
        if all(row in cache for row in range(start, c_stop)):
            out = [cache[row] for row in range(start, c_stop)]
        else:
            store = self._store
            seg_line, seg_kind, seg_time = store.seg_line, store.seg_kind, store.seg_time
            k = store.segment_index(start)
            nseg = len(seg_line)
            for row, raw in enumerate(store.lines(start, c_stop), start):
                hit = cache.get(row)
                if hit is None:
                    while k + 1 < nseg and seg_line[k + 1] <= row:
                        k += 1
                    kind, t = (seg_kind[k], seg_time[k]) if k >= 0 else (LineKind.STDOUT, 0.0)
                    hit = self._render(raw, kind, t, False)
                    self._keep(row, hit)
                out.append(hit)
        out.extend(self.display(row) for row in range(c_stop, stop))
        return out

    def _render(self, raw: bytes, kind: int, t: float, partial: bool) -> DisplayLine:
        """A row ready to paint; its clipped count is what the display caps left out (the
        store keeps every byte: a line longer than its cap is stored as several rows)."""
        text, cut = decode_bounded(raw, self._cap)
        plain, runs, shortened = ansi.render(text, self._cap)
        return DisplayLine(plain, runs, _KINDS[kind], t, partial, shortened + cut)

    def _keep(self, row: int, line: DisplayLine) -> None:
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[row] = line

    def plain(self, row: int) -> str:
        return self.display(row).text

    def log_paths(self) -> tuple[str, ...]:
        return self._owner.log_paths(self._kinds)

    # --------------------------------------------------------------------- search
    def _compiled(self, query: SearchQuery) -> re.Pattern[str]:
        if self._rx_key != query:
            self._rx = query.compile()
            self._rx_key = query
        assert self._rx is not None
        return self._rx

    def search(self, query: SearchQuery, start: int, stop: int, max_rows: int) -> SearchStep:
        rx = self._compiled(query)
        first, end = self._complete_rows()
        start = max(start, first, self._floor)
        total_end = end + len(self._partials())
        stop = min(stop, total_end, start + max(1, max_rows))
        step = SearchStep([], 0, max(stop, start))
        if start >= stop:
            return step
        hits: list[int] = []
        occ = 0
        c_stop = min(stop, end)
        if start < c_stop:
            if self._index is None:
                pieces = [(start, start, c_stop - start)]
            else:
                pieces = self._index.ranges(start, c_stop)
            for row0, line0, count in pieces:
                lines, n = self._search_lines(rx, line0, line0 + count)
                occ += n
                hits.extend(int(x) - line0 + row0 for x in lines)
        for row in range(max(start, end), stop):
            found = len(rx.findall(self.plain(row)))
            if found:
                hits.append(row)
                occ += found
        step.rows = hits
        step.occurrences = occ
        return step

    def _search_lines(self, rx: re.Pattern[str], a: int, b: int) -> tuple[list[int], int]:
        """Matching lines in [a, b) and the number of matches, block by block."""
        import numpy as np

        hits: list[int] = []
        occ = 0
        for first, data, ends in self._store.blocks(a, b):
            lo = max(a - first, 0)
            hi = min(b - first, len(ends))
            if hi <= lo:
                continue
            s_off = int(ends[lo - 1]) if lo else 0
            chunk = bytes(data[s_off : int(ends[hi - 1])])
            if _plain_fast(chunk):
                text = chunk.decode("ascii")
                starts = [m.start() for m in rx.finditer(text) if "\n" not in m.group()]
                if starts:
                    rel = ends[lo:hi].astype(np.int64) - s_off
                    idx = np.searchsorted(rel, np.asarray(starts, dtype=np.int64), side="right")
                    idx = idx[idx < hi - lo]
                    occ += len(idx)
                    hits.extend((np.unique(idx) + first + lo).tolist())
                continue
            for k, line in enumerate(chunk.split(b"\n")[: hi - lo]):
                text, _ = decode_bounded(line, self._cap)
                found = len(rx.findall(ansi.strip(text)))
                if found:
                    hits.append(first + lo + k)
                    occ += found
        return hits, occ

    # --------------------------------------------------------------------- export
    def text_of(self, rows: Sequence[int] | None = None) -> str:
        """The plain text of the given rows (default: every row shown)."""
        if rows is None:
            a, b = self.row_range()
            rows = range(a, b)
        return "\n".join(self.plain(r) for r in rows) + ("\n" if len(rows) else "")

    def save(
        self,
        path: str,
        *,
        full: bool,
        rows: Sequence[int] | None = None,
        done: Callable[[str | None], None] | None = None,
    ) -> None:
        """Write to ``path`` off the loop thread; ``done(error or None)`` from that thread.

        ``full`` copies the complete log file(s); otherwise the plain text of ``rows``
        (default: all rows shown) is gathered now and written by the thread.
        """
        target = Path(path)
        if full:
            sources = [Path(p) for p in self.log_paths()]
            if not sources:
                raise OSError("This run has no log file (logging is off).")
            payload: bytes | None = None
        else:
            sources = []
            payload = self.text_of(rows).encode("utf-8")

        def work() -> None:
            error: str | None = None
            try:
                with open(target, "wb", opener=private_opener) as out:
                    if payload is not None:
                        out.write(payload)
                    for i, src in enumerate(sources):
                        if len(sources) > 1:
                            out.write(f"{'' if i == 0 else chr(10)}==> {src.name} <==\n".encode())
                        with open(src, "rb") as inp:
                            shutil.copyfileobj(inp, out, 1 << 20)
            except OSError as exc:
                error = f"Cannot save to {target}: {exc.strerror or exc}"
            if done is not None:
                try:
                    done(error)
                except RuntimeError:  # the viewer that asked was closed meanwhile
                    pass

        thread = threading.Thread(target=work, name="procdeck-output-save", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def close(self, timeout: float | None = 10.0) -> None:
        """Wait for saves in progress (they are short: one file copy each)."""
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
