"""The client-side token buckets, on a manual clock against a modelled server bucket."""

from __future__ import annotations

import asyncio
import math

import anyio.lowlevel
import pytest

from reviewer.api import RateLimit, RateLimiter, bucket_for, decision_lane
from reviewer.api._ratelimit import MAX_PAUSE
from reviewer.review import ManualClock

pytestmark = pytest.mark.anyio

POST = "characters_post"


async def settle() -> None:
    for _ in range(30):
        await anyio.lowlevel.checkpoint()


class ServerBucket:
    """The server's own count (30/min, burst 60), spent by us and by colleagues."""

    def __init__(self, clock: ManualClock, per_minute: float = 30, burst: int = 60) -> None:
        self.clock = clock
        self.rate = per_minute / 60
        self.capacity = burst
        self.tokens = float(burst)
        self.at = clock.monotonic()
        self.rejected = 0
        self.colleague = 0.0  # tokens a second a colleague spends, while there are some

    def take(self) -> tuple[int, RateLimit]:
        now = self.clock.monotonic()
        dt = now - self.at
        self.tokens = min(self.capacity, self.tokens + dt * self.rate)
        self.tokens = max(0.0, self.tokens - dt * self.colleague)
        self.at = now
        if self.tokens >= 1 - 1e-9:
            self.tokens -= 1
            status = 200
        else:
            self.rejected += 1
            status = 429
        return status, RateLimit(self.capacity, int(self.tokens + 1e-9), now + 60)


class Rig:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.limiter = RateLimiter(clock=self.clock)
        self.server = ServerBucket(self.clock)
        self.granted: list[str] = []

    async def request(self, name: str, *, order: float | None = None) -> None:
        async def go() -> None:
            await self.limiter.acquire(POST)
            self.granted.append(name)
            status, limit = self.server.take()
            self.limiter.release(
                POST, rate_limit=limit, status_code=status, retry_after=1 if status == 429 else None
            )

        if order is None:
            await go()
        else:
            with decision_lane(order):
                await go()

    async def run_for(self, seconds: float, step: float = 0.25) -> None:
        for _ in range(math.ceil(seconds / step)):
            self.clock.advance(step)
            await settle()


async def test_burst_at_once_then_the_sustained_rate_and_no_429() -> None:
    rig = Rig()
    tasks = [asyncio.ensure_future(rig.request(f"s{i}", order=i)) for i in range(150)]
    await settle()
    # The first request probes the bucket; once its answer is in, the burst goes at once.
    assert len(rig.granted) == 60
    await rig.run_for(60)
    assert 88 <= len(rig.granted) <= 92  # 30 more a minute
    await rig.run_for(125)
    assert len(rig.granted) == 150
    assert rig.server.rejected == 0
    assert rig.granted == [f"s{i}" for i in range(150)]  # in the order they were made
    await asyncio.gather(*tasks)


async def test_the_servers_count_wins_when_a_colleague_spends_the_bucket() -> None:
    rig = Rig()
    rig.server.tokens = 5  # a colleague has spent most of the team's bucket
    tasks = [asyncio.ensure_future(rig.request(f"s{i}", order=i)) for i in range(20)]
    await settle()
    assert len(rig.granted) == 5
    await rig.run_for(10)
    assert len(rig.granted) == 10  # 0.5 a second
    await rig.run_for(30)
    assert rig.server.rejected == 0
    await asyncio.gather(*tasks)


async def test_the_estimate_counts_what_a_colleague_spends() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock=clock)
    server = ServerBucket(clock)
    server.tokens = 0
    server.colleague = 20 / 60  # of the 30 a minute, 10 are left for us
    landed: list[float] = []

    async def save(i: int) -> None:
        with decision_lane(i):
            while True:  # as the retry policy does: a 429 waits and goes again
                await limiter.acquire(POST)
                status, limit = server.take()
                limiter.release(POST, rate_limit=limit, status_code=status, retry_after=2)
                if status == 200:
                    landed.append(clock.monotonic())
                    return

    tasks = [asyncio.ensure_future(save(i)) for i in range(40)]
    for _ in range(240):  # a minute to notice the colleague
        clock.advance(0.25)
        await settle()
    status = {s.bucket: s for s in limiter.status()}[POST]
    now = clock.monotonic()
    while not all(t.done() for t in tasks):
        clock.advance(0.25)
        await settle()
    actual = landed[-1] - now
    assert status.decisions_waiting >= 20
    assert status.eta == pytest.approx(actual, rel=0.3)


async def test_decisions_go_before_background_work_and_in_the_order_they_were_made() -> None:
    rig = Rig()
    rig.server.tokens = 1
    await rig.request("probe")  # learns the bucket is empty
    background = asyncio.ensure_future(rig.request("poll"))
    await settle()
    late = asyncio.ensure_future(rig.request("d2", order=2))
    early = asyncio.ensure_future(rig.request("d1", order=1))
    await settle()
    assert rig.granted == ["probe"]
    await rig.run_for(30)
    assert rig.granted[:3] == ["probe", "d1", "d2"]
    await rig.run_for(30)
    assert rig.granted[3] == "poll"
    await asyncio.gather(background, late, early)


async def test_background_work_leaves_a_reserve_for_decisions() -> None:
    rig = Rig()
    rig.server.tokens = 20
    await rig.request("probe")
    poll = asyncio.ensure_future(rig.request("poll"))
    await settle()
    # 19 left, the reserve is 12 of 60: a poll may go.
    assert rig.granted == ["probe", "poll"]
    rig.server.tokens = 5
    await rig.request("decision", order=0)  # learns there are 4 left
    second = asyncio.ensure_future(rig.request("poll 2"))
    await settle()
    assert "poll 2" not in rig.granted
    await rig.run_for(20)  # back above the reserve
    assert rig.granted[-1] == "poll 2"
    await asyncio.gather(poll, second)


@pytest.mark.parametrize(
    ("retry_after", "paused"), [(7.0, 7.0), (86400.0, MAX_PAUSE), (math.inf, MAX_PAUSE)]
)
async def test_a_429_pauses_the_bucket_for_its_retry_after(
    retry_after: float, paused: float
) -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock=clock)
    await limiter.acquire(POST)
    limiter.release(POST, rate_limit=RateLimit(60, 0, 0), status_code=429, retry_after=retry_after)
    status = {s.bucket: s for s in limiter.status()}[POST]
    assert status.paused_for == pytest.approx(paused)
    with decision_lane(0):
        waiting = asyncio.ensure_future(limiter.acquire(POST))
    await settle()
    clock.advance(paused - 0.1)
    await settle()
    assert not waiting.done()
    clock.advance(0.2)
    await settle()
    assert waiting.done()


async def test_status_counts_waiting_decisions_and_estimates_when_they_go() -> None:
    rig = Rig()
    rig.server.tokens = 1
    await rig.request("probe")
    tasks = [asyncio.ensure_future(rig.request(f"s{i}", order=i)) for i in range(30)]
    await settle()
    status = {s.bucket: s for s in rig.limiter.status()}[POST]
    assert status.decisions_waiting == 30
    assert status.eta == pytest.approx(60, abs=1)  # 30 at 30 a minute
    await rig.run_for(61)
    for task in tasks:
        await task


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    rig = Rig()
    rig.server.tokens = 1
    await rig.request("probe")
    first = asyncio.ensure_future(rig.request("a", order=1))
    second = asyncio.ensure_future(rig.request("b", order=2))
    await settle()
    first.cancel()
    await settle()
    await rig.run_for(3)
    assert rig.granted == ["probe", "b"]
    await second


async def test_only_one_request_at_a_time_until_the_server_has_spoken() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock=clock)
    await limiter.acquire(POST)
    second = asyncio.ensure_future(limiter.acquire(POST))
    await settle()
    assert not second.done()
    limiter.release(POST, rate_limit=RateLimit(60, 59, 0), status_code=200)
    await settle()
    assert second.done()


def test_each_endpoint_spends_its_documented_bucket() -> None:
    assert bucket_for("GET", "/characters") == "characters_get"
    assert bucket_for("GET", "/characters/char_1") == "characters_get"
    assert bucket_for("GET", "/balance") == "characters_get"
    assert bucket_for("POST", "/characters/char_1/save") == "characters_post"
    assert bucket_for("DELETE", "/characters/char_1") == "characters_post"
    assert bucket_for("PATCH", "/characters/char_1") == "characters_post"
    assert bucket_for("POST", "/characters") == "characters_synthesize"
    assert bucket_for("POST", "/characters/char_1/refs/regenerate") == "characters_synthesize"
    assert bucket_for("POST", "/characters/char_1/resynthesize") == "characters_synthesize"
