"""The launcher bar builds specs from what is typed, and says what is wrong."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from procdeck.core.process_spec import LaunchMode, SpecError
from procdeck.ui.launcher_bar import LauncherBar, parse_env_text


@pytest.fixture
def bar(qtbot):
    widget = LauncherBar()
    qtbot.addWidget(widget)
    return widget


def test_argv_mode_splits_like_a_shell(bar, qtbot):
    bar.command.setText("python -c 'print(1)'")
    with qtbot.waitSignal(bar.launchRequested) as blocker:
        qtbot.keyClick(bar.command, Qt.Key.Key_Return)
    spec = blocker.args[0]
    assert spec.command == ("python", "-c", "print(1)") and not spec.shell


def test_shell_mode_cwd_env_and_one_shot(bar, tmp_path):
    bar.shell.setChecked(True)
    bar.capture.setChecked(True)
    bar.cwd.setText(str(tmp_path))
    bar.env_text = "A=1\nEMPTY=\n-HOME\n# comment"
    bar.command.setText("echo $A | tr 1 2")
    spec = bar.spec()
    assert spec.shell and spec.command == "echo $A | tr 1 2"
    assert spec.cwd == str(tmp_path) and spec.mode is LaunchMode.CAPTURE
    assert dict(spec.env) == {"A": "1", "EMPTY": "", "HOME": None}


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "The command is empty."), ("   ", "The command is empty."), ('echo "open', "No closing quotation")],
)
def test_mistakes_are_shown_and_the_text_is_kept(bar, qtbot, text, message):
    bar.command.setText(text)
    with qtbot.assertNotEmitted(bar.launchRequested):
        bar.submit()
    assert message in bar.error.text()
    assert not bar.error.isHidden()
    assert bar.command.text() == text
    bar.command.setText("x")
    qtbot.keyClicks(bar.command, "y")  # typing clears the message
    assert bar.error.isHidden()


def test_env_text_rejects_bad_lines():
    with pytest.raises(SpecError, match="Expected KEY=VALUE"):
        parse_env_text("JUSTAWORD")
    with pytest.raises(SpecError, match="Invalid environment variable name"):
        parse_env_text("BAD NAME=1")
