"""Time sources: the simulator never reads the wall clock directly, so tests can drive it."""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

# 2026-05-08T10:00:00Z, the date in the contract's examples.
DEMO_EPOCH = 1778234400.0


@runtime_checkable
class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to; safe to advance from another thread."""

    def __init__(self, start: float = DEMO_EPOCH) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds
            return self._now

    def __repr__(self) -> str:
        return f"ManualClock(start={self._now!r})"
