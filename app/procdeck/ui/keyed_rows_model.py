"""A table model of immutable records, one row each, found by their id."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


class KeyedRowsModel(QAbstractTableModel, Generic[T]):
    """Rows are records (RunInfo, JobInfo...) kept in arrival order with an id -> row map.

    Subclasses name their ``COLUMNS`` and implement ``data`` and their own updates.
    """

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []
        self._row_of: dict[int, int] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def info(self, key: int) -> T | None:
        row = self._row_of.get(key)
        return None if row is None else self._rows[row]

    def infos(self) -> list[T]:
        return list(self._rows)
