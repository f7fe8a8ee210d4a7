"""The files the packages are made of, checked with the tools the stores and systems use:
desktop-file-validate, appstreamcli, plistlib, the Inno Setup script's own defines,
actionlint and shellcheck."""

from __future__ import annotations

import plistlib
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from reviewer import __version__
from tests.packaging.conftest import PACKAGING, ROOT, packaging_module, run

appinfo = packaging_module("appinfo")


def tool(name: str) -> str:
    """A checker the tests need: `make test` and .ci/run install them."""
    # Console scripts of the venv's packages (actionlint) sit beside its python.
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed (`make test` installs it on Debian/Ubuntu)")
    return found


def test_desktop_entry_validates_and_starts_the_command() -> None:
    result = run([tool("desktop-file-validate"), str(appinfo.DESKTOP_FILE)])
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    entry = dict(
        line.split("=", 1) for line in appinfo.DESKTOP_FILE.read_text().splitlines() if "=" in line
    )
    assert entry["Exec"] == appinfo.EXECUTABLE
    assert entry["Icon"] == appinfo.EXECUTABLE
    # Qt names the window after setDesktopFileName("aurous-reviewer") in reviewer/app.py.
    assert appinfo.DESKTOP_FILE.stem == entry["StartupWMClass"] == "aurous-reviewer"


def test_metainfo_validates_with_release_notes_for_this_version() -> None:
    result = run([tool("appstreamcli"), "validate", "--no-net", str(appinfo.METAINFO_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"^[EW]:", result.stdout, re.MULTILINE), result.stdout
    root = ET.parse(appinfo.METAINFO_FILE).getroot()
    assert root.findtext("id") == appinfo.APP_ID
    assert root.findtext("launchable") == appinfo.DESKTOP_FILE.name
    assert root.findtext("provides/binary") == appinfo.EXECUTABLE
    releases = root.findall("releases/release")
    assert releases[0].get("version") == __version__, "add release notes for the new version"
    assert releases[0].findall("description/*")
    # The screenshot is published from packaging/screenshots (see README: Build the packages).
    (image,) = root.findall("screenshots/screenshot/image")
    assert image.text is not None
    shot = PACKAGING / "screenshots" / image.text.rsplit("/", 1)[1]
    with Image.open(shot) as png:
        assert png.size == (int(image.get("width", 0)), int(image.get("height", 0)))
    assert appinfo.METAINFO_FILE.name == f"{appinfo.APP_ID}.metainfo.xml"


def test_info_plist_has_the_bundle_id_version_and_retina_support() -> None:
    plist = appinfo.info_plist(__version__)
    assert plist["CFBundleIdentifier"] == appinfo.BUNDLE_ID
    assert plist["CFBundleExecutable"] == appinfo.EXECUTABLE
    assert plist["CFBundleShortVersionString"] == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", plist["CFBundleVersion"])
    assert plist["NSHighResolutionCapable"] is True
    assert tuple(map(int, plist["LSMinimumSystemVersion"].split("."))) >= (13, 0)
    with appinfo.ENTITLEMENTS.open("rb") as handle:
        entitlements = plistlib.load(handle)
    assert entitlements  # hardened-runtime exceptions only, each true
    assert all(
        k.startswith("com.apple.security.cs.") and v is True for k, v in entitlements.items()
    )


def test_inno_setup_script_names_the_executable_and_takes_the_version() -> None:
    script = appinfo.INNO_SCRIPT.read_text()
    assert f'#define AppExe "{appinfo.EXECUTABLE}.exe"' in script
    for line in (
        "AppVersion={#AppVersion}",
        "VersionInfoVersion={#AppNumericVersion}",
        "PrivilegesRequired=lowest",
        "UninstallDisplayIcon={app}\\{#AppExe}",
        f"AppId={{{{{appinfo.WINDOWS_APP_GUID}}}",
    ):
        assert line in script.splitlines(), line
    assert re.search(
        r'^Name: "\{autoprograms\}\\\{#AppName\}"; Filename: "\{app\}\\\{#AppExe\}"', script, re.M
    )
    build = packaging_module("build")
    command = build.inno_command("ISCC.exe", "1.2.0rc1", Path("b"), Path("i.ico"), Path("d"))
    assert "/DAppVersion=1.2.0rc1" in command
    assert "/DAppNumericVersion=1.2.0.0" in command
    assert command[-1] == str(appinfo.INNO_SCRIPT)


def test_versions_for_each_system() -> None:
    assert appinfo.version() == __version__
    assert appinfo.numeric_version("0.1.0") == (0, 1, 0, 0)
    assert appinfo.numeric_version("2.10") == (2, 10, 0, 0)
    assert appinfo.debian_version("1.0.0rc1") == "1.0.0~rc1"
    assert appinfo.debian_version("1.0.0") == "1.0.0"


def test_workflow_passes_actionlint_and_builds_all_three() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    result = run([tool("actionlint"), *map(str, workflows)])
    assert result.returncode == 0, result.stdout + result.stderr
    text = "\n".join(w.read_text() for w in workflows)
    for runner in ("ubuntu-", "windows-", "macos-"):
        assert f"runner: {runner}" in text
    assert "python packaging/build.py" in text


def test_shell_scripts_pass_shellcheck() -> None:
    scripts = [
        PACKAGING / "macos" / "sign-and-notarize.sh",
        PACKAGING / "linux" / "install-system-packages.sh",
        ROOT / ".ci" / "run",
    ]
    result = run([tool("shellcheck"), *map(str, scripts)])
    assert result.returncode == 0, result.stdout


def test_the_sign_script_takes_its_identity_from_the_environment() -> None:
    script = (PACKAGING / "macos" / "sign-and-notarize.sh").read_text()
    assert '"${MACOS_SIGN_IDENTITY:?' in script
    assert "--options runtime" in script  # notarization requires the hardened runtime
    assert "notarytool submit" in script
    assert "stapler staple" in script
