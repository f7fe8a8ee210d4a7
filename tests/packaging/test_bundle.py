"""Build the Linux packages for real (packaging/build.py) and check what a user gets: the
bundle runs its self-test, explains a missing library, writes nothing beside itself, is
lean, and the .deb installs the right files with the right dependencies, within the
size goals (folder <= 150 MB, .deb <= 45 MB)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewer import __version__, demo
from reviewer.imaging import WORKER_COMMAND
from reviewer.imaging.decode import DecodedImage
from reviewer.imaging.worker import Decode
from reviewer.review.images import ProcessDecoder
from tests.packaging.conftest import XCB_GAP, HideLibraries, display_env, packaging_module, run
from tests.packaging.test_selftest import CHECKS, check_lines
from tests.review.images.conftest import png
from tests.test_demo import serve_and_stop

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1200),  # the build takes about two and a half minutes here
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="builds the Linux packages"),
]

MB = 1_000_000
FOLDER_GOAL = 150 * MB
DEB_GOAL = 45 * MB

appinfo = packaging_module("appinfo")


@dataclass(frozen=True)
class Built:
    bundle: Path
    executable: Path
    tarball: Path
    deb: Path
    seconds: float
    log: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    dist = tmp_path_factory.mktemp("dist")
    work = tmp_path_factory.mktemp("work")
    started = time.monotonic()
    result = run(
        [sys.executable, str(appinfo.PACKAGING / "build.py"), f"--dist={dist}", f"--work={work}"],
        timeout=1100,
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    bundle = dist / appinfo.EXECUTABLE
    (tarball,) = dist.glob("*.tar.gz")
    (deb,) = dist.glob("*.deb")
    return Built(bundle, bundle / appinfo.EXECUTABLE, tarball, deb, seconds, result.stdout)


def tree(root: Path) -> dict[str, int]:
    """Every file and its size; symlinks (PyInstaller links libraries) count once, as 0."""
    return {
        str(p.relative_to(root)): 0 if p.is_symlink() else p.stat().st_size
        for p in root.rglob("*")
        if p.is_file()
    }


def test_the_bundle_passes_its_self_test_and_writes_nothing_beside_itself(
    built: Built, tmp_path: Path
) -> None:
    before = tree(built.bundle)
    home = tmp_path / "home"
    env = display_env(HOME=str(home))
    del env["DISPLAY"]
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        env.pop(name, None)
    result = run([str(built.executable), "--self-test"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check_lines(result.stdout) == dict.fromkeys(CHECKS, "ok")
    assert f"resources        13 icons and the stylesheet in {built.bundle}" in result.stdout
    version = run([str(built.executable), "--version"], env)
    assert version.stdout.split() == ["reviewer", __version__]
    assert tree(built.bundle) == before
    written = [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
    assert all(".cache" in p.parts or ".config" in p.parts for p in written), written


def test_the_bundles_demo_simulator_serves_from_its_own_executable(
    built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `--demo` starts first (reviewer/demo.py), as the bundle runs it: its executable.
    monkeypatch.setattr(sys, "executable", str(built.executable))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    server = demo.DemoServer.start(demo.DemoOptions(characters=2))
    monkeypatch.undo()
    serve_and_stop(server, 2)


def test_the_bundles_executable_decodes_as_a_worker(built: Built) -> None:
    # What the app starts for decoding in a frozen build (reviewer/review/images).
    command = [str(built.executable), WORKER_COMMAND]

    async def decode_one() -> tuple[DecodedImage, bool]:
        decoder = ProcessDecoder(1, command=command)
        try:
            return await decoder.run(Decode(png(80, 60), 40, 1_000_000)), decoder.fallen_back
        finally:
            await decoder.aclose()

    image, fell_back = asyncio.run(decode_one())
    assert (image.width, image.height, fell_back) == (40, 30, False)


def test_the_bundle_names_missing_system_packages(
    built: Built, hide_libraries: HideLibraries
) -> None:
    result = run([*hide_libraries(XCB_GAP), str(built.executable)], display_env())
    assert result.returncode == 69, result.stdout + result.stderr
    assert "Could not load the Qt platform plugin" not in result.stderr
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in result.stderr


def test_a_library_qt_itself_needs_is_named_too(
    built: Built, hide_libraries: HideLibraries
) -> None:
    # Without libEGL even importing QtGui fails, before the app's own check can run.
    result = run([*hide_libraries(["libEGL.so.1"]), str(built.executable)], display_env())
    assert result.returncode == 69, result.stdout + result.stderr
    assert "could not load a library it needs (libEGL.so.1" in result.stderr
    assert "sudo apt-get install libegl1" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_bundle_is_lean_and_stripped(built: Built) -> None:
    files = list(tree(built.bundle))
    unwanted = re.compile(r"Qt6?(" + "|".join(appinfo.QT_UNWANTED) + ")", re.IGNORECASE)
    assert not [f for f in files if unwanted.search(Path(f).name)]
    assert not [f for f in files if "/translations/" in f or f.endswith(".qm")]
    plugins = {f.split("/plugins/", 1)[1] for f in files if "/Qt/plugins/" in f}
    assert {
        "platforms/libqxcb.so",
        "platforms/libqwayland.so",
        "platforms/libqoffscreen.so",
        "imageformats/libqsvg.so",
        "iconengines/libqsvgicon.so",
    } <= plugins
    assert len(plugins) <= 15, sorted(plugins)
    linux = packaging_module("linux")
    elves = linux.elf_files(built.bundle)
    unstripped = [p for p in elves if ".symtab" in run(["objdump", "-h", str(p)]).stdout]
    assert not unstripped
    # Every library a bundled binary links to is in the bundle or on this system.
    not_found = {
        str(p.relative_to(built.bundle)): line.split()[0]
        for p in elves
        for line in run(["ldd", str(p)]).stdout.splitlines()
        if "not found" in line
    }
    assert not not_found


def test_the_deb_installs_to_opt_with_a_menu_entry_and_its_dependencies(
    built: Built, tmp_path: Path
) -> None:
    fields = run(["dpkg-deb", "--field", str(built.deb)]).stdout
    control = dict(re.findall(r"^([\w-]+): (.*)$", fields, re.MULTILINE))
    assert control["Package"] == appinfo.EXECUTABLE
    assert control["Version"] == appinfo.debian_version(__version__)
    depends = control["Depends"].split(", ")
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0"):
        assert package in depends
    for package in ("libegl1", "libfontconfig1", "ca-certificates"):
        assert package in depends
    assert any(re.fullmatch(r"libc6 \(>= 2\.\d+\)", d) for d in depends)
    # Installed-Size is the bundle's real size (PyInstaller's library symlinks count once).
    folder_kib = sum(tree(built.bundle).values()) // 1024
    assert folder_kib <= int(control["Installed-Size"]) <= folder_kib + 2048

    root = tmp_path / "root"
    assert run(["dpkg-deb", "-x", str(built.deb), str(root)]).returncode == 0
    opt = root / "opt" / appinfo.EXECUTABLE
    assert os.access(opt / appinfo.EXECUTABLE, os.X_OK)
    on_path = root / "usr" / "bin" / appinfo.EXECUTABLE
    assert os.readlink(on_path) == f"/opt/{appinfo.EXECUTABLE}/{appinfo.EXECUTABLE}"
    share = root / "usr" / "share"
    desktop = share / "applications" / appinfo.DESKTOP_FILE.name
    assert run(["desktop-file-validate", str(desktop)]).returncode == 0
    metainfo = share / "metainfo" / appinfo.METAINFO_FILE.name
    assert run(["appstreamcli", "validate", "--no-net", str(metainfo)]).returncode == 0
    for size in appinfo.HICOLOR_SIZES:
        assert (share / "icons/hicolor" / f"{size}x{size}/apps/aurous-reviewer.png").is_file()
    assert (share / "icons/hicolor/scalable/apps/aurous-reviewer.svg").is_file()
    assert (share / "doc" / appinfo.EXECUTABLE / "copyright").is_file()


def test_the_tarball_holds_the_runnable_bundle(built: Built) -> None:
    with tarfile.open(built.tarball) as tar:
        member = tar.getmember(f"{appinfo.EXECUTABLE}/{appinfo.EXECUTABLE}")
        assert member.mode & 0o111
        assert all(m.uid == 0 for m in tar.getmembers())


def test_sizes_meet_their_goals(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    folder = sum(tree(built.bundle).values())
    deb = built.deb.stat().st_size
    tarball = built.tarball.stat().st_size
    glibc = re.search(r"glibc needed: (\S+)", built.log)
    with capsys.disabled():
        print(
            f"\npackaging: folder {folder / MB:.1f} MB (goal {FOLDER_GOAL / MB:.0f}), "
            f".deb {deb / MB:.1f} MB (goal {DEB_GOAL / MB:.0f}), .tar.gz {tarball / MB:.1f} MB, "
            f"built in {built.seconds:.0f} s, needs glibc {glibc[1] if glibc else '?'}"
        )
    assert folder <= FOLDER_GOAL
    assert deb <= DEB_GOAL
