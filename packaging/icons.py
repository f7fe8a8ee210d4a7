"""The app icon in every form the packages need, from the one SVG in resources/icons.

Qt's SVG renderer (offscreen, no display) draws each size on its own, so small icons are
rendered small rather than scaled down; Pillow writes the .ico and .icns from them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import appinfo


@dataclass(frozen=True)
class IconSet:
    hicolor: Path  # hicolor/<n>x<n>/apps/aurous-reviewer.png and scalable/apps/….svg
    ico: Path
    icns: Path


def _render(svg: Path, sizes: set[int], out: Path) -> dict[int, Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise RuntimeError(f"{svg} is not a valid SVG")
    out.mkdir(parents=True, exist_ok=True)
    pngs: dict[int, Path] = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        path = out / f"{size}.png"
        if not image.save(str(path)):  # the format follows the .png suffix
            raise RuntimeError(f"could not write {path}")
        pngs[size] = path
    return pngs


def build_icons(out: Path, svg: Path = appinfo.APP_SVG) -> IconSet:
    from PIL import Image

    sizes = set(appinfo.HICOLOR_SIZES) | set(appinfo.ICO_SIZES) | set(appinfo.ICNS_SIZES)
    pngs = _render(svg, sizes, out / "png")
    hicolor = out / "hicolor"
    for size in appinfo.HICOLOR_SIZES:
        target = hicolor / f"{size}x{size}" / "apps" / f"{appinfo.EXECUTABLE}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size].read_bytes())
    scalable = hicolor / "scalable" / "apps" / f"{appinfo.EXECUTABLE}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(svg.read_bytes())

    def images(sizes: tuple[int, ...]) -> list[Image.Image]:
        return [Image.open(pngs[size]).convert("RGBA") for size in sizes]

    ico = out / f"{appinfo.EXECUTABLE}.ico"
    largest, *others = images(tuple(reversed(appinfo.ICO_SIZES)))
    largest.save(ico, "ICO", sizes=[(s, s) for s in appinfo.ICO_SIZES], append_images=others)
    icns = out / f"{appinfo.EXECUTABLE}.icns"
    largest, *others = images(tuple(reversed(appinfo.ICNS_SIZES)))
    largest.save(icns, "ICNS", append_images=others)
    return IconSet(hicolor, ico, icns)
