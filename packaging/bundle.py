"""What goes into the PyInstaller bundle: the spec's filters, kept here to be tested.

PyInstaller's Qt hooks collect every plugin and translation of the Qt modules in use, and
on Linux it copies the system libraries they link to. The bundle keeps only the plugins
the app needs, no translations (the app is in English and loads none), and on Linux no
graphics-stack or desktop libraries: those must match the user's X server, compositor
and GPU drivers, so they come from the system (the .deb depends on them; the preflight
check names them for the tarball).
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any, Final

import appinfo

# A PyInstaller TOC entry: (name in the bundle, source path, type code).
TocEntry = tuple[str, str, str]

HIDDEN_IMPORTS: Final = [
    "truststore",  # the HTTP client's trust store; named so no platform branch is missed
]

EXCLUDED_MODULES: Final = [
    # Other Qt bindings qasync would try, and Qt modules the app does not use.
    "PyQt5",
    "PyQt6",
    "PySide2",
    "PySide6.QtNetwork",
    "PySide6.QtOpenGL",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    # Standard-library parts an app never reaches.
    "tkinter",
    "_tkinter",
    "turtle",
    "idlelib",
    "lib2to3",
    "pydoc",
    "pydoc_data",
    "doctest",
    "curses",
    "readline",
    "test",
    # Build tools that can be found installed beside the app.
    "setuptools",
    "pip",
    "pkg_resources",
    "PyInstaller",
    # Optional imports of the app's dependencies that the app never takes: httpx's
    # command line (rich, pygments, markdown), truststore's requests/urllib3 injection,
    # uvicorn's YAML logging config.
    "httpx._main",
    "rich",
    "pygments",
    "markdown_it",
    "mdurl",
    "requests",
    "urllib3",
    "charset_normalizer",
    "yaml",
    "numpy",
    # Pillow codecs and bindings outside what the app decodes (PNG, JPEG, WebP, GIF,
    # BMP, TIFF): AVIF alone carries 5 MB of libraries. FreeType stays (the demo's
    # simulator draws its labels with it).
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL._imagingcms",
    "PIL.ImageCms",
    "PIL._imagingtk",
    "PIL.ImageTk",
    "PIL.ImageQt",
]

# Strip symbols on Linux only: PyInstaller's strip would break the signatures Qt's
# macOS frameworks carry, and Windows DLLs have nothing to strip.
STRIP: Final = sys.platform.startswith("linux")

# System libraries that may travel in the Linux bundle: what Python's own extension
# modules link to, stable in ABI across distributions. Anything else from /usr/lib or
# /lib is left to the system.
LINUX_SYSTEM_KEEP: Final = re.compile(
    r"^lib(ssl|crypto|ffi|lzma|bz2|sqlite3|uuid|mpdec|z)\.so(\.\d+)*$"
)
_SYSTEM_DIRS: Final = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/")
_QT_PARTS: Final = re.compile(r"^PySide6/(Qt/)?(?P<kind>plugins|translations)/(?P<rest>.+)$")
_UNWANTED_FILE: Final = re.compile(
    r"(^|[/\\])(lib)?Qt6?(" + "|".join(appinfo.QT_UNWANTED) + r")[^/\\]*$"
    r"|opengl32sw\.dll$|d3dcompiler_\d+\.dll$",  # software GL and ANGLE: Quick only
)


def resource_datas() -> list[tuple[str, str]]:
    """resources/ where reviewer.resources looks in a bundle (icons and style only)."""
    return [
        (str(appinfo.RESOURCES / "icons"), "reviewer/_resources/icons"),
        (str(appinfo.RESOURCES / "style"), "reviewer/_resources/style"),
    ]


def wanted_qt_file(name: str) -> bool:
    """False for Qt plugins the app has no use for, translations, and unused modules."""
    posix = name.replace("\\", "/")
    if _UNWANTED_FILE.search(posix):
        return False
    match = _QT_PARTS.match(posix)
    if match is None:
        return True
    if match["kind"] == "translations":
        return False
    return any(fnmatch.fnmatch(match["rest"], pattern) for pattern in appinfo.QT_PLUGINS)


def from_the_system(source: str) -> bool:
    """A Linux library the system must provide rather than the bundle."""
    if not source.startswith(_SYSTEM_DIRS):
        return False
    return not LINUX_SYSTEM_KEEP.match(PurePosixPath(source).name)


def keep_binaries(toc: Iterable[TocEntry], linux: bool = STRIP) -> list[TocEntry]:
    return [
        entry
        for entry in toc
        if wanted_qt_file(entry[0]) and not (linux and from_the_system(entry[1]))
    ]


def keep_datas(toc: Iterable[TocEntry]) -> list[TocEntry]:
    return [entry for entry in toc if wanted_qt_file(entry[0])]


def windows_version_info(version: str) -> Any:
    """The version resource Explorer shows for aurous-reviewer.exe."""
    from PyInstaller.utils.win32 import versioninfo as vi  # type: ignore[import-untyped,unused-ignore]

    numbers = appinfo.numeric_version(version)
    strings = [
        vi.StringStruct("CompanyName", appinfo.PUBLISHER),
        vi.StringStruct("FileDescription", appinfo.NAME),
        vi.StringStruct("FileVersion", version),
        vi.StringStruct("InternalName", appinfo.EXECUTABLE),
        vi.StringStruct("OriginalFilename", f"{appinfo.EXECUTABLE}.exe"),
        vi.StringStruct("ProductName", appinfo.NAME),
        vi.StringStruct("ProductVersion", version),
    ]
    return vi.VSVersionInfo(
        ffi=vi.FixedFileInfo(filevers=numbers, prodvers=numbers),
        kids=[
            vi.StringFileInfo([vi.StringTable("040904B0", strings)]),
            vi.VarFileInfo([vi.VarStruct("Translation", [0x0409, 1200])]),
        ],
    )
