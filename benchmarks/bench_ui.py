"""Figures for the window: how soon the next character is on screen after a decision,
and how long the GUI thread ever stalls while clearing a queue.

Run from the repository root: ``python -m benchmarks.bench_ui``. Offscreen Qt, the
simulator on a loopback port in its own thread (real HTTP, 1024 px images), a fresh disk
cache. Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from reviewer.api import AsyncAurousClient
from reviewer.app import build_session
from reviewer.ui.main_window import MainWindow
from reviewer.ui.theme import ThemeChoice, apply_theme

from ._proc import SIM_PRIORITY
from ._rig import percentile

DECISIONS = 30
PACE = 0.6  # seconds between key presses: a brisk reviewer
HEARTBEAT_MS = 5


def _all_shown(window: MainWindow) -> bool:
    entry = window.session.current
    return (
        entry is not None
        and all(t.state.pixmap is not None for t in window.grid.tiles.values())
        and window.current.entry is entry
    )


async def _run(app: QApplication, cache: Path) -> dict[str, list[float]]:
    # The simulator runs in its own process, as the real service would: its rendering
    # must not compete with the app for the GIL and spoil the stall figures.
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-u",
        "-m",
        "reviewer.sim.cli",
        "--port",
        "0",
        "--seed",
        "5",
        "--characters",
        str(DECISIONS + 10),
        "--synthesis-seconds",
        "60",
        "--failure-rate",
        "0",
        SIM_PRIORITY,  # only the CPU the app leaves (see _proc.py)
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdout is not None
    lines = [(await server.stdout.readline()).decode() for _ in range(3)]
    base_url = lines[1].split()[-1]
    api_key = lines[2].split()[-1]
    client = AsyncAurousClient(api_key=api_key, base_url=base_url)
    session = build_session(client, undo_seconds=4, poll_interval=10, cache_dir=cache)
    window = MainWindow(session, apply_theme(app, ThemeChoice.DARK), where="bench")
    window.resize(1440, 900)
    window.show()

    gaps: list[float] = []
    last = [time.perf_counter()]
    phase: list[tuple[str, float]] = [("loading", last[0])]
    worst: list[tuple[float, str]] = []

    def beat() -> None:
        now = time.perf_counter()
        gap = (now - last[0]) * 1000
        gaps.append(gap)
        if gap > 50:
            worst.append((gap, phase[-1][0]))
        last[0] = now

    heart = QTimer()
    heart.setInterval(HEARTBEAT_MS)
    heart.timeout.connect(beat)
    heart.start()

    started = time.perf_counter()
    await session.start()
    while session.loading:
        await asyncio.sleep(0.01)
    # Start from a character in review at the top of the list.
    session.queue.select(next(e.id for e in session.queue if e.status == "reviewing"))
    while not _all_shown(window):
        await asyncio.sleep(0.002)
    first = (time.perf_counter() - started) * 1000
    phase.append(("reviewing", time.perf_counter()))

    to_next: list[float] = []
    for _ in range(DECISIONS):
        entry = session.current
        if entry is None or entry.status != "reviewing":
            if not session.next():
                break
            continue
        await asyncio.sleep(PACE)  # the reviewer looks
        pressed = time.perf_counter()
        session.save()
        following = session.current
        if following is None or following.status != "reviewing":
            continue  # a failed or synthesizing one has no four poses to wait for
        deadline = pressed + 10
        while not _all_shown(window) and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        to_next.append((time.perf_counter() - pressed) * 1000)
    heart.stop()
    phase.append(("closing", time.perf_counter()))
    await session.aclose()
    await client.aclose()
    window.close_now()
    server.terminate()
    await server.wait()
    for gap, where in sorted(worst, reverse=True)[:5]:
        print(f"  stall {gap:6.1f} ms while {where}")
    return {"first": [first], "to_next": to_next, "gaps": gaps[5:]}


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as folder, loop:
        r = loop.run_until_complete(_run(app, Path(folder)))
    to_next, gaps = r["to_next"], r["gaps"]
    print(
        f"window over a loopback simulator, 1024 px poses, {len(to_next)} saves "
        f"{PACE:.1f} s apart\n"
    )
    print(f"first character fully shown after start   {r['first'][0]:8.0f} ms (cold cache)")
    print(
        f"key press → next character's 4 poses shown  median {statistics.median(to_next):6.1f} ms"
        f"   p95 {percentile(to_next, 0.95):6.1f} ms   max {max(to_next):6.1f} ms"
    )
    print(
        f"GUI heartbeat ({HEARTBEAT_MS} ms timer)              "
        f"median {statistics.median(gaps):6.1f} ms"
        f"   p99 {percentile(gaps, 0.99):6.1f} ms   max {max(gaps):6.1f} ms"
    )


if __name__ == "__main__":
    main()
