"""Text cursors blink for a while after input, then rest (no timer) until the next input."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from procdeck.ui.cursor_blink import BlinkTimeout


def test_blinking_stops_after_the_timeout_and_resumes_on_input(qtbot, qapp) -> None:
    flash = qapp.styleHints().cursorFlashTime()
    assert flash > 0, "the platform blinks by default"
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    edit.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    blink = BlinkTimeout(qapp, timeout_s=0.2)
    try:
        assert blink.blinking
        qtbot.waitUntil(lambda: not blink.blinking, timeout=3000)
        assert QApplication.cursorFlashTime() == 0
        QApplication.sendEvent(
            edit, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
        )
        assert blink.blinking and QApplication.cursorFlashTime() == flash
        qtbot.waitUntil(lambda: not blink.blinking, timeout=3000)
    finally:
        blink.close()
    assert QApplication.cursorFlashTime() == flash  # closing puts the platform's value back
