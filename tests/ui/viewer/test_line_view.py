"""LineView's painting, checked on the pixels it paints (offscreen, real RunOutputs)."""

from __future__ import annotations

from PySide6.QtGui import QImage

from procdeck.core.output import Stream
from procdeck.ui.viewer.line_view import LineView


def make_view(qtbot, output) -> LineView:
    view = LineView()
    qtbot.addWidget(view)
    view.resize(400, 160)
    view.show()
    qtbot.waitExposed(view)
    view.set_source(output.view())
    return view


def ink_columns(view: LineView) -> list[int]:
    """x of every viewport pixel column holding something other than the background."""
    image: QImage = view.viewport().grab().toImage()
    base = view.palette().base().color().rgb()
    return [
        x
        for x in range(image.width())
        if any(image.pixel(x, y) != base for y in range(0, min(image.height(), int(view._lh) * 2)))
    ]


def test_a_horizontally_scrolled_row_starts_at_the_left_edge(qtbot, make_output):
    """Scrolled right by ten columns, column ten is drawn where column zero was (the text
    used to be drawn ten columns too far right, past a blank band)."""
    output = make_output()
    output.feed(Stream.STDOUT, b" " * 10 + b"#" * 20 + b" " * 300 + b"end\n")
    view = make_view(qtbot, output)
    view.viewport().grab()  # the first paint learns the widest row
    unscrolled = ink_columns(view)
    assert unscrolled and unscrolled[0] >= 4 + 9 * view._cw
    view.horizontalScrollBar().setValue(10)
    scrolled = ink_columns(view)
    assert scrolled and scrolled[0] < 4 + view._cw
    # the same 20 characters (a pixel either way: glyphs sit at fractional positions)
    assert abs((scrolled[-1] - scrolled[0]) - (unscrolled[-1] - unscrolled[0])) <= 1


def test_rows_are_painted_opaquely_in_one_background_pass(qtbot, make_output):
    """The viewport paints its own background: Qt must not fill it first as well."""
    output = make_output()
    output.feed(Stream.STDOUT, b"hello\n")
    view = make_view(qtbot, output)
    assert not view.viewport().autoFillBackground()
    view.viewport().grab()
    assert ink_columns(view)  # the text is there; the rest of the row is background
