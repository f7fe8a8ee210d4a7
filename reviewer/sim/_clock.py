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
        # The start and the time moved since, apart: each step added to seconds since
        # 1970 rounded to the ~0.24 µs such a float resolves, and the drift added up (20
        # steps of 0.1 s came to 1.9999990 s: a token due after exactly 2 s was refused).
        self._start = float(start)
        self._moved = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._start + self._moved

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._moved += seconds
            return self._start + self._moved

    def __repr__(self) -> str:
        return f"ManualClock(start={self.time()!r})"
