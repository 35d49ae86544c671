"""The group graph view (offscreen): layout by dependency, states, edge labels, painting,
and the Profiles panel's graph, health status, cancel and restart-with-dependents intents."""

from __future__ import annotations

from procdeck.core.group_graph import GroupLaunchState, GroupNode, NodeState
from procdeck.core.probes import Health, Probe, ProbeKind
from procdeck.core.profile import Profile, StartAfter, StartCondition
from procdeck.core.profile_run import ProfileRun
from procdeck.ui.profiles.group_graph import GroupGraphView, node_caption
from procdeck.ui.profiles.panel import ProfilesPanel

HEALTHY_SERVER = GroupNode("server", NodeState.HEALTHY, "GET / answered 200", 1, (), 0.0, 1.8)
STATE = GroupLaunchState(
    1,
    (
        HEALTHY_SERVER,
        GroupNode("never", NodeState.UNHEALTHY, "failed its readiness probe: ...", 2, (), 0.0, None),
        GroupNode(
            "client",
            NodeState.EXITED,
            "exited (exit status 0)",
            3,
            (StartAfter("server", StartCondition.HEALTHY),),
            1.9,
            2.0,
        ),
        GroupNode(
            "blocked",
            NodeState.BLOCKED,
            "blocked: waits on never, which failed its readiness probe",
            None,
            (StartAfter("never", StartCondition.HEALTHY),),
        ),
    ),
    settled=True,
)


def test_layout_puts_dependents_right_of_their_dependencies(qtbot) -> None:
    view = GroupGraphView()
    qtbot.addWidget(view)
    view.set_state(STATE)
    server, never, client, blocked = (view.box(n) for n in ("server", "never", "client", "blocked"))
    assert server.left() == never.left() < client.left() == blocked.left()
    assert server.top() < never.top() and client.top() < blocked.top()
    assert view.sizeHint().width() >= client.right() and view.sizeHint().height() >= never.bottom()
    assert STATE.critical_chain() == ["server", "client"]
    assert "ready 2.0 s after the launch" in view.tooltip_for("client")
    assert "waits on never" in view.tooltip_for("blocked")


def test_captions_say_state_and_time_to_ready() -> None:
    assert node_caption(HEALTHY_SERVER) == "healthy · ready after 1.8 s"
    waiting = GroupNode("api", NodeState.WAITING, "waits until db is healthy")
    assert node_caption(waiting) == "waiting for db is healthy"
    assert node_caption(STATE.node("blocked")).startswith("blocked: waits on never")


def test_paints_boxes_in_state_colours(qtbot) -> None:
    view = GroupGraphView()
    qtbot.addWidget(view)
    view.set_state(STATE)
    view.resize(view.sizeHint())
    image = view.grab().toImage()
    # The border of the healthy box is green, the blocked one's red.
    server, blocked = view.box("server"), view.box("blocked")
    green = image.pixelColor(int(server.left() + 20), int(server.top()))
    red = image.pixelColor(int(blocked.left() + 20), int(blocked.top()))
    assert green.green() > green.red() and red.red() > red.green()


def test_empty_view_paints_a_hint(qtbot) -> None:
    view = GroupGraphView()
    qtbot.addWidget(view)
    view.resize(300, 80)
    view.grab()  # paints without a state


def test_panel_shows_graph_health_and_emits_intents(qtbot) -> None:
    panel = ProfilesPanel()
    qtbot.addWidget(panel)
    probe = Probe(ProbeKind.HTTP_GET, port=8000, period_s=1)
    panel.set_profiles(
        [Profile("server", ["srv"], group="g", readiness=probe), Profile("client", ["c"], group="g")]
    )
    assert panel.graph_area.isHidden() and not panel.cancel_launch_action.isEnabled()
    waiting = GroupLaunchState(2, (GroupNode("client", NodeState.WAITING, "waits until server is healthy"),))
    panel.set_group_launch(waiting)
    assert not panel.graph_area.isHidden() and panel.cancel_launch_action.isEnabled()
    with qtbot.waitSignal(panel.cancelLaunchRequested):
        panel.cancel_launch_action.trigger()
    panel.set_group_launch(STATE)
    assert not panel.cancel_launch_action.isEnabled()
    panel.set_runs(
        [
            ProfileRun(
                "server",
                1,
                health=Health.HEALTHY,
                health_detail="GET / answered 200",
                last_restart_reason="files changed: a.py",
            )
        ],
        {},
    )
    panel.select("server")
    details = panel.details.text()
    assert "Readiness: GET http://127.0.0.1:8000/ every 1 s" in details
    assert (
        "Health: healthy (GET / answered 200)" in details and "Last restart: files changed: a.py" in details
    )
    assert "healthy" in panel._status_text("server", 0.0)
    with qtbot.waitSignal(panel.restartWithDependentsRequested) as signal:
        panel.restart_dependents_action.trigger()
    assert signal.args == ["server"]
