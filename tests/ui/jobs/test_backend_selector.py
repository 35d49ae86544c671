"""The backend selector offscreen: switching backends, bad input, Dask missing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from procdeck.core.cluster_state import (
    DASK_INSTALL_HINT,
    BackendChoice,
    ClusterState,
    ClusterStatus,
    DaskSecurity,
)
from procdeck.ui.jobs.backend_selector import BackendSelector


@pytest.fixture
def selector(qtbot):
    widget = BackendSelector(dask_installed=True)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def chosen(qtbot, widget):
    with qtbot.waitSignal(widget.backendChosen, timeout=2000) as blocker:
        qtbot.mouseClick(widget.apply, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_default_is_local(qtbot, selector):
    assert chosen(qtbot, selector) == BackendChoice.local()
    assert selector._workers_row.isHidden() and selector._address_row.isHidden()
    assert selector.hint.isHidden()


def test_switch_to_a_local_dask_cluster(qtbot, selector):
    selector.kind.setCurrentIndex(1)
    assert not selector._workers_row.isHidden()
    selector.n_workers.setValue(3)
    assert chosen(qtbot, selector) == BackendChoice.dask_local_cluster(3)


def test_scheduler_address_is_normalised(qtbot, selector):
    selector.kind.setCurrentIndex(2)
    assert not selector._address_row.isHidden()
    qtbot.keyClicks(selector.address, "  cluster.example:9000 ")
    choice = chosen(qtbot, selector)
    assert choice.address == "tcp://cluster.example:9000"
    assert selector.address.text() == "tcp://cluster.example:9000"
    selector.address.setText("tls://secure:8786")
    selector.tls.setChecked(True)
    selector.ca_file.setText("/etc/ca.pem")
    selector.client_cert.setText("/etc/me.pem")
    selector.require_encryption.setChecked(True)
    choice = chosen(qtbot, selector)
    assert choice.security == DaskSecurity("/etc/ca.pem", "/etc/me.pem", "", True)
    assert BackendChoice.from_dict(choice.to_dict()) == choice


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "Enter the scheduler address"),
        ("http://host:80", "unknown protocol"),
        ("tcp://host:99999", "out of range"),
        ("tcp://bad host", "not an address"),
        ("tls://host:8786", "CA file"),
    ],
)
def test_bad_addresses_are_messages_and_emit_nothing(qtbot, selector, text, words):
    selector.kind.setCurrentIndex(2)
    selector.address.setText(text)
    emitted = []
    selector.backendChosen.connect(emitted.append)
    qtbot.mouseClick(selector.apply, Qt.MouseButton.LeftButton)
    assert emitted == []
    assert not selector.error.isHidden()
    assert words in selector.error.text()
    selector.kind.setCurrentIndex(0)  # switching clears the message
    assert selector.error.isHidden()


def test_without_dask_the_options_explain_how_to_install(qtbot):
    widget = BackendSelector(dask_installed=False)
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.hint.isHidden()
    assert DASK_INSTALL_HINT.replace('"', "") in widget.hint.text().replace('"', "").replace("&quot;", "")
    model = widget.kind.model()
    assert model.item(0).isEnabled()
    assert not model.item(1).isEnabled() and not model.item(2).isEnabled()
    assert chosen(qtbot, widget) == BackendChoice.local()


def test_set_choice_round_trip_and_state_line(qtbot, selector):
    stored = BackendChoice.dask_scheduler("tcp://10.0.0.5:8786")
    selector.set_choice(stored)
    assert selector.kind.currentIndex() == 2
    assert chosen(qtbot, selector) == stored
    selector.set_choice(BackendChoice.dask_local_cluster(4))
    assert selector.kind.currentIndex() == 1 and selector.n_workers.value() == 4
    assert selector.status.isHidden()
    selector.set_state(
        ClusterState(ClusterStatus.RECONNECTING, "tcp://10.0.0.5:8786", "The scheduler does not answer.")
    )
    assert not selector.status.isHidden()
    assert "reconnecting" in selector.status.text()
    assert "does not answer" in selector.status.text()
    selector.set_state(None)
    assert selector.status.isHidden()
