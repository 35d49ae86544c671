"""The files in resources/ are complete and valid where the validators exist."""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from procdeck.core.resource_paths import action_icon_svg, app_icon_png, resources_dir
from procdeck.desktop.desktop_entry import ICON_SIZES

RESOURCES = resources_dir()
assert RESOURCES is not None, "tests run from a source checkout"
ACTIONS = ("launch", "stop", "kill", "restart", "remove", "open", "save", "about", "quit", "job", "cancel")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", ICON_SIZES)
def test_app_icon_png_sizes(size: int) -> None:
    path = app_icon_png(size)
    assert path is not None
    assert _png_size(path) == (size, size)


@pytest.mark.parametrize("name", ACTIONS)
def test_action_icons_are_svg(name: str) -> None:
    path = action_icon_svg(name)
    assert path is not None
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_windows_icon_is_an_ico() -> None:
    data = (RESOURCES / "icons" / "procdeck.ico").read_bytes()
    assert data[:4] == b"\x00\x00\x01\x00" and struct.unpack("<H", data[4:6])[0] >= 5


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_is_valid() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(RESOURCES / "io.procdeck.Procdeck.desktop")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_metainfo_is_valid() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(RESOURCES / "io.procdeck.Procdeck.metainfo.xml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _render_module():
    spec = importlib.util.spec_from_file_location(
        "render_icons", RESOURCES.parent / "packaging" / "render_icons.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pngs_are_rendered_from_the_svg_source(qapp) -> None:
    """The committed PNGs are what packaging/render_icons.py makes of procdeck.svg."""
    from PySide6.QtGui import QImage

    render = _render_module()
    for size in (16, 48, 256):
        fresh = QImage.fromData(render.render_png(RESOURCES / "icons" / "procdeck.svg", size))
        committed = QImage(str(app_icon_png(size)))
        assert fresh.size() == committed.size()
        assert fresh.convertToFormat(QImage.Format.Format_ARGB32) == committed.convertToFormat(
            QImage.Format.Format_ARGB32
        ), f"{size}px PNG is stale: run packaging/render_icons.py"


def test_ico_round_trips_its_pngs() -> None:
    render = _render_module()
    pngs = {16: b"\x89PNG-sixteen", 256: b"\x89PNG-big"}
    data = render.ico_from_pngs(pngs)
    count = struct.unpack("<H", data[4:6])[0]
    assert count == 2
    width, _, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", data[6 + 16 : 6 + 32])
    assert width == 0 and data[offset : offset + length] == b"\x89PNG-big"
