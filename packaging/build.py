"""Build Aurous Reviewer's packages for this system into dist/.

    python packaging/build.py [--dist DIR] [--work DIR]

Linux: dist/aurous-reviewer/ (the one-folder bundle), a .tar.gz of it and a .deb.
Windows: the bundle and an Inno Setup installer (needs Inno Setup 6's ISCC).
macOS: "Aurous Reviewer.app" and a .dmg; signed and notarized when MACOS_SIGN_IDENTITY
is set (see packaging/macos/sign-and-notarize.sh).

Everything comes from the installed Python packages (`pip install -e '.[package]'`) and
the system's own tools: nothing is downloaded while building.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import appinfo
import icons

MB = 1_000_000


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def run_pyinstaller(dist: Path, work: Path, icon_dir: Path) -> None:
    env = {**os.environ, "AUROUS_ICON_DIR": str(icon_dir)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            str(appinfo.PACKAGING / "aurous-reviewer.spec"),
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            f"--distpath={dist}",
            f"--workpath={work / 'pyinstaller'}",
        ],
        check=True,
        env=env,
        cwd=appinfo.ROOT,
    )


def self_test(executable: Path) -> None:
    """The fresh bundle must pass its own checks before it is packaged."""
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run(
        [str(executable), "--self-test"], capture_output=True, text=True, env=env, check=False
    )
    print(result.stdout, end="")
    if result.returncode != 0:
        print(result.stderr, end="", file=sys.stderr)
        raise SystemExit(f"{executable} --self-test failed (exit {result.returncode})")


def find_iscc() -> str | None:
    found = shutil.which("iscc")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").is_file():
            return str(Path(base) / "Inno Setup 6" / "ISCC.exe")
    return None


def inno_command(iscc: str, version: str, bundle: Path, icon: Path, out_dir: Path) -> list[str]:
    """ISCC's command line: the script takes every changing value from these defines."""
    numeric = ".".join(str(n) for n in appinfo.numeric_version(version))
    return [
        iscc,
        "/Qp",
        f"/DAppVersion={version}",
        f"/DAppNumericVersion={numeric}",
        f"/DSourceDir={bundle}",
        f"/DIconFile={icon}",
        f"/DOutputDir={out_dir}",
        str(appinfo.INNO_SCRIPT),
    ]


def build_linux(dist: Path, work: Path, version: str, icon_set: icons.IconSet) -> list[Path]:
    import linux

    bundle = dist / appinfo.EXECUTABLE
    tarball = linux.make_tarball(bundle, dist, version)
    deb = linux.make_deb(bundle, icon_set.hicolor, work, dist, version)
    print(f"glibc needed: {deb.glibc[0]}.{deb.glibc[1]} or newer")
    print(f"Depends: {', '.join(deb.depends)}")
    return [tarball, deb.path]


def build_windows(dist: Path, version: str, icon_set: icons.IconSet) -> list[Path]:
    iscc = find_iscc()
    if iscc is None:
        raise SystemExit("Inno Setup 6 is needed for the installer (ISCC.exe not found)")
    bundle = dist / appinfo.EXECUTABLE
    subprocess.run(inno_command(iscc, version, bundle, icon_set.ico, dist), check=True)
    return [dist / f"{appinfo.EXECUTABLE}-{version}-setup.exe"]


def build_macos(dist: Path, version: str) -> list[Path]:
    app = dist / f"{appinfo.NAME}.app"
    if os.environ.get("MACOS_SIGN_IDENTITY"):
        subprocess.run(
            ["bash", str(appinfo.PACKAGING / "macos" / "sign-and-notarize.sh"), str(app)],
            check=True,
        )
    else:
        print("MACOS_SIGN_IDENTITY is not set: the app keeps PyInstaller's ad-hoc signature")
    dmg = dist / f"{appinfo.EXECUTABLE}-{version}-macos-{os.uname().machine}.dmg"
    dmg.unlink(missing_ok=True)
    subprocess.run(
        [
            "hdiutil",
            "create",
            "-volname",
            appinfo.NAME,
            "-srcfolder",
            str(app),
            "-format",
            "UDZO",
            "-ov",
            str(dmg),
        ],
        check=True,
    )
    return [dmg]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build Aurous Reviewer for this system.")
    parser.add_argument("--dist", type=Path, default=appinfo.ROOT / "dist")
    parser.add_argument("--work", type=Path, default=appinfo.ROOT / "build")
    args = parser.parse_args(argv)
    dist: Path = args.dist.resolve()
    work: Path = args.work.resolve()
    started = time.monotonic()
    version = appinfo.version()
    dist.mkdir(parents=True, exist_ok=True)

    icon_set = icons.build_icons(work / "icons")
    run_pyinstaller(dist, work, work / "icons")
    bundle = dist / appinfo.EXECUTABLE
    if sys.platform == "darwin":
        executable = dist / f"{appinfo.NAME}.app" / "Contents" / "MacOS" / appinfo.EXECUTABLE
    else:
        executable = bundle / (appinfo.EXECUTABLE + (".exe" if sys.platform == "win32" else ""))
    self_test(executable)

    if sys.platform.startswith("linux"):
        artifacts = build_linux(dist, work, version, icon_set)
    elif sys.platform == "win32":
        artifacts = build_windows(dist, version, icon_set)
    elif sys.platform == "darwin":
        artifacts = build_macos(dist, version)
    else:
        raise SystemExit(f"no packages for {sys.platform}")

    print(f"bundle: {bundle} ({folder_size(bundle) / MB:.1f} MB)")
    for artifact in artifacts:
        print(f"package: {artifact} ({artifact.stat().st_size / MB:.1f} MB)")
    print(f"built Aurous Reviewer {version} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
