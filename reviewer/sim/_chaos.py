"""Random faults, seeded, for soak and exactly-once tests.

Each /v1 request draws three numbers from one stream and each storage download two from
another, whatever the rates, so a run is repeatable given the same order of requests, and
image downloads do not shift the faults the API calls get. For a /v1 request, one draw u
decides: u < fault_rate answers 500, 502 or 503 (even odds) before the call; the next
reset_rate of the range drops the connection, before or after the call (even odds). The two
shares are exclusive: when they add up past 1, resets get what is left. A storage download is
corrupted with corrupt_image_rate: half truncated, half not an image at all. Latency is added
to every API and storage request. A scripted fault (_faults.py) wins over a random one.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ._faults import CORRUPTIONS, FaultAction

API_FAULT_STATUSES = (500, 502, 503)
STORAGE_ROUTE = "storage"


@dataclass
class ChaosSettings:
    fault_rate: float = 0.0
    reset_rate: float = 0.0
    latency_seconds: float = 0.0
    corrupt_image_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("fault_rate", "reset_rate", "corrupt_image_rate"):
            check_rate(getattr(self, name), name)
        if check_number(self.latency_seconds, "latency") < 0:
            raise ValueError("latency must be >= 0")


def check_number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number")
    return float(value)


def check_rate(value: object, name: str) -> float:
    rate = check_number(value, name)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{name} must be within 0..1")
    return rate


class Chaos:
    """Not thread-safe on its own; the simulator calls it under its lock."""

    def __init__(self, seed: int, settings: ChaosSettings) -> None:
        self.settings = settings
        self._api = random.Random(f"{seed}:chaos:api")
        self._storage = random.Random(f"{seed}:chaos:storage")
        self.injected: Counter[str] = Counter()  # random faults that took effect, by label

    def take(self, route: str, planned: FaultAction) -> FaultAction:
        """The planned action with this request's random faults and latency added."""
        drawn = self._draw(route)
        decider = drawn
        # A held request is a test's deliberate choice: random faults leave it alone.
        if planned.decisive or planned.gates:
            decider = planned
        elif drawn.decisive:
            self.injected[str(drawn.label())] += 1
        corrupt = None if decider.decisive else planned.corrupt
        if corrupt is None and not decider.decisive and drawn.corrupt is not None:
            corrupt = drawn.corrupt
            self.injected[f"corrupt_{corrupt}"] += 1
        return FaultAction(
            drop_before=decider.drop_before,
            drop_after=decider.drop_after,
            status=decider.status,
            retry_after=decider.retry_after,
            latency=planned.latency + drawn.latency,
            gates=planned.gates,
            corrupt=corrupt,
        )

    def _draw(self, route: str) -> FaultAction:
        s = self.settings
        if route == STORAGE_ROUTE:
            u, v = self._storage.random(), self._storage.random()
            corrupt = CORRUPTIONS[int(v * len(CORRUPTIONS))] if u < s.corrupt_image_rate else None
            return FaultAction(latency=s.latency_seconds, corrupt=corrupt)
        u, v, w = self._api.random(), self._api.random(), self._api.random()
        if u < s.fault_rate:
            status = API_FAULT_STATUSES[int(v * len(API_FAULT_STATUSES))]
            return FaultAction(latency=s.latency_seconds, status=status)
        if u < s.fault_rate + s.reset_rate:
            return FaultAction(latency=s.latency_seconds, drop_before=w < 0.5, drop_after=w >= 0.5)
        return FaultAction(latency=s.latency_seconds)

    def describe(self) -> dict[str, Any]:
        s = self.settings
        return {
            "fault_rate": s.fault_rate,
            "reset_rate": s.reset_rate,
            "latency_ms": s.latency_seconds * 1000.0,
            "corrupt_image_rate": s.corrupt_image_rate,
            "injected": dict(sorted(self.injected.items())),
        }
