"""The window under measurement: offscreen Qt, a qasync loop, the real MainWindow over a
simulator's base url, a 1 ms GUI-thread heartbeat and a watch on the pose tiles' paints.

``run_qt(coroutine, timeout)`` makes the QApplication before any timer or widget, runs
the coroutine on a qasync loop with a hard deadline and returns its result."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import qasync
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewer.api import SYNTHESIZED_POSES, AsyncAurousClient
from reviewer.app import build_session
from reviewer.review.heap import keep_collections_short, reuse_freed_memory
from reviewer.review.queue import Entry
from reviewer.review.session import ReviewSession
from reviewer.ui.main_window import MainWindow
from reviewer.ui.pose_grid import PoseTile
from reviewer.ui.theme import ThemeChoice, apply_theme

from ._proc import KEY
from ._trace import PROBE_NAME, tracer_from_env

__all__ = ["PaintWatch", "StallProbe", "Window", "open_window", "run_qt", "wait_for"]

T = TypeVar("T")


def run_qt(make: Callable[[QApplication], Coroutine[Any, Any, T]], timeout: float) -> T:
    """Run ``make(app)`` on a qasync loop; TimeoutError after ``timeout`` seconds."""
    app = QApplication.instance() or QApplication(["benchmarks"])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    reuse_freed_memory()  # as the app does
    tracer_from_env()  # before the loop, when tracing
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result: T = loop.run_until_complete(asyncio.wait_for(make(app), timeout))
    return result


async def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Let the loop run until ``condition`` holds; TimeoutError naming ``what`` if not."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {seconds:g} s")
        await asyncio.sleep(0.002)


class StallProbe:
    """A 1 ms precise timer on the GUI thread; every gap between its ticks, by phase."""

    def __init__(self) -> None:
        self.gaps: dict[str, list[float]] = {}
        # Of each gap, the ms the GUI thread was runnable but had no core (Linux
        # schedstat): the machine's doing (other tasks, a hypervisor), not the window's.
        self.waits: dict[str, list[float]] = {}
        # Of each gap, the ms the GUI thread ran (its CPU time): the window's own work.
        self.busy: dict[str, list[float]] = {}
        self._last_cpu = 0.0
        self.phase = "idle"
        self._schedstat: int | None = None
        with contextlib.suppress(OSError):  # not Linux
            self._schedstat = os.open(
                f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY
            )
        self._last_wait = 0.0
        self._timer = QTimer()
        self._timer.setObjectName(PROBE_NAME)  # a tracer's beats (``_trace``)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0

    def _waited(self) -> float:
        if self._schedstat is None:
            return 0.0
        return int(os.pread(self._schedstat, 64, 0).split()[1]) / 1e6

    def start(self, phase: str) -> None:
        self.phase = phase
        self._last = time.perf_counter()
        self._last_wait = self._waited()
        self._last_cpu = time.thread_time()
        self.gaps.setdefault(phase, [])
        self.waits.setdefault(phase, [])
        self.busy.setdefault(phase, [])
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.phase = "idle"

    def _beat(self) -> None:
        now, waited, cpu = time.perf_counter(), self._waited(), time.thread_time()
        gap = (now - self._last) * 1000
        self.gaps.setdefault(self.phase, []).append(gap)
        self.waits.setdefault(self.phase, []).append(waited - self._last_wait)
        self.busy.setdefault(self.phase, []).append((cpu - self._last_cpu) * 1000)
        self._last, self._last_wait, self._last_cpu = now, waited, cpu


class PaintWatch(QObject):
    """Times the paint of each pose tile that shows an image of the armed character in
    review (a character synthesizing still lists its old poses: those do not count); the
    paint runs inside the filter, so its own cost is part of the time."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.target: str | None = None
        self.skip_version: str | None = None
        self.painted: dict[str, float] = {}
        for tile in window.grid.tiles.values():
            tile.installEventFilter(self)

    def arm(self, target: str, *, skip_version: str | None = None, repaint: bool = False) -> None:
        """Watch for ``target``, but not at ``skip_version`` (an updated_at) when given;
        ``repaint``: it may be shown already, so paint the tiles again."""
        self.target = target
        self.skip_version = skip_version
        self.painted = {}
        if repaint:
            for tile in self.window.grid.tiles.values():
                tile.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint or self.target is None:
            return False
        assert isinstance(watched, PoseTile)
        entry = self.window.current.entry
        if entry is None or entry.id != self.target or watched.pose in self.painted:
            return False
        if entry.character.updated_at.isoformat() == self.skip_version:
            return False
        if watched.state.pixmap is None or watched.state.loading or not complete(entry):
            return False
        watched.event(event)
        self.painted[watched.pose] = time.perf_counter()
        return True

    def done(self) -> float | None:
        """perf_counter() of the last of the four tiles' paints; None until all four."""
        if len(self.painted) < len(self.window.grid.tiles):
            return None
        return max(self.painted.values())


@dataclass
class Window:
    client: AsyncAurousClient
    session: ReviewSession
    window: MainWindow

    def press(self, action: str) -> None:
        """The first key bound to ``action`` in the window's keymap, as a real key event."""
        sequence: QKeySequence = self.window.keymap.sequences(action)[0]
        combo = sequence[0]  # type: ignore[index]  # PySide6's stubs lack __getitem__
        QTest.keyClick(self.window.queue_view, combo.key(), combo.keyboardModifiers())

    async def close(self) -> None:
        await self.session.aclose(flush=False)
        await self.client.aclose()
        self.window.close_now()


async def open_window(
    app: QApplication,
    base_url: str,
    cache: Path,
    *,
    undo_seconds: float = 4.0,
    poll_interval: float = 10.0,
    size: tuple[int, int] = (1440, 900),
    probe: StallProbe | None = None,
    load_timeout: float = 120.0,
) -> Window:
    """The window on the simulator at ``base_url``, shown, active and loaded."""
    client = AsyncAurousClient(api_key=KEY, base_url=base_url)
    session = build_session(
        client, undo_seconds=undo_seconds, poll_interval=poll_interval, cache_dir=cache
    )
    window = MainWindow(session, apply_theme(app, ThemeChoice.DARK), where="bench")
    window.resize(*size)
    window.show()
    window.activateWindow()
    await wait_for(lambda: QApplication.activeWindow() is window, 10, "the window active")
    window.queue_view.setFocus()
    keep_collections_short(session)  # as the app does
    if probe is not None:
        probe.start("load")
    await session.start()
    await wait_for(lambda: not session.loading, load_timeout, "the queue loaded")
    return Window(client, session, window)


def complete(entry: Entry | None) -> bool:
    """In review with all four poses: a character whose paint can be waited for."""
    return (
        entry is not None
        and entry.status == "reviewing"
        and all(entry.character.ref(p) is not None for p in SYNTHESIZED_POSES)
    )


def prefetched(session: ReviewSession, entry: Entry) -> bool:
    """Its four grid images are decoded in memory: showing it needs no download."""
    images = session.images
    return images is not None and all(
        images.peek(entry.character, pose, max_side=session.prefetch_box) is not None
        for pose in SYNTHESIZED_POSES
    )
