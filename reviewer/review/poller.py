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
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from psygnal import Signal

from reviewer.api import (
    APIConnectionError,
    AsyncAurousClient,
    AurousError,
    AuthenticationError,
    Character,
    CharacterStatus,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    SkippedCharacter,
)

from ._clock import Clock
from .health import ServiceHealth

__all__ = ["PollResult", "Poller"]

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_RETRIEVES_PER_CYCLE = 10
MAX_BACKOFF = 60.0
# While the API cannot be reached, look again this often at most (a GET is cheap).
OFFLINE_BACKOFF = 15.0
# A sweep longer than this is a cursor that never ends, not a team's list.
MAX_SWEEP_PAGES = 1000
# Below this share of characters_get left, polls stretch out (ten reviewers of a team
# poll the same bucket): at a quarter left they come half as often, at 1/16, 8x.
SLOW_BELOW = 0.5
# A poll's characters are handed on this many at a time, a turn of the event loop each:
# 50 characters landing in one poll took the GUI thread 3.4 ms to merge, and then a paint
# of every row they changed, in one turn (10.3 ms in all; a frame is 16.7).
MERGE_BATCH = 8


@dataclass(frozen=True, slots=True)
class PollResult:
    characters: tuple[Character, ...]
    # Ids known when the sweep began that it never saw: gone from the server's list.
    missing: frozenset[str] = frozenset()
    sweep_complete: bool = False
    probe: bool = False
    requests: int = 1
    # Something wrong with the list the reviewer should hear of (a cursor that repeats).
    problem: str | None = None
    # Items of the list that could not be read (skipped, the rest of the page was used).
    skipped: tuple[SkippedCharacter, ...] = ()

    def parts(self, size: int) -> list[PollResult]:
        """This result as several, ``size`` characters each, in order: the last one
        carries the rest of it (what is missing, whether the sweep is complete...), so
        whoever merges them sees the whole result only once its characters are in."""
        if len(self.characters) <= size:
            return [self]
        chunks = [self.characters[i : i + size] for i in range(0, len(self.characters), size)]
        first = [PollResult(chunk, probe=self.probe, requests=0) for chunk in chunks[:-1]]
        return [*first, replace(self, characters=chunks[-1])]


@dataclass
class _Sweep:
    cursor: str | None = None
    known: frozenset[str] = frozenset()
    seen: set[str] = field(default_factory=set)
    cursors: set[str] = field(default_factory=set)
    pages: int = 0


class Poller:
    polled = Signal(object)  # PollResult
    failed = Signal(object, float)  # AurousError, seconds until the next try
    recovered = Signal()

    def __init__(
        self,
        client: AsyncAurousClient,
        *,
        clock: Clock,
        health: ServiceHealth | None = None,
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
        self._health = health or ServiceHealth(clock)
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
            if delay <= 0 or self._wake.is_set():
                continue
            # Wakes on a poke, when the delay is over, or when the API's state changes
            # (back online, a new key).
            waits = [
                asyncio.ensure_future(self._wake.wait()),
                asyncio.ensure_future(self._health.pause(delay)),
            ]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()

    async def _cycle_safely(self) -> float:
        try:
            result = await self.cycle()
        except AurousError as exc:
            return self._failed(exc)
        except Exception as exc:
            # Whatever a hostile answer does, polling must not end for good.
            log.exception("poll failed unexpectedly")
            return self._failed(ResponseValidationError(f"{type(exc).__name__}: {exc}"))
        if self._failures:
            self._failures = 0
            self.recovered.emit()
        for part in result.parts(MERGE_BATCH):
            # A turn of its own for each: reading the page was this one's (~1.5 ms for a
            # hundred characters), and the window paints what the last part changed.
            await asyncio.sleep(0)
            self.polled.emit(part)
        return self._next_delay()

    def _failed(self, exc: AurousError) -> float:
        self._failures += 1
        self._health.observe_error(exc)
        delay = self._backoff(exc)
        log.warning("poll failed (%s); next try in %.0f s", exc, delay)
        self.failed.emit(exc, delay)
        return delay

    def _backoff(self, exc: AurousError) -> float:
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            # An absurd Retry-After (a day, inf) must not stop polling for that long.
            return min(MAX_BACKOFF, max(1.0, exc.retry_after))
        if isinstance(exc, AuthenticationError):
            return math.inf  # until a new key is given (the health wakes us)
        exponent: int = min(self._failures, 6)
        cap = OFFLINE_BACKOFF if isinstance(exc, APIConnectionError) else MAX_BACKOFF
        return min(cap, self.active_interval * float(2**exponent))

    def _next_delay(self) -> float:
        if self._sweep is not None:
            # Mid-sweep: the next page soon (at once while the queue first loads).
            return 0.0 if not self.initial_sweep_done else min(1.0, self.active_interval)
        interval = self.active_interval if self._synthesizing_ids() else self.idle_interval
        limiter = self._client.limiter
        left = limiter.fill("characters_get") if limiter is not None else None
        if left is not None and left < SLOW_BELOW:
            # The team's bucket runs low (colleagues poll it too): leave it to decisions.
            interval *= min(8.0, SLOW_BELOW / max(left, SLOW_BELOW / 8))
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
        fresh = [c for c in page.data if c.id not in sweep.seen]
        # A character that came back unreadable is still there: not "deleted elsewhere".
        listed = [c.id for c in page.data] + [s.id for s in page.skipped if s.id]
        new_ids = [i for i in listed if i not in sweep.seen]
        sweep.seen.update(listed)
        sweep.pages += 1
        if page.has_more and (page.data or page.skipped):
            cursor = page.next_cursor or (page.data[-1].id if page.data else None)
            problem = None
            if cursor is None or cursor in sweep.cursors or not (new_ids or page.skipped):
                problem = "The server's character list repeats itself (its cursor goes round)"
            elif sweep.pages >= MAX_SWEEP_PAGES:
                problem = f"The server's character list did not end after {sweep.pages} pages"
            if problem is None and cursor is not None:
                sweep.cursors.add(cursor)
                sweep.cursor = cursor
                return PollResult(tuple(fresh), skipped=page.skipped)
            # Keep what was read, but remove nothing: the walk did not see the whole list.
            log.warning("%s; sweep ended after %d pages", problem, sweep.pages)
            self._sweep = None
            self.initial_sweep_done = True
            return PollResult(
                tuple(fresh), sweep_complete=True, problem=problem, skipped=page.skipped
            )
        self._sweep = None
        self.initial_sweep_done = True
        return PollResult(
            tuple(fresh),
            missing=sweep.known - sweep.seen,
            sweep_complete=True,
            skipped=page.skipped,
        )

    async def _probe(self, following: set[str]) -> PollResult:
        page = await self._client.list_characters(
            limit=self._page_size, status=CharacterStatus.SYNTHESIZING
        )
        seen = {c.id for c in page.data} | {s.id for s in page.skipped if s.id}
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
                except ResponseValidationError as exc:
                    # One unreadable character must not stop the others coming back.
                    log.warning("could not read %s: %s", character_id, exc)
        return PollResult(
            tuple(characters),
            missing=frozenset(missing),
            probe=True,
            requests=requests,
            skipped=page.skipped,
        )
