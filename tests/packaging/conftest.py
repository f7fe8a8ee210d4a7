"""Shared helpers for the packaging tests: the packaging/ modules (loaded by path, since
packaging/ is no package), and a way to run a command on a system that lacks some
libraries for real."""

from __future__ import annotations

import importlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"

# The display libraries a fresh Debian 12 lacks (the issue's own example).
XCB_GAP = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")


def packaging_module(name: str) -> ModuleType:
    if str(PACKAGING) not in sys.path:
        sys.path.insert(0, str(PACKAGING))
    return importlib.import_module(name)


def _library_files(soname: str) -> list[Path]:
    """The installed files behind ``soname``: its symlink and the file it points to."""
    out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout
    files: list[Path] = []
    for line in out.splitlines():
        name, _, path = line.strip().partition(" => ")
        if name.split(" ", 1)[0] == soname and path:
            link = Path(path)
            files += [link, link.resolve()]
    return files


HideLibraries = Callable[[Sequence[str]], list[str]]


@pytest.fixture
def hide_libraries(tmp_path: Path) -> HideLibraries:
    """A command prefix that runs a command where the given sonames are not installed:
    a private mount namespace whose library folders are overlays with those files
    whited out. Nothing outside the command sees a change. Needs root (CI is root)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("hiding system libraries needs root and unshare")

    def prefix(sonames: Sequence[str]) -> list[str]:
        folders: dict[Path, set[str]] = {}
        for soname in sonames:
            for path in _library_files(soname):
                folders.setdefault(path.resolve().parent, set()).add(path.name)
        lines = ["set -e"]
        for index, (folder, names) in enumerate(sorted(folders.items())):
            upper, work = tmp_path / f"up{index}", tmp_path / f"work{index}"
            upper.mkdir()
            work.mkdir()
            for name in names:  # an overlay "whiteout": the file is gone from the view
                os.mknod(upper / name, stat.S_IFCHR | 0o600, os.makedev(0, 0))
            lines.append(
                f"mount -t overlay overlay -o lowerdir='{folder}',upperdir='{upper}',"
                f"workdir='{work}' '{folder}'"
            )
        lines.append('exec "$@"')
        script = tmp_path / "hide.sh"
        script.write_text("\n".join(lines) + "\n")
        trial = subprocess.run(
            ["unshare", "-m", "sh", str(script), "true"], capture_output=True, text=True
        )
        if trial.returncode != 0:
            pytest.skip(f"no overlay mounts here: {trial.stderr.strip()}")
        return ["unshare", "-m", "sh", str(script)]

    return prefix


def run(
    command: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def display_env(**extra: str) -> dict[str, str]:
    """The environment of a desktop session on X11 (no forced Qt platform)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"}
    }
    env["DISPLAY"] = ":99"
    env.update(extra)
    return env
