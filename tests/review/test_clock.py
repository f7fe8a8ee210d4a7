"""The injectable clock's sleeps keep the deadline they were asked for."""

from __future__ import annotations

import asyncio

import pytest

from reviewer.review._clock import ManualClock, sleep_or_wake


@pytest.mark.anyio
async def test_sleep_or_wake_keeps_its_deadline_when_the_clock_moves_before_it_starts() -> None:
    clock = ManualClock()
    task = asyncio.ensure_future(sleep_or_wake(clock, 4.0, asyncio.Event()))
    await asyncio.sleep(0)  # it has started, its sleep's own task not yet
    clock.advance(4.01)
    await asyncio.wait_for(task, timeout=5)  # before the fix: asleep until 8.01
    assert task.done()


@pytest.mark.anyio
async def test_sleep_or_wake_sleeps_until_its_deadline_or_the_wake() -> None:
    clock = ManualClock()
    task = asyncio.ensure_future(sleep_or_wake(clock, 4.0, asyncio.Event()))
    for _ in range(3):
        await asyncio.sleep(0)
    clock.advance(3.9)
    for _ in range(3):
        await asyncio.sleep(0)
    assert not task.done()
    clock.advance(0.2)
    await asyncio.wait_for(task, timeout=5)
    wake = asyncio.Event()
    woken = asyncio.ensure_future(sleep_or_wake(clock, 100.0, wake))
    await asyncio.sleep(0)
    wake.set()
    await asyncio.wait_for(woken, timeout=5)
