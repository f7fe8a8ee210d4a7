"""``reviewer --self-test``: every check runs and reports, without a display, and the exit
status says whether all passed."""

from __future__ import annotations

import sys

import pytest

from tests.packaging.conftest import HideLibraries, display_env, run

CHECKS = (
    "display plugins",
    "Qt",
    "resources",
    "SVG",
    "images",
    "TLS",
    "event loop",
    "simulator",
)


def check_lines(output: str) -> dict[str, str]:
    """check name -> 'ok' or 'FAIL', from the report's indented lines."""
    marks = {}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("  ") and parts and parts[0] in {"ok", "FAIL"}:
            name = next(n for n in CHECKS if line[7:].startswith(n))
            marks[name] = parts[0]
    return marks


def test_every_check_passes_here_without_a_display() -> None:
    env = display_env()
    del env["DISPLAY"]  # no display at all: the self-test must not need one
    result = run([sys.executable, "-m", "reviewer", "--self-test"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check_lines(result.stdout) == dict.fromkeys(CHECKS, "ok")
    assert "Self-test passed: all 8 checks." in result.stdout
    assert "decodes PNG, JPEG, WEBP" in result.stdout
    assert "CA certificates" in result.stdout or sys.platform != "linux"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux display libraries")
def test_no_display_plugin_that_can_load_fails_the_self_test(
    hide_libraries: HideLibraries,
) -> None:
    hidden = hide_libraries(["libxcb-cursor.so.0", "libwayland-client.so.0"])
    result = run([*hidden, sys.executable, "-m", "reviewer", "--self-test"], display_env())
    assert result.returncode == 1, result.stdout + result.stderr
    marks = check_lines(result.stdout)
    assert marks.pop("display plugins") == "FAIL"
    assert set(marks.values()) == {"ok"}  # offscreen Qt and the rest still work
    assert "xcb: missing libxcb-cursor.so.0" in result.stdout
    assert "install: sudo apt-get install libxcb-cursor0" in result.stdout
    assert "Self-test failed: display plugins." in result.stdout
