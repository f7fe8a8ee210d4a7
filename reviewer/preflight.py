"""Before Qt starts: can its display plugin load here? If not, say which system packages
to install instead of letting Qt abort with "Could not load the Qt platform plugin".

Nothing here imports PySide6 (importing it loads QtCore, and QtGui may be what fails):
the plugin files are found by the package's location alone. Linux only; elsewhere Qt's
platform plugins have no system dependencies to miss.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, NamedTuple, TextIO

__all__ = [
    "EXIT_CANNOT_DISPLAY",
    "PlatformCheck",
    "SystemPackage",
    "check_platform",
    "chosen_platforms",
    "explain_import_error",
    "install_hint",
    "missing_libraries",
    "plugin_file",
    "require_display",
]

# EX_UNAVAILABLE from sysexits.h: a needed part of the system is missing.
EXIT_CANNOT_DISPLAY: Final = 69

PLUGIN_FILES: Final = {"xcb": "libqxcb.so", "wayland": "libqwayland.so"}
_DISPLAY_VARIABLE: Final = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY"}
_WHAT: Final = {"xcb": "X11 (xcb)", "wayland": "Wayland"}


class SystemPackage(NamedTuple):
    """The packages that provide one library: Debian/Ubuntu, Fedora, Arch."""

    apt: str
    dnf: str | None
    pacman: str | None


def _xcb(apt: str, fedora_arch: str = "libxcb") -> SystemPackage:
    return SystemPackage(apt, fedora_arch, fedora_arch)


# What Qt's xcb and wayland plugins (and QtGui beneath them) link against, by soname.
# Names checked against Debian 12, Ubuntu 22.04+, Fedora 40+ and Arch (late 2026).
PACKAGES: Final[Mapping[str, SystemPackage]] = {
    "libxcb.so.1": _xcb("libxcb1"),
    "libxcb-cursor.so.0": _xcb("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": _xcb("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": _xcb("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": _xcb("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": _xcb("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": _xcb("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": _xcb("libxcb-randr0"),
    "libxcb-render.so.0": _xcb("libxcb-render0"),
    "libxcb-shape.so.0": _xcb("libxcb-shape0"),
    "libxcb-shm.so.0": _xcb("libxcb-shm0"),
    "libxcb-sync.so.1": _xcb("libxcb-sync1"),
    "libxcb-xfixes.so.0": _xcb("libxcb-xfixes0"),
    "libxcb-xinerama.so.0": _xcb("libxcb-xinerama0"),
    "libxcb-xinput.so.0": _xcb("libxcb-xinput0"),
    "libxcb-xkb.so.1": _xcb("libxcb-xkb1"),
    "libxcb-glx.so.0": _xcb("libxcb-glx0"),
    "libX11.so.6": SystemPackage("libx11-6", "libX11", "libx11"),
    "libX11-xcb.so.1": SystemPackage("libx11-xcb1", "libX11-xcb", "libx11"),
    "libxkbcommon.so.0": SystemPackage("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxkbcommon-x11.so.0": SystemPackage(
        "libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"
    ),
    "libwayland-client.so.0": SystemPackage("libwayland-client0", "libwayland-client", "wayland"),
    "libwayland-cursor.so.0": SystemPackage("libwayland-cursor0", "libwayland-cursor", "wayland"),
    "libwayland-egl.so.1": SystemPackage("libwayland-egl1", "libwayland-egl", "wayland"),
    "libEGL.so.1": SystemPackage("libegl1", "libglvnd-egl", "libglvnd"),
    "libGL.so.1": SystemPackage("libgl1", "libglvnd-glx", "libglvnd"),
    "libGLX.so.0": SystemPackage("libglx0", "libglvnd-glx", "libglvnd"),
    "libOpenGL.so.0": SystemPackage("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libfontconfig.so.1": SystemPackage("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": SystemPackage("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": SystemPackage("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0.so.0": SystemPackage("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": SystemPackage("libglib2.0-0", "glib2", "glib2"),
    "libstdc++.so.6": SystemPackage("libstdc++6", "libstdc++", "gcc-libs"),
    "libgcc_s.so.1": SystemPackage("libgcc-s1", "libgcc", "gcc-libs"),
    "libz.so.1": SystemPackage("zlib1g", "zlib", "zlib"),
}

# Libraries that ship with Qt itself: missing means a damaged install, not a system gap.
_OWN_LIBRARY: Final = re.compile(r"^lib(Qt6|icu|pyside6|shiboken6)")
# The loader's words, on Linux, macOS and Windows, when a library is missing.
_SHARED_LIBRARY_ERROR: Final = re.compile(
    r"cannot open shared object file|\.so[.\d]*:|Library not loaded|DLL load failed"
)
# ldd's words for a library the loader could not find.
_NOT_FOUND: Final = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)


@dataclass(frozen=True)
class PlatformCheck:
    """Whether one Qt platform plugin can load here, and what it lacks."""

    platform: str
    plugin: Path | None
    missing: tuple[str, ...] = ()
    error: str | None = None  # the loader's own words when it could not say more
    packages: tuple[SystemPackage, ...] = field(default=(), compare=False)

    @property
    def loads(self) -> bool:
        return self.plugin is not None and not self.missing and self.error is None

    @property
    def unknown(self) -> tuple[str, ...]:
        """Missing system libraries this module cannot name a package for."""
        return tuple(
            lib for lib in self.missing if lib not in PACKAGES and not _OWN_LIBRARY.match(lib)
        )

    @property
    def damaged(self) -> bool:
        """Qt's own files are missing: reinstalling the app is the fix, not a package."""
        return self.plugin is None or any(_OWN_LIBRARY.match(lib) for lib in self.missing)

    def describe(self) -> str:
        if self.loads:
            return f"{self.platform}: its libraries load"
        if self.plugin is None:
            return f"{self.platform}: plugin file not found"
        if self.missing:
            return f"{self.platform}: missing {', '.join(self.missing)}"
        return f"{self.platform}: {self.error}"


def plugin_file(platform: str) -> Path | None:
    """Where PySide6's platform plugin lies (a wheel install or a PyInstaller bundle)."""
    spec = importlib.util.find_spec("PySide6")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location, "Qt", "plugins", "platforms", PLUGIN_FILES[platform])
        if path.is_file():
            return path
    return None


def missing_libraries(path: Path) -> tuple[tuple[str, ...], str | None]:
    """The sonames the dynamic loader cannot find for ``path``, all of them at once
    (ldd walks the whole dependency tree; a trial ``dlopen`` would stop at the first)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return (), _try_dlopen(path)
    try:
        result = subprocess.run(
            [ldd, str(path)], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return (), f"ldd failed: {exc}"
    missing = tuple(dict.fromkeys(_NOT_FOUND.findall(result.stdout)))
    if missing or result.returncode == 0:
        return missing, None
    return (), (result.stderr or result.stdout).strip() or f"ldd exited {result.returncode}"


def _try_dlopen(path: Path) -> str | None:
    import ctypes  # only when ldd is absent: loading is the one test left

    try:
        ctypes.CDLL(str(path))
    except OSError as exc:
        return str(exc)
    return None


def check_platform(platform: str) -> PlatformCheck:
    plugin = plugin_file(platform)
    if plugin is None:
        return PlatformCheck(platform, None)
    missing, error = missing_libraries(plugin)
    packages = tuple(dict.fromkeys(PACKAGES[lib] for lib in missing if lib in PACKAGES))
    return PlatformCheck(platform, plugin, missing, error, packages)


def chosen_platforms(env: Mapping[str, str]) -> list[str]:
    """The display plugins Qt would try, in order, on this system (Linux only).

    Follows QGuiApplication: ``QT_QPA_PLATFORM`` (a ``;`` list, options after ``:``) wins;
    otherwise a Wayland session tries wayland then xcb, anything else xcb. Platforms
    without system dependencies (offscreen, minimal, vnc…) need no check: [] for them.
    """
    forced = env.get("QT_QPA_PLATFORM", "").strip()
    if forced:
        names = [part.split(":", 1)[0].strip() for part in forced.split(";")]
        return [name for name in names if name in PLUGIN_FILES]
    wayland = env.get("XDG_SESSION_TYPE") == "wayland" or (
        bool(env.get("WAYLAND_DISPLAY")) and not env.get("DISPLAY")
    )
    return ["wayland", "xcb"] if wayland else ["xcb"]


def install_hint(packages: Sequence[SystemPackage]) -> list[str]:
    """The install commands for Debian/Ubuntu and, where known, Fedora and Arch."""
    if not packages:
        return []
    apt = " ".join(dict.fromkeys(p.apt for p in packages))
    lines = [f"  sudo apt-get install {apt}"]
    dnf = [p.dnf for p in packages]
    if all(dnf):
        lines.append(f"  Fedora: sudo dnf install {' '.join(dict.fromkeys(filter(None, dnf)))}")
    pacman = [p.pacman for p in packages]
    if all(pacman):
        names = " ".join(dict.fromkeys(filter(None, pacman)))
        lines.append(f"  Arch:   sudo pacman -S --needed {names}")
    return lines


def _report(checks: Sequence[PlatformCheck], out: TextIO) -> None:
    preferred = checks[0]  # what the session asks for; any later one is Qt's fallback
    what = " or ".join(_WHAT[c.platform] for c in checks)
    print(f"Aurous Reviewer can't open its window: Qt's {what} display support", file=out)
    if any(c.damaged for c in checks):
        print("is incomplete in this installation:", file=out)
        for check in checks:
            print(f"  {check.describe()}", file=out)
        print("Reinstall Aurous Reviewer to fix this.", file=out)
        return
    print("needs system libraries that are missing here:", file=out)
    for check in checks:
        print(f"  {check.describe()}", file=out)
    hint = install_hint(preferred.packages)
    if hint:
        print("Install them with:", file=out)
        for line in hint:
            print(line, file=out)
    for lib in preferred.unknown:
        print(f"  and the package that provides {lib} (`apt-file search {lib}` finds it)", file=out)
    print("Then start Aurous Reviewer again.", file=out)


def require_display(env: Mapping[str, str] | None = None, out: TextIO | None = None) -> None:
    """Exit with a plain message when Qt could not open a window here; otherwise return.

    Call before the QApplication exists. On a Wayland session whose wayland plugin cannot
    load but whose xcb one can (through XWayland), the app is pointed at xcb."""
    if not sys.platform.startswith("linux"):
        return
    env = os.environ if env is None else env
    out = sys.stderr if out is None else out
    checks: list[PlatformCheck] = []
    for platform in chosen_platforms(env):
        check = check_platform(platform)
        if check.loads:
            if checks and "QT_QPA_PLATFORM" not in env:
                os.environ["QT_QPA_PLATFORM"] = platform
            _require_display_server(platform, env, out)
            return
        checks.append(check)
    if checks:
        _report(checks, out)
        raise SystemExit(EXIT_CANNOT_DISPLAY)


def explain_import_error(exc: ImportError, out: TextIO | None = None) -> int:
    """For an import that failed on a missing shared library (a Qt library the system
    lacks): name the packages, or say the install is damaged. Returns the exit status.
    Any other ImportError is a bug, not a system gap: it is raised again."""
    if not _SHARED_LIBRARY_ERROR.search(str(exc)):
        raise exc
    out = sys.stderr if out is None else out
    print(f"Aurous Reviewer could not load a library it needs ({exc}).", file=out)
    if sys.platform.startswith("linux"):
        checks = [check_platform(p) for p in chosen_platforms(os.environ) or ["xcb"]]
        if not any(c.loads for c in checks):
            _report(checks, out)
            return EXIT_CANNOT_DISPLAY
    print("Reinstall Aurous Reviewer to fix this.", file=out)
    return EXIT_CANNOT_DISPLAY


def _require_display_server(platform: str, env: Mapping[str, str], out: TextIO) -> None:
    variable = _DISPLAY_VARIABLE[platform]
    if platform == "xcb" and not env.get(variable):
        print(
            "Aurous Reviewer can't open its window: there is no display (DISPLAY is not "
            "set). Start it from a desktop session, or run `aurous-reviewer --self-test` "
            "to check the installation without one.",
            file=out,
        )
        raise SystemExit(EXIT_CANNOT_DISPLAY)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m reviewer.preflight``: report, or list what to install (for ``make``)."""
    parser = argparse.ArgumentParser(
        prog="python -m reviewer.preflight",
        description="Check that Qt's display plugins can load on this system.",
    )
    parser.add_argument(
        "--apt-packages",
        action="store_true",
        help="print the Debian/Ubuntu packages missing for the plugin Qt would use, "
        "one line, nothing when none are",
    )
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        return 0
    platforms = chosen_platforms(os.environ)
    if args.apt_packages:
        checks = [check_platform(p) for p in platforms]
        if checks and not any(c.loads for c in checks):
            print(" ".join(dict.fromkeys(p.apt for p in checks[0].packages)))
        return 0
    checks = [check_platform(p) for p in platforms or list(PLUGIN_FILES)]
    for check in checks:
        print(check.describe())
    return 0 if not platforms or any(c.loads for c in checks) else EXIT_CANNOT_DISPLAY


if __name__ == "__main__":
    raise SystemExit(main())
