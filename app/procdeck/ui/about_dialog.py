"""Help › About: what this Procdeck is, with the versions a bug report needs."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from procdeck import __version__
from procdeck.ui.icons import app_icon

# Distributions whose versions matter for a bug report, read from their metadata (the
# ui layer does not import anyio or psutil).
LIBRARIES = ("anyio", "psutil", "qasync", "pyqtgraph", "numpy", "platformdirs")


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions() -> list[tuple[str, str]]:
    """(component, version) pairs: Procdeck, Python, Qt, PySide6 and the libraries."""
    rows = [
        ("Procdeck", __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
    ]
    rows += [(name, _distribution_version(name)) for name in LIBRARIES]
    bundle = " (bundle)" if getattr(sys, "frozen", False) else ""
    rows.append(("Platform", f"{platform.system()} {platform.release()} {platform.machine()}{bundle}"))
    return rows


def versions_text(rows: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"{name}: {version}" for name, version in rows)


class AboutDialog(QDialog):
    def __init__(self, log_file: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Procdeck")
        self.setObjectName("aboutDialog")
        self.rows = versions()

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        title = QLabel(f"<h2>Procdeck {__version__}</h2>")
        blurb = QLabel(
            "A desktop process launcher and monitor: launch commands, watch their output "
            "live, dispatch CPU-bound Python jobs to workers and chart what they cost."
        )
        blurb.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(blurb)
        header.addLayout(text, 1)

        form = QFormLayout()
        self.version_labels: dict[str, QLabel] = {}
        for name, version in self.rows:
            label = QLabel(version)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{name}:", label)
            self.version_labels[name] = label
        if log_file is not None:
            log_label = QLabel(str(log_file))
            log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            log_label.setObjectName("aboutLogFile")
            form.addRow("Log file:", log_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy Versions")
        copy.setToolTip("Copy these versions to the clipboard, for a bug report")
        copy.clicked.connect(self.copy_versions)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def copy_versions(self) -> None:
        QGuiApplication.clipboard().setText(versions_text(self.rows))
