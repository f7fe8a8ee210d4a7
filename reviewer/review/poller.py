"""Polls the character list: one list request per cycle, whatever the queue's size.

Cycles walk the list newest first, one page (100 characters) each; when a walk (a
sweep) reaches the end, characters the queue knew at its start and the sweep did not
see have left (deleted elsewhere). While characters this reviewer follows are
synthesizing, every other cycle asks for ``status=synthesizing`` instead, so a
regenerated pose deep in a long list comes back within seconds; the few that left that
list since are retrieved one by one (one request per finished character, not per cycle).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from psygnal import Signal

from reviewer.api import (
    AsyncAurousClient,
    AurousError,
    AuthenticationError,
    Character,
    CharacterStatus,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
)

from ._clock import Clock, sleep_or_wake

__all__ = ["PollResult", "Poller"]

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_RETRIEVES_PER_CYCLE = 10
MAX_BACKOFF = 60.0


@dataclass(frozen=True, slots=True)
class PollResult:
    characters: tuple[Character, ...]
    # Ids known when the sweep began that it never saw: gone from the server's list.
    missing: frozenset[str] = frozenset()
    sweep_complete: bool = False
    probe: bool = False
    requests: int = 1


@dataclass
class _Sweep:
    cursor: str | None = None
    known: frozenset[str] = frozenset()
    seen: set[str] = field(default_factory=set)


class Poller:
    polled = Signal(object)  # PollResult
    failed = Signal(object, float)  # AurousError, seconds until the next try
    recovered = Signal()

    def __init__(
        self,
        client: AsyncAurousClient,
        *,
        clock: Clock,
        known_ids: Callable[[], set[str]],
        synthesizing_ids: Callable[[], set[str]],
        idle_interval: float = 10.0,
        active_interval: float = 2.0,
        page_size: int = PAGE_SIZE,
    ) -> None:
        if idle_interval <= 0 or active_interval <= 0:
            raise ValueError("poll intervals must be positive")
        self._client = client
        self._clock = clock
        self._known_ids = known_ids
        self._synthesizing_ids = synthesizing_ids
        self.idle_interval = idle_interval
        self.active_interval = min(active_interval, idle_interval)
        self._page_size = page_size
        self._sweep: _Sweep | None = None
        self._probe_next = False
        self._failures = 0
        self._wake = asyncio.Event()
        self.cycles = 0
        self.initial_sweep_done = False

    def poke(self, *, sweep: bool = False) -> None:
        """Run the next cycle now (after a decision, or when the reviewer asks: then
        ``sweep`` makes it a page of the whole list rather than a synthesizing probe)."""
        if sweep:
            self._probe_next = False
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            delay = await self._cycle_safely()
            await sleep_or_wake(self._clock, delay, self._wake)

    async def _cycle_safely(self) -> float:
        try:
            result = await self.cycle()
        except AurousError as exc:
            self._failures += 1
            delay = self._backoff(exc)
            log.warning("poll failed (%s); next try in %.0f s", exc, delay)
            self.failed.emit(exc, delay)
            return delay
        if self._failures:
            self._failures = 0
            self.recovered.emit()
        self.polled.emit(result)
        return self._next_delay()

    def _backoff(self, exc: AurousError) -> float:
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return max(1.0, exc.retry_after)
        if isinstance(exc, AuthenticationError):
            return MAX_BACKOFF
        exponent: int = min(self._failures, 6)
        return min(MAX_BACKOFF, self.active_interval * float(2**exponent))

    def _next_delay(self) -> float:
        if self._sweep is not None:
            # Mid-sweep: the next page soon (at once while the queue first loads).
            return 0.0 if not self.initial_sweep_done else min(1.0, self.active_interval)
        interval = self.active_interval if self._synthesizing_ids() else self.idle_interval
        meta = self._client.last_meta
        if meta is not None and meta.rate_limit is not None:
            limit = meta.rate_limit
            if limit.limit and limit.remaining < limit.limit * 0.1:
                interval = max(interval, self.idle_interval) * 2  # leave room for decisions
        return interval

    async def cycle(self) -> PollResult:
        """One poll: a page of the sweep, or a probe of synthesizing characters."""
        self.cycles += 1
        following = self._synthesizing_ids()
        probe = bool(following) and self._probe_next and self.initial_sweep_done
        self._probe_next = not probe
        if probe:
            return await self._probe(following)
        return await self._sweep_page()

    async def _sweep_page(self) -> PollResult:
        sweep = self._sweep
        if sweep is None:
            sweep = self._sweep = _Sweep(known=frozenset(self._known_ids()))
        try:
            page = await self._client.list_characters(
                limit=self._page_size, starting_after=sweep.cursor
            )
        except (InvalidRequestError, NotFoundError):
            if sweep.cursor is None:
                raise
            # The cursor's character was deleted meanwhile: start the sweep over.
            self._sweep = None
            raise
        sweep.seen.update(c.id for c in page.data)
        if page.has_more and page.data:
            sweep.cursor = page.next_cursor or page.data[-1].id
            return PollResult(page.data)
        self._sweep = None
        self.initial_sweep_done = True
        return PollResult(page.data, missing=sweep.known - sweep.seen, sweep_complete=True)

    async def _probe(self, following: set[str]) -> PollResult:
        page = await self._client.list_characters(
            limit=self._page_size, status=CharacterStatus.SYNTHESIZING
        )
        seen = {c.id for c in page.data}
        characters = list(page.data)
        missing: set[str] = set()
        requests = 1
        if not page.has_more:
            # Those no longer synthesizing have finished (or gone): fetch each once.
            for character_id in sorted(following - seen)[:MAX_RETRIEVES_PER_CYCLE]:
                requests += 1
                try:
                    characters.append(await self._client.retrieve_character(character_id))
                except NotFoundError:
                    missing.add(character_id)
        return PollResult(
            tuple(characters), missing=frozenset(missing), probe=True, requests=requests
        )
