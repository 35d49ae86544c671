"""Light, dark and follow-the-system themes on the real QApplication palette."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from procdeck.ui.theme import ThemeManager, ThemeMode, restyle_charts, system_prefers_dark


def _window_lightness(app) -> int:
    return app.palette().color(QPalette.ColorRole.Window).lightness()


@pytest.fixture
def theme(qapp):
    owner = QWidget()
    manager = ThemeManager(qapp, parent=owner)
    yield manager
    manager.close()
    qapp.setPalette(qapp.style().standardPalette())
    owner.deleteLater()


def test_dark_and_light_switch_the_palette(qapp, theme) -> None:
    seen: list[bool] = []
    theme.changed.connect(seen.append)
    theme.set_mode(ThemeMode.DARK)
    assert theme.is_dark and _window_lightness(qapp) < 100
    assert qapp.palette().color(QPalette.ColorRole.Text).lightness() > 180
    theme.set_mode(ThemeMode.LIGHT)
    assert not theme.is_dark and _window_lightness(qapp) > 180
    assert seen == [True, False]


def test_system_mode_follows_the_style_hints(qapp, theme) -> None:
    theme.set_mode(ThemeMode.SYSTEM)
    assert theme.is_dark is system_prefers_dark()
    assert (_window_lightness(qapp) < 100) is system_prefers_dark()


def test_fusion_style_everywhere(qapp, theme) -> None:
    assert qapp.style().name().lower() == "fusion"


@pytest.mark.parametrize(
    ("stored", "mode"),
    [
        ("dark", ThemeMode.DARK),
        ("light", ThemeMode.LIGHT),
        ("system", ThemeMode.SYSTEM),
        ("purple", ThemeMode.SYSTEM),
        (None, ThemeMode.SYSTEM),
    ],
)
def test_stored_values_parse(stored, mode) -> None:
    assert ThemeMode.parse(stored) is mode


def test_charts_follow_the_theme(qapp, qtbot, theme) -> None:
    import pyqtgraph as pg

    root = QWidget()
    qtbot.addWidget(root)
    chart = pg.PlotWidget(parent=root)
    theme.set_mode(ThemeMode.DARK)
    root.setPalette(qapp.palette())
    assert restyle_charts(root) == 1
    dark_bg = chart.backgroundBrush().color()
    assert dark_bg.lightness() < 100
    assert chart.getPlotItem().getAxis("left").pen().color().lightness() > 150
    theme.set_mode(ThemeMode.LIGHT)
    root.setPalette(qapp.palette())
    restyle_charts(root)
    assert chart.backgroundBrush().color().lightness() > 200
    assert chart.getPlotItem().getAxis("left").pen().color().lightness() < 100


def test_foreground_curves_stay_readable_in_both_themes(qapp, qtbot, theme) -> None:
    """The pool-total curve uses the text colour, so it never vanishes on a light chart."""
    import pyqtgraph as pg

    root = QWidget()
    qtbot.addWidget(root)
    chart = pg.PlotWidget(parent=root)
    total = chart.plot([0, 1], [0, 1], pen=pg.mkPen("w", width=3))
    total.follows_text_colour = True
    other = chart.plot([0, 1], [1, 0], pen=pg.mkPen("r"))
    theme.set_mode(ThemeMode.LIGHT)
    restyle_charts(root)
    assert total.opts["pen"].color().lightness() < 100 and total.opts["pen"].widthF() == 3
    assert other.opts["pen"].color().red() == 255  # ordinary curves keep their colour
    theme.set_mode(ThemeMode.DARK)
    restyle_charts(root)
    assert total.opts["pen"].color().lightness() > 150
