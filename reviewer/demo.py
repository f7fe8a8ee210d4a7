"""The demo's simulator, run as a process of its own.

Started first thing by the ``reviewer`` command, before the app imports Qt: while the app
loads, the simulator loads beside it on the other core and draws the images of the
characters a reviewer opens first. In the app's own process those drawings (about 50 ms
of Python each) would compete with the window for its GIL, and the first character would
wait for them after the window was up. A process also makes the demo what the real
service is: another program on the far side of a socket.

The child is ``reviewer-sim`` (the same command line), reached through a hidden first
argument of the ``reviewer`` command, so a frozen build, whose executable is the app
itself, starts it the same way. It stops when its stdin closes: when the app stops it,
and when the app dies without a word.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from reviewer.argtypes import count, positive

__all__ = [
    "SIMULATOR_COMMAND",
    "DemoError",
    "DemoOptions",
    "DemoServer",
    "add_demo_arguments",
    "demo_options",
]

# The ``reviewer`` command's hidden first argument that runs the simulator instead.
SIMULATOR_COMMAND: Final = "__demo-simulator"
START_TIMEOUT: Final = 30.0
_STOP_GRACE: Final = 5.0
_BASE_URL_LINE: Final = "api base url: "
_KEY_LINE: Final = "api key: "


class DemoError(RuntimeError):
    """The demo's simulator did not start."""


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's own options, shared by the app's parser and the early one below."""
    demo = parser.add_argument_group("demo")
    demo.add_argument("--demo-characters", type=count, default=36, metavar="N")
    demo.add_argument("--demo-seed", type=int, default=7, metavar="N")
    demo.add_argument("--demo-synthesis-seconds", type=positive, default=8.0, metavar="S")


@dataclass(frozen=True, slots=True)
class DemoOptions:
    seed: int = 7
    characters: int = 36
    synthesis_seconds: float = 8.0

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> DemoOptions:
        return cls(args.demo_seed, args.demo_characters, args.demo_synthesis_seconds)


def demo_options(argv: Sequence[str]) -> DemoOptions | None:
    """The demo's options when ``argv`` asks for the demo, read before the app's own
    parser is loaded (it needs Qt). None when it does not, or when the demo's options are
    wrong: the app's parser then says what is wrong, in full."""
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--demo", action="store_true")
    add_demo_arguments(parser)
    try:
        args, _ = parser.parse_known_args(list(argv))
    except (argparse.ArgumentError, SystemExit):
        return None
    return DemoOptions.from_args(args) if args.demo else None


def simulator_command(options: DemoOptions) -> list[str]:
    if getattr(sys, "frozen", False):
        program = [sys.executable]  # the bundle's executable is the reviewer command
    else:
        program = [sys.executable, "-m", "reviewer"]
    return [
        *program,
        SIMULATOR_COMMAND,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--seed",
        str(options.seed),
        "--characters",
        str(options.characters),
        "--synthesis-seconds",
        str(options.synthesis_seconds),
        "--render-seeded-ahead",
        "--exit-with-stdin",
    ]


class DemoServer:
    """A simulator child process. ``start`` returns at once; ``address`` waits until it
    listens."""

    def __init__(self, options: DemoOptions, process: subprocess.Popen[bytes]) -> None:
        self.options = options
        self._process = process
        self._address: tuple[str, str] | None = None

    @classmethod
    def start(cls, options: DemoOptions) -> DemoServer:
        # No console window for the child of a windowed app on Windows.
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
        try:
            process = subprocess.Popen(
                simulator_command(options),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                creationflags=flags,
            )
        except OSError as exc:
            raise DemoError(f"the demo simulator could not be started: {exc}") from exc
        return cls(options, process)

    async def address(self) -> tuple[str, str]:
        """(API base url, API key) once the simulator accepts connections."""
        import asyncio  # here: this module is imported before the child starts (~35 ms)

        if self._address is None:
            try:
                async with asyncio.timeout(START_TIMEOUT):
                    self._address = await asyncio.to_thread(self._read_address)
            except TimeoutError:
                self.stop()
                raise DemoError(
                    f"the demo simulator was not ready within {START_TIMEOUT:g} s"
                ) from None
        return self._address

    def _read_address(self) -> tuple[str, str]:
        stdout = self._process.stdout
        assert stdout is not None
        base_url = key = None
        for raw in stdout:
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith(_BASE_URL_LINE):
                base_url = line.removeprefix(_BASE_URL_LINE)
            elif line.startswith(_KEY_LINE) and key is None:
                key = line.removeprefix(_KEY_LINE)
            if base_url is not None and key is not None:
                return base_url, key
        code = self._process.wait()
        raise DemoError(f"the demo simulator stopped before it was ready (exit code {code})")

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        """Stop the child and wait for it; safe to call more than once."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(OSError):
                self._process.stdin.close()  # the child's cue to stop
        try:
            self._process.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __repr__(self) -> str:
        return f"DemoServer(pid={self._process.pid}, running={self.running})"
