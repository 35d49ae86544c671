"""Output values: which stream a line came from and when it arrived."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Stream(enum.IntEnum):
    STDOUT = 1
    STDERR = 2


@dataclass(frozen=True, slots=True)
class OutputLine:
    stream: Stream
    text: str
    t: float  # arrival time, time.time()
