"""Fixtures for the crash tests: an X display with a window manager, the simulator on a
loopback port, and the real app started as a user would start it, with its own folders."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest

from reviewer.sim import RunningSim, SimConfig, serve_in_thread
from tests.crash.desktop import App, Display, wait_until

# What these tests need beyond the Qt libraries .ci/run installs (Debian/Ubuntu names);
# imagemagick is optional: with it, a failure leaves a screenshot.
APT_PACKAGES = "xvfb openbox xdotool imagemagick"
TOOLS = {"Xvfb": "xvfb", "openbox": "openbox", "xdotool": "xdotool"}

SEED = 42  # the first eight characters in the queue are in review once the seeded runs land
CHARACTERS = 30


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Lets a fixture see whether its test failed (for a screenshot).
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="module")
def display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Display]:
    missing = sorted({package for tool, package in TOOLS.items() if shutil.which(tool) is None})
    if missing:
        pytest.fail(f"the crash tests need {', '.join(missing)}: apt-get install {APT_PACKAGES}")
    screen = Display(tmp_path_factory.mktemp("display"))
    try:
        yield screen
    finally:
        screen.close()


@pytest.fixture
def sim() -> Iterator[RunningSim]:
    running = serve_in_thread(
        SimConfig(
            seed=SEED,
            characters=CHARACTERS,
            # Short, so the seeded runs have landed before the app starts (a known queue).
            synthesis_seconds=1.0,
            synthesis_jitter=0.0,
            failure_rate=0.0,
            image_size=256,  # light on a small CI machine; the size does not matter here
        )
    )
    try:
        wait_until(
            lambda: all(c["status"] != "synthesizing" for c in running.sim.characters()),
            "the seeded synthesis runs to land",
        )
        yield running
    finally:
        running.stop()


@pytest.fixture
def app_env(tmp_path: Path, sim: RunningSim) -> dict[str, str]:
    """The environment of a user's terminal, with every folder of the app in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "XDG_"))}
    for kind in ("DATA", "CONFIG", "CACHE", "STATE"):
        env[f"XDG_{kind}_HOME"] = str(tmp_path / kind.lower())
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "runtime")
    (tmp_path / "runtime").mkdir(mode=0o700)
    env["AUROUS_API_KEY"] = sim.api_key
    # Never the real keychain (the key comes from the environment anyway).
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["QT_QPA_PLATFORM"] = "xcb"
    env["QT_API"] = "pyside6"
    return env


Launch = Callable[..., App]


@pytest.fixture
def launch(
    request: pytest.FixtureRequest,
    display: Display,
    sim: RunningSim,
    app_env: dict[str, str],
    tmp_path: Path,
) -> Iterator[Launch]:
    """Start the real app on the display against the simulator; every run is stopped
    (kill -9 of its session) at teardown, whatever the test did."""
    started: list[App] = []

    def start(*extra: str, undo_seconds: float = 6.0) -> App:
        args = ["--base-url", sim.base_url, "--undo-seconds", f"{undo_seconds:g}", *extra]
        log = tmp_path / f"app-{len(started) + 1}.log"
        app = App(display, args, app_env, log)
        started.append(app)
        return app

    yield start
    if request.node.stash.get(_FAILED, False):
        shot = display.screenshot(tmp_path / "screen-at-failure.png")
        print(f"screen at the failure: {shot}")
        for app in started:
            print(app.output())
        log = tmp_path / "state" / "aurous-reviewer" / "log" / "reviewer.log"
        if log.exists():
            print(f"--- {log} ---\n{log.read_text(errors='replace')[-4000:]}")
    for app in started:
        app.stop()
