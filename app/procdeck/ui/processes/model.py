"""Item model of every process on the machine, flat or as a parent/child tree.

Refreshes arrive about once a second while the view is visible. They are applied in
place (rows removed, changed and inserted per parent) rather than by resetting the model,
so selection, expanded branches and the scroll position survive every refresh. Rows are
identified by (pid, create_time): a reused pid is a new row.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from procdeck.core.samples import ProcessRow, ProcState, format_bytes, format_percent

Key = tuple[int, float]
Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("PID", "Name", "User", "CPU %", "Memory", "Threads", "Status", "Started", "Command")
COL_PID, COL_NAME, COL_USER, COL_CPU, COL_MEM, COL_THREADS, COL_STATUS, COL_STARTED, COL_CMD = range(
    len(COLUMNS)
)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


class _Node:
    __slots__ = ("_row", "parent", "children", "display", "sort")

    def __init__(self, row: ProcessRow | None, parent: _Node | None) -> None:
        self.parent = parent
        self.children: list[_Node] = []
        self.row = row

    @property
    def row(self) -> ProcessRow | None:
        return self._row

    @row.setter
    def row(self, row: ProcessRow | None) -> None:
        # Display texts and sort keys are computed once per refresh, not on every data()
        # call: the proxy's live sort asks for them thousands of times per refresh.
        self._row = row
        if row is not None:
            self.display = tuple(_display(row, c) for c in range(len(COLUMNS)))
            self.sort = tuple(_sort_value(row, c) for c in range(len(COLUMNS)))

    @property
    def key(self) -> Key:
        assert self.row is not None
        return self.row.key


def format_started(create_time: float, now: float | None = None) -> str:
    if create_time <= 0:
        return ""
    now = time.time() if now is None else now
    local = time.localtime(create_time)
    if time.localtime(now)[:3] == local[:3]:
        return time.strftime("%H:%M:%S", local)
    return time.strftime("%Y-%m-%d %H:%M", local)


class ProcessModel(QAbstractItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Node(None, None)
        self._nodes: dict[Key, _Node] = {}
        self._tree = False

    # -- feeding -------------------------------------------------------------------------
    @property
    def tree_mode(self) -> bool:
        return self._tree

    def set_tree_mode(self, tree: bool) -> None:
        if tree == self._tree:
            return
        self._tree = tree
        rows = [n.row for n in self._nodes.values() if n.row is not None]
        self.beginResetModel()
        self._root.children = []
        self._nodes = {}
        self._build(rows)
        self.endResetModel()

    def set_rows(self, rows: Sequence[ProcessRow]) -> None:
        if not self._nodes:
            self.beginResetModel()
            self._build(rows)
            self.endResetModel()
            return
        by_key = {r.key: r for r in rows}
        parent_of = self._parents(rows)
        # 1. Remove rows that are gone or moved to another parent (their subtree goes too
        #    and the survivors are re-inserted in step 3).
        doomed = [n for k, n in self._nodes.items() if k not in by_key or self._parent_key(n) != parent_of[k]]
        doomed_set = {id(n) for n in doomed}
        for node in doomed:
            if self._has_doomed_ancestor(node, doomed_set):
                continue
            self._remove(node)
        # 2. Update rows still present, one dataChanged per parent.
        # Only rows whose *shown* values changed are announced: most processes are idle and
        # read the same from one refresh to the next, and each announced row costs the
        # sorting proxy a re-sort of that row.
        touched: list[tuple[_Node, int, int]] = []
        stack = [self._root]
        while stack:
            parent = stack.pop()
            lo = hi = -1
            for i, node in enumerate(parent.children):
                new = by_key[node.key]
                if new is not node.row and new != node.row:
                    before = node.display
                    node.row = new
                    if node.display != before:
                        if lo >= 0 and i != hi + 1:
                            touched.append((parent, lo, hi))
                            lo = -1
                        lo = i if lo < 0 else lo
                        hi = i
                if node.children:
                    stack.append(node)
            if lo >= 0:
                touched.append((parent, lo, hi))
        last_col = len(COLUMNS) - 1
        for parent, lo, hi in touched:
            pidx = self._index_of(parent)
            self.dataChanged.emit(self.index(lo, 0, pidx), self.index(hi, last_col, pidx))
        # 3. Insert new rows, parents before children.
        for row in rows:
            self._insert(row, by_key, parent_of)

    def _build(self, rows: Sequence[ProcessRow]) -> None:
        parent_of = self._parents(rows)
        nodes = {r.key: _Node(r, None) for r in rows}
        for key, node in nodes.items():
            pkey = parent_of[key]
            parent = nodes[pkey] if pkey is not None else self._root
            node.parent = parent
            parent.children.append(node)
        self._nodes = nodes

    def _parents(self, rows: Sequence[ProcessRow]) -> dict[Key, Key | None]:
        if not self._tree:
            return {r.key: None for r in rows}
        by_pid = {r.pid: r.key for r in rows}
        parents: dict[Key, Key | None] = {}
        for r in rows:
            pkey = by_pid.get(r.ppid) if r.ppid != r.pid else None
            parents[r.key] = pkey
        # Break any cycle (a pid reused as its own ancestor) by hanging it at the top.
        for key in parents:
            seen = {key}
            cur = parents[key]
            while cur is not None:
                if cur in seen:
                    parents[key] = None
                    break
                seen.add(cur)
                cur = parents.get(cur)
        return parents

    def _parent_key(self, node: _Node) -> Key | None:
        parent = node.parent
        return None if parent is None or parent is self._root else parent.key

    @staticmethod
    def _has_doomed_ancestor(node: _Node, doomed: set[int]) -> bool:
        cur = node.parent
        while cur is not None:
            if id(cur) in doomed:
                return True
            cur = cur.parent
        return False

    def _remove(self, node: _Node) -> None:
        parent = node.parent
        assert parent is not None
        i = self._row_of(node)
        self.beginRemoveRows(self._index_of(parent), i, i)
        del parent.children[i]
        stack = [node]
        while stack:
            n = stack.pop()
            self._nodes.pop(n.key, None)
            stack.extend(n.children)
        self.endRemoveRows()

    def _insert(
        self, row: ProcessRow, by_key: dict[Key, ProcessRow], parent_of: dict[Key, Key | None]
    ) -> None:
        if row.key in self._nodes:
            return
        pkey = parent_of[row.key]
        if pkey is not None and pkey not in self._nodes:
            self._insert(by_key[pkey], by_key, parent_of)
        parent = self._nodes[pkey] if pkey is not None else self._root
        i = len(parent.children)
        self.beginInsertRows(self._index_of(parent), i, i)
        node = _Node(row, parent)
        parent.children.append(node)
        self._nodes[row.key] = node
        self.endInsertRows()

    def _row_of(self, node: _Node) -> int:
        assert node.parent is not None
        return node.parent.children.index(node)

    def _index_of(self, node: _Node) -> QModelIndex:
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(self._row_of(node), 0, node)

    # -- queries -------------------------------------------------------------------------
    def row_count_total(self) -> int:
        return len(self._nodes)

    def row_for(self, index: Index) -> ProcessRow | None:
        if not index.isValid():
            return None
        node = index.internalPointer()
        return node.row if isinstance(node, _Node) else None

    def index_for_pid(self, pid: int) -> QModelIndex:
        for key, node in self._nodes.items():
            if key[0] == pid:
                return self._index_of(node)
        return QModelIndex()

    # -- QAbstractItemModel --------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        pnode = parent.internalPointer() if parent.isValid() else self._root
        if (
            not isinstance(pnode, _Node)
            or not (0 <= row < len(pnode.children))
            or not (0 <= column < len(COLUMNS))
        ):
            return QModelIndex()
        return self.createIndex(row, column, pnode.children[row])

    # QObject.parent() and the model's parent(index) share a name; this is the model's.
    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = index.internalPointer()
        if not isinstance(node, _Node) or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self._index_of(node.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid():
            if parent.column() != 0:
                return 0
            node = parent.internalPointer()
            return len(node.children) if isinstance(node, _Node) else 0
        return len(self._root.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in _ROLES:  # the view asks ~10 roles per cell per paint; answer fast
            return None
        node = index.internalPointer() if index.isValid() else None
        if not isinstance(node, _Node) or node.row is None:
            return None
        col = index.column()
        if role == SORT_ROLE:
            return node.sort[col]
        if role == Qt.ItemDataRole.DisplayRole:
            return node.display[col]
        row = node.row
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_CMD and row.cmdline:
                return row.cmdline
            if not row.can_signal:
                return f"{row.name} ({row.pid}) belongs to {row.user or 'another user'}: access denied for signals"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_PID, COL_CPU, COL_MEM, COL_THREADS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and (row.state is not ProcState.OK or not row.can_signal):
            return QColor(130, 130, 130)
        return None


_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DisplayRole,
        SORT_ROLE,
        ROW_ROLE,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
    )
)


def _display(row: ProcessRow, col: int) -> str:
    if col == COL_PID:
        return str(row.pid)
    if col == COL_NAME:
        return row.name
    if col == COL_USER:
        return row.user
    if col == COL_CPU:
        return format_percent(row.cpu_percent)
    if col == COL_MEM:
        return format_bytes(row.rss)
    if col == COL_THREADS:
        return "-" if row.threads is None else str(row.threads)
    if col == COL_STATUS:
        return row.status if row.state is ProcState.OK else row.state.value
    if col == COL_STARTED:
        return format_started(row.create_time)
    return row.cmdline or f"[{row.name}]"


def _sort_value(row: ProcessRow, col: int) -> object:
    if col == COL_PID:
        return row.pid
    if col == COL_CPU:  # at the shown precision, so a re-sort follows what the user sees
        return -1.0 if row.cpu_percent is None else round(row.cpu_percent, 1)
    if col == COL_MEM:
        return -1 if row.rss is None else row.rss
    if col == COL_THREADS:
        return -1 if row.threads is None else row.threads
    if col == COL_STARTED:
        return row.create_time
    return _display(row, col).lower()
