"""Help › About shows the versions a bug report needs, and copies them."""

from __future__ import annotations

import platform
from pathlib import Path

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication

from procdeck import __version__
from procdeck.ui.about_dialog import AboutDialog, versions, versions_text


def test_versions_name_every_component() -> None:
    rows = dict(versions())
    assert rows["Procdeck"] == __version__
    assert rows["Python"].startswith(platform.python_version())
    assert rows["Qt"] == qVersion()
    assert rows["PySide6"] == PySide6.__version__
    import anyio  # the test may import what the ui may not
    import psutil

    assert rows["anyio"] == anyio.__version__ if hasattr(anyio, "__version__") else rows["anyio"][0].isdigit()
    assert rows["psutil"] == psutil.__version__


def test_dialog_shows_versions_log_file_and_copies(qtbot, tmp_path: Path) -> None:
    dialog = AboutDialog(tmp_path / "procdeck.log")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.version_labels["Qt"].text() == qVersion()
    assert dialog.findChild(type(dialog.version_labels["Qt"]), "aboutLogFile").text() == str(
        tmp_path / "procdeck.log"
    )
    dialog.copy_versions()
    assert QGuiApplication.clipboard().text() == versions_text(dialog.rows)
    assert f"Procdeck: {__version__}" in QGuiApplication.clipboard().text()
