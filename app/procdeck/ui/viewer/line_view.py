"""LineView: a virtualized text view that paints only the visible rows of a LineSource.

Nothing is copied into the widget: on every paint it asks the source for the rows that fit
in the viewport (the source caches their rendering). Scroll positions are absolute row
numbers, so old rows falling out of memory do not make the view jump. ``refresh()`` is
called at display rate by whoever owns the view (never per chunk of output).

Follow mode pins the view to the bottom; scrolling up pauses it and counts new rows
(``newRowsChanged``) until End or ``set_follow(True)`` resumes.
"""

from __future__ import annotations

import math
import re
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from procdeck.core.line_source import DisplayLine, LineKind, LineSource, StyledRun, TextStyle
from procdeck.ui.text_font import unshaped
from procdeck.ui.viewer.palette import ansi_color

_MAX_HIGHLIGHT_SCAN = 10_000
_Piece = tuple[int, DisplayLine, int, int]  # (row, line, first column, length) of one visual line


class LineView(QAbstractScrollArea):
    """Virtualized, follow-capable view of a ``LineSource``."""

    followChanged = Signal(bool)
    newRowsChanged = Signal(int)
    selectionChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source: LineSource | None = None
        self._filter: list[int] | None = None
        self._top = 0
        self._follow = True
        self._wrap = False
        self._timestamps = False
        self._highlight: re.Pattern[str] | None = None
        self._hl_cache: dict[int, list[tuple[int, int]]] = {}
        self._current: int | None = None
        self._anchor: tuple[int, int] | None = None
        self._cursor: tuple[int, int] | None = None
        self._paused_end = 0
        self._new_rows = 0
        self._version = -1
        self._widest = 0
        self._programmatic = False
        self._layout: list[tuple[float, int, int, int]] = []  # (y, row, first col, length)
        self.paint_count = 0
        self.painted_version = -1  # source version shown by the last paint
        self._fonts: dict[tuple[bool, bool, bool, bool], QFont] = {}
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._metrics()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        # paintEvent fills the whole viewport itself: without these Qt fills it first as
        # well (a second pass over every pixel, about 0.3 ms a frame at 1000x700 here).
        self.viewport().setAutoFillBackground(False)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.verticalScrollBar().valueChanged.connect(self._on_scroll)
        self.horizontalScrollBar().valueChanged.connect(lambda _v: self.viewport().update())

    # ----------------------------------------------------------------- settings
    def _metrics(self) -> None:
        self._text_font = unshaped(self.font())
        fm = QFontMetricsF(self._text_font)
        self._cw = max(1.0, fm.horizontalAdvance("M"))
        self._lh = max(1.0, math.ceil(fm.lineSpacing()))
        self._ascent = fm.ascent()
        self._fonts.clear()

    def _font(self, style: TextStyle) -> QFont:
        key = (style.bold, style.italic, style.underline, style.strike)
        f = self._fonts.get(key)
        if f is None:
            f = QFont(self._text_font)
            f.setBold(style.bold)
            f.setItalic(style.italic)
            f.setUnderline(style.underline)
            f.setStrikeOut(style.strike)
            self._fonts[key] = f
        return f

    def set_source(self, source: LineSource | None) -> None:
        self._source = source
        self._filter = None
        self._hl_cache.clear()
        self._anchor = self._cursor = None
        self._widest = 0
        self._version = -1
        self._follow = True
        self._new_rows = 0
        self.refresh(force=True)

    def source(self) -> LineSource | None:
        return self._source

    def set_wrap(self, on: bool) -> None:
        self._wrap = on
        self.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff if on else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        self.refresh(force=True)

    def wrap(self) -> bool:
        return self._wrap

    def set_timestamps(self, on: bool) -> None:
        self._timestamps = on
        self.refresh(force=True)

    def timestamps(self) -> bool:
        return self._timestamps

    def set_highlight(self, pattern: re.Pattern[str] | None) -> None:
        self._highlight = pattern
        self._hl_cache.clear()
        self.viewport().update()

    def set_current(self, row: int | None) -> None:
        """Mark a search hit as current and scroll it into view."""
        self._current = row
        if row is not None:
            self.scroll_to_row(row)
        self.viewport().update()

    def set_filter(self, rows: list[int] | None) -> None:
        """Show only these rows (sorted ascending, shared: may grow), or every row."""
        self._filter = rows
        self.refresh(force=True)

    # ------------------------------------------------------------------- model
    def _bounds(self) -> tuple[int, int]:
        if self._source is None:
            return 0, 0
        return self._source.row_range()

    def _count(self) -> int:
        first, end = self._bounds()
        if self._filter is None:
            return max(0, end - first)
        f = self._filter
        return bisect_left(f, end) - bisect_left(f, first)

    def _row_at(self, pos: int) -> int:
        first, end = self._bounds()
        if self._filter is None:
            return first + pos
        return self._filter[bisect_left(self._filter, first) + pos]

    def _pos_of(self, row: int) -> int:
        first, _ = self._bounds()
        if self._filter is None:
            return row - first
        return bisect_left(self._filter, row) - bisect_left(self._filter, first)

    def row_count(self) -> int:
        """Rows the view can show (after filtering)."""
        return self._count()

    def visible_rows(self) -> int:
        return max(1, int(self.viewport().height() // self._lh))

    def visible_row_numbers(self) -> list[int]:
        """Absolute rows painted last time (for tests and 'save visible')."""
        seen: list[int] = []
        for _, row, _, _ in self._layout:
            if not seen or seen[-1] != row:
                seen.append(row)
        return seen

    def shown_rows(self) -> Sequence[int]:
        """Every row this view shows (filter applied), in order."""
        first, end = self._bounds()
        if self._filter is None:
            return range(first, end)
        f = self._filter
        return f[bisect_left(f, first) : bisect_left(f, end)]

    # ------------------------------------------------------------------ follow
    def following(self) -> bool:
        return self._follow

    def new_rows(self) -> int:
        return self._new_rows

    def set_follow(self, on: bool) -> None:
        if on == self._follow:
            if on:
                self._sync_scrollbar()
            return
        self._follow = on
        if not on:
            self._paused_end = self._bounds()[1]
        self._set_new_rows(0)
        self.followChanged.emit(on)
        self._sync_scrollbar()
        self.viewport().update()

    def _set_new_rows(self, n: int) -> None:
        if n != self._new_rows:
            self._new_rows = n
            self.newRowsChanged.emit(n)

    def scroll_to_row(self, row: int) -> None:
        pos = self._pos_of(row)
        sb = self.verticalScrollBar()
        target = max(0, min(pos - self.visible_rows() // 3, sb.maximum()))
        if self._follow and target < sb.maximum():
            self.set_follow(False)
        sb.setValue(target)

    def refresh(self, force: bool = False) -> None:
        """Pick up new output (call at display rate). Repaints only when something changed."""
        if self._source is None:
            self._layout = []
            self.viewport().update()
            return
        v = self._source.version
        if v == self._version and not force:
            return
        self._version = v
        self._sync_scrollbar()
        self.viewport().update()

    def _sync_scrollbar(self) -> None:
        count = self._count()
        vis = self.visible_rows()
        maxv = max(0, count - vis)
        sb = self.verticalScrollBar()
        self._programmatic = True
        try:
            sb.setRange(0, maxv)
            sb.setPageStep(vis)
            sb.setSingleStep(3)
            if self._follow:
                sb.setValue(maxv)
            else:
                sb.setValue(max(0, min(self._pos_of(self._top), maxv)))
                end = self._bounds()[1]
                self._set_new_rows(
                    max(0, count - self._pos_of(self._paused_end)) if end > self._paused_end else 0
                )
            self._top = self._row_at(sb.value()) if count else self._bounds()[0]
        finally:
            self._programmatic = False
        hs = self.horizontalScrollBar()
        if not self._wrap:
            cols = self._text_cols()
            hs.setRange(0, max(0, self._widest - cols + 2))
            hs.setPageStep(cols)

    def _on_scroll(self, value: int) -> None:
        count = self._count()
        self._top = self._row_at(value) if count else self._bounds()[0]
        if not self._programmatic:
            at_bottom = value >= self.verticalScrollBar().maximum()
            if at_bottom != self._follow:
                self.set_follow(at_bottom)
        self.viewport().update()

    # ----------------------------------------------------------------- painting
    def _gutter(self) -> float:
        return (13 * self._cw) if self._timestamps else 0.0

    def _text_cols(self) -> int:
        return max(8, int((self.viewport().width() - self._gutter() - 4) // self._cw))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._sync_scrollbar()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._metrics()
            self.refresh(force=True)

    def _pieces(self, dl: DisplayLine, cols: int) -> list[tuple[int, int]]:
        if not self._wrap:
            return [(0, len(dl.text))]
        n = len(dl.text)
        if n <= cols:
            return [(0, n)]
        return [(i, min(cols, n - i)) for i in range(0, n, cols)]

    def _visual_lines(self, src: LineSource, count: int, rows_needed: int, cols: int) -> list[_Piece]:
        """The (row, line, first column, length) pieces to paint, top to bottom: from the
        scroll position down, or, when wrapped and at the end, from the last row up."""
        sb = self.verticalScrollBar()
        bottom = self._wrap and sb.value() >= sb.maximum()
        if bottom:
            first_pos = max(0, count - rows_needed - 1)
            stop_pos = count
        else:
            first_pos = sb.value()
            stop_pos = min(count, first_pos + rows_needed)
        if first_pos >= stop_pos:
            return []
        if self._filter is None:
            row0 = self._row_at(first_pos)
            rows: Sequence[int] = range(row0, row0 + stop_pos - first_pos)
            shown = src.displays(row0, row0 + stop_pos - first_pos)
        else:
            rows = [self._row_at(p) for p in range(first_pos, stop_pos)]
            shown = [src.display(row) for row in rows]
        pieces: list[_Piece] = []
        for row, dl in zip(rows, shown, strict=True):
            pieces.extend((row, dl, a, n) for a, n in self._pieces(dl, cols))
        if bottom:
            pieces = pieces[max(0, len(pieces) - (rows_needed - 1)) :]
        else:
            pieces = pieces[:rows_needed]
        return pieces

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paint_count += 1
        viewport = self.viewport()
        painter = QPainter(viewport)
        pal = self.palette()
        base = pal.base().color()
        # The viewport is opaque (set up in __init__): this is the only background fill.
        painter.fillRect(viewport.rect(), base)
        self._layout = []
        src = self._source
        count = self._count()
        self.painted_version = src.version if src is not None else -1
        if src is None or count == 0:
            painter.end()
            return
        height = viewport.height()
        width = viewport.width()
        cols = self._text_cols()
        gutter = self._gutter()
        lh, cw, ascent = self._lh, self._cw, self._ascent
        lines = self._visual_lines(src, count, int(height // lh) + 1, cols)
        hscroll = 0 if self._wrap else self.horizontalScrollBar().value()
        text_color = pal.text().color()
        dark = base.lightness() < 128
        err_bg = QColor(255, 60, 60, 40 if dark else 28)
        marker_color = QColor(120, 160, 255) if dark else QColor(40, 80, 170)
        err_mark = QColor(220, 60, 60)
        hl_bg = QColor(255, 210, 0, 150)
        cur_bg = QColor(255, 140, 0, 200)
        sel_bg = pal.highlight().color()
        sel_lo, sel_hi = self._selection_bounds()
        text_font = self._text_font
        plain_pen = False  # the painter holds the default pen and font
        y = 0.0
        widest = self._widest
        last_row = None
        x0 = gutter + 4 - hscroll * cw  # where column 0 is drawn (scrolled left by hscroll)
        for row, dl, a, n in lines:
            self._layout.append((y, row, a, n))
            text = dl.text
            widest = max(widest, len(text) + (20 if dl.clipped_chars else 0))
            if dl.kind == LineKind.STDERR:
                painter.fillRect(QRectF(0, y, width, lh), err_bg)
                painter.fillRect(QRectF(0, y, 2, lh), err_mark)
            if self._timestamps and row != last_row and dl.time:
                painter.setPen(QColor(128, 128, 128))
                painter.setFont(text_font)
                plain_pen = False
                painter.drawText(QPointF(2, y + ascent), _stamp(dl.time))
            last_row = row
            # visible column window of this piece
            lo = a + (hscroll if not self._wrap else 0)
            hi = a + n
            lo = min(lo, hi)
            hi = min(hi, lo + cols + 2)
            selected = sel_lo is not None and sel_hi is not None and sel_lo[0] <= row <= sel_hi[0]
            if not (dl.runs or selected or self._highlight is not None or dl.kind == LineKind.MARKER):
                # The common row (plain text, nothing marked): one call, pen and font kept.
                if hi > lo:
                    if not plain_pen:
                        painter.setPen(text_color)
                        painter.setFont(text_font)
                        plain_pen = True
                    painter.drawText(QPointF(x0 + (lo - a) * cw, y + ascent), text[lo:hi])
            else:
                plain_pen = False

                def col_x(c: int, a: int = a) -> float:
                    return x0 + (c - a) * cw

                if selected:
                    assert sel_lo is not None and sel_hi is not None
                    s0 = sel_lo[1] if row == sel_lo[0] else 0
                    s1 = sel_hi[1] if row == sel_hi[0] else len(text) + 1
                    s0, s1 = max(s0, lo), min(s1, hi + (1 if row != sel_hi[0] else 0))
                    if s1 > s0:
                        painter.fillRect(QRectF(col_x(s0), y, (s1 - s0) * cw, lh), sel_bg)
                # search highlights
                if self._highlight is not None:
                    bg = cur_bg if row == self._current else hl_bg
                    for m0, m1 in self._matches(row, text):
                        if m1 > lo and m0 < hi:
                            c0, c1 = max(m0, lo), min(m1, hi)
                            painter.fillRect(QRectF(col_x(c0), y, max(1, c1 - c0) * cw, lh), bg)
                self._draw_text(painter, dl, lo, hi, col_x, y, text_color, marker_color)
            if dl.clipped_chars and hi == a + n and hi == len(text):
                plain_pen = False
                painter.setPen(QColor(128, 128, 128))
                painter.setFont(self._font(TextStyle(italic=True)))
                painter.drawText(
                    QPointF(x0 + (hi - a + 1) * cw, y + ascent),
                    f"\u2026 {dl.clipped_chars:,} more characters in the log",
                )
            y += lh
            if y > height:
                break
        painter.end()
        if widest > self._widest:
            self._widest = widest
            if not self._wrap:
                hs = self.horizontalScrollBar()
                hs.setRange(0, max(0, widest - cols + 2))

    def _draw_text(
        self,
        painter: QPainter,
        dl: DisplayLine,
        lo: int,
        hi: int,
        col_x: Callable[[int], float],
        y: float,
        text_color: QColor,
        marker_color: QColor,
    ) -> None:
        if hi <= lo:
            return
        base_y = y + self._ascent
        text = dl.text
        if dl.kind == LineKind.MARKER:
            painter.setPen(marker_color)
            painter.setFont(self._font(TextStyle(italic=True)))
            painter.drawText(QPointF(col_x(lo), base_y), text[lo:hi])
            return
        runs: Sequence[StyledRun] = dl.runs
        default_font = self._text_font
        if not runs:
            painter.setPen(text_color)
            painter.setFont(default_font)
            painter.drawText(QPointF(col_x(lo), base_y), text[lo:hi])
            return
        c = lo
        i = bisect_right([r.end for r in runs], lo)
        while c < hi:
            run = runs[i] if i < len(runs) else None
            if run is None or run.start >= hi:
                seg_end, style = hi, None
            elif run.start > c:
                seg_end, style = run.start, None
            else:
                seg_end, style = min(run.end, hi), run.style
                i += 1
            seg = text[c:seg_end]
            if style is None:
                painter.setPen(text_color)
                painter.setFont(default_font)
            else:
                fg = ansi_color(style.fg) or text_color
                bg = ansi_color(style.bg)
                if style.inverse:
                    fg, bg = (bg or self.palette().base().color()), fg
                if bg is not None:
                    painter.fillRect(QRectF(col_x(c), y, (seg_end - c) * self._cw, self._lh), bg)
                if style.dim:
                    fg = QColor(fg)
                    fg.setAlpha(150)
                painter.setPen(fg)
                painter.setFont(self._font(style))
            painter.drawText(QPointF(col_x(c), base_y), seg)
            c = seg_end

    def _matches(self, row: int, text: str) -> list[tuple[int, int]]:
        hit = self._hl_cache.get(row)
        if hit is None:
            assert self._highlight is not None
            hit = [
                (m.start(), m.end())
                for m in self._highlight.finditer(text, 0, min(len(text), _MAX_HIGHLIGHT_SCAN))
                if m.end() > m.start()
            ]
            if len(self._hl_cache) > 4096:
                self._hl_cache.clear()
            self._hl_cache[row] = hit
        return hit

    # ---------------------------------------------------------------- selection
    def _hit(self, x: float, y: float) -> tuple[int, int] | None:
        if not self._layout:
            return None
        idx = max(0, min(len(self._layout) - 1, int(y // self._lh)))
        _, row, a, n = self._layout[idx]
        hscroll = 0 if self._wrap else self.horizontalScrollBar().value()
        col = int(round((x - self._gutter() - 4) / self._cw)) + hscroll
        if self._wrap:
            col = a + max(0, min(col, n))
        return row, max(0, col)

    def _selection_bounds(self) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        if self._anchor is None or self._cursor is None or self._anchor == self._cursor:
            return None, None
        return (self._anchor, self._cursor) if self._anchor <= self._cursor else (self._cursor, self._anchor)

    def has_selection(self) -> bool:
        return self._selection_bounds()[0] is not None

    def select(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        """Select from (row, column) to (row, column), end exclusive."""
        self._anchor, self._cursor = start, end
        self.selectionChanged.emit()
        self.viewport().update()

    def clear_selection(self) -> None:
        self._anchor = self._cursor = None
        self.selectionChanged.emit()
        self.viewport().update()

    def selected_text(self) -> str:
        lo, hi = self._selection_bounds()
        if lo is None or hi is None or self._source is None:
            return ""
        first, end = self._bounds()
        r0, r1 = max(lo[0], first), min(hi[0], end - 1)
        if self._filter is None:
            rows: Sequence[int] = range(r0, r1 + 1)
        else:
            f = self._filter
            rows = f[bisect_left(f, r0) : bisect_right(f, r1)]
        out = []
        for row in rows:
            text = self._source.plain(row)
            a = lo[1] if row == lo[0] else 0
            b = hi[1] if row == hi[0] else len(text)
            out.append(text[a:b])
        return "\n".join(out)

    def copy_selection(self) -> bool:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)
        return bool(text)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self._hit(event.position().x(), event.position().y())
            self._anchor = self._cursor = hit
            self.viewport().update()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self._anchor is not None:
            self._cursor = self._hit(event.position().x(), event.position().y())
            self.viewport().update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.selectionChanged.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        sb = self.verticalScrollBar()
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        if key == Qt.Key.Key_End:
            self.set_follow(True)
        elif key == Qt.Key.Key_Home:
            sb.setValue(0)
        elif key == Qt.Key.Key_PageUp:
            sb.setValue(sb.value() - sb.pageStep())
        elif key == Qt.Key.Key_PageDown:
            sb.setValue(sb.value() + sb.pageStep())
        elif key == Qt.Key.Key_Up:
            sb.setValue(sb.value() - 1)
        elif key == Qt.Key.Key_Down:
            sb.setValue(sb.value() + 1)
        else:
            super().keyPressEvent(event)


def _stamp(t: float) -> str:
    lt = time.localtime(t)
    return time.strftime("%H:%M:%S", lt) + f".{int((t % 1) * 1000):03d}"
