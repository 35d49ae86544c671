"""TerminalView: a pty run's screen, drawn from a pyte model, with keyboard and mouse.

Bytes arrive with ``ingest`` (at the output refresh rate) and wait in a backlog that is
fed to the screen on display frames, a few milliseconds at a time, so a flood never holds
the event loop; a flood faster than the screen model is cut to its tail (see
``screen_model.Backlog``). Only rows that changed are repainted.

While it has focus every key goes to the program, Procdeck's shortcuts included, except
Ctrl+Shift+C / Ctrl+Shift+V (copy, paste) and Ctrl+Shift+Escape, which gives the focus
back to the window (``leaveRequested``). Selecting with the mouse copies to the selection
clipboard (X11) as terminals do; a middle click pastes it. A program that asks for mouse
reports gets clicks, drags and the wheel instead (``mouse``); Shift+mouse still selects.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QClipboard,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QInputMethodEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QMenu, QWidget
from pyte.screens import Char

from procdeck.ui.terminal import colors, mouse
from procdeck.ui.terminal.keys import key_bytes, paste_bytes
from procdeck.ui.terminal.screen_model import Backlog, TerminalScreen
from procdeck.ui.text_font import unshaped

FRAME_MS = 16  # about 60 Hz
BUSY_FRAME_MS = 40  # while bytes keep arriving faster than the screen takes them: a flood
FEED_BUDGET_S = 0.002  # screen emulation per frame: the loop keeps the rest
PAINT_BUDGET_S = 0.002  # row repaints per frame; rows over budget are painted on later frames
RESIZE_DEBOUNCE_MS = 120
MARGIN = 4

Mod = Qt.KeyboardModifier
_OWN_KEYS = {  # (key, modifiers) the view keeps for itself
    (Qt.Key.Key_C, Mod.ControlModifier | Mod.ShiftModifier): "copy",
    (Qt.Key.Key_V, Mod.ControlModifier | Mod.ShiftModifier): "paste",
    (Qt.Key.Key_Insert, Mod.ShiftModifier): "paste",
    (Qt.Key.Key_Escape, Mod.ControlModifier | Mod.ShiftModifier): "leave",
}

Cell = tuple[int, int]  # (row, column)
_BUTTONS = {
    Qt.MouseButton.LeftButton: mouse.Button.LEFT,
    Qt.MouseButton.MiddleButton: mouse.Button.MIDDLE,
    Qt.MouseButton.RightButton: mouse.Button.RIGHT,
}


class TerminalView(QWidget):
    inputTyped = Signal(bytes)  # keys, pastes and the program's query answers, for the pty
    sizeChanged = Signal(int, int)  # rows, columns (debounced)
    leaveRequested = Signal()  # Ctrl+Shift+Escape: give the focus back to the window

    def __init__(self, rows: int = 24, cols: int = 80, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("terminalView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)
        self.setCursor(Qt.CursorShape.IBeamCursor)
        self.program_reads_keys = True  # False once the program has exited (set by the panel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.set_terminal_font(font)
        self.term = TerminalScreen(cols, rows)
        self.backlog = Backlog(self.term)
        self._selection: tuple[Cell, Cell] | None = None
        self._anchor: Cell | None = None
        self._held: mouse.Button | None = None  # the button a reporting program saw pressed
        self._last_report_cell: Cell | None = None
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self._render_frame)
        self._resize = QTimer(self)
        self._resize.setSingleShot(True)
        self._resize.setInterval(RESIZE_DEBOUNCE_MS)
        self._resize.timeout.connect(self._apply_size)
        self._cursor_row = 0
        self._arrived = False  # bytes came in since the last frame
        self._stale_rows: set[int] = set()  # changed rows not yet scheduled for repaint
        self._row_cost_s = 0.0002  # running estimate of one row's paint time

    # -- set-up -----------------------------------------------------------------------
    def set_terminal_font(self, font: QFont) -> None:
        self._font = unshaped(font)
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        metrics = QFontMetricsF(self._font)
        self._cw = max(1.0, metrics.horizontalAdvance("M"))
        self._ch = max(1.0, metrics.lineSpacing())
        self._ascent = metrics.ascent()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(int(80 * self._cw) + 2 * MARGIN, int(24 * self._ch) + 2 * MARGIN)

    def minimumSizeHint(self) -> QSize:
        return QSize(int(self._cw) + 2 * MARGIN, int(self._ch) + 2 * MARGIN)

    def grid_for(self, width: int, height: int) -> tuple[int, int]:
        """Rows and columns that fit in ``width`` x ``height`` pixels (at least 1x1)."""
        cols = max(1, int((width - 2 * MARGIN) // self._cw))
        rows = max(1, int((height - 2 * MARGIN) // self._ch))
        return rows, cols

    def grid_size(self) -> tuple[int, int]:
        return self.term.lines, self.term.columns

    # -- bytes in ---------------------------------------------------------------------
    def ingest(self, data: bytes) -> None:
        """Bytes the program wrote; shown on the next frame."""
        if data:
            self.backlog.add(data)
            self._arrived = True
            if not self._frame.isActive():
                self._frame.start()

    def reset(self) -> None:
        """A clean screen (another run, or a new attempt)."""
        self.backlog.clear()
        self.term.reset()
        self._selection = None
        self._stale_rows.clear()
        self.update()

    def flush(self) -> None:
        """Feed everything waiting now and repaint it all, whatever it costs (tests,
        screenshots)."""
        while self.backlog.feed(1.0):
            pass
        self._collect_changes()
        self._stale_rows.clear()
        self.update()

    def _render_frame(self) -> None:
        """One display frame: some screen emulation, then some repaints, each within its
        budget, so a flood never holds the event loop for long. What is left waits for
        the next frame, which comes later while a flood lasts (once it stops, what is
        left is shown at the display rate)."""
        more = self.backlog.feed(FEED_BUDGET_S)
        self._collect_changes()
        self._schedule_repaints()
        flooding, self._arrived = more and self._arrived, False
        if more or self._stale_rows:
            self._frame.start(BUSY_FRAME_MS if flooding else FRAME_MS)

    def _collect_changes(self) -> None:
        answers = self.term.take_responses()
        if answers:
            self.inputTyped.emit(answers)
        self._stale_rows.update(self.term.dirty)
        self.term.dirty.clear()
        self._stale_rows.update({self._cursor_row, self.term.cursor.y})
        self._cursor_row = self.term.cursor.y
        lines = self.term.lines
        self._stale_rows = {row for row in self._stale_rows if 0 <= row < lines}

    def _schedule_repaints(self) -> None:
        count = max(1, int(PAINT_BUDGET_S / max(self._row_cost_s, 1e-6)))
        if count >= len(self._stale_rows):
            rows, self._stale_rows = self._stale_rows, set()
        else:  # the cursor's row first (where typing shows), then the newest rows at the bottom
            cursor = self.term.cursor.y
            ordered = sorted(self._stale_rows, key=lambda r: (r != cursor, -r))
            rows = set(ordered[:count])
            self._stale_rows.difference_update(rows)
        for row in rows:
            self.update(self._row_rect(row))

    def _row_rect(self, row: int) -> QRect:
        top = int(MARGIN + row * self._ch)
        return QRect(0, top, self.width(), int(self._ch) + 2)

    # -- text out ---------------------------------------------------------------------
    def screen_lines(self) -> list[str]:
        """What the screen shows, one string per row (wide characters once)."""
        return list(self.term.display)

    def screen_text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen_lines()).rstrip("\n")

    def selected_text(self) -> str:
        if self._selection is None:
            return ""
        (r0, c0), (r1, c1) = self._selection
        cols = self.term.columns
        out = []
        for row in range(r0, r1 + 1):
            line = self.term.buffer[row]
            start = c0 if row == r0 else 0
            stop = c1 if row == r1 else cols - 1
            out.append("".join(line[x].data for x in range(start, stop + 1)).rstrip())
        return "\n".join(out)

    def select_all(self) -> None:
        self._selection = ((0, 0), (self.term.lines - 1, self.term.columns - 1))
        self.update()

    def copy(self) -> None:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def paste(self, mode: QClipboard.Mode = QClipboard.Mode.Clipboard) -> None:
        text = QGuiApplication.clipboard().text(mode)
        if text:
            self.inputTyped.emit(paste_bytes(text, bracketed=self.term.bracketed_paste))

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        painter = QPainter(self)
        rows: set[int] = set()
        try:
            screen = self.term
            for rect in event.region():  # type: ignore[attr-defined]  # QRegion iterates its rects at run time
                painter.fillRect(rect, colors.BACKGROUND)
                first = max(0, int((rect.top() - MARGIN) // self._ch))
                last = min(screen.lines - 1, int((rect.bottom() - MARGIN) // self._ch))
                rows.update(range(first, last + 1))
            for row in rows:
                self._paint_row(painter, row)
            if not screen.cursor.hidden and screen.cursor.y in rows:
                self._paint_cursor(painter)
        finally:
            painter.end()  # an exception with an active painter would crash Qt
        if rows:
            cost = (time.perf_counter() - started) / len(rows)
            self._row_cost_s = 0.8 * self._row_cost_s + 0.2 * cost

    def _selected_span(self, row: int) -> tuple[int, int] | None:
        if self._selection is None:
            return None
        (r0, c0), (r1, c1) = self._selection
        if not r0 <= row <= r1:
            return None
        return (c0 if row == r0 else 0, c1 if row == r1 else self.term.columns - 1)

    def _paint_row(self, painter: QPainter, row: int) -> None:
        """Draw one row as runs of cells that look alike. Only the cells pyte has set are
        visited (a row's blank tail is background); a wide character is drawn on its own,
        over two cells."""
        line = self.term.buffer[row]
        cols = self.term.columns
        top = MARGIN + row * self._ch
        baseline = top + self._ascent
        span = self._selected_span(row)
        if span is not None:  # selected cells: a background under whatever is drawn
            left = MARGIN + span[0] * self._cw
            width = (span[1] - span[0] + 1) * self._cw + 1
            painter.fillRect(int(left), int(top), int(width), int(self._ch + 1), colors.SELECTION)
        run_start = 0
        run_style: tuple[object, ...] = ()
        run_char = self.term.default_char
        parts: list[str] = []
        expect = -1
        for x in sorted(line):
            if x >= cols:
                break
            char = line[x]
            data = char.data
            style = char[1:]
            wide = data != "" and x + 1 < cols and x + 1 in line and line[x + 1].data == ""
            if parts and (x != expect or style != run_style or wide or data == ""):
                self._paint_run(painter, run_char, "".join(parts), run_start, len(parts), top, baseline)
                parts = []
            if data == "":  # the right half of a wide character
                continue
            if wide:
                self._paint_run(painter, char, data, x, 2, top, baseline)
                continue
            if not parts:
                run_start, run_style, run_char = x, style, char
            parts.append(data)
            expect = x + 1
        if parts:
            self._paint_run(painter, run_char, "".join(parts), run_start, len(parts), top, baseline)

    def _paint_run(
        self, painter: QPainter, char: Char, text: str, x: int, width: int, top: float, baseline: float
    ) -> None:
        fg_name = colors.bright(char.fg) if char.bold else char.fg
        fg = colors.color(fg_name, colors.FOREGROUND)
        bg = colors.color(char.bg, colors.BACKGROUND)
        if char.reverse:
            fg, bg = bg, fg
        left = MARGIN + x * self._cw
        if bg != colors.BACKGROUND:
            painter.fillRect(int(left), int(top), int(width * self._cw + 1), int(self._ch + 1), bg)
        if text.strip():
            font = self._bold if char.bold else self._font
            if char.italics or char.underscore or char.strikethrough:
                font = QFont(font)
                font.setItalic(char.italics)
                font.setUnderline(char.underscore)
                font.setStrikeOut(char.strikethrough)
            painter.setFont(font)
            painter.setPen(fg)
            painter.drawText(QPoint(int(left), int(baseline)), text)
        elif char.underscore:
            painter.setPen(fg)
            y = int(baseline + 2)
            painter.drawLine(int(left), y, int(left + width * self._cw), y)

    def _paint_cursor(self, painter: QPainter) -> None:
        cursor = self.term.cursor
        rect = QRect(
            int(MARGIN + cursor.x * self._cw), int(MARGIN + cursor.y * self._ch), int(self._cw), int(self._ch)
        )
        if self.hasFocus():
            painter.fillRect(rect, colors.CURSOR)
            char = self.term.buffer[cursor.y][cursor.x]
            if char.data.strip():
                painter.setFont(self._bold if char.bold else self._font)
                painter.setPen(colors.BACKGROUND)
                painter.drawText(QPoint(rect.left(), int(rect.top() + self._ascent)), char.data)
        else:
            painter.setPen(colors.CURSOR)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))

    # -- size -------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._resize.start()

    def _apply_size(self) -> None:
        rows, cols = self.grid_for(self.width(), self.height())
        if (rows, cols) != self.grid_size():
            self.term.resize(rows, cols)
            self._selection = None
            self.update()
        self.sizeChanged.emit(rows, cols)

    # -- keyboard ---------------------------------------------------------------------
    def _own_action(self, event: QKeyEvent) -> str | None:
        mods = event.modifiers() & ~Mod.KeypadModifier
        try:
            key = Qt.Key(event.key())
        except ValueError:
            return None
        return _OWN_KEYS.get((key, mods))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            # Keys the program needs beat the window's shortcuts while the terminal has
            # focus; once it has exited, nothing reads them and the shortcuts work (Ctrl+Q).
            if self.program_reads_keys and self._own_action(event) is None:
                event.accept()
                return True
        return super().event(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        return False  # Tab and Shift+Tab belong to the program

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._own_action(event)
        if action == "copy":
            self.copy()
            return
        if action == "paste":
            self.paste()
            return
        if action == "leave":
            self.leaveRequested.emit()
            return
        data = key_bytes(event.key(), event.modifiers(), event.text(), app_cursor=self.term.app_cursor_keys)
        if data is None:
            super().keyPressEvent(event)
            return
        if self._selection is not None:
            self._selection = None
            self.update()
        self.inputTyped.emit(data)

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # composed text (dead keys, IMEs)
        text = event.commitString()
        if text:
            self.inputTyped.emit(text.encode())
        event.accept()

    # -- mouse ------------------------------------------------------------------------
    def cell_at(self, pos: QPoint) -> Cell:
        col = int((pos.x() - MARGIN) // self._cw)
        row = int((pos.y() - MARGIN) // self._ch)
        return (
            min(max(row, 0), self.term.lines - 1),
            min(max(col, 0), self.term.columns - 1),
        )

    # A program that asked for mouse reports (htop, vim, less --mouse) gets clicks, drags
    # and the wheel; with Shift held the mouse selects here instead, as in xterm.
    def _reporting(self, event: QMouseEvent | QWheelEvent) -> str | None:
        if event.modifiers() & Mod.ShiftModifier:
            return None
        return mouse.tracking(self.term.mode)

    def _report(self, button: mouse.Button, event: QMouseEvent | QWheelEvent, **kwargs: bool) -> None:
        row, col = self.cell_at(event.position().toPoint())
        mods = event.modifiers()
        modifiers = (mouse.META if mods & Mod.AltModifier else 0) | (
            mouse.CONTROL if mods & Mod.ControlModifier else 0
        )
        data = mouse.report(
            button, row, col, modifiers=modifiers, sgr=mouse.SGR_ENCODING in self.term.mode, **kwargs
        )
        self._last_report_cell = (row, col)
        if data is not None:
            self.inputTyped.emit(data)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        button = _BUTTONS.get(event.button())
        if button is not None and self._reporting(event):
            self._held = button
            self._report(button, event)
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._anchor = self.cell_at(event.position().toPoint())
            self._selection = None
            self.update()
        elif event.button() == Qt.MouseButton.MiddleButton:
            self.paste(QClipboard.Mode.Selection)
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        mode = self._reporting(event)
        if mode == "motion" or (mode == "drag" and self._held is not None):
            if self.cell_at(event.position().toPoint()) != self._last_report_cell:
                held = self._held if self._held is not None else mouse.Button.RELEASE
                self._report(held, event, motion=True)
            return
        if self._anchor is not None and event.buttons() & Qt.MouseButton.LeftButton:
            cell = self.cell_at(event.position().toPoint())
            self._selection = (min(self._anchor, cell), max(self._anchor, cell))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        button = _BUTTONS.get(event.button())
        if button is not None and self._held is not None:
            self._held = None
            self._report(button, event, pressed=False)
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._anchor = None
            text = self.selected_text()
            clipboard = QGuiApplication.clipboard()
            if text and clipboard.supportsSelection():
                clipboard.setText(text, QClipboard.Mode.Selection)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self._reporting(event):
            super().wheelEvent(event)
            return
        steps = event.angleDelta().y() // 120 or (1 if event.angleDelta().y() > 0 else -1)
        button = mouse.Button.WHEEL_UP if steps > 0 else mouse.Button.WHEEL_DOWN
        for _ in range(min(abs(steps), 10)):
            self._report(button, event)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Select the word under the mouse (a reporting program gets a second press)."""
        button = _BUTTONS.get(event.button())
        if button is not None and self._reporting(event):
            self._held = button
            self._report(button, event)
            return
        row, col = self.cell_at(event.position().toPoint())
        line = self.term.buffer[row]
        if not line[col].data.strip():
            return
        start = col
        while start > 0 and line[start - 1].data.strip():
            start -= 1
        end = col
        while end + 1 < self.term.columns and line[end + 1].data.strip():
            end += 1
        self._selection = ((row, start), (row, end))
        self.update()

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        copy = menu.addAction("Copy\tCtrl+Shift+C", self.copy)
        copy.setEnabled(self._selection is not None)
        menu.addAction("Paste\tCtrl+Shift+V", self.paste)
        menu.addAction("Select all", self.select_all)
        menu.exec(self.mapToGlobal(pos))
