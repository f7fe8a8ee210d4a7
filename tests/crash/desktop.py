"""A real X display (Xvfb + openbox) and the real ``reviewer`` app on it, driven by
xdotool as a person would: the harness of the crash tests.

Every process here starts in its own session, so stopping one ends its children too,
and each is stopped by its own id (never by name).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

# Bounded waits, generous for a loaded 2-core machine; a condition met returns at once.
WAIT = 120.0
POLL = 0.05
TITLE = "Aurous Reviewer"


class Timeout(AssertionError):
    """A condition did not come true in time (a test failure, with what was waited for)."""


def wait_until(
    condition: Callable[[], bool],
    what: str,
    *,
    timeout: float = WAIT,
    details: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``condition`` every POLL seconds until it holds; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            extra = details()
            raise Timeout(f"waited {timeout:g} s for {what}" + (f"\n{extra}" if extra else ""))
        time.sleep(POLL)


def _stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """End a process we started, and its session (it leads one), by its id."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    # Anything the leader left behind in its session goes too, even when it exited.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)


class Display:
    """Xvfb on a free display number, with openbox so windows can be activated."""

    def __init__(self, workdir: Path, size: str = "1600x1000", number: int | None = None) -> None:
        self.workdir = workdir
        self._processes: list[subprocess.Popen[bytes]] = []
        self.name = self._start_xvfb(size, number)
        self._start_openbox()

    def _start_xvfb(self, size: str, wanted: int | None) -> str:
        # -displayfd: Xvfb writes its display number once ready (a free one it picks
        # itself unless ``wanted`` names one).
        read_end, write_end = os.pipe()
        command = ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size}x24"]
        if wanted is not None:
            command.insert(1, f":{wanted}")
        try:
            with (self.workdir / "xvfb.log").open("wb") as log:
                xvfb = subprocess.Popen(
                    [*command, "-nolisten", "tcp"],
                    pass_fds=(write_end,),
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    start_new_session=True,
                )
        finally:
            os.close(write_end)
        self._processes.append(xvfb)
        number = b""
        with os.fdopen(read_end, "rb") as pipe:
            # Ends with a newline once ready; EOF if Xvfb died first.
            while not number.endswith(b"\n"):
                chunk = pipe.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip().isdigit():
            self.close()
            raise RuntimeError(f"Xvfb did not start:\n{self._log('xvfb.log')}")
        return f":{number.strip().decode()}"

    def _start_openbox(self) -> None:
        ready = self.workdir / "openbox-ready"
        with (self.workdir / "openbox.log").open("wb") as log:
            openbox = subprocess.Popen(
                ["openbox", "--startup", f"touch {ready}"],
                env={**os.environ, "DISPLAY": self.name},
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        self._processes.append(openbox)
        wait_until(ready.exists, "openbox to start", details=lambda: self._log("openbox.log"))

    def xdotool(self, *args: str, check: bool = False, timeout: float = 30.0) -> str:
        """Its output; "" when it fails (a search that finds nothing), unless ``check``."""
        done = subprocess.run(
            ["xdotool", *args],
            env={**os.environ, "DISPLAY": self.name},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"xdotool {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip() if done.returncode == 0 else ""

    def windows(self, pid: int, name: str = TITLE) -> list[str]:
        """Visible windows of process ``pid`` whose title matches the regex ``name``."""
        found = self.xdotool("search", "--all", "--onlyvisible", "--pid", str(pid), "--name", name)
        return found.split()

    def screenshot(self, path: Path) -> Path | None:
        """The whole screen as a PNG (ImageMagick's ``import``), for a failure's report."""
        if shutil.which("import") is None:
            return None
        done = subprocess.run(
            ["import", "-display", self.name, "-window", "root", str(path)],
            capture_output=True,
            timeout=30,
            check=False,
        )
        return path if done.returncode == 0 else None

    def _log(self, name: str) -> str:
        path = self.workdir / name
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def close(self) -> None:
        for process in reversed(self._processes):
            _stop(process)
        self._processes.clear()


def reviewer_command() -> list[str]:
    """The venv's ``reviewer`` console script, as a user runs it."""
    script = Path(sys.executable).with_name("reviewer")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reviewer"]


class App:
    """One run of the real app on ``display``."""

    def __init__(
        self, display: Display, args: list[str], env: Mapping[str, str], log: Path
    ) -> None:
        self.display = display
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [*reviewer_command(), *args],
                env={**env, "DISPLAY": display.name},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self.process.pid
        self.window = ""

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_window(self, name: str = TITLE + " — ", details: Callable[[], str] = str) -> str:
        """The app's main window (its title names the server), once it is shown."""

        def shown() -> bool:
            if not self.running():
                raise AssertionError(
                    f"the app exited ({self.process.returncode}):\n{self.output()}"
                )
            found = self.display.windows(self.pid, name)
            if found:
                self.window = found[0]
            return bool(found)

        wait_until(shown, f"the window {name!r}", details=details)
        return self.window

    def keys(self, *keys: str, delay_ms: int = 250) -> None:
        """Type ``keys`` into the window at a fast reviewer's pace (250 ms: 4 a second)."""
        assert self.window, "wait_window() first"
        self.display.xdotool(
            "windowactivate",
            "--sync",
            self.window,
            "key",
            "--delay",
            str(delay_ms),
            *keys,
            check=True,
        )

    def kill(self) -> None:
        """kill -9, as a crash or power loss would end it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(WAIT)

    def interrupt(self) -> None:
        """Ctrl+C in its terminal: the app closes the window the normal way."""
        self.process.send_signal(signal.SIGINT)

    def wait_exit(self, details: Callable[[], str] = str, timeout: float = WAIT) -> int:
        wait_until(
            lambda: not self.running(),
            f"the app (pid {self.pid}) to exit",
            timeout=timeout,
            details=lambda: f"{details()}\n{self.output()}",
        )
        return int(self.process.returncode)

    def output(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- app output ({self.log}) ---\n{text[-4000:]}"

    def stop(self) -> None:
        _stop(self.process)


@contextlib.contextmanager
def running_app(
    display: Display, args: list[str], env: Mapping[str, str], log: Path
) -> Iterator[App]:
    app = App(display, args, env, log)
    try:
        yield app
    finally:
        app.stop()
