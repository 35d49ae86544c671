"""The dispatch form: function by import path, arguments, once or mapped over inputs.

Everything typed is validated here (core parsing) before anything is dispatched; a mistake
is a message under the form and nothing typed is lost.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.jobs import DispatchMode, DispatchRequest, JobSpecError, build_request, with_limits
from procdeck.tasks.builtin import EXAMPLES
from procdeck.ui.settings_file import SettingsFile

FOLDERS_KEY = "jobs/task_folders"


class DispatchForm(QWidget):
    dispatchRequested = Signal(object)  # DispatchRequest

    def __init__(
        self, settings: QSettings | SettingsFile | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self.target = QComboBox()
        self.target.setEditable(True)
        self.target.setObjectName("jobTarget")
        for path, _ in EXAMPLES:
            self.target.addItem(path)
        target_edit = self.target.lineEdit()
        assert target_edit is not None  # setEditable(True) made it
        target_edit.setPlaceholderText("package.module:function")
        self.args = QLineEdit(EXAMPLES[0][1])
        self.args.setObjectName("jobArgs")
        self.args.setPlaceholderText('[1, 2] or {"n": 10} (JSON or Python literal)')
        self.target.currentIndexChanged.connect(self._example_args)

        self.once = QRadioButton("Once")
        self.map = QRadioButton("Map over inputs")
        self.once.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.once)
        modes.addButton(self.map)
        self.inputs = QLineEdit()
        self.inputs.setObjectName("jobInputs")
        self.inputs.setPlaceholderText("[1, 2, 3] or range(0, 100); each input is the first argument")
        self.inputs_file = QLineEdit()
        self.inputs_file.setPlaceholderText("…or a file: one input per line")
        self.browse = QPushButton("File…")
        self.browse.clicked.connect(self._browse_inputs)
        self.map.toggled.connect(self._mode_changed)

        self.folders = QListWidget()
        self.folders.setMaximumHeight(60)
        self.folders.setToolTip("Folders of your own task modules, put on the workers' import path")
        self.add_folder_button = QPushButton("Add folder…")
        self.add_folder_button.clicked.connect(self._browse_folder)
        self.remove_folder_button = QPushButton("Remove")
        self.remove_folder_button.clicked.connect(self._remove_folder)
        for folder in self._load_folders():
            self.folders.addItem(folder)

        self.timeout = QLineEdit()
        self.timeout.setObjectName("jobTimeout")
        self.timeout.setPlaceholderText("seconds")
        self.timeout.setToolTip(
            "Each job that runs longer has its stacks dumped (shown in its details) and is stopped"
        )
        self.memory_limit = QLineEdit()
        self.memory_limit.setObjectName("jobMemoryLimit")
        self.memory_limit.setPlaceholderText("pool default")
        self.memory_limit.setToolTip("Each job whose worker uses more memory is stopped: 300M, 2G…")
        self.batch_timeout = QLineEdit()
        self.batch_timeout.setObjectName("batchTimeout")
        self.batch_timeout.setPlaceholderText("seconds")
        self.batch_timeout.setToolTip(
            "A mapped batch that takes longer as a whole: its unfinished jobs time out"
        )
        self.limits_note = QLabel()
        self.limits_note.setObjectName("limitsNote")
        self.limits_note.setWordWrap(True)
        self.limits_note.setStyleSheet("color: #b9770e")
        self.limits_note.hide()

        self.dispatch_button = QPushButton("Dispatch")
        self.dispatch_button.setObjectName("dispatchButton")
        self.dispatch_button.setDefault(True)
        self.dispatch_button.clicked.connect(self.submit)
        self.args.returnPressed.connect(self.submit)
        self.inputs.returnPressed.connect(self.submit)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b")

        form = QFormLayout()
        form.addRow("Function", self.target)
        form.addRow("Arguments", self.args)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.once)
        mode_row.addWidget(self.map)
        mode_row.addStretch(1)
        form.addRow("Run", mode_row)
        inputs_row = QHBoxLayout()
        inputs_row.addWidget(self.inputs, 2)
        inputs_row.addWidget(self.inputs_file, 1)
        inputs_row.addWidget(self.browse)
        form.addRow("Inputs", inputs_row)
        # Two short rows rather than one wide one: the form must fit the narrow left column
        # of the Jobs panel at 1366x768 (tests/compose/test_window_geometry.py).
        time_row = QHBoxLayout()
        time_row.addWidget(self.timeout, 1)
        time_row.addWidget(QLabel("batch"))
        time_row.addWidget(self.batch_timeout, 1)
        form.addRow("Timeout", time_row)
        form.addRow("Memory limit", self.memory_limit)
        form.addRow("", self.limits_note)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folders, 1)
        folder_buttons = QVBoxLayout()
        folder_buttons.addWidget(self.add_folder_button)
        folder_buttons.addWidget(self.remove_folder_button)
        folder_row.addLayout(folder_buttons)
        form.addRow("Task folders", folder_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(self.dispatch_button)
        layout.addLayout(bottom)
        self.action_row = bottom  # a panel may move it out of a scrolled form
        self._mode_changed(False)

    # -- behaviour --------------------------------------------------------------------
    def submit(self) -> DispatchRequest | None:
        """Validate and emit a request; on a mistake show why and keep every field."""
        mode = DispatchMode.MAP if self.map.isChecked() else DispatchMode.ONCE
        try:
            request = build_request(
                self.target.currentText(),
                self.args.text(),
                mode,
                self.inputs.text(),
                self.inputs_file.text().strip() or None,
                self.task_folders(),
            )
            request = with_limits(
                request, self.timeout.text(), self.memory_limit.text(), self.batch_timeout.text()
            )
        except JobSpecError as exc:
            self.show_error(str(exc))
            return None
        self.show_error("")
        self.dispatchRequested.emit(request)
        return request

    def show_error(self, message: str) -> None:
        self.error.setText(message)

    def set_enforcement(self, timeout: bool, memory_limit: bool, backend: str = "this backend") -> None:
        """Say which limits the current backend cannot enforce (they are then ignored)."""
        missing = [name for name, ok in (("timeouts", timeout), ("memory limits", memory_limit)) if not ok]
        if not missing:
            self.limits_note.hide()
            self.limits_note.setText("")
            return
        self.limits_note.setText(f"{backend} cannot enforce {' or '.join(missing)}: they are ignored there.")
        self.limits_note.show()

    def task_folders(self) -> list[str]:
        return [self.folders.item(i).text() for i in range(self.folders.count())]

    def add_task_folder(self, folder: str) -> None:
        if folder and folder not in self.task_folders():
            self.folders.addItem(folder)
            self._save_folders()

    def _remove_folder(self) -> None:
        for item in self.folders.selectedItems():
            self.folders.takeItem(self.folders.row(item))
        self._save_folders()

    def _browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of task modules")
        if folder:
            self.add_task_folder(folder)

    def _browse_inputs(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Inputs, one per line")
        if path:
            self.inputs_file.setText(path)
            self.map.setChecked(True)

    def _example_args(self, index: int) -> None:
        if 0 <= index < len(EXAMPLES) and self.target.currentText() == EXAMPLES[index][0]:
            self.args.setText(EXAMPLES[index][1])

    def _mode_changed(self, mapped: bool) -> None:
        for widget in (self.inputs, self.inputs_file, self.browse, self.batch_timeout):
            widget.setEnabled(mapped)

    def _load_folders(self) -> list[str]:
        if self._settings is None:
            return []
        value = self._settings.value(FOLDERS_KEY, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if v]

    def _save_folders(self) -> None:
        if self._settings is not None:
            self._settings.setValue(FOLDERS_KEY, self.task_folders())
            self._settings.sync()
