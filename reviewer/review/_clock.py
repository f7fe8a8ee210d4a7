"""Time, injectable: the app runs on the system clock, tests on a manual one."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock", "sleep_or_wake"]


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for timers)."""
        ...

    def time(self) -> float:
        """Wall-clock epoch seconds (for timestamps shown to people)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """Time moves only when a test calls ``advance``; sleepers wake in due order."""

    def __init__(self, start: float = 0.0, epoch: float = 1_778_234_400.0) -> None:
        self._now = start
        self._epoch = epoch
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._epoch + self._now

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting: lets a test wait until a task is parked."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future

    def advance(self, seconds: float) -> None:
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)


async def sleep_or_wake(clock: Clock, seconds: float, wake: asyncio.Event) -> None:
    """Sleep on ``clock`` until ``seconds`` pass or ``wake`` is set, whichever is first."""
    if seconds <= 0 or wake.is_set():
        return
    # The deadline is taken now: the sleep's task starts a loop pass later, and a manual
    # clock advanced in between would otherwise push it out by the advance (a test's
    # decision then never left its undo window).
    until = clock.monotonic() + seconds
    waits = [asyncio.ensure_future(_sleep_until(clock, until)), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


async def _sleep_until(clock: Clock, until: float) -> None:
    await clock.sleep(until - clock.monotonic())
