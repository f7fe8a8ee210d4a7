"""Processes the harness starts: the simulator on a free loopback port, as the real
service would be, and phases in a child process of their own.

Every wait has a deadline and every process is ended (try/finally and atexit). Output goes
to a file, never to a pipe the harness would have to drain: a full pipe buffer blocks the
writer, and the harness with it."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.simfixtures import KEY

__all__ = [
    "KEY",
    "SIM_PRIORITY",
    "TEAM_KEY",
    "Context",
    "SimProcess",
    "SimStartError",
    "all_characters",
    "child_env",
    "spawn",
    "stop_process",
]

# A second key of the first team: a colleague's app, or the harness setting things up.
TEAM_KEY = "al_live_" + "3d" * 32
_ROOT = Path(__file__).resolve().parent.parent
# The real service draws and stores its images on machines of its own; the simulator
# does so on this one, beside the window under measurement. On the idle policy
# (``--idle-priority``) it gets only the CPU the app leaves, the nearest a local stand-in
# gets to being elsewhere (at the default it took a core from the window while 50
# characters' poses were drawn; at nice 19 the window still waited for it up to 4 ms).
SIM_PRIORITY = "--idle-priority"
_BASE_LINE = "api base url:"


@dataclass
class Context:
    """What a phase's child gets: the simulators the harness started, and the mode."""

    sims: dict[str, str]  # name → the simulator's base url (…/v1)
    quick: bool
    tmp: Path

    def say(self, text: str) -> None:
        print(f"    {text}", file=sys.stderr, flush=True)


class SimStartError(RuntimeError):
    """The simulator did not start listening; the message ends with its output."""


def stop_process(process: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """Terminate, then kill when it does not end within ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace)


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child: this checkout's ``reviewer`` first, offscreen Qt."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["QT_API"] = "pyside6"
    env.update(extra)
    return env


def spawn(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``command`` from the repository root, its output into ``log``, no input."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=_ROOT,
            env=env,
        )


async def all_characters(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every character the key's team has, page by page (``http`` has the base url and key)."""
    chars: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["starting_after"] = cursor
        page = (await http.get("/characters", params=params)).raise_for_status().json()
        chars += page["data"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return chars


class SimProcess:
    """``reviewer-sim`` in a process of its own on 127.0.0.1 with a free port.

    ``args`` are its command-line flags (``--seed``, ``--characters``...); the keys are
    KEY (the reviewer's team) and TEAM_KEY (another key of the same team)."""

    def __init__(self, args: list[str], log: Path, *, start_timeout: float = 30.0) -> None:
        self.args = args
        self.log = log
        self.start_timeout = start_timeout
        self.base_url = ""
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SimProcess:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process; ``wait_ready`` waits for it to listen (several start at once)."""
        command = [sys.executable, "-u", "-m", "reviewer.sim.cli", "--host", "127.0.0.1"]
        command += ["--port", "0", "--api-key", KEY, "--team-key", TEAM_KEY, *self.args]
        command.append(SIM_PRIORITY)
        self._process = spawn(command, self.log, child_env())
        atexit.register(self.stop)

    def wait_ready(self) -> None:
        assert self._process is not None, "launch() first"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            for line in self.log.read_text(errors="replace").splitlines():
                if line.startswith(_BASE_LINE):
                    self.base_url = line.removeprefix(_BASE_LINE).strip()
                    self.url = self.base_url.removesuffix("/v1")
                    return
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        tail = self.log.read_text(errors="replace")[-2000:]
        raise SimStartError(f"the simulator did not start within {self.start_timeout:g} s:\n{tail}")

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process)

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """A call to the simulator's /_sim controls (or any url under its origin)."""
        response = httpx.request(method, self.url + path, json=body, timeout=30.0)
        response.raise_for_status()
        return response.json()
