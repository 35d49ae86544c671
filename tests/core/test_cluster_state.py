"""Backend choice values: address parsing, validation, profile round trips, state text."""

from __future__ import annotations

import pytest

from procdeck.core.cluster_state import (
    BackendChoice,
    BackendChoiceError,
    BackendKind,
    ClusterState,
    ClusterStatus,
    ClusterWorkerInfo,
    DaskMode,
    DaskSecurity,
    parse_scheduler_address,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("host", "tcp://host:8786"),
        ("host:9000", "tcp://host:9000"),
        ("tcp://10.0.0.1:8786/", "tcp://10.0.0.1:8786"),
        ("TLS://h:1", "tls://h:1"),
        ("[::1]:8786", "tcp://[::1]:8786"),
        ("ws://h", "ws://h:8786"),
    ],
)
def test_addresses(text, expected):
    assert parse_scheduler_address(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "http://h", "tcp://h:0", "tcp://h:70000", "a b", "tcp://"])
def test_bad_addresses(text):
    with pytest.raises(BackendChoiceError):
        parse_scheduler_address(text)


def test_tls_needs_ca_and_certificate():
    with pytest.raises(BackendChoiceError, match="CA file and a client certificate"):
        BackendChoice.dask_scheduler("tls://h:1", DaskSecurity("ca"))
    assert BackendChoice.dask_scheduler("tls://h:1", DaskSecurity("ca", "cert")).security.enabled


@pytest.mark.parametrize("n", [0, -1, 65, 2.5, "2"])
def test_local_cluster_worker_count(n):
    with pytest.raises(BackendChoiceError, match="1 to 64 workers"):
        BackendChoice.dask_local_cluster(n)


def test_round_trips():
    for choice in (
        BackendChoice.local(),
        BackendChoice.dask_local_cluster(3),
        BackendChoice.dask_scheduler("h:1"),
        BackendChoice.dask_scheduler("tls://h:1", DaskSecurity("ca", "c", "k", True)),
    ):
        assert BackendChoice.from_dict(choice.to_dict()) == choice
    assert BackendChoice.from_dict({}) == BackendChoice.local()


@pytest.mark.parametrize(
    "data, words",
    [
        ([], "table"),
        ({"kind": "ray"}, "Unknown backend"),
        ({"kind": "dask", "dask_mode": "x"}, "Unknown Dask mode"),
        ({"kind": "dask", "dask_mode": "scheduler"}, "Enter the scheduler address"),
        ({"kind": "dask", "dask_mode": "scheduler", "address": "h", "security": 3}, "security"),
        ({"kind": "dask", "n_workers": 0}, "workers"),
    ],
)
def test_bad_stored_choices(data, words):
    with pytest.raises(BackendChoiceError, match=words):
        BackendChoice.from_dict(data)


def test_describe_and_state_text():
    assert (
        BackendChoice.dask_local_cluster(1).describe()
        == "Dask local cluster (1 worker, TLS, private to Procdeck)"
    )
    assert BackendChoice.dask_scheduler("h").kind is BackendKind.DASK
    assert BackendChoice.dask_scheduler("h").dask_mode is DaskMode.SCHEDULER
    state = ClusterState(ClusterStatus.CONNECTED, "tcp://h:8786", workers=0, threads=0)
    assert "no workers" in state.describe()
    failed = ClusterState(ClusterStatus.FAILED, "tcp://h:8786", "OSError: refused.")
    assert failed.describe() == "Dask: cannot use tcp://h:8786. OSError: refused."
    worker = ClusterWorkerInfo(pid=0, busy=False, address="tcp://a:1", name="w0")
    assert worker.label == "w0 (tcp://a:1)"


def test_tls_files_mean_a_tls_address_and_required_encryption():
    files = DaskSecurity("ca", "cert", "key")
    bare = BackendChoice.dask_scheduler("h", files)
    assert bare.address == "tls://h:8786" and bare.security.require_encryption
    assert bare.describe() == "Dask scheduler tls://h:8786 (TLS, encryption required, host name not checked)"
    for address in ("tcp://h:8786", "ws://h:1"):
        with pytest.raises(BackendChoiceError, match="must start with tls://"):
            BackendChoice.dask_scheduler(address, files)
    with pytest.raises(BackendChoiceError, match="must start with tls://"):
        BackendChoice.dask_scheduler("tcp://h:1", DaskSecurity(require_encryption=True))
    assert BackendChoice.dask_scheduler("h").describe() == "Dask scheduler tcp://h:8786 (unencrypted)"
