"""The Settings dialog (Preferences, Ctrl+,): every preference on one screen.

Widgets only: it shows a core ``Preferences`` value and emits ``applied(Preferences)``
when the user presses Apply or OK with valid values; a mistake is one line in red under
the form, OK and Apply wait until it is fixed, and nothing typed is lost. Restore
defaults fills in the defaults (applied with Apply or OK, like any change).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
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

from procdeck.core.preferences import (
    MAX_GRACE_S,
    MAX_HISTORY_S,
    MAX_LOG_MB,
    MAX_SCROLLBACK,
    MAX_WORKERS,
    MIN_HISTORY_S,
    MIN_SCROLLBACK,
    RATES_HZ,
    Preferences,
    PreferencesError,
)

BACKEND_NAMES = {"local": "Local worker processes", "dask": "Local Dask cluster"}
THEME_NAMES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


class SettingsDialog(QDialog):
    applied = Signal(object)  # Preferences

    def __init__(
        self, prefs: Preferences, parent: QWidget | None = None, *, default_log_folder: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Procdeck Settings")
        self.setObjectName("settingsDialog")

        self.scrollback = _spin(MIN_SCROLLBACK, MAX_SCROLLBACK, " lines", step=10_000)
        self.scrollback.setToolTip("Lines of output kept in memory per run; older ones stay in the log file")
        self.run_log = _spin(1, MAX_LOG_MB, " MB", step=256)
        self.run_log.setToolTip("Cap on one run's log files")
        self.total_log = _spin(1, MAX_LOG_MB, " MB", step=1024)
        self.total_log.setToolTip("Cap on all logs together: the oldest runs' logs are deleted first")
        self.log_folder = QLineEdit()
        self.log_folder.setPlaceholderText(default_log_folder or "default folder")
        self.log_folder.setClearButtonEnabled(True)
        self.log_folder.setToolTip("Where complete run logs are written (empty: the default folder)")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.log_folder, 1)
        folder_row.addWidget(self.browse)

        self.history = _spin(int(MIN_HISTORY_S // 60), int(MAX_HISTORY_S // 60), " min", step=5)
        self.history.setToolTip("How far back charts can look (applies at the next start)")
        self.rate = QComboBox()
        for hz in RATES_HZ:
            self.rate.addItem(f"{hz:g} Hz", hz)
        self.rate.setToolTip("How often processes and workers are sampled for the charts")

        self.grace = QDoubleSpinBox()
        self.grace.setRange(0.0, MAX_GRACE_S)
        self.grace.setDecimals(1)
        self.grace.setSuffix(" s")
        self.grace.setToolTip("Stop sends the stop signal, then SIGKILL after this long (for new launches)")

        self.backend = QComboBox()
        for key, name in BACKEND_NAMES.items():
            self.backend.addItem(name, key)
        self.workers = _spin(0, MAX_WORKERS, "", step=1)
        self.workers.setSpecialValueText("one per CPU core")
        self.workers.setToolTip("How many jobs run at once")

        self.notify = QCheckBox("Notify when long runs and batches end")
        self.notify.setToolTip("A desktop notification while Procdeck is in the background")
        self.notify_min = QDoubleSpinBox()
        self.notify_min.setRange(0.0, 24 * 3600.0)
        self.notify_min.setDecimals(0)
        self.notify_min.setSuffix(" s")
        self.notify_min.setToolTip("Only runs and batches at least this long")
        self.theme = QComboBox()
        for key, name in THEME_NAMES.items():
            self.theme.addItem(name, key)

        groups = QVBoxLayout()
        for title, rows in (
            (
                "Output",
                [
                    ("Scrollback", self.scrollback),
                    ("Log cap per run", self.run_log),
                    ("Log cap, all runs", self.total_log),
                    ("Log folder", folder_row),
                ],
            ),
            ("Charts", [("History", self.history), ("Sample rate", self.rate)]),
            ("Runs", [("Stop grace period", self.grace)]),
            ("Jobs", [("Pool backend", self.backend), ("Max workers", self.workers)]),
            ("Notifications", [("", self.notify), ("Longer than", self.notify_min)]),
            ("Appearance", [("Theme", self.theme)]),
        ):
            box = QGroupBox(title)
            form = QFormLayout(box)
            for label, field in rows:
                if isinstance(field, QHBoxLayout):
                    form.addRow(label, field)
                elif isinstance(field, QWidget):
                    form.addRow(label, field)
                    field.setAccessibleName(
                        label or (field.text() if isinstance(field, QCheckBox) else title)
                    )
            groups.addWidget(box)

        self.error = QLabel()
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self.set_preferences(Preferences())
        )
        layout = QVBoxLayout(self)
        layout.addLayout(groups)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        for spin in (self.scrollback, self.run_log, self.total_log, self.history, self.workers):
            spin.valueChanged.connect(self.validate)
        for dspin in (self.grace, self.notify_min):
            dspin.valueChanged.connect(self.validate)
        self.log_folder.textChanged.connect(self.validate)
        self.notify.toggled.connect(self.notify_min.setEnabled)
        self.set_preferences(prefs)

    # -- values -------------------------------------------------------------------------
    def set_preferences(self, prefs: Preferences) -> None:
        self.scrollback.setValue(prefs.scrollback_lines)
        self.run_log.setValue(prefs.run_log_mb)
        self.total_log.setValue(prefs.total_log_mb)
        self.log_folder.setText(prefs.log_folder)
        self.history.setValue(round(prefs.history_s / 60))
        index = self.rate.findData(prefs.sample_rate_hz)
        if index < 0:
            self.rate.addItem(f"{prefs.sample_rate_hz:g} Hz", prefs.sample_rate_hz)
            index = self.rate.count() - 1
        self.rate.setCurrentIndex(index)
        self.grace.setValue(prefs.stop_grace_s)
        self.backend.setCurrentIndex(max(0, self.backend.findData(prefs.pool_backend)))
        self.workers.setValue(prefs.max_workers)
        self.notify.setChecked(prefs.notifications)
        self.notify_min.setValue(prefs.notify_min_s)
        self.notify_min.setEnabled(prefs.notifications)
        self.theme.setCurrentIndex(max(0, self.theme.findData(prefs.theme)))
        self.validate()

    def preferences(self) -> Preferences:
        """The values shown, as Preferences (raises PreferencesError when invalid)."""
        folder = self.log_folder.text().strip()
        if folder:
            path = Path(folder).expanduser()
            if path.exists() and not path.is_dir():
                raise PreferencesError(f"The log folder {folder!r} is a file, not a folder.")
            folder = str(path)
        return Preferences(
            scrollback_lines=self.scrollback.value(),
            run_log_mb=self.run_log.value(),
            total_log_mb=self.total_log.value(),
            log_folder=folder,
            history_s=float(self.history.value() * 60),
            sample_rate_hz=float(self.rate.currentData()),
            stop_grace_s=self.grace.value(),
            pool_backend=str(self.backend.currentData()),
            max_workers=self.workers.value(),
            notifications=self.notify.isChecked(),
            notify_min_s=self.notify_min.value(),
            theme=str(self.theme.currentData()),
        )

    def validate(self) -> bool:
        try:
            prefs = self.preferences()
            if prefs.total_log_mb < prefs.run_log_mb:
                raise PreferencesError("The cap for all logs is smaller than the cap per run.")
        except PreferencesError as exc:
            self.error.setText(str(exc))
            ok = False
        else:
            self.error.setText("")
            ok = True
        for button in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Apply):
            self.buttons.button(button).setEnabled(ok)
        return ok

    def apply(self) -> bool:
        if not self.validate():
            return False
        self.applied.emit(self.preferences())
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for run logs", self.log_folder.text())
        if folder:
            self.log_folder.setText(folder)


def _spin(low: int, high: int, suffix: str, *, step: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setSingleStep(step)
    spin.setGroupSeparatorShown(True)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    return spin
