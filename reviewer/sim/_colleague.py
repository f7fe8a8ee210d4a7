"""A colleague on the same team: another client spending one of the team's buckets.

It is modelled as requests at a steady pace on the simulator's clock: with N a minute, one
every 60/N s, the first 60/N s after it starts. Each takes a token when the bucket has one;
when it has none, that request was refused (a 429 the colleague does not retry) and the next
comes on schedule. Nothing else happens: no state changes and no request log entry, only
tokens. It runs lazily, like synthesis: before the team's bucket is read or spent, every
request the colleague made since is replayed in order at its own time, so the result is the
same on the system clock and on a manual one.
"""

from __future__ import annotations

from typing import Any

from ._ratelimit import TokenBucket


class Colleague:
    def __init__(self, bucket: TokenBucket, per_minute: float, start: float) -> None:
        if per_minute <= 0:
            raise ValueError("a colleague spends a positive number of requests per minute")
        self.bucket = bucket
        self.per_minute = per_minute
        self._interval = 60.0 / per_minute
        self._start = start
        self._made = 0  # requests made so far; the next is due at start + (made + 1) * interval
        self.spent = 0
        self.refused = 0

    def catch_up(self, now: float) -> None:
        while (due := self._start + (self._made + 1) * self._interval) <= now:
            self._made += 1
            if self.bucket.take(due).allowed:
                self.spent += 1
            else:
                self.refused += 1

    def describe(self) -> dict[str, Any]:
        return {"per_minute": self.per_minute, "spent": self.spent, "refused": self.refused}
