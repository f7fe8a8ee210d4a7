"""The harness's window phases, each run in a child process of its own (``run.py``
starts the simulators and the child; see there): key → paint, GUI-thread stalls, arrival
latency and memory. Each returns its figures as a dict; none asserts anything."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtWidgets import QApplication

from reviewer.api import Pose
from reviewer.review.queue import StatusFilter
from reviewer.review.session import ReviewSession

from ._proc import TEAM_KEY, Context, all_characters
from ._rig import percentile
from ._trace import tracer_from_env
from ._window import (
    PaintWatch,
    StallProbe,
    Window,
    complete,
    open_window,
    prefetched,
    wait_for,
)

__all__ = ["UI_PHASES", "Context"]

FRAME_MS = 1000 / 60
PACE = 0.3  # seconds between key presses: a brisk reviewer
SKIP_TICKS = 3  # the heartbeat's first gaps measure its own start
# How far the landing simulator's manual clock moves: past every run's end (the runs take
# 4 s), well within the storage links' lifetime (24 h).
LANDING_SECONDS = 60.0


# -- key_to_paint ----------------------------------------------------------------------


async def key_to_paint(app: QApplication, ctx: Context) -> dict[str, Any]:
    """Right/Left through a run of characters in review, 0.3 s apart at the least, each
    pressed once the character it goes to is prefetched; key event → the paint of all
    four tiles showing the new character."""
    advances, span = (20, 8) if ctx.quick else (120, 40)
    probe = StallProbe()
    w = await open_window(app, ctx.sims["k2p"], ctx.tmp / "cache", probe=probe)
    session = w.session
    try:
        session.queue.set_filter(status_filter=StatusFilter.REVIEWING)
        ids = [e.id for e in session.queue if complete(e)][:span]
        if len(ids) < 2:
            raise RuntimeError(f"only {len(ids)} characters in review")
        watch = PaintWatch(w.window)
        watch.arm(ids[0])
        session.queue.select(ids[0])
        await wait_for(lambda: watch.done() is not None, 60, "the first character shown")
        probe.start("advancing")
        at, step = 0, 1
        times: list[float] = []
        waited = 0  # presses that had to wait for the prefetch beyond the pace
        last = time.perf_counter()
        for _ in range(advances):
            if not 0 <= at + step < len(ids):
                step = -step
            target = ids[at + step]
            entry = session.queue.get(target)
            if entry is None:
                raise RuntimeError(f"{target} left the queue")
            await asyncio.sleep(max(0.0, PACE - (time.perf_counter() - last)))
            if not prefetched(session, entry):
                waited += 1
                await wait_for(lambda e=entry: prefetched(session, e), 30, "the prefetch")  # type: ignore[misc]
            watch.arm(target)
            last = pressed = time.perf_counter()
            w.press("next" if step > 0 else "previous")
            current = session.current
            if current is None or current.id != target:
                raise RuntimeError(f"the key went to {current and current.id}, not {target}")
            await wait_for(lambda: watch.done() is not None, 10, "the paint")
            done = watch.done()
            assert done is not None
            times.append((done - pressed) * 1000)
            at += step
        probe.stop()
    finally:
        await w.close()
    p95 = percentile(times, 0.95)
    gaps = probe.gaps["advancing"][SKIP_TICKS:]
    return {
        "p50": statistics.median(times),
        "p95": p95,
        "max": max(times),
        "ratio_to_frame": p95 / FRAME_MS,
        "advances": len(times),
        "characters": len(ids),
        "waited_for_prefetch": waited,
        "stall_max_while_advancing": max(gaps, default=0.0),
    }


# -- gui_stall_ms ----------------------------------------------------------------------


async def _resynthesize_all(base_url: str, *, keep: int = 0) -> int:
    """Every character not synthesizing now starts to, through another key of the team
    (a colleague's app): the simulator's bucket is scaled for these phases. Returns how
    many synthesize."""
    headers = {"X-Api-Key": TEAM_KEY}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
        chars = await all_characters(http)
        todo = [c["id"] for c in chars if c["status"] != "synthesizing"][keep:]
        gate = asyncio.Semaphore(8)

        async def one(cid: str) -> None:
            async with gate:
                (await http.post(f"/characters/{cid}/resynthesize")).raise_for_status()

        await asyncio.gather(*(one(cid) for cid in todo))
        return sum(1 for c in chars if c["status"] == "synthesizing") + len(todo)


async def _drawn(base_url: str, within: float = 60.0) -> int:
    """Wait until the simulator has drawn every pose it has in hand; how many it holds."""
    origin = base_url.removesuffix("/v1")
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=30) as http:
        while True:
            state = (await http.get(f"{origin}/_sim/rendering")).raise_for_status().json()
            if state["pending"] == 0:
                return int(state["rendered"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"the simulator still draws {state['pending']} poses")
            await asyncio.sleep(0.1)


async def _advance(base_url: str, seconds: float) -> None:
    origin = base_url.removesuffix("/v1")
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(f"{origin}/_sim/advance", json={"seconds": seconds})
        response.raise_for_status()


async def gui_stall(app: QApplication, ctx: Context) -> dict[str, Any]:
    """The longest gaps between ticks of a 1 ms timer: (1) while characters of 1024²
    poses land, arrive in a poll and decode as the reviewer goes through each once it is
    shown; (2) while the window polls 1,000 characters synthesizing."""
    poll_seconds = 4.0 if ctx.quick else 20.0
    probe = StallProbe()
    arriving = await _resynthesize_all(ctx.sims["arrive"])
    drawn = await _drawn(ctx.sims["arrive"])
    ctx.say(f"stall: {arriving} characters synthesizing, {drawn} poses drawn, about to land")
    w = await open_window(app, ctx.sims["arrive"], ctx.tmp / "cache-a", probe=probe)
    try:
        tracer = tracer_from_env("arrive")
        if tracer is not None:
            tracer.start()
        probe.start("arrive")
        await _advance(ctx.sims["arrive"], LANDING_SECONDS)  # every run ends: they land
        session = w.session
        await wait_for(lambda: session.queue.counts.synthesizing == 0, 60, "all landed")
        shown = await _go_through(w, arriving)
        probe.stop()
        if tracer is not None:
            tracer.stop()
            tracer.write()
    finally:
        await w.close()
    polled = await _resynthesize_all(ctx.sims["poll"])
    ctx.say(f"stall: {polled} characters synthesizing, polled for {poll_seconds:g} s")
    w = await open_window(app, ctx.sims["poll"], ctx.tmp / "cache-p", probe=probe)
    try:
        tracer = tracer_from_env("poll")
        if tracer is not None:
            tracer.start()
        probe.start("poll")
        await asyncio.sleep(poll_seconds)
        probe.stop()
        if tracer is not None:
            tracer.stop()
            tracer.write()
        polls = len(w.session.queue)
    finally:
        await w.close()
    arrive = probe.gaps["arrive"][SKIP_TICKS:]
    poll = probe.gaps["poll"][SKIP_TICKS:]
    both = arrive + poll
    waits = probe.waits["arrive"][SKIP_TICKS:] + probe.waits["poll"][SKIP_TICKS:]
    longest = both.index(max(both))
    # The machine's part: the GUI thread ready to run with no core for it (Linux
    # schedstat; 0 elsewhere). A core the hypervisor stops shows as neither (STALLS.md).
    own = [gap - wait for gap, wait in zip(both, waits, strict=True)]
    busy = probe.busy["arrive"][SKIP_TICKS:] + probe.busy["poll"][SKIP_TICKS:]
    return {
        "max": max(both),
        "p99": percentile(both, 0.99),
        "max_waiting_for_core": waits[longest],
        "max_less_core_waits": max(own),
        # The GUI thread's own CPU time between two ticks, at most: the window's work in
        # one stretch (page faults included), apart from any wait for a core or a VM.
        "busy_max": max(busy),
        "busy_p99": percentile(busy, 0.99),
        "arrive_max": max(arrive),
        "arrive_p99": percentile(arrive, 0.99),
        "arrive_characters_shown": shown,
        "poll_max": max(poll),
        "poll_p99": percentile(poll, 0.99),
        "poll_queue": polls,
        "load_max": max(probe.gaps["load"][SKIP_TICKS:], default=0.0),
        "over_8ms": sum(1 for g in both if g > 8.0),
    }


async def _go_through(w: Window, count: int) -> int:
    """From the top, Right as soon as the current character is fully shown."""
    session, watch = w.session, PaintWatch(w.window)
    first = next(iter(session.queue), None)
    if first is None:
        return 0
    session.queue.select(first.id)
    shown = 0
    for _ in range(count):
        entry = session.current
        if entry is None:
            break
        if complete(entry):
            watch.arm(entry.id, repaint=True)
            await wait_for(lambda: watch.done() is not None, 30, "a character shown")
            shown += 1
        if not session.queue.following(1):
            break
        w.press("next")
        await asyncio.sleep(0)
    return shown


# -- arrival_latency_ms ----------------------------------------------------------------


async def arrival_latency(app: QApplication, ctx: Context) -> dict[str, Any]:
    """The current character is resynthesized (undo 0); once the simulator has it in
    review again (the run's exact ready_at, from /_sim: updated_at is whole seconds, and
    a poll in the second before would count), the first poll after that finds it: from
    that poll's answer to the paint of all four new poses (the wait for the poll is taken
    out, and reported apart)."""
    samples = 3 if ctx.quick else 10
    base_url = ctx.sims["arrival"]
    w = await open_window(app, base_url, ctx.tmp / "cache", undo_seconds=0, poll_interval=5)
    session = w.session
    wall = time.time() - time.perf_counter()
    after_poll: list[float] = []
    poll_wait: list[float] = []
    try:
        ids = [e.id for e in session.queue if complete(e)][:samples]
        watch = PaintWatch(w.window)
        for cid in ids:
            watch.arm(cid)
            session.queue.select(cid)
            await wait_for(lambda: watch.done() is not None, 60, "the character shown")
            entry = session.queue.get(cid)
            assert entry is not None
            old = entry.character.updated_at.isoformat()
            if session.resynthesize() is None:
                raise RuntimeError(f"resynthesize refused for {cid}")
            session.queue.select(cid)
            watch.arm(cid, skip_version=old)
            ready = await _ready_at(base_url, cid)
            await wait_for(lambda: watch.done() is not None, 60, "the new poses shown")
            done = watch.done()
            assert done is not None
            painted = wall + done
            poll = await _first_poll_after(base_url, ready)
            after_poll.append((painted - poll) * 1000)
            poll_wait.append((poll - ready) * 1000)
    finally:
        await w.close()
    return {
        "p50": statistics.median(after_poll),
        "p95": percentile(after_poll, 0.95),
        "samples": len(after_poll),
        "poll_wait_p50": statistics.median(poll_wait),
        "landed_to_paint_p50": statistics.median(map(sum, zip(after_poll, poll_wait, strict=True))),
    }


async def _ready_at(base_url: str, cid: str) -> float:
    """When the simulator's run for ``cid`` ends, once the resynthesize has reached it."""
    origin = base_url.removesuffix("/v1")
    deadline = time.monotonic() + 10
    async with httpx.AsyncClient(timeout=30) as http:
        while time.monotonic() < deadline:
            raw = (await http.get(f"{origin}/_sim/characters/{cid}")).raise_for_status().json()
            if raw["_sim"]["job"] == "resynthesize":
                return float(raw["_sim"]["ready_at"])
            await asyncio.sleep(0.005)
    raise TimeoutError(f"the resynthesize of {cid} did not reach the simulator within 10 s")


async def _first_poll_after(base_url: str, ready: float) -> float:
    origin = base_url.removesuffix("/v1")
    async with httpx.AsyncClient(timeout=30) as http:
        records = (await http.get(f"{origin}/_sim/requests")).raise_for_status().json()["data"]
    polls = [r["at"] for r in records if r["route"] in ("list", "retrieve") and r["at"] >= ready]
    if not polls:
        raise RuntimeError("no poll after the character landed in the simulator's log")
    return float(min(polls))


# -- rss_mb ----------------------------------------------------------------------------


def rss_mb() -> float:
    """This process's resident memory now (Linux /proc; elsewhere the peak so far)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 1024)


def _thumbnails_settled(w: Window) -> bool:
    # The queue's thumbnails: every one asked for (the rows painted) has arrived.
    thumbs = w.window.thumbnails
    wanted, have = thumbs._wanted, thumbs._pixmaps
    return bool(wanted) and all(key in have for key in wanted)


def _visible_thumbnails_shown(w: Window) -> bool:
    """Every row in view that has a portrait shows its thumbnail: what the reviewer sees.
    (Rows paged past may have asked for one that was dropped as no longer wanted.)"""
    view, queue = w.window.queue_view, w.session.queue
    have = w.window.thumbnails._pixmaps
    top = view.indexAt(view.viewport().rect().topLeft()).row()
    bottom = view.indexAt(view.viewport().rect().bottomLeft()).row()
    if top < 0:
        return False
    if bottom < 0:
        bottom = len(queue) - 1
    for row in range(top, bottom + 1):
        character = queue.at(row).character
        if character.ref(Pose.PORTRAIT) and (
            (character.id, character.updated_at.isoformat()) not in have
        ):
            return False
    return True


async def memory(app: QApplication, ctx: Context) -> dict[str, Any]:
    """RSS with the queue loaded and its visible thumbnails shown, the current character
    shown; then after paging with Right through 200 characters, brisk (50 ms apart), and
    the last one shown."""
    pages = 20 if ctx.quick else 200
    w = await open_window(app, ctx.sims["rss"], ctx.tmp / "cache")
    session = w.session
    try:
        watch = PaintWatch(w.window)
        first = next(e for e in session.queue if complete(e))
        # It may be current already (the first decidable one is, at start): paint again.
        watch.arm(first.id, repaint=True)
        session.queue.select(first.id)
        await wait_for(lambda: watch.done() is not None, 60, "the first character shown")
        await wait_for(lambda: _thumbnails_settled(w), 60, "the thumbnails shown")
        after_load = rss_mb()
        queued = len(session.queue)
        for _ in range(pages):
            w.press("next")
            await asyncio.sleep(0.05)
        await _settle_current(session, watch)
        await wait_for(lambda: _visible_thumbnails_shown(w), 120, "the thumbnails shown")
        after_paging = rss_mb()
    finally:
        await w.close()
    return {
        "after_load": after_load,
        "after_paging": after_paging,
        "queue": queued,
        "paged": pages,
    }


async def _settle_current(session: ReviewSession, watch: PaintWatch) -> None:
    entry = session.current
    if complete(entry):
        assert entry is not None
        watch.arm(entry.id, repaint=True)
        await wait_for(lambda: watch.done() is not None, 120, "the last character shown")


Phase = Callable[[QApplication, Context], Coroutine[Any, Any, dict[str, Any]]]
UI_PHASES: dict[str, Phase] = {
    "key_to_paint_ms": key_to_paint,
    "gui_stall_ms": gui_stall,
    "arrival_latency_ms": arrival_latency,
    "rss_mb": memory,
}
