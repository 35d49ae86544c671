"""App and action icons load from resources/."""

from __future__ import annotations

from procdeck.ui.icons import action_icon, app_icon


def test_app_icon_has_every_size(qapp) -> None:
    icon = app_icon()
    assert not icon.isNull()
    sizes = {size.width() for size in icon.availableSizes()}
    assert {16, 32, 48, 256, 512} <= sizes


def test_action_icons_render(qapp) -> None:
    for name in ("launch", "stop", "kill", "restart", "remove", "about"):
        pixmap = action_icon(name).pixmap(24, 24)
        assert not pixmap.isNull(), name
        assert pixmap.toImage().pixelColor(12, 12).alpha() > 0 or name in ("restart", "about"), name


def test_unknown_action_icon_is_empty(qapp) -> None:
    assert action_icon("no-such-icon").isNull()
