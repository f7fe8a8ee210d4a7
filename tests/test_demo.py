"""The demo's simulator runs as a child process, started before the app loads Qt."""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys

import httpx
import pytest

from reviewer import demo, launch


def test_the_demo_options_are_read_before_the_apps_parser() -> None:
    assert demo.demo_options(["--base-url", "https://x.example"]) is None
    assert demo.demo_options(["--demo"]) == demo.DemoOptions()
    assert demo.demo_options(
        ["--theme", "dark", "--demo", "--demo-seed", "3", "--demo-characters=5"]
    ) == demo.DemoOptions(seed=3, characters=5)
    # Wrong options start nothing early: the app's parser says what is wrong.
    assert demo.demo_options(["--demo", "--demo-characters", "-1"]) is None
    assert demo.demo_options(["--demo", "--demo-synthesis-seconds", "soon"]) is None


def test_a_frozen_build_starts_the_simulator_through_its_own_executable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert demo.simulator_command(demo.DemoOptions())[:4] == [
        sys.executable,
        "-m",
        "reviewer",
        demo.SIMULATOR_COMMAND,
    ]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    command = demo.simulator_command(demo.DemoOptions(seed=4))
    assert command[:2] == [sys.executable, demo.SIMULATOR_COMMAND]
    assert command[command.index("--seed") + 1] == "4"
    assert "--render-seeded-ahead" in command
    assert "--exit-with-stdin" in command


def serve_and_stop(server: demo.DemoServer, characters: int) -> None:
    """The started ``server`` lists its ``characters`` on loopback, then stops."""
    try:
        base_url, key = asyncio.run(server.address())
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/v1")
        listed = httpx.get(
            f"{base_url}/characters", headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        assert listed.status_code == 200
        assert len(listed.json()["data"]) == characters
    finally:
        server.stop()
    assert not server.running


def test_the_child_serves_the_demo_and_stops_with_the_app() -> None:
    server = demo.DemoServer.start(demo.DemoOptions(characters=3))
    serve_and_stop(server, 3)
    server.stop()  # twice is harmless


def test_the_child_stops_when_its_parent_dies_without_a_word() -> None:
    # A parent that starts the demo's simulator, prints its pid and is then killed.
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import asyncio, sys, time\n"
            "from reviewer import demo\n"
            "server = demo.DemoServer.start(demo.DemoOptions(characters=1))\n"
            "asyncio.run(server.address())\n"
            "print(server._process.pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    if not hasattr(os, "pidfd_open"):
        parent.kill()
        pytest.skip("waits on a process that is not its child with a pidfd (Linux)")
    # Opened before the parent dies, so the pid cannot be reused under the test.
    pidfd = os.pidfd_open(child_pid)
    try:
        parent.kill()
        parent.wait(10)
        # Readable once the orphan has exited (it notices its stdin closed).
        ended, _, _ = select.select([pidfd], [], [], 30)
    finally:
        os.close(pidfd)
    assert ended, f"the demo simulator (pid {child_pid}) outlived its parent"


def test_a_simulator_that_cannot_start_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        demo, "simulator_command", lambda _options: [sys.executable, "-c", "raise SystemExit(3)"]
    )
    server = demo.DemoServer.start(demo.DemoOptions())
    with pytest.raises(demo.DemoError, match=r"stopped before it was ready \(exit code 3\)"):
        asyncio.run(server.address())
    server.stop()


def test_the_hidden_command_runs_the_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        launch.main([demo.SIMULATOR_COMMAND, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "reviewer-sim" in out
    assert "--render-seeded-ahead" in out
    assert "--exit-with-stdin" not in out  # for the app only
