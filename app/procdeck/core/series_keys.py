"""Names of the monitor's history series: built by the engine's sampler, read by the charts.

A series key is ``<group>/<metric>``, or ``<group>/<part>/<metric>`` for a process tree:

- ``sys/cpu``, ``sys/core/<i>``, ``sys/mem``, ``sys/swap``, ``sys/load1``: the machine;
- ``worker/<label>/cpu|rss``: one worker process; ``pool/cpu|rss``: all of them;
- ``run/<id>/tree|parent/cpu|rss``: a launched run's whole tree, or its leader alone;
- ``pid/<pid>@<create time>/tree|parent/cpu|rss``: a process pinned from the Processes view.

Build and take keys apart only with the functions here, so both sides agree.
"""

from __future__ import annotations

import enum
from typing import NewType

#: A series key (see the module docstring).
SeriesKey = NewType("SeriesKey", str)
#: A series group: the key's part before the metric ("sys", "worker/w1", "run/3").
SeriesGroup = NewType("SeriesGroup", str)


class Metric(enum.StrEnum):
    CPU = "cpu"  # percent of one core
    RSS = "rss"  # bytes


class TreePart(enum.StrEnum):
    TREE = "tree"  # the process and all its descendants
    PARENT = "parent"  # the process alone


SYSTEM = SeriesGroup("sys")
POOL = SeriesGroup("pool")
SYS_CPU = SeriesKey("sys/cpu")
SYS_MEM = SeriesKey("sys/mem")
SYS_SWAP = SeriesKey("sys/swap")
SYS_LOAD1 = SeriesKey("sys/load1")
POOL_CPU = SeriesKey("pool/cpu")
POOL_RSS = SeriesKey("pool/rss")
_CORE = "sys/core/"

#: Prefixes for ``SeriesSource.series(prefix)``.
SYSTEM_PREFIX = "sys/"
WORKER_PREFIX = "worker/"
POOL_PREFIX = "pool/"
RUN_PREFIX = "run/"
PIN_PREFIX = "pid/"


def core_key(index: int) -> SeriesKey:
    return SeriesKey(f"{_CORE}{index}")


def core_index(key: str) -> int | None:
    """The core number of a ``sys/core/<i>`` key, None for any other key."""
    if not key.startswith(_CORE):
        return None
    tail = key[len(_CORE) :]
    return int(tail) if tail.isdigit() else None


def worker_group(label: str) -> SeriesGroup:
    return SeriesGroup(f"{WORKER_PREFIX}{label}")


def run_group(run_id: int) -> SeriesGroup:
    return SeriesGroup(f"{RUN_PREFIX}{run_id}")


def pin_group(pid: int, create_time: float) -> SeriesGroup:
    return SeriesGroup(f"{PIN_PREFIX}{pid}@{create_time:.2f}")


def metric_key(group: SeriesGroup, metric: Metric) -> SeriesKey:
    """``<group>/<metric>``: a worker's or the pool's series."""
    return SeriesKey(f"{group}/{metric}")


def tree_key(group: SeriesGroup, part: TreePart, metric: Metric) -> SeriesKey:
    """``<group>/<part>/<metric>``: a run's or a pinned process's series."""
    return SeriesKey(f"{group}/{part}/{metric}")


def metric_of(key: str) -> Metric | None:
    """The metric a key ends in, None for the machine's other series (load, memory)."""
    _, _, last = key.rpartition("/")
    try:
        return Metric(last)
    except ValueError:
        return None
