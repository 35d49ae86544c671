"""Values for running jobs on a Dask distributed cluster: which backend to use, and how the
cluster is doing.

`BackendChoice` is what the user picks (and what a job profile stores): the local worker
pool, or Dask with either a local cluster of N worker processes or the address of an
existing scheduler (plus TLS files). `ClusterState` is what the Dask backend publishes as
it starts, connects, loses and regains its scheduler, and as workers join and leave: the
window shows it as a status line, never as a traceback. Standard library only.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from typing import Any

from procdeck.core.jobs import WorkerInfo

#: The extra that brings in Dask (shown when it is missing).
DASK_INSTALL_HINT = 'pip install "procdeck[dask]"'
DEFAULT_SCHEDULER_PORT = 8786
MAX_LOCAL_WORKERS = 64


def dask_available() -> bool:
    """Whether the optional Dask extra is installed (finds it without importing it)."""
    from importlib.util import find_spec

    try:
        return find_spec("distributed") is not None and find_spec("dask") is not None
    except (ImportError, ValueError):
        return False


class BackendChoiceError(ValueError):
    """A user mistake in the backend settings (address, worker count): a clear message."""


class BackendKind(enum.Enum):
    LOCAL = "local"
    DASK = "dask"


class DaskMode(enum.Enum):
    LOCAL_CLUSTER = "local-cluster"
    SCHEDULER = "scheduler"


_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(\d+))?$")


def parse_scheduler_address(text: str, *, tls: bool = False) -> str:
    """Normalise what the user typed into a Dask address: ``tcp://host:8786``.

    A bare ``host`` or ``host:port`` gets ``tcp://`` (``tls://`` when ``tls``: TLS files
    are given) and port 8786 when missing, as the ``dask`` command line does.
    """
    text = text.strip()
    if not text:
        raise BackendChoiceError("Enter the scheduler address, for example tcp://host:8786.")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = ("tls" if tls else "tcp"), text
    scheme = scheme.lower()
    if scheme not in _SCHEMES:
        raise BackendChoiceError(
            f"{text!r}: unknown protocol {scheme!r}; use one of "
            + ", ".join(f"{s}://" for s in _SCHEMES[:4])
            + "."
        )
    if scheme == "inproc":
        return f"inproc://{rest}"
    rest = rest.rstrip("/")
    match = _HOST_PORT.match(rest)
    if not match:
        raise BackendChoiceError(f"{text!r} is not an address like tcp://host:8786.")
    host, port = match.group(1), match.group(2)
    if port is None:
        port_n = DEFAULT_SCHEDULER_PORT
    else:
        port_n = int(port)
        if not 0 < port_n < 65536:
            raise BackendChoiceError(f"{text!r}: port {port_n} is out of range (1-65535).")
    return f"{scheme}://{host}:{port_n}"


@dataclass(frozen=True)
class DaskSecurity:
    """TLS files passed through to ``distributed.security.Security``; empty means none."""

    ca_file: str = ""
    client_cert: str = ""
    client_key: str = ""
    require_encryption: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.ca_file or self.client_cert or self.client_key or self.require_encryption)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ca_file": self.ca_file,
            "client_cert": self.client_cert,
            "client_key": self.client_key,
            "require_encryption": self.require_encryption,
        }


@dataclass(frozen=True)
class BackendChoice:
    """Where jobs run. Store it in a profile with `to_dict`, read it back with `from_dict`."""

    kind: BackendKind = BackendKind.LOCAL
    dask_mode: DaskMode = DaskMode.LOCAL_CLUSTER
    #: Worker processes of a local Dask cluster.
    n_workers: int = 2
    #: Scheduler address (``DaskMode.SCHEDULER``), normalised by `parse_scheduler_address`.
    address: str = ""
    security: DaskSecurity = field(default_factory=DaskSecurity)

    def __post_init__(self) -> None:
        if self.kind is not BackendKind.DASK:
            return
        if self.dask_mode is DaskMode.LOCAL_CLUSTER:
            if type(self.n_workers) is not int or not 1 <= self.n_workers <= MAX_LOCAL_WORKERS:
                raise BackendChoiceError(
                    f"A local Dask cluster needs 1 to {MAX_LOCAL_WORKERS} workers, not {self.n_workers!r}."
                )
        else:
            sec = self.security
            has_files = bool(sec.ca_file or sec.client_cert or sec.client_key)
            address = parse_scheduler_address(self.address, tls=has_files)
            object.__setattr__(self, "address", address)
            if (has_files or sec.require_encryption) and not address.startswith("tls://"):
                # Dask would connect in plain text over tcp:// and ignore the files.
                raise BackendChoiceError(
                    f"{address}: TLS is set up, so the address must start with tls:// "
                    "(a tcp:// connection would not be encrypted)."
                )
            if has_files and not sec.require_encryption:
                # With TLS files, TLS is what the user asked for: never fall back to plain.
                object.__setattr__(self, "security", replace(sec, require_encryption=True))
            if self.address.startswith("tls://") and not (
                self.security.ca_file and self.security.client_cert
            ):
                # distributed.security builds no TLS context without both.
                raise BackendChoiceError(
                    "A tls:// scheduler needs the CA file and a client certificate (and "
                    "its key, unless the certificate file holds it)."
                )

    @classmethod
    def local(cls) -> BackendChoice:
        return cls()

    @classmethod
    def dask_local_cluster(cls, n_workers: int = 2) -> BackendChoice:
        return cls(BackendKind.DASK, DaskMode.LOCAL_CLUSTER, n_workers)

    @classmethod
    def dask_scheduler(cls, address: str, security: DaskSecurity | None = None) -> BackendChoice:
        return cls(BackendKind.DASK, DaskMode.SCHEDULER, address=address, security=security or DaskSecurity())

    @property
    def is_dask(self) -> bool:
        return self.kind is BackendKind.DASK

    def describe(self) -> str:
        if self.kind is BackendKind.LOCAL:
            return "Local worker processes"
        if self.dask_mode is DaskMode.LOCAL_CLUSTER:
            return (
                f"Dask local cluster ({self.n_workers} worker{'s' if self.n_workers != 1 else ''}, "
                "TLS, private to Procdeck)"
            )
        if self.address.startswith("tls://"):
            # Dask checks the scheduler's certificate against the CA, not its host name.
            return f"Dask scheduler {self.address} (TLS, encryption required, host name not checked)"
        return f"Dask scheduler {self.address} (unencrypted)"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        if self.kind is BackendKind.DASK:
            data["dask_mode"] = self.dask_mode.value
            if self.dask_mode is DaskMode.LOCAL_CLUSTER:
                data["n_workers"] = self.n_workers
            else:
                data["address"] = self.address
                if self.security.enabled:
                    data["security"] = self.security.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> BackendChoice:
        """Read a stored choice; anything malformed is a `BackendChoiceError`."""
        if not isinstance(data, dict):
            raise BackendChoiceError(f"A backend must be a table of settings, not {type(data).__name__}.")
        try:
            kind = BackendKind(data.get("kind", "local"))
        except ValueError:
            raise BackendChoiceError(
                f"Unknown backend {data.get('kind')!r}; use 'local' or 'dask'."
            ) from None
        if kind is BackendKind.LOCAL:
            return cls()
        try:
            mode = DaskMode(data.get("dask_mode", "local-cluster"))
        except ValueError:
            raise BackendChoiceError(
                f"Unknown Dask mode {data.get('dask_mode')!r}; use 'local-cluster' or 'scheduler'."
            ) from None
        sec = data.get("security") or {}
        if not isinstance(sec, dict):
            raise BackendChoiceError("Dask security settings must be a table.")
        security = DaskSecurity(
            str(sec.get("ca_file", "")),
            str(sec.get("client_cert", "")),
            str(sec.get("client_key", "")),
            bool(sec.get("require_encryption", False)),
        )
        if mode is DaskMode.LOCAL_CLUSTER:
            return cls(kind, mode, data.get("n_workers", 2))
        return cls(kind, mode, address=str(data.get("address", "")), security=security)


class ClusterStatus(enum.Enum):
    STARTING = "starting"  # a local cluster is starting
    CONNECTING = "connecting"  # first connection to a scheduler
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # the scheduler went away; retrying
    FAILED = "failed"  # could not start or connect; retrying may help
    CLOSED = "closed"

    @property
    def usable(self) -> bool:
        return self is ClusterStatus.CONNECTED


@dataclass(frozen=True)
class ClusterState:
    """What the Dask backend publishes: a status line for the window."""

    status: ClusterStatus
    target: str  # "local cluster (2 workers)" or the scheduler address
    message: str = ""  # why it failed, or the last join/leave
    workers: int = 0
    threads: int = 0
    dashboard: str | None = None
    since_mono: float = 0.0

    def with_(self, **changes: Any) -> ClusterState:
        return replace(self, **changes)

    def describe(self) -> str:
        status = self.status
        if status is ClusterStatus.CONNECTED:
            text = (
                f"Dask: {self.target}, {self.workers} worker{'s' if self.workers != 1 else ''}"
                f" ({self.threads} thread{'s' if self.threads != 1 else ''})"
            )
            if self.workers == 0:
                text += " - no workers: jobs wait until one joins"
        elif status is ClusterStatus.STARTING:
            text = f"Dask: starting {self.target}…"
        elif status is ClusterStatus.CONNECTING:
            text = f"Dask: connecting to {self.target}…"
        elif status is ClusterStatus.RECONNECTING:
            text = f"Dask: lost {self.target}, reconnecting…"
        elif status is ClusterStatus.FAILED:
            text = f"Dask: cannot use {self.target}"
        else:
            text = f"Dask: {self.target} closed"
        return f"{text}. {self.message}" if self.message else text


@dataclass(frozen=True)
class ClusterWorkerInfo(WorkerInfo):
    """A Dask worker, labelled by its address and name (pid 0 when unknown)."""

    address: str = ""
    name: str = ""
    host: str = ""
    nthreads: int = 1
    memory_limit: int = 0
    local: bool = False

    @property
    def label(self) -> str:
        if self.name and self.name != self.address:
            return f"{self.name} ({self.address})"
        return self.address
