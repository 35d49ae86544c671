"""The viewer and the terminal paint output with the chosen font, text shaping skipped."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetricsF

from procdeck.ui.terminal.view import TerminalView
from procdeck.ui.text_font import unshaped
from procdeck.ui.viewer.line_view import LineView

NO_SHAPING = QFont.StyleStrategy.PreferNoShaping


def _unshaped(font: QFont) -> bool:
    return bool(font.styleStrategy() & NO_SHAPING)


def test_unshaped_keeps_the_font_and_adds_the_flag() -> None:
    chosen = QFont("monospace", 13)
    chosen.setStyleStrategy(QFont.StyleStrategy.NoAntialias)
    out = unshaped(chosen)
    assert out.family() == chosen.family() and out.pointSize() == 13
    assert _unshaped(out) and out.styleStrategy() & QFont.StyleStrategy.NoAntialias
    assert not _unshaped(chosen)  # a copy: the caller's font is left alone


def test_the_output_viewer_paints_unshaped_also_after_a_font_change(qtbot) -> None:
    view = LineView()
    qtbot.addWidget(view)
    assert _unshaped(view._text_font)
    view.setFont(QFont("monospace", 17))
    assert _unshaped(view._text_font) and view._text_font.pointSize() == 17
    assert view._lh >= QFontMetricsF(view._text_font).lineSpacing()


def test_the_terminal_paints_unshaped(qtbot) -> None:
    view = TerminalView()
    qtbot.addWidget(view)
    view.set_terminal_font(QFont("monospace", 15))
    assert _unshaped(view._font) and _unshaped(view._bold) and view._bold.bold()
