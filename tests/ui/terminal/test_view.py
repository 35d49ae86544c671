"""TerminalView on its own: painting, keys, shortcut override, resize, paste."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent

from procdeck.ui.terminal.view import TerminalView

K, M = Qt.Key, Qt.KeyboardModifier


def make(qtbot, w=640, h=320) -> TerminalView:
    view = TerminalView()
    qtbot.addWidget(view)
    view.resize(w, h)
    view.show()
    return view


def test_paints_colours_attributes_wide_chars_and_a_tiny_size(qtbot):
    view = make(qtbot)
    view.ingest(
        b"\x1b[1;31mbold red\x1b[0m \x1b[4munder\x1b[24m \x1b[7mrev\x1b[27m "
        b"\x1b[38;5;208m256\x1b[38;2;10;200;30m true\x1b[0m \xe4\xb8\xad\xe6\x96\x87\r\n"
    )
    view.flush()
    image = view.grab().toImage()
    assert not image.isNull()
    colours = {image.pixelColor(x, y).name() for x in range(0, 300, 2) for y in range(4, 20)}
    assert len(colours) > 3  # more than background and one text colour
    assert view.screen_lines()[0].startswith("bold red under rev 256 true \u4e2d\u6587")
    view.resize(12, 12)  # smaller than one cell
    qtbot.waitUntil(lambda: view.grid_size() == (1, 1))
    view.ingest(b"x")
    view.flush()
    view.grab()


def test_keys_become_input_and_beat_window_shortcuts(qtbot):
    view = make(qtbot)
    sent: list[bytes] = []
    view.inputTyped.connect(sent.append)
    override = QKeyEvent(QEvent.Type.ShortcutOverride, K.Key_K, M.ControlModifier, "\x0b")
    QGuiApplication.sendEvent(view, override)
    assert override.isAccepted()  # Ctrl+K is the program's, not the window's "Kill"
    own = QKeyEvent(QEvent.Type.ShortcutOverride, K.Key_C, M.ControlModifier | M.ShiftModifier, "C")
    own.ignore()
    QGuiApplication.sendEvent(view, own)
    assert not own.isAccepted()  # Ctrl+Shift+C stays copy
    qtbot.keyClick(view, K.Key_K, M.ControlModifier)
    qtbot.keyClicks(view, "ls")
    qtbot.keyClick(view, K.Key_Return)
    assert b"".join(sent) == b"\x0bls\r"
    left = []
    view.leaveRequested.connect(lambda: left.append(True))
    qtbot.keyClick(view, K.Key_Escape, M.ControlModifier | M.ShiftModifier)
    assert left == [True]
    assert not view.focusNextPrevChild(True)  # Tab stays in the terminal


def test_resize_is_debounced_and_reported(qtbot):
    view = make(qtbot)
    sizes: list[tuple[int, int]] = []
    view.sizeChanged.connect(lambda r, c: sizes.append((r, c)))
    for width in range(400, 700, 10):  # a resize storm
        view.resize(width, 300)
    qtbot.waitUntil(lambda: bool(sizes))
    qtbot.wait(200)
    assert len(sizes) == 1
    assert sizes[0] == view.grid_for(690, 300) == view.grid_size()


def test_paste_is_bracketed_when_the_program_asked(qtbot):
    view = make(qtbot)
    sent: list[bytes] = []
    view.inputTyped.connect(sent.append)
    QGuiApplication.clipboard().setText("echo one\necho two")
    view.paste()
    view.ingest(b"\x1b[?2004h")
    view.flush()
    view.paste()
    assert sent == [b"echo one\recho two", b"\x1b[200~echo one\recho two\x1b[201~"]


def test_a_flood_is_fed_in_small_slices_per_frame(qtbot):
    view = make(qtbot)
    flood = b"".join(b"\x1b[33mline %06d\x1b[0m\r\n" % i for i in range(100_000))
    view.ingest(flood)
    assert view.backlog.pending < len(flood) // 4  # cut to the tail at once
    qtbot.waitUntil(lambda: view.backlog.pending == 0, timeout=10_000)
    assert view.screen_lines()[-2].rstrip() == "line 099999"
