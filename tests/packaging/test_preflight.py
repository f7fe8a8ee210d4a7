"""The display check before Qt starts: which plugin Qt would use, what it lacks, and the
message a person gets instead of Qt's abort."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest

from reviewer import preflight
from reviewer.preflight import PlatformCheck, SystemPackage
from tests.packaging.conftest import XCB_GAP, HideLibraries, display_env, run

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
QT_ABORT = "Could not load the Qt platform plugin"
APT_PACKAGES = (sys.executable, "-m", "reviewer.preflight", "--apt-packages")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["xcb"]),
        ({"DISPLAY": ":0"}, ["xcb"]),
        ({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, ["wayland", "xcb"]),
        ({"WAYLAND_DISPLAY": "wayland-0"}, ["wayland", "xcb"]),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":1"}, ["xcb"]),
        ({"QT_QPA_PLATFORM": "offscreen"}, []),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, ["wayland", "xcb"]),
        ({"QT_QPA_PLATFORM": "xcb:dpi=96", "XDG_SESSION_TYPE": "wayland"}, ["xcb"]),
        ({"QT_QPA_PLATFORM": "vnc"}, []),
    ],
)
def test_the_platforms_qt_would_try(env: dict[str, str], expected: list[str]) -> None:
    assert preflight.chosen_platforms(env) == expected


def test_install_hint_names_every_system_it_knows() -> None:
    packages = [preflight.PACKAGES["libxcb-cursor.so.0"], preflight.PACKAGES["libEGL.so.1"]]
    assert preflight.install_hint(packages) == [
        "  sudo apt-get install libxcb-cursor0 libegl1",
        "  Fedora: sudo dnf install xcb-util-cursor libglvnd-egl",
        "  Arch:   sudo pacman -S --needed xcb-util-cursor libglvnd",
    ]
    partial = [SystemPackage("libfoo1", None, "foo")]
    assert preflight.install_hint(partial) == [
        "  sudo apt-get install libfoo1",
        "  Arch:   sudo pacman -S --needed foo",
    ]


@linux_only
def test_the_installed_plugins_are_found_and_load_here() -> None:
    for platform in preflight.PLUGIN_FILES:
        check = preflight.check_platform(platform)
        assert check.plugin is not None
        assert check.plugin.name == preflight.PLUGIN_FILES[platform]
    # .ci/run and `make test` install the xcb libraries.
    assert preflight.check_platform("xcb").loads


@linux_only
def test_a_plugin_cut_off_from_its_qt_libraries_is_a_damaged_install(tmp_path: Path) -> None:
    plugin = preflight.plugin_file("xcb")
    assert plugin is not None
    stray = tmp_path / plugin.name  # its RUNPATH ($ORIGIN/../../lib) leads nowhere now
    shutil.copyfile(plugin, stray)
    missing, error = preflight.missing_libraries(stray)
    assert error is None
    assert "libQt6XcbQpa.so.6" in missing
    check = PlatformCheck("xcb", stray, missing)
    assert check.damaged
    assert not check.loads
    out = io.StringIO()
    preflight._report([check], out)
    assert "Reinstall Aurous Reviewer" in out.getvalue()
    assert "apt-get" not in out.getvalue()


def test_explains_a_missing_shared_library_but_not_a_missing_module() -> None:
    out = io.StringIO()
    error = ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    assert preflight.explain_import_error(error, out) == preflight.EXIT_CANNOT_DISPLAY
    assert "libEGL.so.1" in out.getvalue()
    with pytest.raises(ModuleNotFoundError):
        preflight.explain_import_error(ModuleNotFoundError("No module named 'reviewer.x'"))


@linux_only
def test_no_display_is_said_in_plain_words() -> None:
    env = display_env()
    del env["DISPLAY"]
    result = run([sys.executable, "-m", "reviewer"], env)
    assert result.returncode == preflight.EXIT_CANNOT_DISPLAY
    assert "there is no display" in result.stderr
    assert QT_ABORT not in result.stderr


@linux_only
def test_missing_xcb_libraries_are_named_with_the_install_line(
    hide_libraries: HideLibraries,
) -> None:
    hidden = hide_libraries(XCB_GAP)
    result = run([*hidden, sys.executable, "-m", "reviewer", "--demo"], display_env())
    assert result.returncode == preflight.EXIT_CANNOT_DISPLAY, result.stderr
    assert QT_ABORT not in result.stderr
    assert "missing libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1" in result.stderr
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in result.stderr
    assert "dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms" in result.stderr
    # The same gap, as `make demo` asks for it.
    packages = run([*hidden, *APT_PACKAGES], display_env())
    assert packages.stdout.split() == ["libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"]


@linux_only
def test_nothing_to_install_when_everything_loads() -> None:
    result = run(APT_PACKAGES, display_env())
    assert (result.returncode, result.stdout) == (0, "")


@linux_only
def test_wayland_without_its_libraries_falls_back_to_xcb(hide_libraries: HideLibraries) -> None:
    hidden = hide_libraries(["libwayland-client.so.0"])
    code = (
        "import os; from reviewer.preflight import require_display; "
        "require_display(); print(os.environ.get('QT_QPA_PLATFORM'))"
    )
    env = display_env(XDG_SESSION_TYPE="wayland", WAYLAND_DISPLAY="wayland-0")
    result = run([*hidden, sys.executable, "-c", code], env)
    assert (result.returncode, result.stdout.strip()) == (0, "xcb"), result.stderr
