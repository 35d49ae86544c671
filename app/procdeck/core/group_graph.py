"""A group launch as a graph of values: each profile's node state and its start-after edges.

The launcher publishes a new ``GroupLaunchState`` whenever a node changes; the window draws
it (the graph view) and the headless runner reports blocked nodes from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from procdeck.core.profile import StartAfter


class NodeState(enum.Enum):
    PENDING = "pending"  # not looked at yet
    WAITING = "waiting"  # waiting for a start-after condition
    STARTING = "starting"
    RUNNING = "running"  # started; not (yet) healthy, or has no readiness probe
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    EXITED = "exited"
    BLOCKED = "blocked"  # a dependency failed: it will not start
    CANCELLED = "cancelled"  # the launch was cancelled while it waited
    DISABLED = "disabled"

    @property
    def settled(self) -> bool:
        """No longer waiting to start."""
        return self not in (NodeState.PENDING, NodeState.WAITING, NodeState.STARTING)


@dataclass(frozen=True)
class GroupNode:
    name: str
    state: NodeState = NodeState.PENDING
    detail: str = ""  # "waits until server is healthy", "blocked: waits on never, which ..."
    run_id: int | None = None
    edges: tuple[StartAfter, ...] = ()  # what this node starts after
    started_after_s: float | None = None  # from the group launch to this node's start
    healthy_after_s: float | None = None  # from the group launch to healthy

    def with_state(self, state: NodeState, detail: str = "") -> GroupNode:
        return replace(self, state=state, detail=detail)


@dataclass(frozen=True)
class GroupLaunchState:
    """The last (or current) launch of a set of profiles."""

    launch_id: int
    nodes: tuple[GroupNode, ...] = ()
    settled: bool = False  # every node started, blocked or cancelled
    cancelled: bool = False

    def node(self, name: str) -> GroupNode | None:
        return next((n for n in self.nodes if n.name == name), None)

    def critical_chain(self) -> list[str]:
        """The chain of nodes, along start-after edges, that ended at the latest-ready node."""
        done = {
            n.name: n for n in self.nodes if n.healthy_after_s is not None or n.started_after_s is not None
        }
        if not done:
            return []

        def ready_at(node: GroupNode) -> float:
            return node.healthy_after_s if node.healthy_after_s is not None else (node.started_after_s or 0.0)

        current: GroupNode | None = max(reversed(list(done.values())), key=ready_at)  # ties: the dependent
        chain: list[str] = []
        while current is not None and current.name not in chain:
            chain.append(current.name)
            deps = [done[e.profile] for e in current.edges if e.profile in done]
            current = max(deps, key=ready_at) if deps else None
        return list(reversed(chain))
