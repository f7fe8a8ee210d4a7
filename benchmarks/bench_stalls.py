"""Stalls of the GUI thread: the longest gaps between ticks of a 1 ms timer, and how soon
a key press is painted, while the window does its heaviest work.

Three phases, each on a window over a simulator in its own process (real HTTP, 1024 px
poses, a fresh disk cache; a fixed seed):

- ``arrive``: 50 characters' poses arrive and decode (cold cache; Right as soon as the
  current one is fully shown).
- ``step``: Right through 100 characters, 0.3 s apart; key → the paint that shows all
  four poses of the next character (prefetched).
- ``poll``: a queue with 1,000 characters synthesizing, polled while they finish.

``gaps_*`` are wall-clock gaps between ticks; ``busy_*`` the GUI thread's own CPU time
within each gap (a long gap with little of it was waiting: for the GIL, another thread or
a core of a busy machine). ``key_to_paint`` counts presses whose next character was in
memory at the press; the others go to ``key_to_paint_unprefetched``. ``gc_*``: the
length of each of Python's garbage collections on the GUI thread.

Run from the repository root: ``python -m benchmarks.bench_stalls [--runs 3]
[--phases arrive,step,poll] [--json PATH]``. Each figure is the median over the runs
(the machine is shared). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import qasync
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from benchmarks._proc import SIM_PRIORITY
from reviewer.api import SYNTHESIZED_POSES, AsyncAurousClient, Character
from reviewer.app import build_session
from reviewer.review.heap import keep_collections_short, reuse_freed_memory
from reviewer.review.session import ReviewSession
from reviewer.ui.main_window import MainWindow
from reviewer.ui.pose_grid import PoseTile
from reviewer.ui.theme import ThemeChoice, apply_theme

__all__ = ["StallProbe", "main", "measure"]

PHASES = ("arrive", "step", "poll")
ARRIVE = 50
STEPS = 100
STEP_PACE = 0.3
POLL_SYNTHESIZING = 1000
POLL_SECONDS = 60.0
STALL_MS = 8.0  # the goal: no gap longer than this


class StallProbe:
    """A 1 ms precise timer on the GUI thread; every gap between its ticks, by phase."""

    def __init__(self) -> None:
        self.gaps: dict[str, list[float]] = {}
        # CPU time the GUI thread itself spent within each gap: a long gap with little of
        # it was spent waiting (for the GIL, another thread, or a core on a busy machine).
        self.busy: dict[str, list[float]] = {}
        # Python's cyclic garbage collections on the GUI thread, in ms, by phase.
        self.collections: dict[str, list[float]] = {}
        self._gc_started = 0.0
        self.stalls: list[tuple[float, str, float, float]] = []  # gap ms, phase, at s, busy ms
        self.phase = "idle"
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0
        self._last_cpu = 0.0
        self._origin = time.perf_counter()
        self._thread = threading.get_ident()

    def _gc(self, stage: str, _info: dict[str, int]) -> None:
        if threading.get_ident() != self._thread:
            return
        if stage == "start":
            self._gc_started = time.perf_counter()
        else:
            elapsed = (time.perf_counter() - self._gc_started) * 1000
            self.collections.setdefault(self.phase, []).append(elapsed)

    def start(self, phase: str) -> None:
        if self._gc not in gc.callbacks:
            gc.callbacks.append(self._gc)
        self.phase = phase
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        self.phase = "idle"

    def _beat(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        gap = (now - self._last) * 1000
        busy = (cpu - self._last_cpu) * 1000
        self._last, self._last_cpu = now, cpu
        self.gaps.setdefault(self.phase, []).append(gap)
        self.busy.setdefault(self.phase, []).append(busy)
        if gap > STALL_MS:
            self.stalls.append((gap, self.phase, now - self._origin, busy))


class _PaintWatch(QObject):
    """Times the first paint of each tile that shows an image of ``target``."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.target: str | None = None
        self.painted: dict[str, float] = {}
        for tile in window.grid.tiles.values():
            tile.installEventFilter(self)

    def arm(self, target: str) -> None:
        self.target = target
        self.painted = {}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint or self.target is None:
            return False
        assert isinstance(watched, PoseTile)
        current = self.window.current.entry
        if current is None or current.id != self.target or watched.state.pixmap is None:
            return False
        if watched.state.loading or watched.pose in self.painted:
            return False
        # Paint now, inside the filter, so the time taken includes the paint itself.
        watched.event(event)
        self.painted[watched.pose] = time.perf_counter()
        return True

    def done(self) -> float | None:
        tiles = self.window.grid.tiles
        if set(self.painted) != set(tiles):
            return None
        return max(self.painted.values())


def _all_shown(window: MainWindow) -> bool:
    entry = window.session.current
    return (
        entry is not None
        and window.current.entry is entry
        and all(t.state.pixmap is not None for t in window.grid.tiles.values())
    )


def _prefetched(session: ReviewSession, character: Character) -> bool:
    images = session.images
    return images is not None and all(
        images.peek(character, pose, max_side=session.prefetch_box) is not None
        for pose in SYNTHESIZED_POSES
    )


def _complete(session: ReviewSession) -> bool:
    entry = session.current
    return (
        entry is not None
        and entry.status == "reviewing"
        and all(entry.character.ref(p) is not None for p in SYNTHESIZED_POSES)
    )


async def _wait(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.002)
    return True


@dataclass
class _Sim:
    process: asyncio.subprocess.Process
    base_url: str
    api_key: str


async def _simulator(characters: int, synthesis_seconds: float, seed: int) -> _Sim:
    # Its own process, as the real service is: its rendering must not take the GIL; and
    # at the lowest priority, so that it takes only the CPU the app leaves (_proc.py).
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-u",
        "-m",
        "reviewer.sim.cli",
        "--port",
        "0",
        "--seed",
        str(seed),
        "--characters",
        str(characters),
        "--synthesis-seconds",
        str(synthesis_seconds),
        "--failure-rate",
        "0",
        "--rate-limit-scale",
        "10",
        SIM_PRIORITY,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines = [(await process.stdout.readline()).decode() for _ in range(3)]
    return _Sim(process, lines[1].split()[-1], lines[2].split()[-1])


@dataclass
class _Window:
    sim: _Sim
    client: AsyncAurousClient
    session: ReviewSession
    window: MainWindow

    async def close(self) -> None:
        await self.session.aclose(flush=False)
        await self.client.aclose()
        self.window.close_now()
        self.sim.process.terminate()
        await self.sim.process.wait()


async def _open(app: QApplication, cache: Path, sim: _Sim, probe: StallProbe) -> _Window:
    client = AsyncAurousClient(api_key=sim.api_key, base_url=sim.base_url)
    session = build_session(client, undo_seconds=4, poll_interval=10, cache_dir=cache)
    window = MainWindow(session, apply_theme(app, ThemeChoice.DARK), where="bench")
    window.resize(1440, 900)
    window.show()
    window.activateWindow()
    await _wait(lambda: QApplication.activeWindow() is window, 5)
    window.queue_view.setFocus()
    keep_collections_short(session)  # as the app does
    probe.start("load")
    await session.start()
    await _wait(lambda: not session.loading, 120)
    return _Window(sim, client, session, window)


def _press_next(window: MainWindow) -> None:
    QTest.keyClick(window.queue_view, Qt.Key.Key_Right)


async def _review_phases(
    app: QApplication, cache: Path, phases: Sequence[str], seed: int
) -> dict[str, list[float]]:
    probe = StallProbe()
    sim = await _simulator(characters=240, synthesis_seconds=3600, seed=seed)
    w = await _open(app, cache, sim, probe)
    session, window = w.session, w.window
    out: dict[str, list[float]] = {}
    session.queue.select(next(e.id for e in session.queue if e.status == "reviewing"))
    await _wait(lambda: _all_shown(window), 30)
    if "arrive" in phases:
        probe.start("arrive")
        shown = 0
        while shown < ARRIVE:
            _press_next(window)
            if _complete(session):
                await _wait(lambda: _all_shown(window), 10)
                shown += 1
            await asyncio.sleep(0)
    if "step" in phases:
        watch = _PaintWatch(window)
        probe.start("step")
        to_paint: list[float] = []
        cold: list[float] = []
        for _ in range(STEPS):
            await asyncio.sleep(STEP_PACE)
            following = session.queue.following(1)
            if not following:
                break
            watch.arm(following[0].id)
            ready = _prefetched(session, following[0].character)
            pressed = time.perf_counter()
            _press_next(window)
            if not _complete(session):
                continue  # a synthesizing or failed one has no four poses to paint
            await _wait(lambda: watch.done() is not None, 10)
            painted = watch.done()
            if painted is not None:
                (to_paint if ready else cold).append((painted - pressed) * 1000)
        # The figure is for a prefetched next character; one whose decodes had not
        # finished within the pace (a busy machine) is counted apart.
        out["key_to_paint"] = to_paint
        out["key_to_paint_unprefetched"] = cold
    probe.stop()
    await w.close()
    for phase in ("arrive", "step"):
        if phase in probe.gaps:
            out[f"gaps_{phase}"] = probe.gaps[phase][3:]
    for phase in ("arrive", "step"):
        if phase in probe.busy:
            out[f"busy_{phase}"] = probe.busy[phase][3:]
        if phase in probe.collections:
            out[f"gc_{phase}"] = probe.collections[phase]
    out["stalls"] = [gap for gap, *_ in probe.stalls]
    _print_stalls(probe)
    return out


async def _poll_phase(app: QApplication, cache: Path, seed: int) -> dict[str, list[float]]:
    probe = StallProbe()
    # The simulator seeds one character in eight as synthesizing, finishing over the
    # synthesis period: 1,000 of 8,000 finish within the minute polled.
    sim = await _simulator(8 * POLL_SYNTHESIZING, POLL_SECONDS, seed)
    w = await _open(app, cache, sim, probe)
    probe.start("poll")
    started = time.perf_counter()
    counts = w.session.queue.counts
    while time.perf_counter() - started < POLL_SECONDS:
        await asyncio.sleep(0.05)
    left = w.session.queue.counts.synthesizing
    print(f"  poll: {counts.synthesizing} synthesizing at the start, {left} after", flush=True)
    probe.stop()
    await w.close()
    _print_stalls(probe)
    return {
        "gaps_load": probe.gaps.get("load", [])[3:],
        "gaps_poll": probe.gaps.get("poll", [])[3:],
        "busy_load": probe.busy.get("load", [])[3:],
        "busy_poll": probe.busy.get("poll", [])[3:],
        "gc_load": probe.collections.get("load", []),
        "gc_poll": probe.collections.get("poll", []),
        "stalls": [gap for gap, *_ in probe.stalls],
    }


def _print_stalls(probe: StallProbe) -> None:
    for gap, phase, at, busy in sorted(probe.stalls, reverse=True)[:6]:
        print(
            f"  stall {gap:6.1f} ms while {phase} (at {at:6.2f} s; GUI thread busy {busy:5.1f} ms)",
            flush=True,
        )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


@dataclass
class Figures:
    """Per-run figures; ``median`` gives each one's median over the runs."""

    runs: list[dict[str, float]] = field(default_factory=list)

    def add(self, raw: dict[str, list[float]]) -> dict[str, float]:
        run: dict[str, float] = {}
        for name, values in raw.items():
            if not values or not name.startswith(("gaps_", "busy_", "gc_", "key_to_paint")):
                continue
            run[f"{name}_max"] = max(values)
            run[f"{name}_p99"] = _pct(values, 0.99)
            if name.startswith("key_to_paint"):
                run[f"{name}_p50"] = statistics.median(values)
                run[f"{name}_p95"] = _pct(values, 0.95)
                run[f"{name}_n"] = len(values)
            elif name.startswith("gaps_"):
                run[f"{name}_over_8ms"] = sum(1 for v in values if v > STALL_MS)
        self.runs.append(run)
        return run

    def median(self) -> dict[str, float]:
        names = sorted({k for run in self.runs for k in run})
        return {
            name: statistics.median(run[name] for run in self.runs if name in run) for name in names
        }


async def measure(
    app: QApplication, *, runs: int = 3, phases: Sequence[str] = PHASES, seed: int = 5
) -> dict[str, float]:
    """Median figures over ``runs`` runs of ``phases`` (names in PHASES)."""
    figures = Figures()
    for i in range(runs):
        raw: dict[str, list[float]] = {}
        with tempfile.TemporaryDirectory() as folder:
            if {"arrive", "step"} & set(phases):
                raw.update(await _review_phases(app, Path(folder) / "a", phases, seed))
        with tempfile.TemporaryDirectory() as folder:
            if "poll" in phases:
                raw.update(await _poll_phase(app, Path(folder) / "p", seed))
        run = figures.add(raw)
        print(f"run {i + 1}: " + json.dumps({k: round(v, 1) for k, v in run.items()}), flush=True)
    return figures.median()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_stalls", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the median figures here")
    args = parser.parse_args(argv)
    phases = [p for p in args.phases.split(",") if p]
    unknown = set(phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases {sorted(unknown)}; known: {', '.join(PHASES)}")
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    reuse_freed_memory()  # as the app does
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(
            measure(app, runs=args.runs, phases=phases, seed=args.seed)
        )
    print(f"\nGUI-thread stalls, median of {args.runs} runs (1 ms timer; goal: max ≤ {STALL_MS:g})")
    for name, value in result.items():
        print(f"  {name:32s} {value:8.1f}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
