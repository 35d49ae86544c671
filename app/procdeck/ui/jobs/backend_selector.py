"""Choose where jobs run: local worker processes, or a Dask cluster (local or remote).

Emits `backendChosen(BackendChoice)` when the user applies a valid choice; a mistake (a
bad address, a tls:// scheduler without a CA file) is a message under the fields and
nothing is emitted. Without the optional Dask extra the Dask options are disabled and the
widget says how to install it. `set_state` shows the cluster state the backend publishes.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.cluster_state import (
    DASK_INSTALL_HINT,
    MAX_LOCAL_WORKERS,
    BackendChoice,
    BackendChoiceError,
    BackendKind,
    ClusterState,
    ClusterStatus,
    DaskMode,
    DaskSecurity,
    dask_available,
)

#: Combo entries, in order: (label, kind, dask mode)
OPTIONS = (
    ("Local worker processes", BackendKind.LOCAL, None),
    ("Dask: local cluster", BackendKind.DASK, DaskMode.LOCAL_CLUSTER),
    ("Dask: connect to a scheduler", BackendKind.DASK, DaskMode.SCHEDULER),
)

_STATUS_COLOURS = {
    ClusterStatus.CONNECTED: "#2e7d32",
    ClusterStatus.STARTING: "#8a6d00",
    ClusterStatus.CONNECTING: "#8a6d00",
    ClusterStatus.RECONNECTING: "#b26a00",
    ClusterStatus.FAILED: "#c62828",
    ClusterStatus.CLOSED: "#666666",
}


class BackendSelector(QWidget):
    backendChosen = Signal(object)  # BackendChoice

    def __init__(self, parent: QWidget | None = None, *, dask_installed: bool | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backendSelector")
        self.dask_installed = dask_available() if dask_installed is None else dask_installed

        self.kind = QComboBox()
        self.kind.setObjectName("backendKind")
        for label, _, _ in OPTIONS:
            self.kind.addItem(label)
        self.n_workers = QSpinBox()
        self.n_workers.setObjectName("daskWorkers")
        self.n_workers.setRange(1, MAX_LOCAL_WORKERS)
        self.n_workers.setValue(2)
        self.n_workers.setToolTip("Worker processes of the local Dask cluster (one job each)")
        self.address = QLineEdit()
        self.address.setObjectName("daskAddress")
        self.address.setPlaceholderText("tcp://host:8786")
        self.ca_file = QLineEdit()
        self.ca_file.setPlaceholderText("CA certificate (PEM)")
        self.client_cert = QLineEdit()
        self.client_cert.setPlaceholderText("client certificate (PEM)")
        self.client_key = QLineEdit()
        self.client_key.setPlaceholderText("client key (PEM)")
        self.require_encryption = QCheckBox("Require encryption")
        self.tls = QGroupBox("TLS (optional)")
        self.tls.setCheckable(True)
        self.tls.setChecked(False)
        tls_form = QFormLayout(self.tls)
        tls_form.addRow("CA file", self.ca_file)
        tls_form.addRow("Certificate", self.client_cert)
        tls_form.addRow("Key", self.client_key)
        tls_form.addRow(self.require_encryption)

        self.apply = QPushButton("Use")
        self.apply.setObjectName("backendApply")
        self.error = QLabel()
        self.error.setObjectName("backendError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        self.hint = QLabel(
            "Dask is not installed. To run jobs on a Dask cluster, install the extra "
            f"(<code>{DASK_INSTALL_HINT}</code>) and restart Procdeck."
        )
        self.hint.setObjectName("daskInstallHint")
        self.hint.setWordWrap(True)
        self.hint.setVisible(not self.dask_installed)
        self.status = QLabel()
        self.status.setObjectName("backendStatus")
        self.status.setWordWrap(True)
        self.status.hide()

        self._workers_row = QWidget()
        row = QHBoxLayout(self._workers_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Workers"))
        row.addWidget(self.n_workers)
        row.addStretch(1)
        self._address_row = QWidget()
        addr = QVBoxLayout(self._address_row)
        addr.setContentsMargins(0, 0, 0, 0)
        line = QHBoxLayout()
        line.addWidget(QLabel("Scheduler"))
        line.addWidget(self.address, 1)
        addr.addLayout(line)
        addr.addWidget(self.tls)

        top = QHBoxLayout()
        top.addWidget(QLabel("Run jobs on"))
        top.addWidget(self.kind, 1)
        top.addWidget(self.apply)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self._workers_row)
        layout.addWidget(self._address_row)
        layout.addWidget(self.error)
        layout.addWidget(self.hint)
        layout.addWidget(self.status)

        if not self.dask_installed:
            model = self.kind.model()
            assert isinstance(model, QStandardItemModel)  # a QComboBox's default model
            for index, (_, kind, _) in enumerate(OPTIONS):
                if kind is BackendKind.DASK:
                    item = model.item(index)
                    item.setEnabled(False)
                    item.setToolTip(f"Needs the Dask extra: {DASK_INSTALL_HINT}")
        self.kind.currentIndexChanged.connect(self._sync_fields)
        self.apply.clicked.connect(self._apply)
        self.address.returnPressed.connect(self._apply)
        self._sync_fields()

    # -- reading and writing the choice ---------------------------------------------

    def choice(self) -> BackendChoice:
        """The choice the fields describe; raises `BackendChoiceError` on a mistake."""
        _, kind, mode = OPTIONS[self.kind.currentIndex()]
        if kind is BackendKind.LOCAL:
            return BackendChoice.local()
        if not self.dask_installed:
            raise BackendChoiceError(f"Dask is not installed: {DASK_INSTALL_HINT}")
        if mode is DaskMode.LOCAL_CLUSTER:
            return BackendChoice.dask_local_cluster(self.n_workers.value())
        security = DaskSecurity()
        if self.tls.isChecked():
            security = DaskSecurity(
                self.ca_file.text().strip(),
                self.client_cert.text().strip(),
                self.client_key.text().strip(),
                self.require_encryption.isChecked(),
            )
        return BackendChoice.dask_scheduler(self.address.text(), security)

    def set_choice(self, choice: BackendChoice) -> None:
        """Show a stored choice (from a profile) without emitting it."""
        for index, (_, kind, mode) in enumerate(OPTIONS):
            if kind is choice.kind and (kind is BackendKind.LOCAL or mode is choice.dask_mode):
                self.kind.setCurrentIndex(index)
                break
        if choice.is_dask:
            self.n_workers.setValue(choice.n_workers)
            self.address.setText(choice.address)
            sec = choice.security
            self.tls.setChecked(sec.enabled)
            self.ca_file.setText(sec.ca_file)
            self.client_cert.setText(sec.client_cert)
            self.client_key.setText(sec.client_key)
            self.require_encryption.setChecked(sec.require_encryption)
        self._show_error("")

    def set_state(self, state: ClusterState | None) -> None:
        """Show the Dask backend's published state (None: no Dask backend in use)."""
        if state is None:
            self.status.hide()
            return
        self.status.setText(state.describe())
        self.status.setStyleSheet(f"color: {_STATUS_COLOURS.get(state.status, '#000000')};")
        self.status.show()

    # -- internals --------------------------------------------------------------------

    def _sync_fields(self) -> None:
        _, kind, mode = OPTIONS[self.kind.currentIndex()]
        self._workers_row.setVisible(mode is DaskMode.LOCAL_CLUSTER)
        self._address_row.setVisible(mode is DaskMode.SCHEDULER)
        self._show_error("")

    def _apply(self) -> None:
        try:
            choice = self.choice()
        except BackendChoiceError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        if choice.is_dask and choice.dask_mode is DaskMode.SCHEDULER:
            self.address.setText(choice.address)  # show the normalised address
        self.backendChosen.emit(choice)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
