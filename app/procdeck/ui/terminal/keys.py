"""Keys to the bytes an xterm sends for them (what programs on a pty expect)."""

from __future__ import annotations

from PySide6.QtCore import Qt

Key = Qt.Key
Mod = Qt.KeyboardModifier

_CSI_LETTER = {
    Key.Key_Up: "A",
    Key.Key_Down: "B",
    Key.Key_Right: "C",
    Key.Key_Left: "D",
    Key.Key_Home: "H",
    Key.Key_End: "F",
}
_TILDE = {
    Key.Key_Insert: 2,
    Key.Key_Delete: 3,
    Key.Key_PageUp: 5,
    Key.Key_PageDown: 6,
    Key.Key_F5: 15,
    Key.Key_F6: 17,
    Key.Key_F7: 18,
    Key.Key_F8: 19,
    Key.Key_F9: 20,
    Key.Key_F10: 21,
    Key.Key_F11: 23,
    Key.Key_F12: 24,
}
_SS3 = {Key.Key_F1: "P", Key.Key_F2: "Q", Key.Key_F3: "R", Key.Key_F4: "S"}
_PLAIN = {
    Key.Key_Return: b"\r",
    Key.Key_Enter: b"\r",
    Key.Key_Backspace: b"\x7f",
    Key.Key_Tab: b"\t",
    Key.Key_Backtab: b"\x1b[Z",
    Key.Key_Escape: b"\x1b",
}
# Ctrl with a punctuation key: the C0 control codes a terminal sends.
_CTRL_PUNCT = {
    Key.Key_Space: b"\x00",
    Key.Key_At: b"\x00",
    Key.Key_BracketLeft: b"\x1b",
    Key.Key_Backslash: b"\x1c",
    Key.Key_BracketRight: b"\x1d",
    Key.Key_AsciiCircum: b"\x1e",
    Key.Key_Underscore: b"\x1f",
    Key.Key_Question: b"\x7f",
}


def _modifier_param(mods: Qt.KeyboardModifier) -> int:
    """xterm's modifier parameter: 1 + Shift(1) + Alt(2) + Ctrl(4)."""
    value = 1
    if mods & Mod.ShiftModifier:
        value += 1
    if mods & Mod.AltModifier:
        value += 2
    if mods & Mod.ControlModifier:
        value += 4
    return value


def key_bytes(key: int, mods: Qt.KeyboardModifier, text: str, *, app_cursor: bool = False) -> bytes | None:
    """The bytes for a key press, or None when the terminal has no use for it."""
    mods = mods & ~Mod.KeypadModifier
    param = _modifier_param(mods)
    if key in _CSI_LETTER:
        letter = _CSI_LETTER[Key(key)]
        if param > 1:
            return f"\x1b[1;{param}{letter}".encode()
        return f"\x1b{'O' if app_cursor else '['}{letter}".encode()
    if key in _TILDE:
        number = _TILDE[Key(key)]
        return f"\x1b[{number};{param}~".encode() if param > 1 else f"\x1b[{number}~".encode()
    if key in _SS3:
        letter = _SS3[Key(key)]
        return f"\x1b[1;{param}{letter}".encode() if param > 1 else f"\x1bO{letter}".encode()
    alt = b"\x1b" if mods & Mod.AltModifier else b""
    if key in _PLAIN:
        if key == Key.Key_Backspace and mods & Mod.ControlModifier:
            return alt + b"\x08"
        return alt + _PLAIN[Key(key)]
    if mods & Mod.ControlModifier:
        if Key.Key_A <= key <= Key.Key_Z:
            return alt + bytes([key - Key.Key_A + 1])
        if key in _CTRL_PUNCT:
            return alt + _CTRL_PUNCT[Key(key)]
    if text and all(ch >= " " or ch == "\t" for ch in text):
        return alt + text.encode("utf-8", "replace")
    if text and len(text) == 1 and ord(text) < 32:  # a control character the platform composed
        return alt + text.encode()
    return None


def paste_bytes(text: str, *, bracketed: bool) -> bytes:
    """Pasted text as a terminal sends it: line ends as Enter (CR); wrapped in bracketed
    paste markers when the program asked for them (so it does not run pasted lines)."""
    body = text.replace("\r\n", "\r").replace("\n", "\r")
    if bracketed:
        body = body.replace("\x1b[201~", "")  # the text cannot end the paste early
        return b"\x1b[200~" + body.encode() + b"\x1b[201~"
    return body.encode()
