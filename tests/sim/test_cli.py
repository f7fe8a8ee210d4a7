"""reviewer-sim flags for faults, keys and colleagues, as far as the config they make."""

from __future__ import annotations

import pytest

from reviewer.sim import SimConfig
from reviewer.sim.cli import build_parser, config_from_args, main


def _config(*argv: str) -> SimConfig:
    return config_from_args(build_parser().parse_args(list(argv)))


def test_fault_flags_are_off_by_default() -> None:
    built = _config()
    assert (built.fault_rate, built.reset_rate, built.corrupt_image_rate) == (0.0, 0.0, 0.0)
    assert built.latency_seconds == 0.0
    assert built.colleague_per_minute == {}
    assert built.failure_rate == 0.05  # synthesis failures were on before and stay on


def test_fault_flags_reach_the_config() -> None:
    built = _config(
        "--fault-rate", "0.2", "--reset-rate", "0.1", "--corrupt-image-rate", "0.05",
        "--latency-ms", "150", "--synthesis-failure-rate", "0.3", "--seed", "4",
    )  # fmt: skip
    assert (built.fault_rate, built.reset_rate, built.corrupt_image_rate) == (0.2, 0.1, 0.05)
    assert built.latency_seconds == pytest.approx(0.15)
    assert built.failure_rate == 0.3
    assert built.seed == 4


def test_render_ahead_reaches_the_config() -> None:
    assert _config().render_ahead_seconds == 10.0
    assert _config("--render-ahead", "0").render_ahead_seconds == 0.0
    assert _config("--render-ahead", "2.5").render_ahead_seconds == 2.5


def test_old_spellings_still_work() -> None:
    assert _config("--latency", "0.5").latency_seconds == 0.5
    assert _config("--failure-rate", "0.25").failure_rate == 0.25


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault-rate", "1.5"], "--fault-rate"),
        (["--reset-rate", "-0.1"], "--reset-rate"),
        (["--corrupt-image-rate", "x"], "--corrupt-image-rate"),
        (["--synthesis-failure-rate", "2"], "--failure-rate"),
        (["--latency-ms", "-5"], "--latency-ms"),
        (["--render-ahead", "-1"], "--render-ahead"),
        (["--latency-ms", "5", "--latency", "1"], "not allowed with"),
        (["--colleague-post-per-minute", "-1"], "--colleague-post-per-minute"),
        (["--team-key", "al_live_x", "--team-key", "al_live_x"], "distinct"),
    ],
)
def test_bad_fault_flags_are_argparse_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
