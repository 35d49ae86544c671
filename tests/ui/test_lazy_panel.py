"""LazyPanel: builds its content on first paint (not when merely "shown"), once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

from procdeck.ui.lazy_panel import LazyPanel


class Content(QLabel):
    def __init__(self) -> None:
        super().__init__("content")
        self.state: dict[str, object] = {"window_s": 600.0}

    def settings_state(self) -> dict[str, object]:
        return dict(self.state)

    def restore_settings_state(self, state: dict[str, object]) -> None:
        self.state = dict(state)


def test_builds_on_first_paint_of_the_visible_tab_only(qtbot) -> None:
    built: list[str] = []

    def factory(name: str):  # type: ignore[no-untyped-def]
        def make() -> Content:
            built.append(name)
            return Content()

        return make

    window = QMainWindow()
    window.setCentralWidget(QLabel("centre"))
    qtbot.addWidget(window)
    panels = {name: LazyPanel(factory(name)) for name in ("front", "behind")}
    docks = []
    for name, panel in panels.items():
        dock = QDockWidget(name, window)
        dock.setWidget(panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        docks.append(dock)
    window.tabifyDockWidget(docks[0], docks[1])
    docks[0].raise_()
    assert built == []
    window.show()
    qtbot.waitUntil(lambda: panels["front"].is_built)
    qtbot.wait(100)
    assert built == ["front"]  # the tab behind was "shown" to Qt, never painted
    assert not panels["behind"].is_built and panels["behind"].content_if_built() is None
    docks[1].raise_()
    qtbot.waitUntil(lambda: panels["behind"].is_built)
    assert built == ["front", "behind"]
    assert isinstance(panels["behind"].content(), Content)
    assert built == ["front", "behind"]  # content() does not build twice


def test_content_builds_at_once_and_signals(qtbot) -> None:
    panel: LazyPanel[Content] = LazyPanel(Content)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.built, timeout=1000) as blocker:
        content = panel.content()
    assert blocker.args == [content] and panel.is_built and content.parentWidget() is panel


def test_saved_state_passes_through_before_and_after_the_build(qtbot) -> None:
    panel: LazyPanel[Content] = LazyPanel(Content, settings_name="Content")
    qtbot.addWidget(panel)
    assert panel.settings_name == "Content"
    assert panel.settings_state() == {}  # nothing restored, nothing built: nothing to save
    panel.restore_settings_state({"window_s": 60.0})
    assert panel.settings_state() == {"window_s": 60.0}  # kept for the build, and saved as is
    assert panel.content().state == {"window_s": 60.0}
    panel.content().state = {"window_s": 3600.0}
    assert panel.settings_state() == {"window_s": 3600.0}
    panel.restore_settings_state({"window_s": 300.0})
    assert panel.content().state == {"window_s": 300.0}


def test_a_panel_that_is_not_ready_waits_on_screen(qtbot) -> None:
    panel: LazyPanel[Content] = LazyPanel(Content, placeholder="Nothing yet", ready=False)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(100)
    assert not panel.is_built and panel.findChild(QLabel).text() == "Nothing yet"
    panel.set_ready(True, "Loading…")
    qtbot.waitUntil(lambda: panel.is_built)
