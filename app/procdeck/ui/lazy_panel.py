"""A placeholder that builds its real content the first time it is actually on screen.

Panels that are costly to build or to import (the pyqtgraph charts pull in pyqtgraph and
numpy, some 0.2-0.4 s and 50 MB) start as a ``LazyPanel``: a light widget holding a
factory. The first paint of the placeholder (a dock tabbed behind another is "visible" to
Qt but never painted) schedules the build for the next loop iteration, so the window that
contains it is painted first; ``content()`` builds at once for code that needs the real
widget now. ``built`` is emitted with the content once it exists. A panel created with
``ready=False`` (nothing to show yet) waits for ``set_ready()`` before building on screen.

Saved state (procdeck.ui.settings_store.PersistentWidget) passes through: restored before
the build, it is kept and handed to the content when it is built; saved before the build,
it is what was restored. ``settings_name`` keeps the key the content itself would use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

W = TypeVar("W", bound=QWidget)


class LazyPanel(QWidget, Generic[W]):
    built = Signal(QWidget)

    def __init__(
        self,
        factory: Callable[[], W],
        *,
        settings_name: str | None = None,
        placeholder: str = "Loading…",
        ready: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._content: W | None = None
        self._pending_state: dict[str, Any] | None = None
        self._build_scheduled = False
        self._ready = ready
        self.settings_name = settings_name or type(self).__name__
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel(placeholder)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setEnabled(False)  # greyed: it is not the content
        self._layout.addWidget(self._placeholder)

    @property
    def is_built(self) -> bool:
        return self._content is not None

    def content_if_built(self) -> W | None:
        return self._content

    def content(self) -> W:
        """The real widget, built now if it was not yet."""
        if self._content is None:
            content = self._factory()
            self._content = content
            self._factory = _built_already
            self._layout.removeWidget(self._placeholder)
            self._placeholder.deleteLater()
            self._layout.addWidget(content)
            if self._pending_state is not None:
                restore = getattr(content, "restore_settings_state", None)
                if restore is not None:
                    restore(self._pending_state)
                self._pending_state = None
            self.built.emit(content)
        return self._content

    @property
    def ready(self) -> bool:
        return self._ready

    def set_ready(self, ready: bool = True, placeholder: str | None = None) -> None:
        """Whether there is anything worth building for yet (a chart of nothing is not):
        a panel that is not ready keeps its placeholder even on screen."""
        if placeholder is not None and self._content is None:
            self._placeholder.setText(placeholder)
        if ready == self._ready:
            return
        self._ready = ready
        if ready and self._content is None:
            self.update()  # on screen, the next paint builds it

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._content is None and self._ready and not self._build_scheduled:
            # Not now: this paint is part of the window's; build once it is on screen.
            self._build_scheduled = True
            QTimer.singleShot(0, self, self._build_if_shown)

    def _build_if_shown(self) -> None:
        self._build_scheduled = False
        if self._content is None and self.isVisible():
            self.content()

    # -- procdeck.ui.settings_store.PersistentWidget --------------------------------------
    def settings_state(self) -> dict[str, Any]:
        if self._content is not None:
            state = getattr(self._content, "settings_state", None)
            return dict(state()) if state is not None else {}
        return dict(self._pending_state or {})

    def restore_settings_state(self, state: dict[str, Any]) -> None:
        if self._content is None:
            self._pending_state = dict(state)
            return
        restore = getattr(self._content, "restore_settings_state", None)
        if restore is not None:
            restore(state)


def _built_already() -> Any:
    raise RuntimeError("LazyPanel content is built once")
