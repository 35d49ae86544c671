"""OutputViewer: a LineView with search, filter, stream toggles, timestamps, wrap, export.

It reads output only through the ``LineSource`` it is given and is told to ``refresh()``
at display rate by its owner; it never learns where the output comes from. Requests that
need the desktop (opening the full log) leave as signals.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.line_source import LineKind, LineSource, SearchQuery
from procdeck.ui.viewer.line_view import LineView
from procdeck.ui.viewer.search import SearchRunner

SEARCH_DEBOUNCE_MS = 150


class OutputViewer(QWidget):
    """A complete viewer for one LineSource (one run, one stream or the merged timeline)."""

    openLogRequested = Signal(tuple)  # paths of the complete log files
    closed = Signal()
    saveFinished = Signal(str)  # message for the user
    _saveDone = Signal(object)  # error text or None, emitted from the saving thread

    def __init__(self, source: LineSource | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = LineView()
        self.search_runner = SearchRunner(self)
        self._current: int | None = None

        # --- search bar
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setObjectName("viewerSearch")
        self.regex_box = QCheckBox("Regex")
        self.case_box = QCheckBox("Case")
        self.filter_box = QCheckBox("Filter")
        self.filter_box.setToolTip("Show only matching lines")
        self.prev_button = QToolButton()
        self.prev_button.setText("\u25b2")
        self.prev_button.setToolTip("Previous match (Shift+Enter)")
        self.next_button = QToolButton()
        self.next_button.setText("\u25bc")
        self.next_button.setToolTip("Next match (Enter)")
        self.match_label = QLabel()
        self.match_label.setObjectName("matchLabel")
        # --- options
        self.stdout_box = QCheckBox("stdout")
        self.stderr_box = QCheckBox("stderr")
        self.time_box = QCheckBox("Time")
        self.time_box.setToolTip("Show arrival times")
        self.wrap_box = QCheckBox("Wrap")
        self.more_button = QToolButton()
        self.more_button.setText("\u22ef")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more_button)
        self.copy_action = menu.addAction("Copy selection", self.copy_selection)
        self.copy_all_action = menu.addAction("Copy all", self.copy_all)
        menu.addSeparator()
        self.save_shown_action = menu.addAction("Save shown lines\u2026", lambda: self._ask_save(full=False))
        self.save_full_action = menu.addAction("Save full output\u2026", lambda: self._ask_save(full=True))
        self.open_log_action = menu.addAction("Open full log", self.open_log)
        menu.addSeparator()
        self.clear_action = menu.addAction("Clear", self.clear)
        self.more_button.setMenu(menu)

        bar = QHBoxLayout()
        bar.setContentsMargins(2, 2, 2, 2)
        bar.addWidget(self.search_edit, 1)
        for w in (
            self.regex_box, self.case_box, self.filter_box, self.prev_button, self.next_button,
            self.match_label, self.stdout_box, self.stderr_box, self.time_box, self.wrap_box,
            self.more_button,
        ):  # fmt: skip
            bar.addWidget(w)

        self.dropped_label = QLabel()
        self.dropped_label.setObjectName("droppedBanner")
        self.dropped_label.setTextFormat(Qt.TextFormat.RichText)
        self.dropped_label.linkActivated.connect(lambda _l: self.open_log())
        self.dropped_label.hide()
        self.status_label = QLabel()
        self.status_label.hide()

        self.new_lines_button = QPushButton(self.view.viewport())
        self.new_lines_button.setObjectName("newLinesButton")
        self.new_lines_button.hide()
        self.new_lines_button.clicked.connect(lambda: self.view.set_follow(True))
        self.view.viewport().installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.dropped_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._restart_search)
        self.search_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.search_edit.returnPressed.connect(self._enter)
        self.regex_box.toggled.connect(lambda _on: self._restart_search())
        self.case_box.toggled.connect(lambda _on: self._restart_search())
        self.filter_box.toggled.connect(lambda _on: self._apply_filter())
        self.next_button.clicked.connect(self.find_next)
        self.prev_button.clicked.connect(self.find_previous)
        self.stdout_box.toggled.connect(lambda _on: self._streams_toggled())
        self.stderr_box.toggled.connect(lambda _on: self._streams_toggled())
        self.time_box.toggled.connect(self.view.set_timestamps)
        self.wrap_box.toggled.connect(self.view.set_wrap)
        self.view.newRowsChanged.connect(self._show_new_rows)
        self.search_runner.progressed.connect(self._search_progressed)
        self.search_runner.failed.connect(self._search_failed)
        self._saveDone.connect(self._on_saved)

        for seq, slot in (
            (QKeySequence.StandardKey.Find, self.focus_search),
            (QKeySequence.StandardKey.FindNext, self.find_next),
            (QKeySequence.StandardKey.FindPrevious, self.find_previous),
        ):
            act = QAction(self)
            act.setShortcut(seq)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
        self.set_source(source)

    # ------------------------------------------------------------------- source
    def source(self) -> LineSource | None:
        return self.view.source()

    def set_source(self, source: LineSource | None) -> None:
        self.view.set_source(source)
        streams = source.streams() if source is not None else frozenset()
        for box, kind in ((self.stdout_box, LineKind.STDOUT), (self.stderr_box, LineKind.STDERR)):
            box.blockSignals(True)
            box.setChecked(kind in streams)
            box.blockSignals(False)
        self._current = None
        self._restart_search()
        self._update_banner()

    def refresh(self) -> None:
        """New output may be there: repaint what is visible (call at display rate)."""
        self.view.refresh()
        self.search_runner.catch_up()
        self._update_banner()

    def _update_banner(self) -> None:
        src = self.source()
        dropped = src.dropped_rows() if src is not None else 0
        if dropped:
            link = ' <a href="open">Open the full log</a>' if src is not None and src.log_paths() else ""
            self.dropped_label.setText(f"{dropped:,} earlier lines are no longer in memory.{link}")
        self.dropped_label.setVisible(bool(dropped))

    def _streams_toggled(self) -> None:
        src = self.source()
        if src is None:
            return
        kinds = frozenset(
            k
            for box, k in ((self.stdout_box, LineKind.STDOUT), (self.stderr_box, LineKind.STDERR))
            if box.isChecked()
        )
        src.set_streams(kinds)
        self.view.set_source(src)
        self._restart_search()

    # ------------------------------------------------------------------- search
    def query(self) -> SearchQuery | None:
        text = self.search_edit.text()
        if not text:
            return None
        return SearchQuery(text, regex=self.regex_box.isChecked(), case_sensitive=self.case_box.isChecked())

    def search(
        self, text: str, *, regex: bool = False, case: bool = False, filter: bool | None = None
    ) -> None:
        """Set the search (as if typed) and start it now."""
        for box, on in ((self.regex_box, regex), (self.case_box, case)):
            box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(False)
        self.search_edit.blockSignals(True)
        self.search_edit.setText(text)
        self.search_edit.blockSignals(False)
        if filter is not None:
            self.filter_box.blockSignals(True)
            self.filter_box.setChecked(filter)
            self.filter_box.blockSignals(False)
        self._restart_search()

    def _restart_search(self) -> None:
        self._debounce.stop()
        self._current = None
        self.match_label.setStyleSheet("")
        query = self.query()
        self.search_runner.start(self.source(), query)
        self.view.set_highlight(self.search_runner.pattern)
        self.view.set_current(None)
        self._apply_filter()

    def _apply_filter(self) -> None:
        on = self.filter_box.isChecked() and self.search_runner.active
        self.view.set_filter(self.search_runner.rows if on else None)

    def _search_progressed(self) -> None:
        self._apply_filter() if self.filter_box.isChecked() else None
        self._update_match_label()

    def _search_failed(self, message: str) -> None:
        self.match_label.setText(message)
        self.match_label.setStyleSheet("color: #c0392b")
        self.view.set_highlight(None)

    def _update_match_label(self) -> None:
        runner = self.search_runner
        if not runner.active:
            if runner.pattern is None and self.match_label.styleSheet() == "":
                self.match_label.setText("")
            return
        rows = runner.visible_rows()
        idx = runner.index_of(self._current)
        where = f"{idx + 1} of " if idx is not None else ""
        more = "\u2026" if runner.searching else ""
        self.match_label.setText(
            f"{where}{len(rows):,} lines{more} ({runner.occurrences:,} matches)"
            if rows
            else f"no matches{more}"
        )

    def match_count(self) -> int:
        """Matches (occurrences) found so far."""
        return self.search_runner.occurrences

    def match_rows(self) -> list[int]:
        return list(self.search_runner.visible_rows())

    def _enter(self) -> None:
        self._debounce.stop()
        if self.search_runner.pattern is None or self.query() != self.search_runner._query:
            self._restart_search()
        self.find_next()

    def find_next(self) -> int | None:
        row = self.search_runner.next_after(self._current)
        self._go(row)
        return row

    def find_previous(self) -> int | None:
        row = self.search_runner.previous_before(self._current)
        self._go(row)
        return row

    def _go(self, row: int | None) -> None:
        if row is None:
            return
        self._current = row
        self.view.set_current(row)
        self._update_match_label()

    def current_match(self) -> int | None:
        return self._current

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    # -------------------------------------------------------------- new lines
    def _show_new_rows(self, n: int) -> None:
        if n <= 0:
            self.new_lines_button.hide()
            return
        self.new_lines_button.setText(f"\u2193 {n:,} new line{'s' if n != 1 else ''}")
        self.new_lines_button.adjustSize()
        self._place_new_lines_button()
        self.new_lines_button.show()
        self.new_lines_button.raise_()

    def _place_new_lines_button(self) -> None:
        vp = self.view.viewport()
        size: QSize = self.new_lines_button.sizeHint()
        self.new_lines_button.move(vp.width() - size.width() - 12, vp.height() - size.height() - 8)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._place_new_lines_button()
        return super().eventFilter(obj, event)

    # ------------------------------------------------------------- copy, save
    def copy_selection(self) -> bool:
        return self.view.copy_selection()

    def shown_text(self) -> str:
        src = self.source()
        if src is None:
            return ""
        rows = self.view.shown_rows()
        return "".join(src.plain(r) + "\n" for r in rows)

    def copy_all(self) -> None:
        QGuiApplication.clipboard().setText(self.shown_text())

    def clear(self) -> None:
        src = self.source()
        if src is not None:
            src.clear()
        self._restart_search()
        self.view.refresh(force=True)
        self._update_banner()

    def open_log(self) -> None:
        src = self.source()
        if src is not None and src.log_paths():
            self.openLogRequested.emit(tuple(src.log_paths()))

    def _ask_save(self, *, full: bool) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save full output" if full else "Save shown lines")
        if path:
            self.save(path, full=full)

    def save(self, path: str, *, full: bool) -> None:
        """Save shown rows (filter applied) or the complete log; ``saveFinished`` reports."""
        src = self.source()
        if src is None:
            return
        rows = None if full else list(self.view.shown_rows())
        try:
            src.save(path, full=full, rows=rows, done=self._saveDone.emit)
        except OSError as exc:
            self._on_saved(str(exc))

    def _on_saved(self, error: object) -> None:
        message = str(error) if error else "Saved."
        self.status_label.setText(message)
        self.status_label.setVisible(True)
        QTimer.singleShot(6000, self.status_label.hide)
        self.saveFinished.emit(message)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.search_runner.stop()
        self.closed.emit()
        super().closeEvent(event)
