"""Prefixed ULIDs and timestamps, drawn from a seeded generator so runs repeat exactly."""

from __future__ import annotations

import datetime as dt
import random
import re

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_PATTERN = f"[{CROCKFORD}]{{26}}"
CHAR_ID_RE = re.compile(f"^char_{ULID_PATTERN}$")
REQUEST_ID_RE = re.compile(f"^req_{ULID_PATTERN}$")

_RANDOM_BITS = 80


def encode_ulid(value: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class UlidFactory:
    """Monotonic ULIDs: within one millisecond the random part counts up, so ids sort in
    creation order even when a manual clock stands still."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._last_ms = -1
        self._last_random = 0

    def new(self, at: float) -> str:
        ms = max(0, int(at * 1000))
        if ms == self._last_ms:
            self._last_random = (self._last_random + 1) % (1 << _RANDOM_BITS)
        else:
            self._last_ms = ms
            # Leave headroom so the increments above cannot wrap in practice.
            self._last_random = self._rng.getrandbits(_RANDOM_BITS - 2)
        return encode_ulid((ms << _RANDOM_BITS) | self._last_random)


def iso(at: float) -> str:
    """ISO 8601 UTC with a Z, to the second, as the contract shows."""
    stamp = dt.datetime.fromtimestamp(int(at), tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
