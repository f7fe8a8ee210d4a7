"""What every package says about the app, in one place: names, ids, version, and which
parts of Qt the bundle keeps. Read by the PyInstaller spec, build.py and the tests.

packaging/ has no ``__init__.py`` on purpose: as a package it would shadow PyPI's
``packaging``, which pip and PyInstaller import. Its modules are loaded by path.
"""

from __future__ import annotations

import plistlib
import re
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGING: Final = ROOT / "packaging"
RESOURCES: Final = ROOT / "resources"

NAME: Final = "Aurous Reviewer"
# The command, the bundle folder, the .desktop file, the icon and the .deb package.
EXECUTABLE: Final = "aurous-reviewer"
# Reverse-DNS of aurous-labs.com; AppStream turns the hyphen into an underscore.
APP_ID: Final = "com.aurous_labs.Reviewer"
BUNDLE_ID: Final = "com.aurous-labs.reviewer"  # macOS allows the hyphen
PUBLISHER: Final = "Aurous Labs"
MAINTAINER: Final = "Aurous Labs <support@aurous-labs.com>"
HOMEPAGE: Final = "https://aurous-labs.com/reviewer"
SUMMARY: Final = "Review characters synthesized by the Aurous Labs API"
# Inno Setup's AppId: fixed forever, so upgrades replace the installed copy.
WINDOWS_APP_GUID: Final = "8B0F6A53-2E7C-4B8A-9C61-4E3D2A7F5B19"

DESKTOP_FILE: Final = RESOURCES / "linux" / f"{EXECUTABLE}.desktop"
METAINFO_FILE: Final = RESOURCES / "linux" / f"{APP_ID}.metainfo.xml"
APP_SVG: Final = RESOURCES / "icons" / "app.svg"
INFO_PLIST: Final = PACKAGING / "macos" / "Info.plist"
ENTITLEMENTS: Final = PACKAGING / "macos" / "entitlements.plist"
INNO_SCRIPT: Final = PACKAGING / "windows" / f"{EXECUTABLE}.iss"

# The hicolor sizes the .deb installs; the .ico and .icns take their own subsets.
HICOLOR_SIZES: Final = (16, 22, 24, 32, 48, 64, 96, 128, 256, 512)
ICO_SIZES: Final = (16, 20, 24, 32, 40, 48, 64, 128, 256)
ICNS_SIZES: Final = (16, 32, 64, 128, 256, 512, 1024)

# Qt plugins the app needs, as paths under Qt/plugins (one glob each); PyInstaller's Qt
# hooks collect many more. Display: xcb and wayland (with the xdg-shell and decorations
# Wayland needs; widgets draw to shared memory, so no EGL), offscreen for --self-test,
# Windows and macOS; compose and ibus input (dead keys, input methods); the desktop
# portal (dark mode, scaling); native styles; SVG for the icons. TLS is Python's ssl
# with truststore, so QtNetwork's TLS plugins have no user here.
QT_PLUGINS: Final = (
    "platforms/*qxcb.*",
    "platforms/*qwayland*",
    "platforms/*qoffscreen.*",
    "platforms/qwindows.dll",
    "platforms/libqcocoa.dylib",
    "xcbglintegrations/*",
    "wayland-shell-integration/*xdg-shell*",
    "wayland-decoration-client/*",
    "platforminputcontexts/*compose*",
    "platforminputcontexts/*ibus*",
    "platformthemes/*xdgdesktopportal*",
    "styles/*",
    "imageformats/*qsvg*",
    "iconengines/*qsvgicon*",
)

# Qt modules the app must never carry: each is large and unused.
QT_UNWANTED: Final = (
    "Qml",
    "Quick",
    "WebEngine",
    "Multimedia",
    "3D",
    "Network",
    "OpenGL",
    "Pdf",
    "Designer",
    "Sql",
    "Test",
    "VirtualKeyboard",
    "EglFS",  # the framebuffer platforms' support libraries
    "EglFs",
)


def version() -> str:
    """The package version, read from reviewer/__init__.py without importing it."""
    text = (ROOT / "reviewer" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise RuntimeError("no __version__ in reviewer/__init__.py")
    return match.group(1)


def numeric_version(text: str) -> tuple[int, int, int, int]:
    """Four integers for Windows version resources: 1.2.3rc1 -> (1, 2, 3, 0)."""
    parts = [int(p) for p in re.findall(r"\d+", text.split("+")[0])[:3]]
    major, minor, patch = [*parts, 0, 0, 0][:3]
    return (major, minor, patch, 0)


def debian_version(text: str) -> str:
    """PEP 440 to Debian ordering: a pre-release sorts before its release (1.0~rc1)."""
    return re.sub(r"(\d)(a|b|rc|\.dev)(\d*)", r"\1~\2\3", text).replace("+", "+local.")


def info_plist(app_version: str) -> dict[str, Any]:
    """packaging/macos/Info.plist with this version filled in: BUNDLE's info_plist."""
    with INFO_PLIST.open("rb") as handle:
        plist: dict[str, Any] = plistlib.load(handle)
    plist["CFBundleShortVersionString"] = app_version
    plist["CFBundleVersion"] = ".".join(str(n) for n in numeric_version(app_version)[:3])
    return plist
