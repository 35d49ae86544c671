"""The graph of a group launch: profiles as boxes in dependency columns, start-after edges
labelled with their condition, each box with its state and the time it took to be ready.

A painted widget over core values (GroupLaunchState): the bridge hands it each new state.
Boxes on the critical chain of the last launch (the dependencies that decided when the
last profile became ready) are drawn with a thicker border.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from procdeck.core.group_graph import GroupLaunchState, GroupNode, NodeState

BOX_W, BOX_H = 190, 58
COL_GAP, ROW_GAP, MARGIN = 70, 18, 12

STATE_COLOURS = {
    NodeState.PENDING: "#9e9e9e",
    NodeState.WAITING: "#f0ad4e",
    NodeState.STARTING: "#5bc0de",
    NodeState.RUNNING: "#5bc0de",
    NodeState.HEALTHY: "#3c9a5f",
    NodeState.UNHEALTHY: "#d9534f",
    NodeState.EXITED: "#777777",
    NodeState.BLOCKED: "#d9534f",
    NodeState.CANCELLED: "#9e9e9e",
    NodeState.DISABLED: "#bdbdbd",
}
CONDITION_TEXT = {"started": "started", "healthy": "healthy", "succeeded": "exit 0", "exited": "exited"}


def node_caption(node: GroupNode) -> str:
    """The second line of a box: what it is doing, and its time to ready."""
    text = node.state.value
    if node.state is NodeState.WAITING and node.detail.startswith("waits until "):
        text = "waiting for " + node.detail.removeprefix("waits until ")
    elif node.state is NodeState.BLOCKED:
        text = node.detail
    if node.healthy_after_s is not None:
        text += f" · ready after {node.healthy_after_s:.1f} s"
    return text


class GroupGraphView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("groupGraph")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._state: GroupLaunchState | None = None
        self._boxes: dict[str, QRectF] = {}
        self._chain: set[str] = set()

    def set_state(self, state: GroupLaunchState | None) -> None:
        self._state = state
        self._layout()
        self.updateGeometry()
        self.update()

    @property
    def state(self) -> GroupLaunchState | None:
        return self._state

    def box(self, name: str) -> QRectF | None:
        """Where a profile's box is drawn (for tests and hit testing)."""
        return self._boxes.get(name)

    def _layout(self) -> None:
        self._boxes = {}
        state = self._state
        if state is None:
            self._chain = set()
            return
        names = {n.name for n in state.nodes}
        depth: dict[str, int] = {}
        for node in state.nodes:  # dependency order: dependencies come first
            deps = [depth.get(e.profile, 0) for e in node.edges if e.profile in names]
            depth[node.name] = 1 + max(deps) if deps else 0
        rows: dict[int, int] = {}
        for node in state.nodes:
            col = depth[node.name]
            row = rows.get(col, 0)
            rows[col] = row + 1
            x = MARGIN + col * (BOX_W + COL_GAP)
            y = MARGIN + row * (BOX_H + ROW_GAP)
            self._boxes[node.name] = QRectF(x, y, BOX_W, BOX_H)
        self._chain = set(state.critical_chain()) if state.settled else set()

    def sizeHint(self) -> QSize:
        if not self._boxes:
            return QSize(300, 80)
        right = max(r.right() for r in self._boxes.values()) + MARGIN
        bottom = max(r.bottom() for r in self._boxes.values()) + MARGIN
        return QSize(int(right), int(bottom))

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 60)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.windowText().color()
        state = self._state
        if state is None or not state.nodes:
            painter.setPen(text_colour)
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "Launch a group to see its start-up graph."
            )
            return
        metrics = QFontMetrics(self.font())
        by_name = {n.name: n for n in state.nodes}
        # Edges first, under the boxes: from the dependency's right side to the dependent's left.
        for node in state.nodes:
            target = self._boxes[node.name]
            for edge in node.edges:
                source = self._boxes.get(edge.profile)
                if source is None:
                    continue
                start = QPointF(source.right(), source.center().y())
                end = QPointF(target.left(), target.center().y())
                failed = node.state is NodeState.BLOCKED and edge.profile in node.detail
                pen = QPen(QColor("#d9534f") if failed else text_colour, 1.4)
                if node.state is NodeState.WAITING:
                    pen.setStyle(Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.drawLine(start, end)
                painter.drawLine(end, end + QPointF(-7, -4))
                painter.drawLine(end, end + QPointF(-7, 4))
                label = CONDITION_TEXT.get(edge.condition.value, edge.condition.value)
                mid = (start + end) / 2
                painter.drawText(QPointF(mid.x() - metrics.horizontalAdvance(label) / 2, mid.y() - 4), label)
        for name, rect in self._boxes.items():
            node = by_name[name]
            colour = QColor(STATE_COLOURS[node.state])
            fill = QColor(colour)
            fill.setAlpha(45)
            painter.setPen(QPen(colour, 3.0 if name in self._chain else 1.5))
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 6, 6)
            painter.setPen(text_colour)
            inner = rect.adjusted(8, 6, -8, -6)
            painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, name)
            caption = metrics.elidedText(node_caption(node), Qt.TextElideMode.ElideRight, int(inner.width()))
            painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, caption)
        painter.end()

    def tooltip_for(self, name: str) -> str:
        node = self._state.node(name) if self._state else None
        if node is None:
            return ""
        lines = [f"{node.name}: {node.state.value}"]
        if node.detail:
            lines.append(node.detail)
        if node.started_after_s is not None:
            lines.append(f"started {node.started_after_s:.1f} s after the launch")
        if node.healthy_after_s is not None:
            lines.append(f"ready {node.healthy_after_s:.1f} s after the launch")
        return "\n".join(lines)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            point = event.pos()  # type: ignore[attr-defined]
            for name, rect in self._boxes.items():
                if rect.contains(QPointF(point)):
                    self.setToolTip(self.tooltip_for(name))
                    return super().event(event)
            self.setToolTip("")
        return super().event(event)
