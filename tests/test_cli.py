"""The command line: options, help and version, without opening a window."""

import subprocess
import sys

import pytest

from reviewer import __version__
from reviewer.app import build_parser


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert args.base_url.endswith("/v1")
    assert args.undo_seconds == 4.0
    assert args.poll_interval == 10.0
    assert not args.demo


def test_options() -> None:
    args = build_parser().parse_args(
        [
            "--demo",
            "--base-url",
            "https://example.test",
            "--api-version",
            "2026-05-15",
            "--poll-interval",
            "3",
            "--undo-seconds",
            "0",
        ]
    )
    assert args.demo
    assert args.base_url == "https://example.test"
    assert args.api_version == "2026-05-15"
    assert (args.poll_interval, args.undo_seconds) == (3.0, 0.0)


@pytest.mark.parametrize(
    "bad", [["--poll-interval", "0"], ["--undo-seconds", "-1"], ["--poll-interval", "x"]]
)
def test_bad_values_are_refused(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(bad)
    assert info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_help_and_version_run_as_a_program() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "reviewer", "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in version.stdout
    help_text = subprocess.run(
        [sys.executable, "-m", "reviewer", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in ("--demo", "--base-url", "--api-version", "--poll-interval", "--undo-seconds"):
        assert option in help_text
