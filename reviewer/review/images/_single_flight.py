"""Shared, interest-counted asyncio tasks: one task per key, however many ask for it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from functools import partial
from typing import Any, Generic, TypeVar

__all__ = ["FlightCancelledError", "SingleFlight"]

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class FlightCancelledError(Exception):
    """The shared work was cancelled (by a shutdown) while this caller, not itself
    cancelled, was still waiting for it."""


class _Flight(Generic[T]):
    __slots__ = ("holders", "task", "waiters")

    def __init__(self, task: asyncio.Task[T]) -> None:
        self.task = task
        self.waiters = 0  # callers inside join()
        self.holders: set[object] = set()  # e.g. prefetch rounds that want the result

    @property
    def wanted(self) -> bool:
        return self.waiters > 0 or bool(self.holders)


class SingleFlight(Generic[K, T]):
    """Runs at most one task per key; everyone asking for the key meanwhile shares it.

    A task is wanted while a caller awaits it in ``join`` or a holder keeps it with
    ``hold``; once nobody wants it, it is cancelled. A caller being cancelled never
    cancels the work for the others. A failure nobody waited for goes to ``on_orphan_error``
    so it is never lost. Use from the event loop's thread only."""

    def __init__(
        self,
        name: str,
        *,
        on_orphan_error: Callable[[K, BaseException], None],
    ) -> None:
        self._name = name
        self._on_orphan_error = on_orphan_error
        self._flights: dict[K, _Flight[T]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    def __contains__(self, key: K) -> bool:
        return key in self._flights

    async def join(self, key: K, factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """The result of the task for ``key``, started with ``factory()`` if none runs."""
        flight = self._flight(key, factory)
        flight.waiters += 1
        try:
            # shield: this caller's cancellation must not cancel the shared task.
            return await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if flight.task.cancelled() and (current is None or current.cancelling() == 0):
                raise FlightCancelledError(f"{self._name} {key!r} was cancelled") from None
            raise
        finally:
            flight.waiters -= 1
            self._cancel_if_unwanted(flight)

    def hold(self, key: K, factory: Callable[[], Coroutine[Any, Any, T]], holder: object) -> None:
        """Start (or keep) the task for ``key`` on behalf of ``holder``, without waiting."""
        self._flight(key, factory).holders.add(holder)

    def release(self, holder: object) -> None:
        """``holder`` no longer wants anything: cancel what only it wanted."""
        for flight in list(self._flights.values()):
            flight.holders.discard(holder)
            self._cancel_if_unwanted(flight)

    def held_by(self, holder: object) -> list[asyncio.Task[T]]:
        return [f.task for f in self._flights.values() if holder in f.holders]

    def cancel_all(self) -> list[asyncio.Task[T]]:
        """Cancel every task; returns them so the caller can wait for them to end."""
        tasks = [flight.task for flight in self._flights.values()]
        for task in tasks:
            task.cancel()
        return tasks

    def _flight(self, key: K, factory: Callable[[], Coroutine[Any, Any, T]]) -> _Flight[T]:
        flight = self._flights.get(key)
        if flight is None or flight.task.done():
            task = asyncio.create_task(factory(), name=f"{self._name} {key!r}")
            flight = _Flight(task)
            # The dict holds the strong reference the event loop does not.
            self._flights[key] = flight
            task.add_done_callback(partial(self._finished, key, flight))
        return flight

    def _cancel_if_unwanted(self, flight: _Flight[T]) -> None:
        if not flight.wanted and not flight.task.done():
            flight.task.cancel()

    def _finished(self, key: K, flight: _Flight[T], task: asyncio.Task[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if task.cancelled():
            return
        exc = task.exception()  # also marks it retrieved
        # Waiters still counted get the exception from join(); otherwise report it here.
        if exc is not None and flight.waiters == 0:
            self._on_orphan_error(key, exc)
