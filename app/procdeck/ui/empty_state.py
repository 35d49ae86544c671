"""A one-line hint in an empty view that says what to do (with the shortcut).

The hint is a label on the view's viewport, centred, shown only while ``is_empty()``
holds; for item views it follows the model's row count by itself.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea, QLabel


class EmptyHint(QLabel):
    def __init__(
        self,
        view: QAbstractScrollArea,
        text: str,
        is_empty: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(text, view.viewport())
        self.setObjectName("emptyHint")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setEnabled(False)  # the palette's disabled text colour: a hint, not content
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._view = view
        if is_empty is None and isinstance(view, QAbstractItemView):
            model = view.model()
            self._is_empty: Callable[[], bool] = lambda: view.model().rowCount() == 0
            for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.layoutChanged):
                signal.connect(self.refresh)
        else:
            self._is_empty = is_empty or (lambda: True)
        view.viewport().installEventFilter(self)
        self.refresh()

    def set_hint(self, text: str) -> None:
        self.setText(text)
        self._place()

    def refresh(self, *_args: object) -> None:
        self.setVisible(self._is_empty())
        self._place()

    def _place(self) -> None:
        viewport = self._view.viewport()
        margin = 8
        width = max(10, viewport.width() - 2 * margin)
        height = min(
            viewport.height(), self.heightForWidth(width) if self.wordWrap() else self.sizeHint().height()
        )
        self.setGeometry(margin, max(0, (viewport.height() - height) // 2), width, max(height, 1))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False
