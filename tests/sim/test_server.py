"""Real sockets: serve_in_thread over loopback, and the reviewer-sim command."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from reviewer.sim import serve_in_thread
from reviewer.sim._server import bind
from reviewer.sim.cli import main

from .conftest import KEY, config

ROOT = Path(__file__).resolve().parents[2]


def test_serve_in_thread_over_loopback() -> None:
    with serve_in_thread(config()) as running:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", running.url)
        assert running.base_url == f"{running.url}/v1"
        assert running.api_key == KEY
        headers = {"X-Api-Key": running.api_key}
        with httpx.Client(base_url=running.base_url, headers=headers, timeout=10) as client:
            page = client.get("/characters", params={"status": "reviewing"})
            assert page.status_code == 200
            url = page.json()["data"][0]["refs"][0]["url"]
            assert url.startswith(f"{running.url}/storage/")
            image = httpx.get(url, timeout=10)
            assert image.status_code == 200
            assert image.headers["Content-Type"].startswith("image/")

            running.sim.drop_next(1, route="balance")
            with pytest.raises(httpx.RemoteProtocolError):
                client.get("/balance")
            assert client.get("/balance").status_code == 200
            assert [r.dropped for r in running.sim.requests[-2:]] == [True, False]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.url}/v1/balance", timeout=2)


def test_the_listening_socket_lets_asyncio_disable_nagle() -> None:
    # Without IPPROTO_TCP asyncio skips TCP_NODELAY and small answers stall ~40 ms each.
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_stop_releases_a_held_request() -> None:
    running = serve_in_thread(config())
    gate = running.sim.hold_next("balance")
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.get, f"{running.base_url}/balance", headers={"X-Api-Key": KEY})
        assert gate.wait_entered(10)
        running.stop()
        assert pending.result(10).status_code == 200


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "reviewer.sim.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_serves_and_stops_on_ctrl_c() -> None:
    proc = _spawn("--port", "0", "--characters", "3", "--image-size", "64", "--seed", "3")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", first)
        assert match, first
        url = match[1]
        assert proc.stdout.readline() == f"api base url: {url}/v1\n"
        key = proc.stdout.readline().removeprefix("api key: ").strip()
        assert re.fullmatch(r"al_live_[0-9a-f]{64}", key)
        balance = httpx.get(f"{url}/v1/balance", headers={"X-Api-Key": key}, timeout=10)
        assert balance.status_code == 200
        page = httpx.get(f"{url}/v1/characters", headers={"X-Api-Key": key}, timeout=10)
        assert len(page.json()["data"]) == 3
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="the idle policy: Linux")
def test_cli_idle_priority_puts_every_thread_it_runs_on_the_idle_policy() -> None:
    proc = _spawn("--port", "0", "--characters", "2", "--image-size", "64", "--idle-priority")
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        key = [proc.stdout.readline() for _ in range(2)][-1].split()[-1]
        # A download draws on the server's threads: they exist now.
        page = httpx.get(f"{url}/v1/characters", headers={"X-Api-Key": key}, timeout=10)
        httpx.get(page.json()["data"][0]["refs"][0]["url"], timeout=10).raise_for_status()
        threads = [int(t) for t in os.listdir(f"/proc/{proc.pid}/task")]
        assert len(threads) > 1
        assert {os.sched_getscheduler(t) for t in threads} == {os.SCHED_IDLE}
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port"),
        (["--failure-rate", "1.5"], "--failure-rate"),
        (["--characters", "many"], "--characters"),
        (["--billing-mode", "free"], "--billing-mode"),
    ],
)
def test_cli_bad_arguments_are_argparse_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage: reviewer-sim" in err
    assert message in err
