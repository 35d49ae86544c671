"""Keys to xterm's bytes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from procdeck.ui.terminal.keys import key_bytes, paste_bytes

K, M = Qt.Key, Qt.KeyboardModifier
NONE, CTRL, SHIFT, ALT = M.NoModifier, M.ControlModifier, M.ShiftModifier, M.AltModifier


@pytest.mark.parametrize(
    ("key", "mods", "text", "expected"),
    [
        (K.Key_A, NONE, "a", b"a"),
        (K.Key_A, SHIFT, "A", b"A"),
        (K.Key_Eacute, NONE, "\u00e9", "\u00e9".encode()),
        (K.Key_Return, NONE, "\r", b"\r"),
        (K.Key_Enter, M.KeypadModifier, "\r", b"\r"),
        (K.Key_Backspace, NONE, "\x08", b"\x7f"),
        (K.Key_Tab, NONE, "\t", b"\t"),
        (K.Key_Backtab, SHIFT, "", b"\x1b[Z"),
        (K.Key_Escape, NONE, "\x1b", b"\x1b"),
        (K.Key_Up, NONE, "", b"\x1b[A"),
        (K.Key_Left, CTRL, "", b"\x1b[1;5D"),
        (K.Key_Home, NONE, "", b"\x1b[H"),
        (K.Key_End, NONE, "", b"\x1b[F"),
        (K.Key_PageUp, NONE, "", b"\x1b[5~"),
        (K.Key_PageDown, NONE, "", b"\x1b[6~"),
        (K.Key_Delete, NONE, "", b"\x1b[3~"),
        (K.Key_F1, NONE, "", b"\x1bOP"),
        (K.Key_F5, NONE, "", b"\x1b[15~"),
        (K.Key_F12, SHIFT, "", b"\x1b[24;2~"),
        (K.Key_C, CTRL, "\x03", b"\x03"),
        (K.Key_D, CTRL, "\x04", b"\x04"),
        (K.Key_Z, CTRL, "\x1a", b"\x1a"),
        (K.Key_BracketLeft, CTRL, "\x1b", b"\x1b"),
        (K.Key_Space, CTRL, "", b"\x00"),
        (K.Key_B, ALT, "b", b"\x1bb"),
        (K.Key_Shift, SHIFT, "", None),
    ],
)
def test_key_bytes(key, mods, text, expected):
    assert key_bytes(int(key), mods, text) == expected


def test_application_cursor_keys():
    assert key_bytes(int(K.Key_Down), NONE, "", app_cursor=True) == b"\x1bOB"
    assert key_bytes(int(K.Key_Down), SHIFT, "", app_cursor=True) == b"\x1b[1;2B"


def test_paste_uses_cr_and_brackets_when_asked():
    assert paste_bytes("a\nb\r\nc", bracketed=False) == b"a\rb\rc"
    assert paste_bytes("rm -rf x\n", bracketed=True) == b"\x1b[200~rm -rf x\r\x1b[201~"
    assert paste_bytes("x\x1b[201~y", bracketed=True) == b"\x1b[200~xy\x1b[201~"
