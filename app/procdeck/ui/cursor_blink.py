"""Text cursors stop blinking after a while without input, as GTK's do.

A blinking cursor repaints its field (and, through the window's backing store, the
window) twice a second for as long as the app runs: most of what an otherwise idle
Procdeck spent was its launcher field blinking. GTK stops after 10 s without input
(``gtk-cursor-blink-timeout``, https://docs.gtk.org/gtk4/property.Settings.gtk-cursor-blink-timeout.html);
so does Procdeck. The cursor stays shown, solid; a key press, a click or a focus change
in the app starts the blinking again. A platform that asks for no blinking (flash time
0) is left alone.

Only the focused widget is watched (an application-wide event filter would run Python
for every event of the app, floods of output repaints included).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

BLINK_TIMEOUT_S = 10.0
ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.InputMethod,
        QEvent.Type.FocusIn,
    }
)


class BlinkTimeout(QObject):
    def __init__(
        self, app: QApplication, timeout_s: float = BLINK_TIMEOUT_S, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._app = app
        self._flash_ms = app.styleHints().cursorFlashTime()
        self._watched: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(timeout_s * 1000))
        self._timer.timeout.connect(self._rest)
        self._closed = False
        if self._flash_ms > 0:
            app.focusChanged.connect(self._focus_changed)
            self._watch(app.focusWidget())
            self._timer.start()

    @property
    def blinking(self) -> bool:
        return QApplication.cursorFlashTime() > 0

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        self._watch(new)
        self.activity()

    def _watch(self, widget: QWidget | None) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # already deleted on the C++ side
                pass
        self._watched = widget
        if widget is not None:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self.activity()
        return False

    def activity(self) -> None:
        """Input happened: blink (again) for the next timeout."""
        if self._closed or self._flash_ms <= 0:
            return
        if QApplication.cursorFlashTime() != self._flash_ms:
            QApplication.setCursorFlashTime(self._flash_ms)
        self._timer.start()

    def _rest(self) -> None:
        if not self._closed:
            QApplication.setCursorFlashTime(0)  # the cursor stays, shown, without a timer

    def close(self) -> None:
        """Stop watching and put the platform's blinking back."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._watch(None)
        if self._flash_ms > 0:
            self._app.focusChanged.disconnect(self._focus_changed)
            QApplication.setCursorFlashTime(self._flash_ms)
