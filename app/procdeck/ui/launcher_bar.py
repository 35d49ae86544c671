"""The launcher bar: command entry, shell/argv toggle, working folder, environment, Run."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.process_spec import (
    LaunchMode,
    ProcessSpec,
    SpecError,
    StdinMode,
    parse_env_assignments,
    spec_from_text,
)


class EnvDialog(QDialog):
    """One KEY=VALUE per line; ``KEY=`` sets an empty value, ``-KEY`` unsets."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Environment overrides")
        self.editor = QPlainTextEdit(text)
        self.editor.setPlaceholderText("KEY=VALUE, one per line; -KEY unsets KEY")
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        try:
            parse_env_text(self.editor.toPlainText())
        except SpecError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


def parse_env_text(text: str) -> dict[str, str | None]:
    env: dict[str, str | None] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-") and "=" not in line:
            env[line[1:]] = None
            continue
        env.update(parse_env_assignments([line]))
    for key in env:
        if not key or any(c in key for c in "= \0"):
            raise SpecError(f"Invalid environment variable name: {key!r}.")
    return env


class LauncherBar(QWidget):
    """Builds a ProcessSpec from what the user typed; mistakes are shown inline."""

    launchRequested = Signal(object)  # ProcessSpec

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.command = QLineEdit()
        self.command.setPlaceholderText("Command to run, e.g.  python -m http.server 8000")
        self.command.setClearButtonEnabled(True)
        self.command.returnPressed.connect(self.submit)
        self.command.textEdited.connect(lambda _t: self.show_error(""))
        self.shell = QCheckBox("Shell")
        self.shell.setToolTip("Run the line with /bin/sh -c (pipes, globs, &&); otherwise split into argv")
        self.terminal = QCheckBox("Terminal")
        self.terminal.setToolTip(
            "Run on a pseudo-terminal: colours, prompts and full-screen programs work, and you can type into it"
        )
        # Rows and columns for new terminal runs (the terminal view's size); set by the app.
        self.terminal_size: Callable[[], tuple[int, int]] | None = None
        self.stdin_pipe = QCheckBox("Input")
        self.stdin_pipe.setToolTip(
            "Keep the program's stdin open as a pipe, to send it lines from the window"
        )
        self.capture = QCheckBox("One-shot")
        self.capture.setToolTip("Run to completion and show output, exit code and duration")
        self.cwd = QLineEdit()
        self.cwd.setPlaceholderText("Working folder (default: current)")
        browse = QPushButton("…")
        browse.setToolTip("Choose the working folder")
        browse.setFixedWidth(28)
        browse.clicked.connect(self._browse)
        self.env_button = QPushButton("Env…")
        self.env_button.setToolTip("Environment overrides for this launch")
        self.env_button.clicked.connect(self._edit_env)
        self.env_text = ""
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Launch the command (Enter)")
        self.run_button.clicked.connect(self.submit)
        self.error = QLabel()
        self.error.setObjectName("launchError")
        self.error.setStyleSheet("color: #c0392b")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()

        row = QHBoxLayout()
        row.addWidget(self.command, 4)
        row.addWidget(self.shell)
        row.addWidget(self.terminal)
        row.addWidget(self.stdin_pipe)
        row.addWidget(self.capture)
        row.addWidget(self.cwd, 2)
        row.addWidget(browse)
        row.addWidget(self.env_button)
        row.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 2)
        layout.addLayout(row)
        layout.addWidget(self.error)

    def spec(self) -> ProcessSpec:
        """The spec for what is typed now; raises SpecError with a readable message."""
        return spec_from_text(
            self.command.text(),
            shell=self.shell.isChecked(),
            cwd=self.cwd.text().strip() or None,
            env=parse_env_text(self.env_text),
            mode=LaunchMode.CAPTURE if self.capture.isChecked() else LaunchMode.STREAM,
            **self._terminal_options(),
        )

    def _terminal_options(self) -> dict[str, object]:
        if not self.terminal.isChecked():
            return {"stdin": StdinMode.PIPE} if self.stdin_pipe.isChecked() else {}
        rows, cols = self.terminal_size() if self.terminal_size is not None else (24, 80)
        return {"tty": True, "rows": rows, "cols": cols}

    def submit(self) -> None:
        try:
            spec = self.spec()
        except SpecError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self.launchRequested.emit(spec)

    def show_error(self, message: str) -> None:
        """Show why the typed command cannot run (empty hides the message)."""
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Working folder", self.cwd.text())
        if folder:
            self.cwd.setText(folder)

    def _edit_env(self) -> None:
        dialog = EnvDialog(self.env_text, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.env_text = dialog.editor.toPlainText()
            count = len(parse_env_text(self.env_text))
            self.env_button.setText(f"Env ({count})…" if count else "Env…")
