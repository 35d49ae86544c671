"""A one-line label that elides its text to the room it gets, with the full text as tooltip.

A plain QLabel asks for the width of its whole text as its minimum: one long command
line in a header would widen the layout, and with it the window, past the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class ElidedLabel(QWidget):
    """Shows ``text()`` on one line, cut with "…" when the room is too small."""

    MIN_CHARS = 12  # the minimum width asks for this many average characters

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        text = " ".join(text.splitlines())
        if text == self._text:
            return
        self._text = text
        self.setAccessibleName(text)
        self._update_tooltip()
        self.updateGeometry()
        self.update()

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self._text) > self.contentsRect().width()

    def _update_tooltip(self) -> None:
        self.setToolTip(self._text if self.is_elided() else "")

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(
            min(metrics.horizontalAdvance(self._text), 60 * metrics.averageCharWidth()) + 4,
            metrics.height() + 4,
        )

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(self.MIN_CHARS * metrics.averageCharWidth(), metrics.height() + 4)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
        painter.end()
