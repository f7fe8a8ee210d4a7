"""Qt tests: one qasync loop for the session, the real window over the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewer.app import build_session
from reviewer.review import ManualClock
from reviewer.review.arrange import SortOrder
from reviewer.review.session import ReviewSession
from reviewer.ui.keymap import Keymap
from reviewer.ui.main_window import MainWindow
from reviewer.ui.theme import ThemeChoice, apply_theme
from tests.simfixtures import SimHarness, make_sim

T = TypeVar("T")


@pytest.fixture(scope="session")
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)  # set per test by ``loop``
    # Plain threads for to_thread work, shut down at the end (no QThreads left running).
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="test-loop")
    loop.set_default_executor(executor)
    yield loop
    executor.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def loop(qloop: qasync.QEventLoop) -> Iterator[qasync.QEventLoop]:
    # The qasync loop runs inside Qt's, so asyncio must be told it is running; and told
    # it is not afterwards, or the anyio tests that follow cannot start loops of their own.
    asyncio.set_event_loop(qloop)
    asyncio.events._set_running_loop(qloop)
    yield qloop
    for task in asyncio.all_tasks(qloop):
        task.cancel()
    asyncio.events._set_running_loop(None)


class Runner:
    def __init__(self, qtbot: QtBot, loop: qasync.QEventLoop) -> None:
        self.qtbot = qtbot
        self.loop = loop

    def __call__(self, coro: Coroutine[Any, Any, T], timeout: int = 10_000) -> T:
        task: asyncio.Task[T] = self.loop.create_task(coro)
        self.qtbot.waitUntil(task.done, timeout=timeout)
        return task.result()


@pytest.fixture
def run(qtbot: QtBot, loop: qasync.QEventLoop) -> Runner:
    return Runner(qtbot, loop)


class App:
    """The window, its session and the simulator behind it."""

    def __init__(
        self,
        h: SimHarness,
        session: ReviewSession,
        window: MainWindow,
        clock: ManualClock,
        run: Runner,
        qtbot: QtBot,
    ) -> None:
        self.h = h
        self.sim = h.sim
        self.session = session
        self.window = window
        self.clock = clock
        self.run = run
        self.qtbot = qtbot

    def status(self, cid: str) -> str | None:
        raw = self.sim.character(cid)
        return None if raw is None else str(raw["status"])

    def current_id(self) -> str:
        entry = self.session.current
        assert entry is not None
        return entry.id

    def details_shown(self) -> None:
        """Let the detail panel catch up: it restates itself a turn of the loop late."""
        self.qtbot.waitUntil(lambda: not self.window.details.pending)

    def pass_undo_window(self) -> None:
        self.clock.advance(self.session.outbox.undo_seconds + 0.01)
        self.qtbot.waitUntil(lambda: not self.session.outbox.pending())

    def poll(self) -> None:
        cycles = self.session.poller.cycles
        self.session.refresh()
        self.qtbot.waitUntil(
            lambda: self.session.poller.cycles > cycles and self.clock.sleepers > 0
        )


@pytest.fixture
def keymap() -> Keymap | None:
    """The window's keys; a test module overrides this fixture to try its own."""
    return None


@pytest.fixture
def start_sort() -> SortOrder | None:
    """The sort order remembered from the last session (parametrize to try another)."""
    return None


@pytest.fixture
def app(
    qtbot: QtBot,
    qapp: QApplication,
    run: Runner,
    tmp_path: Path,
    keymap: Keymap | None,
    start_sort: SortOrder | None,
) -> Iterator[App]:
    with running_app(qtbot, qapp, run, tmp_path, keymap=keymap, sort=start_sort) as started:
        yield started


@contextmanager
def running_app(
    qtbot: QtBot,
    qapp: QApplication,
    run: Runner,
    tmp_path: Path,
    *,
    keymap: Keymap | None = None,
    h: SimHarness | None = None,
    theme_choice: ThemeChoice = ThemeChoice.DARK,
    sort: SortOrder | None = None,
) -> Iterator[App]:
    """The window over ``h`` (the usual simulator when None), loaded."""
    theme = apply_theme(qapp, theme_choice)
    h = h or make_sim()
    clock = ManualClock()
    client = h.client()
    session = build_session(
        client, undo_seconds=4, poll_interval=10, cache_dir=tmp_path / "images", clock=clock
    )
    window = MainWindow(session, theme, where="test", keymap=keymap)
    if sort is not None:
        session.queue.set_sort(sort)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    run(session.start())
    # Generous: on a loaded shared machine the first sweep has been seen to take > 5 s.
    qtbot.waitUntil(lambda: not session.loading, timeout=30_000)
    try:
        yield App(h, session, window, clock, run, qtbot)
    finally:
        run(session.aclose(flush=False))
        run(client.aclose())
        window.close_now()
        window.deleteLater()
