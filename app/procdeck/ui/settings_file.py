"""Procdeck's settings as a JSON file of plain values: data only, never code.

QSettings' ini format unpickles ``@Variant(PySide::PyObjectWrapper)`` values when it
reads them, so a shared or copied settings file could run code when the window opens.
This file is read with :func:`json.loads` (which builds only dicts, lists, strings,
numbers, booleans and None) and every value is checked before use: str, int, float,
bool, None, lists and string-keyed dicts of those, and bytes (window geometry and dock
state), stored as ``{"$bytes": "<base64>"}`` and handed out as QByteArray.

The object offers the part of QSettings' API Procdeck uses (value, setValue, contains,
remove, allKeys, beginGroup/endGroup, sync, fileName), so widgets that took a QSettings
take this unchanged. A missing, damaged or hostile file gives defaults and a log line;
a damaged file is moved aside (``settings.json.broken-<time>``) rather than overwritten.
An old ``procdeck.ini`` next to it is migrated once, without QSettings (see
procdeck.ui.legacy_settings): plain values and bytes are kept, serialized objects dropped.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray

from procdeck.core.private_files import (
    ensure_private_dir,
    make_private,
    write_private_atomic,
)
from procdeck.ui.legacy_settings import read_ini_file

log = logging.getLogger("procdeck.settings")

FORMAT_NAME = "procdeck-settings"
FORMAT_VERSION = 1
MAX_BYTES = 4 << 20
MAX_DEPTH = 8
BYTES_TAG = "$bytes"


class SettingsValueError(ValueError):
    """A value that is not plain data (refused on read and on write)."""


def _check(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON data (bytes tagged), or SettingsValueError."""
    if depth > MAX_DEPTH:
        raise SettingsValueError("nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, float) and value != value:  # NaN is not JSON
            raise SettingsValueError("NaN")
        return value
    if isinstance(value, QByteArray):
        value = value.data()
    if isinstance(value, bytes | bytearray | memoryview):
        return {BYTES_TAG: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_check(v, depth + 1) for v in value]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise SettingsValueError(f"a key of type {type(k).__name__}")
            out[k] = _check(v, depth + 1)
        return out
    raise SettingsValueError(f"a value of type {type(value).__name__}")


def _decode(value: Any, depth: int = 0) -> Any:
    """A stored JSON value back to what the app uses (bytes as QByteArray)."""
    if depth > MAX_DEPTH:
        raise SettingsValueError("nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_decode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if set(value) == {BYTES_TAG}:
            encoded = value[BYTES_TAG]
            if not isinstance(encoded, str):
                raise SettingsValueError("bytes that are not base64 text")
            try:
                return QByteArray(base64.b64decode(encoded, validate=True))
            except (binascii.Error, ValueError) as exc:
                raise SettingsValueError("bytes that are not base64") from exc
        return {k: _decode(v, depth + 1) for k, v in value.items()}
    raise SettingsValueError(f"a value of type {type(value).__name__}")


class SettingsFile:
    """Plain-value settings in one JSON file (a data-only stand-in for QSettings)."""

    def __init__(self, path: str | os.PathLike[str], *, legacy_ini: str | os.PathLike[str] | None = None):
        self.path = Path(path)
        self._values: dict[str, Any] = {}  # key -> checked JSON value
        self._groups: list[str] = []
        self._dirty = False
        self.problems: list[str] = []  # what was refused or repaired while loading
        if self.path.exists() or legacy_ini is None or not Path(legacy_ini).exists():
            self._load()
        else:
            self._migrate(Path(legacy_ini))

    # -- QSettings-like API -------------------------------------------------------------
    def fileName(self) -> str:
        return str(self.path)

    def beginGroup(self, prefix: str) -> None:
        self._groups.append(prefix.strip("/"))

    def endGroup(self) -> None:
        if self._groups:
            self._groups.pop()

    def group(self) -> str:
        return "/".join(g for g in self._groups if g)

    def _key(self, key: str) -> str:
        prefix = self.group()
        key = key.strip("/")
        return f"{prefix}/{key}" if prefix else key

    def value(self, key: str, defaultValue: Any = None, type: Any = None) -> Any:
        stored = self._values.get(self._key(key))
        if stored is None and self._key(key) not in self._values:
            return defaultValue
        try:
            return _decode(stored)
        except SettingsValueError:
            return defaultValue

    def setValue(self, key: str, value: Any) -> None:
        full = self._key(key)
        try:
            checked = _check(value)
        except SettingsValueError as exc:
            # A programming mistake, not the user's: the value is not stored (it could
            # not be read back safely) and the log says which key.
            log.error("setting %s not saved: %s is not plain data", full, exc)
            return
        if self._values.get(full, object()) != checked:
            self._values[full] = checked
            self._dirty = True

    def contains(self, key: str) -> bool:
        return self._key(key) in self._values

    def remove(self, key: str) -> None:
        full = self._key(key)
        for existing in [k for k in self._values if k == full or k.startswith(full + "/") or not full]:
            del self._values[existing]
            self._dirty = True

    def allKeys(self) -> list[str]:
        prefix = self.group()
        if not prefix:
            return sorted(self._values)
        return sorted(k[len(prefix) + 1 :] for k in self._values if k.startswith(prefix + "/"))

    def sync(self) -> None:
        """Write the file if anything changed (atomically, 0600, folder 0700)."""
        if not self._dirty:
            return
        document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "values": self._values}
        data = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")
        try:
            ensure_private_dir(self.path.parent)
            write_private_atomic(self.path, data + b"\n")
        except OSError as exc:
            log.error("cannot save the settings to %s: %s", self.path, exc.strerror or exc)
            return
        self._dirty = False

    # -- loading ------------------------------------------------------------------------
    def _problem(self, text: str) -> None:
        self.problems.append(text)
        log.warning("settings %s: %s", self.path, text)

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return
        except OSError as exc:
            self._problem(f"cannot be read ({exc.strerror or exc}); default settings used")
            return
        values = self._parse(data)
        if values is None:
            self._move_aside()
            return
        for key, value in values.items():
            if not isinstance(key, str) or not key:
                self._problem(f"key {key!r} ignored")
                continue
            try:
                _decode(value)
                self._values[key] = _check(value)
            except SettingsValueError as exc:
                self._problem(f"{key} ignored: {exc}")

    def _parse(self, data: bytes) -> dict[str, Any] | None:
        if len(data) > MAX_BYTES:
            self._problem(f"larger than {MAX_BYTES} bytes; default settings used")
            return None
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            self._problem(f"is not valid JSON ({exc.__class__.__name__}); default settings used")
            return None
        if (
            not isinstance(document, dict)
            or document.get("format") != FORMAT_NAME
            or not isinstance(document.get("values"), dict)
        ):
            self._problem("is not a Procdeck settings file; default settings used")
            return None
        if document.get("version") != FORMAT_VERSION:
            self._problem(f"has version {document.get('version')!r}; default settings used")
            return None
        values: dict[str, Any] = document["values"]
        return values

    def _move_aside(self) -> None:
        target = self.path.with_name(f"{self.path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, target)
            make_private(target)
        except OSError as exc:
            log.warning("cannot move %s aside: %s", self.path, exc.strerror or exc)
            return
        log.warning("damaged settings kept as %s", target)

    def _migrate(self, ini: Path) -> None:
        try:
            with open(ini, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            self._problem(f"old settings {ini} cannot be read ({exc.strerror or exc})")
            return
        legacy = read_ini_file(data)
        for key, why in legacy.skipped.items():
            self._problem(f"old setting {key} in {ini.name} not migrated: {why}")
        for key, value in legacy.values.items():
            self._values[key] = _check(value)
        self._dirty = True
        log.info(
            "settings migrated from %s (%d kept, %d ignored)", ini, len(legacy.values), len(legacy.skipped)
        )
        with contextlib.suppress(OSError):
            make_private(ini)  # the old file stays (nothing reads it now), owner-only
        self.sync()
