"""The benchmark harness runs end to end and reports every key; figures are not judged
here (benchmarks are not tests), only that each is a number or says why it is not."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from benchmarks.run import BY_KEY, PHASES, _in_child

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
@pytest.mark.timeout(330)
def test_quick_run_reports_every_key(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    with (tmp_path / "run.log").open("wb") as log:
        done = subprocess.run(
            [sys.executable, "benchmarks/run.py", "--quick", "--json", str(out)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    text = (tmp_path / "run.log").read_text(errors="replace")
    assert done.returncode == 0, text
    report = json.loads(out.read_text())
    assert report["mode"] == "quick"
    assert isinstance(report["machine"]["cpu_count"], int)
    assert isinstance(report["seconds"], int | float)
    for phase in PHASES:
        result = report[phase.key]
        assert result["goal"] == phase.goal
        if result["ok"] is None:
            # Not measured (timed out, say): every field null, and the reason given.
            assert result["reason"], phase.key
            assert all(result[field] is None for field in phase.fields), result
        else:
            assert isinstance(result["ok"], bool)
            assert isinstance(result["ratio"], int | float)
            for field in phase.fields:
                assert isinstance(result[field], int | float), (phase.key, field, result)
        assert phase.key in text  # and a row of the table


def test_a_phase_that_overruns_is_timed_out_and_its_simulator_ended(tmp_path: Path) -> None:
    phase = replace(BY_KEY["arrival_latency_ms"], timeout=lambda quick: 1.0)
    result = _in_child(phase, True, tmp_path)
    assert result["reason"].startswith("timed out after 1 s"), result
    log = (tmp_path / phase.key / "sim-arrival.log").read_text()
    url = next(line.split()[-1] for line in log.splitlines() if line.startswith("listening on"))
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_sim/clock", timeout=5)
