"""The Settings dialog: shows Preferences, validates, applies, restores defaults."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from procdeck.core.preferences import Preferences
from procdeck.ui.settings_dialog import SettingsDialog


def _dialog(qtbot, prefs=None):
    dialog = SettingsDialog(prefs or Preferences())
    qtbot.addWidget(dialog)
    applied = []
    dialog.applied.connect(applied.append)
    return dialog, applied


def test_shows_the_values_and_applies_changes(qtbot):
    prefs = Preferences(scrollback_lines=20_000, sample_rate_hz=2.0, theme="dark", max_workers=3)
    dialog, applied = _dialog(qtbot, prefs)
    assert dialog.preferences() == prefs
    dialog.grace.setValue(2.5)
    dialog.notify.setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Apply).click()
    assert applied == [Preferences(**{**prefs.to_values(), "stop_grace_s": 2.5, "notifications": True})]


def test_a_mistake_is_shown_keeps_what_was_typed_and_blocks_ok(qtbot, tmp_path):
    dialog, applied = _dialog(qtbot)
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    dialog.log_folder.setText(str(a_file))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert "is a file" in dialog.error.text() and not ok.isEnabled()
    dialog.accept()
    assert applied == [] and dialog.log_folder.text() == str(a_file)
    dialog.log_folder.setText("relative/folder")
    assert "full path" in dialog.error.text()
    dialog.total_log.setValue(10)
    dialog.run_log.setValue(20)
    dialog.log_folder.setText(str(tmp_path))
    assert "smaller than the cap per run" in dialog.error.text() and not ok.isEnabled()
    dialog.total_log.setValue(100)
    assert dialog.error.text() == "" and ok.isEnabled()
    ok.click()
    assert applied[-1].log_folder == str(tmp_path)


def test_restore_defaults(qtbot):
    dialog, applied = _dialog(qtbot, Preferences(scrollback_lines=5_000, theme="light"))
    dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dialog.preferences() == Preferences() and applied == []  # applied with OK/Apply
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert applied == [Preferences()]


def test_fits_a_small_screen_and_every_field_has_a_name(qtbot):
    dialog, _ = _dialog(qtbot)
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 700 and hint.height() <= 700  # 1366x768 and 2x scaling of 1280x720
    for field in (dialog.scrollback, dialog.rate, dialog.grace, dialog.backend, dialog.workers, dialog.theme):
        assert field.accessibleName()
