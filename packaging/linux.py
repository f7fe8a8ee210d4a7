"""Linux packages from the one-folder bundle: a .tar.gz and a .deb for /opt.

The .deb's Depends come from the bundle itself: every library a bundled binary links to
that the bundle does not carry, mapped to the package that provides it on the build
system (as dpkg-shlibdeps would, without needing a debian/ source tree), plus libc6 at
the newest glibc symbol version any binary asks for.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import appinfo

sys.path.insert(0, str(appinfo.ROOT))
from reviewer.preflight import PACKAGES

# glibc's own libraries: all in libc6, versioned by the symbols used.
_GLIBC: Final = re.compile(r"^(libc|libm|libdl|libpthread|librt|libutil|ld-linux[-\w]*)\.so")
_NEEDED: Final = re.compile(r"^\s*NEEDED\s+(\S+)\s*$", re.MULTILINE)
_GLIBC_VERSION: Final = re.compile(r"\bGLIBC_(\d+)\.(\d+)(?:\.\d+)?\b")
_LDCONFIG: Final = re.compile(r"^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$", re.MULTILINE)

DESCRIPTION: Final = """\
 Aurous Reviewer shows the four reference poses of each character waiting for
 review and decides with one key each: save, regenerate a pose, resynthesize,
 or discard. Decisions are sent in the background after a short undo window.
 .
 Includes a built-in simulator of the API for trying it without an account
 (aurous-reviewer --demo)."""


@dataclass(frozen=True)
class DebInfo:
    path: Path
    depends: list[str]
    glibc: tuple[int, int]


def elf_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def _objdump(flag: str, path: Path) -> str:
    return subprocess.run(
        ["objdump", flag, str(path)], capture_output=True, text=True, check=True
    ).stdout


def needed(path: Path) -> list[str]:
    """The sonames ``path`` links to directly (DT_NEEDED)."""
    return _NEEDED.findall(_objdump("-p", path))


def glibc_floor(files: Iterable[Path]) -> tuple[int, int]:
    """The oldest glibc that has every versioned symbol these binaries import."""
    floor = (2, 17)  # manylinux2014's baseline: nothing here can need less
    for path in files:
        for line in _objdump("-T", path).splitlines():
            if "*UND*" in line:
                for major, minor in _GLIBC_VERSION.findall(line):
                    floor = max(floor, (int(major), int(minor)))
    return floor


def _ldconfig() -> dict[str, str]:
    machine = "x86-64" if os.uname().machine == "x86_64" else os.uname().machine
    out = subprocess.run(
        ["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True
    ).stdout
    found: dict[str, str] = {}
    for soname, flags, path in _LDCONFIG.findall(out):
        if soname not in found and (machine in flags or "64" not in flags):
            found[soname] = path
    return found


def _owner(path: str) -> str | None:
    """The Debian package that installed ``path`` (trying both sides of /usr merge)."""
    real = os.path.realpath(path)
    candidates = {path, real}
    for p in list(candidates):
        candidates.add(p.removeprefix("/usr") if p.startswith("/usr/lib") else "/usr" + p)
    for candidate in sorted(candidates):
        result = subprocess.run(
            ["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def system_libraries(bundle: Path, files: Iterable[Path]) -> set[str]:
    """Sonames the bundle's binaries need and the bundle does not carry."""
    carried = {p.name for p in bundle.rglob("*")}
    wanted: set[str] = set()
    for path in files:
        wanted.update(needed(path))
    return {soname for soname in wanted if soname not in carried}


def debian_depends(sonames: Iterable[str], glibc: tuple[int, int]) -> list[str]:
    paths = _ldconfig()
    packages = {f"libc6 (>= {glibc[0]}.{glibc[1]})", "ca-certificates"}
    unknown = []
    for soname in sorted(sonames):
        if _GLIBC.match(soname):
            continue
        owner = _owner(paths[soname]) if soname in paths else None
        if owner is None and soname in PACKAGES:
            owner = PACKAGES[soname].apt  # not installed on the build machine
        if owner is None:
            unknown.append(soname)
        elif not owner.startswith("libc6"):
            packages.add(owner)
    if unknown:
        raise RuntimeError(f"no Debian package known for {', '.join(unknown)}")
    return sorted(packages)


def _normalize_modes(root: Path) -> None:
    """Whatever the umask: directories and programs 755, other files 644."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir() or os.access(path, os.X_OK):
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def make_tarball(bundle: Path, out_dir: Path, version: str) -> Path:
    arch = os.uname().machine
    out = out_dir / f"{appinfo.EXECUTABLE}-{version}-linux-{arch}.tar.gz"

    def as_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(out, "w:gz", compresslevel=9) as tar:
        tar.add(bundle, arcname=bundle.name, filter=as_root)
    return out


def _deb_arch() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def make_deb(bundle: Path, hicolor: Path, work: Path, out_dir: Path, version: str) -> DebInfo:
    root = work / "deb"
    shutil.rmtree(root, ignore_errors=True)
    opt = root / "opt" / appinfo.EXECUTABLE
    shutil.copytree(bundle, opt, symlinks=True)
    share = root / "usr" / "share"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / appinfo.EXECUTABLE).symlink_to(
        f"/opt/{appinfo.EXECUTABLE}/{appinfo.EXECUTABLE}"
    )
    for source, target in (
        (appinfo.DESKTOP_FILE, share / "applications" / appinfo.DESKTOP_FILE.name),
        (appinfo.METAINFO_FILE, share / "metainfo" / appinfo.METAINFO_FILE.name),
        (
            appinfo.PACKAGING / "linux" / "copyright",
            share / "doc" / appinfo.EXECUTABLE / "copyright",
        ),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    shutil.copytree(hicolor, share / "icons" / "hicolor")

    files = elf_files(opt)
    glibc = glibc_floor(files)
    depends = debian_depends(system_libraries(opt, files), glibc)
    files_on_disk = (p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    size_kib = sum(p.stat().st_size for p in files_on_disk) // 1024
    deb_version = appinfo.debian_version(version)
    control = root / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"Package: {appinfo.EXECUTABLE}\n"
        f"Version: {deb_version}\n"
        f"Architecture: {_deb_arch()}\n"
        f"Maintainer: {appinfo.MAINTAINER}\n"
        f"Installed-Size: {size_kib}\n"
        f"Depends: {', '.join(depends)}\n"
        "Section: graphics\n"
        "Priority: optional\n"
        f"Homepage: {appinfo.HOMEPAGE}\n"
        f"Description: {appinfo.SUMMARY}\n{DESCRIPTION}\n",
        encoding="utf-8",
    )
    _normalize_modes(root)
    out = out_dir / f"{appinfo.EXECUTABLE}_{deb_version}_{_deb_arch()}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "-z9", "--build", str(root), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return DebInfo(out, depends, glibc)
