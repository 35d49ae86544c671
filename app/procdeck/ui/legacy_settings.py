"""Read an old ``procdeck.ini`` (QSettings' ini format) without letting it run anything.

QSettings unpickles ``@Variant(...PySide::PyObjectWrapper...)`` values while it reads
them, so a hostile file runs code as soon as QSettings parses the section. This module
parses the text itself and keeps only data: plain strings (and lists of them) and
``@ByteArray(...)`` bytes. Every ``@Variant``, ``@DateTime``, ``@Rect``... entry is
dropped and named in ``skipped``. Nothing here constructs a Python object from the file.

The escaping rules follow Qt's reader (QSettingsPrivate::iniUnescapedStringList and
iniUnescapedKey in qtbase/src/corelib/io/qsettings.cpp):
https://code.qt.io/cgit/qt/qtbase.git/tree/src/corelib/io/qsettings.cpp
"""

from __future__ import annotations

from dataclasses import dataclass, field

PlainValue = str | bytes | list[str]

_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    '"': '"',
    "?": "?",
    "'": "'",
    "\\": "\\",
}
_HEX = "0123456789abcdefABCDEF"
_OCT = "01234567"
MAX_BYTES = 4 << 20  # a settings file is a few kB; anything bigger is not ours


@dataclass
class LegacySettings:
    """What could be taken from the file, and which keys were refused (and why)."""

    values: dict[str, PlainValue] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def unescape_key(text: str) -> str:
    """An ini key or section name: ``%XX``/``%UXXXX`` escapes, ``\\`` for ``/``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and text[i + 1 : i + 2] == "U" and _is_hex(text[i + 2 : i + 6], 4):
            out.append(chr(int(text[i + 2 : i + 6], 16)))
            i += 6
        elif ch == "%" and _is_hex(text[i + 1 : i + 3], 2):
            out.append(chr(int(text[i + 1 : i + 3], 16)))
            i += 3
        elif ch == "\\":
            out.append("/")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _is_hex(text: str, size: int) -> bool:
    return len(text) == size and all(c in _HEX for c in text)


def unescape_value(text: str) -> str | list[str]:
    """A raw ini value: one string, or a list when it holds unquoted commas."""
    result: list[str] = []
    items: list[str] | None = None
    quoted_now = False
    in_quotes = False
    chop_limit = 0
    i = 0
    n = len(text)

    def skip_spaces(j: int) -> int:
        while j < n and text[j] in " \t":
            j += 1
        return j

    def chop(limit: int) -> None:
        joined = "".join(result)
        keep = joined[:limit] + joined[limit:].rstrip(" \t")
        result[:] = [keep]

    i = skip_spaces(0)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 1
            if i >= n:
                break
            esc = text[i]
            i += 1
            if esc in _ESCAPES:
                result.append(_ESCAPES[esc])
                continue
            if esc == "x":
                j = i
                while j < n and text[j] in _HEX:
                    j += 1
                if j > i:
                    result.append(chr(int(text[i:j], 16) & 0xFFFF))
                    i = j
            elif esc in _OCT:
                j = i
                while j < n and text[j] in _OCT:
                    j += 1
                result.append(chr(int(text[i - 1 : j], 8) & 0xFFFF))
                i = j
            chop_limit = len("".join(result))
        elif ch == '"':
            i += 1
            quoted_now = True
            in_quotes = not in_quotes
            if not in_quotes:
                i = skip_spaces(i)
        elif ch == "," and not in_quotes:
            if not quoted_now:
                chop(chop_limit)
            if items is None:
                items = []
            items.append("".join(result))
            result = []
            chop_limit = 0
            quoted_now = False
            i = skip_spaces(i + 1)
        else:
            j = i + 1
            while j < n and text[j] not in '\\",':
                j += 1
            result.append(text[i:j])
            i = j
    if not quoted_now:
        chop(chop_limit)
    if items is not None:
        items.append("".join(result))
        return items
    return "".join(result)


def _plain(value: str) -> tuple[str | bytes | None, str]:
    """A QSettings string value as data, or None and the reason it is refused."""
    if not value.startswith("@"):
        return value, ""
    if value.startswith("@@"):
        return value[1:], ""
    if value.startswith("@ByteArray(") and value.endswith(")"):
        body = value[len("@ByteArray(") : -1]
        try:
            return body.encode("latin-1"), ""
        except UnicodeEncodeError:
            return None, "bytes out of range"
    if value.startswith("@String(") and value.endswith(")"):
        return value[len("@String(") : -1], ""
    kind = value[1:].split("(", 1)[0] or "?"
    return None, f"@{kind} value (a serialized object) ignored"


def parse_ini(text: str) -> LegacySettings:
    """The data in a QSettings ini file; never raises on odd content."""
    parsed = LegacySettings()
    section = ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        # A backslash at the end of a line continues the value on the next one.
        while line.endswith("\\") and not line.endswith("\\\\") and i < len(lines):
            line = line[:-1] + lines[i]
            i += 1
        stripped = line.strip()
        if not stripped or stripped.startswith(";"):
            continue
        if stripped.startswith("["):
            name = stripped[1:].split("]", 1)[0]
            section = unescape_key(name.strip())
            if section.lower() == "general" and not name.strip().startswith("%"):
                section = ""
            continue
        if "=" not in line:
            continue
        raw_key, raw_value = line.split("=", 1)
        key = unescape_key(raw_key.strip())
        if not key:
            continue
        full_key = f"{section}/{key}" if section else key
        value = unescape_value(raw_value)
        if isinstance(value, list):
            refused = [why for item in value for _v, why in [_plain(item)] if why]
            if refused:
                parsed.skipped[full_key] = refused[0]
            else:
                parsed.values[full_key] = [item[1:] if item.startswith("@@") else item for item in value]
            continue
        plain, why = _plain(value)
        if plain is None:
            parsed.skipped[full_key] = why
        else:
            parsed.values[full_key] = plain
    return parsed


def read_ini_file(data: bytes) -> LegacySettings:
    """Parse the bytes of an ini file (UTF-8, as Qt 6 writes it)."""
    if len(data) > MAX_BYTES:
        result = LegacySettings()
        result.skipped["*"] = f"file larger than {MAX_BYTES} bytes"
        return result
    return parse_ini(data.decode("utf-8", errors="replace"))
