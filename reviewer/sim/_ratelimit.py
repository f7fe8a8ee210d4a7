"""Token buckets, one per team and bucket name, driven by the injected clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

# name -> (sustained per minute, burst), from the contract.
BUCKETS: dict[str, tuple[float, int]] = {
    "characters_get": (120.0, 240),
    "characters_post": (30.0, 60),
    "characters_synthesize": (6.0, 12),
}


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch second when the bucket is full again
    retry_after: int  # seconds until one token is back; 0 when allowed

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


TOLERANCE = 1e-5  # tokens


class TokenBucket:
    def __init__(self, per_minute: float, burst: int, now: float) -> None:
        self.capacity = max(1, burst)
        self.rate = per_minute / 60.0
        self._tokens = float(self.capacity)
        self._at = now

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now

    def take(self, now: float) -> RateDecision:
        self._refill(now)
        # Float refill can land a hair below 1 after exactly one period; tolerate it, by
        # more than seconds since 1970 resolve (~0.24 µs: ~1e-7 tokens at 30 a minute).
        allowed = self._tokens >= 1.0 - TOLERANCE
        if allowed:
            self._tokens = max(0.0, self._tokens - 1.0)
        return self._decision(now, allowed)

    def peek(self, now: float) -> RateDecision:
        self._refill(now)
        return self._decision(now, True)

    def _decision(self, now: float, allowed: bool) -> RateDecision:
        missing = self.capacity - self._tokens
        reset = math.ceil(now + missing / self.rate) if missing > 1e-9 else math.ceil(now)
        retry_after = 0 if allowed else max(1, math.ceil((1.0 - self._tokens) / self.rate))
        return RateDecision(
            allowed=allowed,
            limit=self.capacity,
            remaining=int(self._tokens + TOLERANCE),
            reset=reset,
            retry_after=retry_after,
        )


def make_buckets(now: float, scale: float) -> dict[str, TokenBucket]:
    return {
        name: TokenBucket(per_minute * scale, round(burst * scale), now)
        for name, (per_minute, burst) in BUCKETS.items()
    }
