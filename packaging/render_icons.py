#!/usr/bin/env python3
"""Render Procdeck's app icon PNGs (and the Windows .ico) from resources/icons/procdeck.svg.

    .venv/bin/python packaging/render_icons.py

Uses Qt's own SVG renderer (PySide6 is already a dependency), so the output is the same
on every machine. The .ico holds PNG-compressed images (Windows Vista and later).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SOURCE = ICONS / "procdeck.svg"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    """``svg`` rendered at ``size`` x ``size`` pixels, as PNG bytes."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_from_pngs(pngs: dict[int, bytes]) -> bytes:
    """A .ico file holding each PNG as is (ICONDIR, ICONDIRENTRYs, then the images)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(images))
        images += png
    return header + entries + images


def main() -> int:
    rendered = {}
    for size in PNG_SIZES:
        png = render_png(SOURCE, size)
        target = ICONS / "hicolor" / f"{size}x{size}" / "procdeck.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png)
        rendered[size] = png
    (ICONS / "procdeck.ico").write_bytes(ico_from_pngs({s: rendered[s] for s in ICO_SIZES}))
    print(f"rendered {len(PNG_SIZES)} PNG sizes and procdeck.ico from {SOURCE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
