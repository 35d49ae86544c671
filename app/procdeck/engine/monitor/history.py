"""Fixed-size numpy ring buffers per series: bounded history for the charts.

Each series keeps ``capacity`` (time, value) pairs as float64 in one preallocated array,
so a series costs exactly ``capacity * 16`` bytes however long Procdeck runs, and the
number of series is capped too (oldest-updated series are dropped first): the memory
bound is ``HistorySettings.memory_bound``. Unknown values are stored as NaN, which
pyqtgraph draws as a gap.

Only the event-loop thread touches a History (the sampler appends after its worker
thread returns; Qt reads on the same thread under qasync), so no locking is needed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from procdeck.core.samples import HistorySettings, RunMarker, SeriesInfo

# numpy (~0.1 s to import) is imported in the functions that use it: on first use,
# not on the window's start-up path.
if TYPE_CHECKING:
    import numpy as np


class RingBuffer:
    """A fixed-capacity ring of (t, value) float64 pairs, times appended in order."""

    __slots__ = ("_data", "_start", "_len")

    def __init__(self, capacity: int) -> None:
        import numpy as np

        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._data = np.full((capacity, 2), np.nan, dtype=np.float64)
        self._start = 0
        self._len = 0

    @property
    def capacity(self) -> int:
        return int(self._data.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def __len__(self) -> int:
        return self._len

    def append(self, t: float, value: float | None) -> None:
        import numpy as np

        cap = self.capacity
        idx = (self._start + self._len) % cap
        self._data[idx, 0] = t
        self._data[idx, 1] = np.nan if value is None else value
        if self._len < cap:
            self._len += 1
        else:
            self._start = (self._start + 1) % cap

    def _ordered(self) -> np.ndarray:
        import numpy as np

        cap = self.capacity
        end = self._start + self._len
        if end <= cap:
            return self._data[self._start : end]
        return np.concatenate((self._data[self._start :], self._data[: end - cap]))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of all stored times and values, oldest first."""
        ordered = self._ordered()
        return ordered[:, 0].copy(), ordered[:, 1].copy()

    def window(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the points with t0 <= t <= t1 (times are sorted, so this bisects)."""
        import numpy as np

        ordered = self._ordered()
        times = ordered[:, 0]
        lo = int(np.searchsorted(times, t0, side="left"))
        hi = int(np.searchsorted(times, t1, side="right"))
        part = ordered[lo:hi]
        return part[:, 0].copy(), part[:, 1].copy()

    def last(self) -> tuple[float, float] | None:
        if not self._len:
            return None
        idx = (self._start + self._len - 1) % self.capacity
        return float(self._data[idx, 0]), float(self._data[idx, 1])


class History:
    """All series of the monitor, plus run markers; implements core's SeriesSource."""

    MAX_MARKERS_PER_GROUP = 1000

    def __init__(self, settings: HistorySettings | None = None) -> None:
        self.settings = settings or HistorySettings()
        self._rings: OrderedDict[str, RingBuffer] = OrderedDict()  # most recently appended last
        self._info: dict[str, SeriesInfo] = {}
        self._markers: dict[str, list[RunMarker]] = {}

    # -- writing (sampler) ---------------------------------------------------------------
    def append(self, info: SeriesInfo, t: float, value: float | None) -> None:
        ring = self._rings.get(info.key)
        if ring is None:
            while len(self._rings) >= self.settings.max_series:
                old_key, _ = self._rings.popitem(last=False)
                self._forget(old_key)
            ring = self._rings[info.key] = RingBuffer(self.settings.capacity)
            self._info[info.key] = info
        else:
            self._rings.move_to_end(info.key)
            if self._info[info.key] != info:  # e.g. a worker's label changed
                self._info[info.key] = info
        last = ring.last()
        if last is not None and t < last[0]:
            return  # out of order (clock step): keep the series sorted for bisecting
        ring.append(t, value)

    def add_marker(self, marker: RunMarker) -> None:
        markers = self._markers.setdefault(marker.key, [])
        markers.append(marker)
        if len(markers) > self.MAX_MARKERS_PER_GROUP:
            del markers[: len(markers) - self.MAX_MARKERS_PER_GROUP]

    def drop_group(self, group: str) -> None:
        """Forget every series of a group (e.g. a run the user removed)."""
        for key in [k for k, i in self._info.items() if i.group == group]:
            self._rings.pop(key, None)
            self._forget(key)
        self._markers.pop(group, None)

    def _forget(self, key: str) -> None:
        info = self._info.pop(key, None)
        if info is not None and not any(i.group == info.group for i in self._info.values()):
            self._markers.pop(info.group, None)

    # -- reading (charts, export) --------------------------------------------------------
    def series(self, prefix: str = "") -> list[SeriesInfo]:
        return [info for key, info in self._info.items() if key.startswith(prefix)]

    def groups(self, prefix: str = "") -> list[str]:
        seen: dict[str, None] = {}
        for info in self._info.values():
            if info.group.startswith(prefix):
                seen.setdefault(info.group)
        return list(seen)

    def window(self, key: str, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        ring = self._rings.get(key)
        if ring is None:
            return np.empty(0), np.empty(0)
        return ring.window(t0, t1)

    def arrays(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        ring = self._rings.get(key)
        if ring is None:
            return np.empty(0), np.empty(0)
        return ring.arrays()

    def last(self, key: str) -> tuple[float, float] | None:
        ring = self._rings.get(key)
        return None if ring is None else ring.last()

    def markers(self, group: str) -> list[RunMarker]:
        return list(self._markers.get(group, ()))

    def __contains__(self, key: object) -> bool:
        return key in self._rings

    def __len__(self) -> int:
        return len(self._rings)

    @property
    def nbytes(self) -> int:
        """Bytes held by the ring buffers right now (never above settings.memory_bound)."""
        return sum(r.nbytes for r in self._rings.values())

    def keys(self) -> Iterable[str]:
        return list(self._rings)
