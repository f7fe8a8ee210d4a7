"""Client-side token buckets for the three documented rate-limit buckets.

Every request the client makes waits here for a token instead of provoking a 429. The
buckets are the team's: colleagues on other machines spend them too, so each response's
``X-RateLimit-Remaining`` replaces our own count (the server's count is the truth) and a
429 stops the bucket for its ``Retry-After``. When tokens are short, decisions go before
background work (polls, balance), and decisions go in the order they were made.

Hand-written rather than a library (aiolimiter, pyrate-limiter): none of them takes the
server's count as the state, orders waiters by priority, or pauses on Retry-After.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final, Protocol

from ._errors import RETRY_AFTER_CAP
from ._models import RateLimit

__all__ = [
    "BUCKETS",
    "BucketStatus",
    "Lane",
    "LimiterClock",
    "RateLimiter",
    "bucket_for",
    "decision_lane",
]

# name -> (sustained per minute, burst), from the contract.
BUCKETS: Final[dict[str, tuple[float, int]]] = {
    "characters_get": (120.0, 240),
    "characters_post": (30.0, 60),
    "characters_synthesize": (6.0, 12),
}
# Background work leaves this share of a bucket to decisions, so a reviewer's prechecks
# never queue behind polls (ten reviewers of one team poll the same characters_get).
BACKGROUND_RESERVE: Final = 0.2
# What others of the team spend is judged over this many seconds at least.
OTHERS_WINDOW: Final = 10.0
# However much colleagues spend, we count on at least this share of the rate.
MIN_SHARE: Final = 0.1
# A Retry-After longer than this is not believed: the bucket is tried again after it.
MAX_PAUSE: Final = RETRY_AFTER_CAP


def bucket_for(method: str, path: str) -> str:
    """The bucket a request spends, by the contract's endpoint table (path after /v1)."""
    if method.upper() == "GET":
        return "characters_get"
    if method.upper() == "POST" and (
        path.rstrip("/") == "/characters" or path.endswith(("/refs/regenerate", "/resynthesize"))
    ):
        return "characters_synthesize"
    return "characters_post"


class Lane(IntEnum):
    DECISION = 0
    BACKGROUND = 1


@dataclass(frozen=True, slots=True)
class _Ticket:
    lane: Lane
    order: float
    # Told True when the request has to wait for a token, False when it gets one.
    on_wait: Callable[[bool], None] | None = None


_BACKGROUND = _Ticket(Lane.BACKGROUND, 0.0)
_lane: ContextVar[_Ticket | None] = ContextVar("aurous_lane", default=None)


@contextmanager
def decision_lane(order: float, *, on_wait: Callable[[bool], None] | None = None) -> Iterator[None]:
    """Requests made inside this block (in this task) are a decision's, queued by ``order``;
    ``on_wait`` hears when one of them waits for the rate limit and when it goes."""
    token = _lane.set(_Ticket(Lane.DECISION, order, on_wait))
    try:
        yield
    finally:
        _lane.reset(token)


class LimiterClock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class _SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


@dataclass(frozen=True, slots=True)
class BucketStatus:
    bucket: str
    decisions_waiting: int
    background_waiting: int
    in_flight: int
    tokens: float
    capacity: int
    # Seconds until the last decision waiting now can go, at the sustained rate.
    eta: float
    # Seconds left of a 429's Retry-After.
    paused_for: float


@dataclass(order=True)
class _Waiter:
    key: tuple[int, float, int]
    lane: Lane = field(compare=False)


class _Bucket:
    def __init__(self, name: str, per_minute: float, burst: int, now: float) -> None:
        self.name = name
        self._documented = (per_minute, burst)
        self.capacity = burst
        self.rate = per_minute / 60.0
        self.tokens = float(burst)
        self.at = now
        # Until a response has told us the server's count, one request at a time:
        # the bucket may be half spent by a colleague or an earlier session.
        self.known = False
        self.in_flight = 0
        self.paused_until = 0.0
        self.waiters: list[_Waiter] = []
        self.changed = asyncio.Event()
        # Tokens a second that others of the team (colleagues) spend, as the gap between
        # our count and the server's shows; what refills for us is the rest.
        self.others = 0.0
        self._gap = 0.0
        self._gap_since: float | None = None

    @property
    def our_rate(self) -> float:
        return max(self.rate * MIN_SHARE, self.rate - self.others)

    def refill(self, now: float) -> None:
        if now > self.at:
            self.tokens = min(float(self.capacity), self.tokens + (now - self.at) * self.our_rate)
            self.at = now

    def wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    def delay(self, waiter: _Waiter, now: float) -> float:
        """Seconds until ``waiter`` (at the head) may go; inf: until something changes."""
        if now < self.paused_until:
            return self.paused_until - now
        if not self.known and self.in_flight:
            return math.inf
        need = 1.0
        if waiter.lane is Lane.BACKGROUND:
            need += math.floor(self.capacity * BACKGROUND_RESERVE)
        if self.tokens >= need - 1e-9:
            return 0.0
        return (need - self.tokens) / self.our_rate

    def short_for(self, waiter: _Waiter, now: float) -> bool:
        """Whether ``waiter`` must wait for tokens, not only for those ahead to go."""
        if now < self.paused_until or (not self.known and self.in_flight):
            return True
        ahead = sum(1 for w in self.waiters if w < waiter)
        return self.tokens < ahead + 1 - 1e-9

    def observe(self, limit: RateLimit, now: float, *, refused: bool = False) -> None:
        per_minute, burst = self._documented
        if limit.limit > 0:
            self.capacity = limit.limit
            # The headers give the burst, not the rate: scale the documented rate with it.
            self.rate = per_minute / 60.0 * limit.limit / burst
        # The server counted up to this request; ours still in flight will spend more.
        server = min(float(self.capacity), float(limit.remaining)) - self.in_flight
        # A 429 spent nothing on the server: the token we counted on was not there.
        self._learn_others(self.tokens - server + (1.0 if refused else 0.0), now)
        self.tokens = server
        self.at = now
        self.known = True

    def _learn_others(self, gap: float, now: float) -> None:
        """``gap``: tokens the server has fewer than we counted. Measured only with none of
        ours in flight (else the server may have counted some of them already), summed
        over a window, then blended into ``others``."""
        if not self.known or self.in_flight or self.tokens >= self.capacity - 1e-9:
            self._gap_since = None  # a full bucket hides what others spend
            return
        if self._gap_since is None:
            self._gap, self._gap_since = 0.0, now
            return
        self._gap += gap
        elapsed = now - self._gap_since
        if elapsed >= OTHERS_WINDOW:
            sample = max(0.0, self._gap / elapsed + self.others)
            self.others = min(self.rate * (1 - MIN_SHARE), (self.others + sample) / 2)
            self._gap, self._gap_since = 0.0, now

    def status(self, now: float) -> BucketStatus:
        self.refill(now)
        decisions = sum(1 for w in self.waiters if w.lane is Lane.DECISION)
        paused = max(0.0, self.paused_until - now)
        eta = 0.0
        if decisions:
            eta = max(paused, (decisions - max(self.tokens, 0.0)) / self.our_rate, 0.0)
        return BucketStatus(
            bucket=self.name,
            decisions_waiting=decisions,
            background_waiting=len(self.waiters) - decisions,
            in_flight=self.in_flight,
            tokens=self.tokens,
            capacity=self.capacity,
            eta=eta,
            paused_for=paused,
        )


class RateLimiter:
    """One per team and API host; shared by every request of the app's client."""

    def __init__(self, *, clock: LimiterClock | None = None) -> None:
        self._clock: LimiterClock = clock or _SystemClock()
        now = self._clock.monotonic()
        self._buckets = {
            name: _Bucket(name, rate, burst, now) for name, (rate, burst) in BUCKETS.items()
        }
        self._order = itertools.count()
        # Called whenever a bucket's queue or state changes (the window's status line).
        self.on_change: Callable[[], None] | None = None

    async def acquire(self, bucket: str) -> None:
        """Wait for a token of ``bucket``; the caller must ``release`` it afterwards."""
        b = self._buckets[bucket]
        ticket = _lane.get() or _BACKGROUND
        waiter = _Waiter((int(ticket.lane), ticket.order, next(self._order)), ticket.lane)
        heapq.heappush(b.waiters, waiter)
        self._changed(b)
        waited = False
        try:
            while True:
                now = self._clock.monotonic()
                b.refill(now)
                delay = b.delay(waiter, now) if b.waiters[0] is waiter else math.inf
                if delay <= 0:
                    heapq.heappop(b.waiters)
                    b.tokens -= 1.0
                    b.in_flight += 1
                    self._changed(b)
                    return
                if not waited and ticket.on_wait is not None and b.short_for(waiter, now):
                    ticket.on_wait(True)
                    waited = True
                await self._wait(b, delay)
        except BaseException:
            if waiter in b.waiters:
                b.waiters.remove(waiter)
                heapq.heapify(b.waiters)
                self._changed(b)
            raise
        finally:
            if waited and ticket.on_wait is not None:
                ticket.on_wait(False)

    def release(
        self,
        bucket: str,
        *,
        rate_limit: RateLimit | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        """The request that took a token is over. With the response's headers, the
        server's count replaces ours; a 429 pauses the bucket for ``retry_after``."""
        b = self._buckets[bucket]
        now = self._clock.monotonic()
        b.refill(now)
        b.in_flight = max(0, b.in_flight - 1)
        if rate_limit is not None:
            b.observe(rate_limit, now, refused=status_code == 429)
        if status_code == 429:
            b.tokens = min(b.tokens, 0.0)
            wait = retry_after if retry_after is not None else 1.0 / b.rate
            if not math.isfinite(wait) or wait < 0:
                wait = MAX_PAUSE
            b.paused_until = max(b.paused_until, now + min(wait, MAX_PAUSE))
        self._changed(b)

    def status(self) -> list[BucketStatus]:
        now = self._clock.monotonic()
        return [b.status(now) for b in self._buckets.values()]

    def fill(self, bucket: str) -> float | None:
        """The share of ``bucket`` left (0..1) as the server last said; None if unknown."""
        b = self._buckets[bucket]
        if not b.known:
            return None
        b.refill(self._clock.monotonic())
        return max(0.0, b.tokens) / b.capacity

    def _changed(self, bucket: _Bucket) -> None:
        bucket.wake()
        if self.on_change is not None:
            self.on_change()

    async def _wait(self, bucket: _Bucket, delay: float) -> None:
        waits: list[asyncio.Future[object]] = [asyncio.ensure_future(bucket.changed.wait())]
        if math.isfinite(delay):
            waits.append(asyncio.ensure_future(self._clock.sleep(delay)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
