"""Mouse reports: the encodings xterm uses, and the view sending them only when asked."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from procdeck.ui.terminal import mouse
from procdeck.ui.terminal.view import MARGIN, TerminalView

B, M = Qt.MouseButton, Qt.KeyboardModifier


def test_sgr_and_legacy_encodings():
    assert mouse.report(mouse.Button.LEFT, 0, 0) == b"\x1b[<0;1;1M"
    assert mouse.report(mouse.Button.RIGHT, 4, 9, pressed=False) == b"\x1b[<2;10;5m"
    assert mouse.report(mouse.Button.LEFT, 2, 3, motion=True, modifiers=mouse.CONTROL) == b"\x1b[<48;4;3M"
    assert mouse.report(mouse.Button.WHEEL_UP, 0, 0) == b"\x1b[<64;1;1M"
    assert mouse.report(mouse.Button.LEFT, 0, 0, sgr=False) == b"\x1b[M !!"
    assert mouse.report(mouse.Button.LEFT, 1, 2, pressed=False, sgr=False) == b'\x1b[M##"'  # release: code 3
    assert mouse.report(mouse.Button.LEFT, 0, 300, sgr=False) is None  # past what X10 can carry
    assert mouse.report(mouse.Button.LEFT, 0, 300) == b"\x1b[<0;301;1M"  # SGR has no limit


def test_tracking_follows_the_modes_a_program_sets():
    assert mouse.tracking(set()) is None
    assert mouse.tracking({mouse.REPORT_PRESS}) == "press"
    assert mouse.tracking({mouse.REPORT_PRESS, mouse.REPORT_DRAG}) == "drag"
    assert mouse.tracking({mouse.REPORT_MOTION}) == "motion"


def make(qtbot) -> tuple[TerminalView, list[bytes]]:
    view = TerminalView()
    qtbot.addWidget(view)
    view.resize(640, 320)
    view.show()
    sent: list[bytes] = []
    view.inputTyped.connect(sent.append)
    return view, sent


def cell_point(view: TerminalView, row: int, col: int) -> QPoint:
    return QPoint(int(MARGIN + (col + 0.5) * view._cw), int(MARGIN + (row + 0.5) * view._ch))


def test_clicks_select_until_the_program_asks_for_reports_and_shift_still_selects(qtbot):
    view, sent = make(qtbot)
    view.ingest(b"hello world\r\n")
    view.flush()
    qtbot.mouseDClick(view, B.LeftButton, pos=cell_point(view, 0, 1))
    assert view.selected_text() == "hello" and sent == []  # no reports asked for: a selection
    view.ingest(b"\x1b[?1000h\x1b[?1006h")  # as htop or vim asks
    view.flush()
    qtbot.mousePress(view, B.LeftButton, pos=cell_point(view, 2, 5))
    qtbot.mouseRelease(view, B.LeftButton, pos=cell_point(view, 2, 5))
    assert sent == [b"\x1b[<0;6;3M", b"\x1b[<0;6;3m"]
    sent.clear()
    qtbot.mousePress(view, B.LeftButton, M.ShiftModifier, cell_point(view, 0, 0))
    qtbot.mouseRelease(view, B.LeftButton, M.ShiftModifier, cell_point(view, 0, 0))
    assert sent == []  # Shift: the mouse is Procdeck's again
    view.ingest(b"\x1b[?1006l")  # legacy encoding
    view.flush()
    qtbot.mousePress(view, B.RightButton, pos=cell_point(view, 0, 0))
    assert sent == [b"\x1b[M\x22!!"]


def test_the_wheel_is_reported_as_buttons_64_and_65(qtbot):
    view, sent = make(qtbot)
    view.ingest(b"\x1b[?1000h\x1b[?1006h")
    view.flush()
    pos = QPointF(cell_point(view, 1, 1))
    for delta in (120, -240):
        event = QWheelEvent(
            pos,
            QPointF(view.mapToGlobal(pos.toPoint())),
            QPoint(0, 0),
            QPoint(0, delta),
            B.NoButton,
            M.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(view, event)
    assert sent == [b"\x1b[<64;2;2M", b"\x1b[<65;2;2M", b"\x1b[<65;2;2M"]
