"""The profile editor: every field, validated as you type, with the exact command preview.

The dialog never saves by itself: ``accepted`` fires only when the profile is valid, and
the owner reads ``profile()``. Secret environment values are shown as password fields
unless "Show secret values" is ticked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from procdeck.core.process_spec import SpecError, parse_command
from procdeck.core.profile import EnvVar, Problem, Profile, StartAfter, StartCondition, WorkerJob
from procdeck.core.restart_policy import RestartMode, RestartPolicy

COMMON_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGKILL")
KIND_ARGV, KIND_SHELL, KIND_JOB = 0, 1, 2
# How a run's standard streams are wired: (label, tty, stdin).
IO_MODES = (
    ("Pipes: output kept apart, no input (stdin is /dev/null)", False, "none"),
    ("Pipes: output kept apart, input from the window", False, "pipe"),
    ("Terminal: a pseudo-terminal, keyboard input (full-screen programs, colours)", True, "none"),
)


_W = TypeVar("_W", bound=QWidget)


def _cell(table: QTableWidget, row: int, col: int, kind: type[_W]) -> _W:
    """The editor widget of a cell, of the type the table put there."""
    widget = table.cellWidget(row, col)
    assert isinstance(widget, kind), (row, col, widget)
    return widget


def _lines(edit: QPlainTextEdit) -> tuple[str, ...]:
    """The non-blank lines of a text box."""
    return tuple(line for line in edit.toPlainText().splitlines() if line.strip())


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setStyleSheet("color: #c0392b;")
    label.setWordWrap(True)
    label.hide()
    return label


class EnvTable(QTableWidget):
    """Rows of name / value / secret / unset, each cell a plain editor widget."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(["Name", "Value", "Secret", "Unset"])
        self.horizontalHeader().setStretchLastSection(False)
        self.horizontalHeader().setSectionResizeMode(1, self.horizontalHeader().ResizeMode.Stretch)
        self.verticalHeader().hide()
        self.setMinimumHeight(110)
        self._show_secrets = False

    def add_row(self, var: EnvVar | None = None) -> int:
        row = self.rowCount()
        self.insertRow(row)
        name, value = QLineEdit(var.name if var else ""), QLineEdit(var.value or "" if var else "")
        secret, unset = QCheckBox(), QCheckBox()
        name.setPlaceholderText("NAME")
        secret.setChecked(bool(var and var.secret))
        unset.setChecked(bool(var and var.value is None))
        for widget in (name, value):
            widget.textChanged.connect(self.changed)
        for box in (secret, unset):
            box.toggled.connect(lambda _on, r=row: self._apply_row(r))
            box.toggled.connect(self.changed)
        self.setCellWidget(row, 0, name)
        self.setCellWidget(row, 1, value)
        self.setCellWidget(row, 2, secret)
        self.setCellWidget(row, 3, unset)
        self._apply_row(row)
        self.changed.emit()
        return row

    def remove_current(self) -> None:
        row = self.currentRow()
        if row < 0:
            row = self.rowCount() - 1
        if row >= 0:
            self.removeRow(row)
            # Rows shift: rebind the toggles to their new indexes.
            for r in range(self.rowCount()):
                for col in (2, 3):
                    box = _cell(self, r, col, QCheckBox)
                    box.toggled.disconnect()
                    box.toggled.connect(lambda _on, rr=r: self._apply_row(rr))
                    box.toggled.connect(self.changed)
            self.changed.emit()

    def set_show_secrets(self, show: bool) -> None:
        self._show_secrets = show
        for row in range(self.rowCount()):
            self._apply_row(row)

    def _apply_row(self, row: int) -> None:
        if row >= self.rowCount():
            return
        value = _cell(self, row, 1, QLineEdit)
        secret = _cell(self, row, 2, QCheckBox)
        unset = _cell(self, row, 3, QCheckBox)
        value.setEnabled(not unset.isChecked())
        hidden = secret.isChecked() and not self._show_secrets
        value.setEchoMode(QLineEdit.EchoMode.Password if hidden else QLineEdit.EchoMode.Normal)

    def value_widget(self, row: int) -> QLineEdit:
        return _cell(self, row, 1, QLineEdit)

    def variables(self) -> tuple[EnvVar, ...]:
        out = []
        for row in range(self.rowCount()):
            name = _cell(self, row, 0, QLineEdit).text()
            value = _cell(self, row, 1, QLineEdit).text()
            secret = _cell(self, row, 2, QCheckBox).isChecked()
            unset = _cell(self, row, 3, QCheckBox).isChecked()
            if not name and not value and not unset:
                continue  # an empty new row is not a variable yet
            out.append(EnvVar(name, None if unset else value, secret))
        return tuple(out)


class StartAfterTable(QTableWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Profile", "Condition"])
        self.horizontalHeader().setSectionResizeMode(0, self.horizontalHeader().ResizeMode.Stretch)
        self.verticalHeader().hide()
        self.setMinimumHeight(70)
        self._names: list[str] = []

    def set_names(self, names: Iterable[str]) -> None:
        self._names = list(names)

    def add_row(self, dep: StartAfter | None = None) -> None:
        row = self.rowCount()
        self.insertRow(row)
        profile = QComboBox()
        profile.setEditable(True)
        profile.addItems(self._names)
        profile.setCurrentText(dep.profile if dep else (self._names[0] if self._names else ""))
        condition = QComboBox()
        for cond in StartCondition:
            condition.addItem(cond.label, cond)
        condition.setCurrentIndex(list(StartCondition).index(dep.condition) if dep else 0)
        profile.currentTextChanged.connect(self.changed)
        condition.currentIndexChanged.connect(self.changed)
        self.setCellWidget(row, 0, profile)
        self.setCellWidget(row, 1, condition)
        self.changed.emit()

    def remove_current(self) -> None:
        row = self.currentRow() if self.currentRow() >= 0 else self.rowCount() - 1
        if row >= 0:
            self.removeRow(row)
            self.changed.emit()

    def deps(self) -> tuple[StartAfter, ...]:
        return tuple(
            StartAfter(
                _cell(self, r, 0, QComboBox).currentText().strip(), _cell(self, r, 1, QComboBox).currentData()
            )
            for r in range(self.rowCount())
        )


class ProfileEditor(QDialog):
    """Edit one profile. ``taken_names`` are the other profiles' names (uniqueness)."""

    def __init__(
        self,
        profile: Profile | None = None,
        *,
        taken_names: Iterable[str] = (),
        groups: Iterable[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit profile" if profile else "New profile")
        self.setObjectName("profileEditor")
        self.resize(640, 720)
        self.original = profile
        self._taken = set(taken_names) - ({profile.name} if profile else set())
        self._extra = dict(profile.extra) if profile else {}
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems(
            ["Arguments (argv, no shell)", "Shell line (/bin/sh -c)", "Worker job (Python function)"]
        )
        # Worker-job fields, shown instead of the command when the kind is a worker job.
        self.job_target = QLineEdit()
        self.job_target.setPlaceholderText(
            "package.module:function, e.g. procdeck.tasks.builtin:count_primes"
        )
        self.job_args = QPlainTextEdit()
        self.job_args.setMaximumHeight(60)
        self.job_args.setPlaceholderText(
            "one argument per line: a Python literal (2000000, 'text', [1, 2]) or plain text"
        )
        self.job_inputs = QPlainTextEdit()
        self.job_inputs.setMaximumHeight(60)
        self.job_inputs.setPlaceholderText(
            "optional: one input per line; the function runs once per input, f(input, *arguments)"
        )
        self.command = QPlainTextEdit()
        self.command.setFont(mono)
        self.command.setMaximumHeight(70)
        self.command.setPlaceholderText("python3 -m http.server 8000")
        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setFont(mono)
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.io_mode = QComboBox()
        self.io_mode.setObjectName("ioMode")
        for label, _tty, _stdin in IO_MODES:
            self.io_mode.addItem(label)
        self.cwd = QLineEdit()
        self.cwd.setPlaceholderText("(the folder Procdeck was started in)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.env = EnvTable()
        self.show_secrets = QCheckBox("Show secret values")
        self.show_secrets.toggled.connect(self.env.set_show_secrets)
        env_add, env_remove = QPushButton("Add variable"), QPushButton("Remove")
        env_add.clicked.connect(lambda: self.env.add_row())
        env_remove.clicked.connect(self.env.remove_current)
        self.stop_signal = QComboBox()
        self.stop_signal.setEditable(True)
        self.stop_signal.addItems(COMMON_SIGNALS)
        self.grace = QDoubleSpinBox()
        self.grace.setRange(0, 86400)
        self.grace.setSuffix(" s")
        self.grace.setDecimals(1)
        self.restart_mode = QComboBox()
        for mode in RestartMode:
            self.restart_mode.addItem(mode.label, mode)
        self.backoff = QDoubleSpinBox()
        self.backoff.setRange(0, 3600)
        self.backoff.setSuffix(" s")
        self.backoff_factor = QDoubleSpinBox()
        self.backoff_factor.setRange(1, 10)
        self.backoff_factor.setPrefix("×")
        self.backoff_max = QDoubleSpinBox()
        self.backoff_max.setRange(0, 86400)
        self.backoff_max.setSuffix(" s")
        self.max_restarts = QSpinBox()
        self.max_restarts.setRange(0, 10000)
        self.max_restarts.setSpecialValueText("no limit")
        self.window_s = QDoubleSpinBox()
        self.window_s.setRange(0, 86400)
        self.window_s.setSuffix(" s")
        self.group = QComboBox()
        self.group.setEditable(True)
        self.group.addItems(["", *sorted(set(groups))])
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("comma, separated")
        self.start_after = StartAfterTable()
        self.start_after.set_names(sorted(self._taken))
        dep_add, dep_remove = QPushButton("Add"), QPushButton("Remove")
        dep_add.clicked.connect(lambda: self.start_after.add_row())
        dep_remove.clicked.connect(self.start_after.remove_current)
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(70)
        self.env_files = QPlainTextEdit()
        self.env_files.setObjectName("envFiles")
        self.env_files.setMaximumHeight(60)
        self.env_files.setPlaceholderText(
            "One dotenv file per line (relative to the working folder); later files win, "
            "the Environment entries above win over all"
        )
        # Probes, file watches and group flags are kept as loaded (edited in profiles.toml).
        self.probes_summary = QLabel()
        self.probes_summary.setObjectName("probesSummary")
        self.probes_summary.setWordWrap(True)
        self.probes_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.errors = {
            key: _error_label()
            for key in (
                "name",
                "command",
                "cwd",
                "env",
                "env_files",
                "io",
                "stop",
                "restart",
                "group",
                "start_after",
                "probes",
            )  # fmt: skip
        }

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("", self.errors["name"])
        form.addRow("Command is", self.kind)
        form.addRow("Command", self.command)
        form.addRow("Function", self.job_target)
        form.addRow("Arguments", self.job_args)
        form.addRow("Map over", self.job_inputs)
        self._form = form
        form.addRow("", self.errors["command"])
        form.addRow("Will run", self.preview)
        form.addRow("Input, output", self.io_mode)
        form.addRow("", self.errors["io"])
        cwd_row = QHBoxLayout()
        cwd_row.addWidget(self.cwd, 1)
        cwd_row.addWidget(browse)
        form.addRow("Working folder", cwd_row)
        form.addRow("", self.errors["cwd"])
        env_buttons = QHBoxLayout()
        env_buttons.addWidget(env_add)
        env_buttons.addWidget(env_remove)
        env_buttons.addStretch(1)
        env_buttons.addWidget(self.show_secrets)
        env_box = QVBoxLayout()
        env_box.addWidget(self.env)
        env_box.addLayout(env_buttons)
        form.addRow("Environment", env_box)
        form.addRow("", self.errors["env"])
        form.addRow("Env files", self.env_files)
        form.addRow("", self.errors["env_files"])
        stop_row = QHBoxLayout()
        stop_row.addWidget(self.stop_signal)
        stop_row.addWidget(QLabel("then SIGKILL after"))
        stop_row.addWidget(self.grace)
        form.addRow("Stop with", stop_row)
        form.addRow("", self.errors["stop"])
        form.addRow("Restart", self.restart_mode)
        backoff_row = QHBoxLayout()
        for label, widget in (("wait", self.backoff), ("", self.backoff_factor), ("up to", self.backoff_max)):
            if label:
                backoff_row.addWidget(QLabel(label))
            backoff_row.addWidget(widget)
        form.addRow("Backoff", backoff_row)
        limit_row = QHBoxLayout()
        limit_row.addWidget(self.max_restarts)
        limit_row.addWidget(QLabel("restarts within"))
        limit_row.addWidget(self.window_s)
        form.addRow("At most", limit_row)
        form.addRow("", self.errors["restart"])
        form.addRow("Group", self.group)
        form.addRow("Tags", self.tags)
        form.addRow("", self.errors["group"])
        dep_buttons = QHBoxLayout()
        dep_buttons.addWidget(dep_add)
        dep_buttons.addWidget(dep_remove)
        dep_buttons.addStretch(1)
        dep_box = QVBoxLayout()
        dep_box.addWidget(self.start_after)
        dep_box.addLayout(dep_buttons)
        form.addRow("Start after", dep_box)
        form.addRow("", self.errors["start_after"])
        form.addRow("Health, watch", self.probes_summary)
        form.addRow("", self.errors["probes"])
        form.addRow("Notes", self.notes)

        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        self.notice = QLabel()
        self.notice.setObjectName("editorNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)

        self.restart_mode.currentIndexChanged.connect(self._restart_fields_enabled)
        self._load(profile or Profile(""))
        self._restart_fields_enabled()
        self._show_kind_fields()
        self.kind.currentIndexChanged.connect(self._show_kind_fields)
        for signal_ in (
            self.name.textChanged, self.command.textChanged, self.cwd.textChanged, self.kind.currentIndexChanged,
            self.env.changed, self.stop_signal.currentTextChanged, self.grace.valueChanged,
            self.restart_mode.currentIndexChanged, self.backoff.valueChanged, self.backoff_factor.valueChanged,
            self.backoff_max.valueChanged, self.max_restarts.valueChanged, self.window_s.valueChanged,
            self.group.currentTextChanged, self.tags.textChanged, self.start_after.changed,
            self.job_target.textChanged, self.job_args.textChanged, self.job_inputs.textChanged,
            self.env_files.textChanged, self.io_mode.currentIndexChanged,
        ):  # fmt: skip
            signal_.connect(self.validate)
        self.validate()

    # -- model <-> widgets --------------------------------------------------------------

    def _load(self, p: Profile) -> None:
        self.name.setText(p.name)
        self.kind.setCurrentIndex(KIND_JOB if p.job is not None else KIND_SHELL if p.shell else KIND_ARGV)
        self.command.setPlainText(p.command_text if p.job is None else "")
        if p.job is not None:
            self.job_target.setText(p.job.target)
            self.job_args.setPlainText("\n".join(p.job.args))
            self.job_inputs.setPlainText("\n".join(p.job.map_inputs))
        self.io_mode.setCurrentIndex(self._io_index(p.tty, p.stdin))
        self.cwd.setText(p.cwd or "")
        for var in p.env:
            self.env.add_row(var)
        self.stop_signal.setCurrentText(p.stop_signal)
        self.grace.setValue(p.grace_s)
        self.restart_mode.setCurrentIndex(list(RestartMode).index(p.restart.mode))
        self.backoff.setValue(p.restart.backoff_s)
        self.backoff_factor.setValue(p.restart.backoff_factor)
        self.backoff_max.setValue(p.restart.backoff_max_s)
        self.max_restarts.setValue(p.restart.max_restarts)
        self.window_s.setValue(p.restart.window_s)
        self.group.setCurrentText(p.group or "")
        self.tags.setText(", ".join(p.tags))
        for dep in p.start_after:
            self.start_after.add_row(dep)
        self.notes.setPlainText(p.notes)
        self.env_files.setPlainText("\n".join(p.env_files))
        summary = [
            f"{role}: {probe.describe()} every {probe.period_s:g} s"
            for role, probe in (("Readiness", p.readiness), ("Liveness", p.liveness))
            if probe is not None
        ]
        if p.watch is not None:
            summary.append(f"Restarts when these change: {', '.join(p.watch.paths)}")
        if p.disabled:
            summary.append("Disabled: left out of group launches")
        if p.stop_group_on_failure:
            summary.append("A failure stops its group")
        self.probes_summary.setText(
            "\n".join(summary) or "None (set readiness, liveness and watch in profiles.toml)"
        )

    @staticmethod
    def _io_index(tty: bool, stdin: str) -> int:
        for index, (_label, mode_tty, mode_stdin) in enumerate(IO_MODES):
            if (mode_tty, mode_stdin) == (bool(tty), stdin if not tty else "none"):
                return index
        return 0

    def _io(self) -> tuple[bool, str]:
        """(tty, stdin) as chosen; a value this editor has no choice for is kept."""
        _label, tty, stdin = IO_MODES[self.io_mode.currentIndex()]
        original = self.original
        if (
            original is not None
            and self._io_index(original.tty, original.stdin) == self.io_mode.currentIndex()
        ):
            return original.tty, original.stdin
        return tty, stdin

    def _job(self) -> WorkerJob | None:
        if self.kind.currentIndex() != KIND_JOB:
            return None
        return WorkerJob(self.job_target.text().strip(), _lines(self.job_args), _lines(self.job_inputs))

    def _show_kind_fields(self) -> None:
        job = self.kind.currentIndex() == KIND_JOB
        for widget in (self.job_target, self.job_args, self.job_inputs):
            self._form.setRowVisible(widget, job)
        self._form.setRowVisible(self.command, not job)
        self._form.setRowVisible(self.io_mode, not job)

    def _command(self) -> tuple[str | tuple[str, ...], bool, Problem | None]:
        if self.kind.currentIndex() == KIND_JOB:
            return (), False, None
        text = self.command.toPlainText()
        shell = self.kind.currentIndex() == KIND_SHELL
        if shell:
            return text, True, None
        try:
            return parse_command(text, shell=False), False, None
        except SpecError as exc:
            return (), False, Problem("command", str(exc))

    def profile(self) -> Profile:
        """The profile as currently entered (may be invalid; see problems())."""
        command, shell, _ = self._command()
        tty, stdin = self._io()
        return Profile(
            name=self.name.text(),
            command=command,
            shell=shell,
            cwd=self.cwd.text().strip() or None,
            env=self.env.variables(),
            stop_signal=self.stop_signal.currentText().strip().upper(),
            grace_s=self.grace.value(),
            restart=RestartPolicy(
                self.restart_mode.currentData(),
                backoff_s=self.backoff.value(),
                backoff_factor=self.backoff_factor.value(),
                backoff_max_s=self.backoff_max.value(),
                max_restarts=self.max_restarts.value(),
                window_s=self.window_s.value(),
            ),
            group=self.group.currentText().strip() or None,
            tags=tuple(t.strip() for t in self.tags.text().split(",") if t.strip()),
            start_after=self.start_after.deps(),
            notes=self.notes.toPlainText(),
            job=self._job(),
            tty=tty,
            stdin=stdin,
            env_files=tuple(
                line.strip() for line in self.env_files.toPlainText().splitlines() if line.strip()
            ),
            readiness=self.original.readiness if self.original else None,
            liveness=self.original.liveness if self.original else None,
            watch=self.original.watch if self.original else None,
            disabled=self.original.disabled if self.original else False,
            stop_group_on_failure=self.original.stop_group_on_failure if self.original else False,
            extra=self._extra,
        )

    # Set by the owner: parses an existing env file, returns why it cannot be used (or None).
    env_file_check: Callable[[str], str | None] | None = None

    def problems(self) -> list[Problem]:
        p = self.profile()
        out = p.problems(check_paths=True)
        _, _, split_problem = self._command()
        if split_problem is not None:
            out = [pr for pr in out if pr.field != "command"]
            out.insert(0, split_problem)
        if p.name.strip() and p.name in self._taken:
            out.append(Problem("name", f"A profile named {p.name!r} already exists."))
        if self.env_file_check is not None:
            for index, path in enumerate(p.env_files):
                resolved = p.resolve_path(path)
                message = self.env_file_check(resolved) if os.path.isfile(resolved) else None
                if message:
                    out.append(Problem(f"env_files[{index}]", message))
        for dep in p.start_after:
            if dep.profile and dep.profile != p.name and dep.profile not in self._taken:
                out.append(Problem("start_after", f"There is no profile named {dep.profile!r}."))
        return out

    # -- validation ---------------------------------------------------------------------

    def validate(self) -> list[Problem]:
        problems = self.problems()
        by_key: dict[str, list[str]] = {key: [] for key in self.errors}
        for problem in problems:
            key = problem.field.split(".")[0].split("[")[0]
            key = {
                "stop_signal": "stop", "grace_s": "stop", "tags": "group", "job": "command",
                "readiness": "probes", "liveness": "probes", "watch": "probes",
                "tty": "io", "stdin": "io",
            }.get(key, key)  # fmt: skip
            by_key.setdefault(key, []).append(problem.message)
        for key, label in self.errors.items():
            messages = by_key.get(key, [])
            label.setText("\n".join(messages))
            label.setVisible(bool(messages))
        p = self.profile()
        if p.job is None and not any(pr.field == "command" for pr in problems):
            self.preview.setText(p.preview())
        elif p.job is not None:
            self.preview.setText(p.preview())
        else:
            self.preview.setText("—")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problems)
        return problems

    def _restart_fields_enabled(self) -> None:
        on = self.restart_mode.currentData() is not RestartMode.NEVER
        for widget in (self.backoff, self.backoff_factor, self.backoff_max, self.max_restarts, self.window_s):
            widget.setEnabled(on)

    def set_notice(self, text: str) -> None:
        """A message above the form (e.g. the file changed on disk while editing)."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _try_accept(self) -> None:
        if not self.validate():
            self.accept()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Working folder", self.cwd.text())
        if folder:
            self.cwd.setText(folder)
