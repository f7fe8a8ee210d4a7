"""What the spec keeps and drops, and the icon set made from the one SVG."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication

from tests.packaging.conftest import packaging_module

appinfo = packaging_module("appinfo")
bundle = packaging_module("bundle")


@pytest.mark.parametrize(
    "name",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6\\plugins\\styles\\qmodernwindowsstyle.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets",
        "libQt6Widgets.so.6",
        "PIL/_webp.cpython-311-x86_64-linux-gnu.so",
    ],
)
def test_keeps_what_the_app_uses(name: str) -> None:
    assert bundle.wanted_qt_file(name)


@pytest.mark.parametrize(
    "name",
    [
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/translations/qtbase_fr.qm",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt/lib/libQt6QuickWidgets.so.6",
        "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6",
        "libQt6Network.so.6",
        "PySide6/Qt6WebEngineCore.dll",
        "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick",
        "PySide6/opengl32sw.dll",
    ],
)
def test_drops_what_it_does_not(name: str) -> None:
    assert not bundle.wanted_qt_file(name)


def test_linux_graphics_libraries_come_from_the_system() -> None:
    lib = "/usr/lib/x86_64-linux-gnu"
    assert bundle.from_the_system(f"{lib}/libxcb-cursor.so.0")
    assert bundle.from_the_system(f"{lib}/libfontconfig.so.1")
    assert bundle.from_the_system("/lib/x86_64-linux-gnu/libstdc++.so.6")
    assert not bundle.from_the_system(f"{lib}/libssl.so.3")  # Python's own, it travels
    assert not bundle.from_the_system(f"{lib}/libffi.so.8")
    assert not bundle.from_the_system("/opt/python/lib/libpython3.11.so.1.0")
    toc = [
        ("libxcb-cursor.so.0", f"{lib}/libxcb-cursor.so.0", "BINARY"),
        ("libssl.so.3", f"{lib}/libssl.so.3", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", "/x/libqvnc.so", "BINARY"),
    ]
    assert [e[0] for e in bundle.keep_binaries(toc, linux=True)] == ["libssl.so.3"]


def test_icons_come_in_every_size_from_the_svg(qapp: QApplication, tmp_path: Path) -> None:
    # qapp: Qt's application must be the QApplication the UI tests expect, not ours.
    icons = packaging_module("icons")
    made = icons.build_icons(tmp_path)
    for size in appinfo.HICOLOR_SIZES:
        png = made.hicolor / f"{size}x{size}" / "apps" / "aurous-reviewer.png"
        with Image.open(png) as image:
            assert image.size == (size, size)
            assert image.getchannel("A").getextrema()[1] == 255  # drawn, not blank
    assert (made.hicolor / "scalable" / "apps" / "aurous-reviewer.svg").read_bytes() == (
        appinfo.APP_SVG.read_bytes()
    )
    with Image.open(made.ico) as ico:
        assert set(ico.info["sizes"]) == {(s, s) for s in appinfo.ICO_SIZES}
    with Image.open(made.icns) as icns:
        assert icns.size == (1024, 1024)
        assert {s[0] for s in icns.info["sizes"]} >= {16, 32, 128, 256, 512}
