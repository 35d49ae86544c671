"""The per-run environment cookie: ``PROCDECK_RUN=<instance>:<run>``.

Every program a run starts inherits the variable, through double forks and setsid(), and
the kernel shows it in ``/proc/PID/environ`` (the environment at exec time). The instance
part names one engine: ``<pid>.<start ticks>.<random>`` of the Procdeck process that owns
it, so whether that instance can still be running is read from ``/proc`` alone.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

VARIABLE = "PROCDECK_RUN"
VARIABLE_BYTES = VARIABLE.encode() + b"="
#: Pseudo run id for processes an instance starts for itself (workers).
WORKERS_RUN = "workers"
#: Pseudo run id for the relays of terminal runs (engine/pty_relay.py).
RELAYS_RUN = "relays"


@dataclass(frozen=True)
class Cookie:
    instance: str
    run: str

    @property
    def value(self) -> str:
        return f"{self.instance}:{self.run}"

    @classmethod
    def parse(cls, value: str) -> Cookie | None:
        instance, sep, run = value.rpartition(":")
        if not sep or not instance or not run:
            return None
        return cls(instance, run)

    @property
    def owner(self) -> tuple[int, int] | None:
        """(pid, start ticks) of the Procdeck process the instance lives in."""
        return instance_owner(self.instance)


def new_instance_id(pid: int, start_ticks: int) -> str:
    return f"{pid}.{start_ticks}.{secrets.token_hex(4)}"


def instance_owner(instance: str) -> tuple[int, int] | None:
    parts = instance.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1])


def from_environ_bytes(data: bytes) -> str | None:
    """The cookie value in a raw ``/proc/PID/environ`` block, if there is one."""
    if data.startswith(VARIABLE_BYTES):
        start = len(VARIABLE_BYTES)
    else:
        at = data.find(b"\0" + VARIABLE_BYTES)
        if at < 0:
            return None
        start = at + 1 + len(VARIABLE_BYTES)
    end = data.find(b"\0", start)
    raw = data[start:] if end < 0 else data[start:end]
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return None


def inherited() -> str | None:
    """The cookie this process itself was started with (it belongs to an outer run)."""
    return os.environ.get(VARIABLE)
