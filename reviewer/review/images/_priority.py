"""Which image work goes first when there is more of it than downloads or decode threads.

Without this, every download and decode ran the moment it was asked for, first come first
served: on a start, the current character's four poses waited behind a page of queue
thumbnails and the next characters' prefetch (17 downloads at once, and the decode
threads' queue in the same order). asyncio has no priority semaphore, and the order must
follow priorities that change while work waits (a prefetched image the reviewer moves
to is wanted now), so this one is small and our own.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from enum import IntEnum
from typing import Generic, TypeVar

__all__ = ["Priority", "PriorityGate"]

K = TypeVar("K", bound=Hashable)


class Priority(IntEnum):
    """Lower goes first."""

    SHOWN = 0  # on screen now: the current character's poses, the loupe, a sheet
    GLANCE = 1  # small and on screen: queue thumbnails
    AHEAD = 2  # not on screen yet: prefetch of the characters next in the queue


class _Waiter(Generic[K]):
    __slots__ = ("future", "key", "order")

    def __init__(self, key: K, order: int, future: asyncio.Future[None]) -> None:
        self.key = key
        self.order = order
        self.future = future


class PriorityGate(Generic[K]):
    """At most ``slots`` holders at once. A freed slot goes to the waiter whose key is most
    urgent at that moment (``urgency(key)``, lower first; ties first come first served),
    so a waiter promoted while it waits moves ahead. ``admit(key)``: whether that key may
    start now at all, even with a slot free; when what it depends on changes, ``poke()``.
    Use from the event loop's thread."""

    def __init__(
        self,
        slots: int,
        urgency: Callable[[K], int],
        admit: Callable[[K], bool] = lambda _key: True,
    ) -> None:
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        self._slots = slots
        self._urgency = urgency
        self._admit = admit
        self._busy = 0
        self._waiting: list[_Waiter[K]] = []
        self._order = itertools.count()

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @asynccontextmanager
    async def slot(self, key: K) -> AsyncIterator[None]:
        await self._acquire(key)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, key: K) -> None:
        waiter = _Waiter(key, next(self._order), asyncio.get_running_loop().create_future())
        self._waiting.append(waiter)
        self.poke()  # a free slot may be this one's at once, or a more urgent waiter's
        if waiter.future.done():
            return
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.cancelled():
                # Cancelled while waiting: its future was cancelled at once, this task
                # runs later, and ``poke`` passed over it meanwhile.
                self._waiting.remove(waiter)
            else:
                self._release()  # granted, then cancelled before it could run
            raise

    def poke(self) -> None:
        """Hand free slots to waiters that may start now."""
        while self._busy < self._slots:
            # A cancelled waiter stays listed until its task runs and leaves; skip it.
            admitted = [w for w in self._waiting if not w.future.cancelled() and self._admit(w.key)]
            if not admitted:
                return
            waiter = min(admitted, key=lambda w: (self._urgency(w.key), w.order))
            self._waiting.remove(waiter)
            waiter.future.set_result(None)
            self._busy += 1  # held for the waiter from now on

    def _release(self) -> None:
        self._busy -= 1
        self.poke()
