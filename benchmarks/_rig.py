"""What the delivery benchmarks share: review sessions of one simulator team, either on
manual clocks moved together (in-process, exact and fast) or live over loopback HTTP on
the real clock; and the simulator's ground truth read back as counts, never asserted."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio.lowlevel

from reviewer.api import AsyncAurousClient
from reviewer.review import ManualClock, ReviewSession
from reviewer.review.decisions import Decision, DecisionKind, DecisionStore
from reviewer.sim import SimConfig, Simulator, serve_in_thread
from tests.simfixtures import KEY, make_sim

__all__ = [
    "KEY",
    "LiveRig",
    "ManualRig",
    "RetryCounter",
    "Tally",
    "decide",
    "percentile",
    "tally",
    "too_many",
]

# The simulator's defaults for these benchmarks: no synthesis failures, tiny images, credits
# that never run out, and a request log long enough to hold every request of a run.
SIM_DEFAULTS: dict[str, Any] = {
    "api_keys": [KEY],
    "seed": 11,
    "synthesis_jitter": 0.0,
    "failure_rate": 0.0,
    "image_size": 32,
    "credits": 10_000_000,
    "request_log_size": 1_000_000,
}

OPERATION = {
    DecisionKind.SAVE: "save",
    DecisionKind.DISCARD: "delete",
    DecisionKind.REGENERATE: "regenerate",
    DecisionKind.RESYNTHESIZE: "resynthesize",
}


class _Rig:
    sim: Simulator

    def __init__(self) -> None:
        # The app's log lines (a poll that failed under chaos) stay off the figures.
        reviewer_log = logging.getLogger("reviewer")
        if not reviewer_log.handlers:
            reviewer_log.addHandler(logging.NullHandler())
        self.sessions: list[ReviewSession] = []
        self._clients: list[AsyncAurousClient] = []

    def _client(self, key: str) -> AsyncAurousClient:
        raise NotImplementedError

    def _session_clock(self) -> ManualClock | None:
        return None

    def elapsed(self) -> float:
        """Seconds since the rig was made, on the sessions' clock."""
        raise NotImplementedError

    async def tick(self, seconds: float) -> None:
        raise NotImplementedError

    def add_session(
        self,
        key: str = KEY,
        *,
        undo_seconds: float = 1.0,
        poll_interval: float = 10.0,
        store: DecisionStore | None = None,
    ) -> ReviewSession:
        """A reviewer with the app open: its own client, limiter and outbox."""
        client = self._client(key)
        self._clients.append(client)
        session = ReviewSession(
            client,
            clock=self._session_clock(),
            undo_seconds=undo_seconds,
            poll_interval=poll_interval,
            store=store,
        )
        self.sessions.append(session)
        return session

    async def start(self, seconds: float = 600.0) -> float:
        """Start every session; the seconds until all their queues are loaded."""
        for session in self.sessions:
            await session.start()
        return await self.run_until(
            lambda: not any(s.loading for s in self.sessions), "queues loaded", seconds=seconds
        )

    async def run_until(
        self, condition: Callable[[], object], what: str, *, seconds: float, step: float = 0.25
    ) -> float:
        """Let time pass until ``condition`` holds; the seconds it took (inf: not within)."""
        start = self.elapsed()
        for _ in range(math.ceil(seconds / step)):
            if condition():
                return self.elapsed() - start
            await self.tick(step)
        if condition():
            return self.elapsed() - start
        print(f"  !! {what}: not within {seconds:g} s", flush=True)
        return math.inf

    async def aclose(self) -> None:
        for session in self.sessions:
            await session.aclose(flush=False)
        for client in self._clients:
            await client.aclose()


class _ManualClocks(_Rig):
    """Every session on a manual clock of its own; ``_advance`` moves them together."""

    def __init__(self) -> None:
        super().__init__()
        self._clocks: list[ManualClock] = []
        self._elapsed = 0.0

    def _session_clock(self) -> ManualClock:
        clock = ManualClock()
        self._clocks.append(clock)
        return clock

    def elapsed(self) -> float:
        return self._elapsed

    def _advance(self, seconds: float) -> None:
        for clock in self._clocks:
            clock.advance(seconds)
        self._elapsed += seconds


class ManualRig(_ManualClocks):
    """In-process simulator; it and every session run on manual clocks moved together."""

    def __init__(self, **sim: Any) -> None:
        super().__init__()
        self.h = make_sim(**{**SIM_DEFAULTS, **sim})
        self.sim = self.h.sim

    def _client(self, key: str) -> AsyncAurousClient:
        return self.h.client(key)

    async def tick(self, seconds: float) -> None:
        self._advance(seconds)
        self.h.clock.advance(seconds)
        for _ in range(40 + 4 * len(self.sessions)):
            await anyio.lowlevel.checkpoint()
        # The simulator's injected latency is real time: let it run out.
        await asyncio.sleep(0.0005)


class LiveRig(_Rig):
    """The simulator on a loopback port in its own thread; sessions on the real clock."""

    def __init__(self, **sim: Any) -> None:
        super().__init__()
        self.server = serve_in_thread(SimConfig(**{**SIM_DEFAULTS, **sim}))
        self.sim = self.server.sim
        self._started = time.monotonic()

    def _client(self, key: str) -> AsyncAurousClient:
        return AsyncAurousClient(api_key=key, base_url=self.server.base_url)

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    async def tick(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def aclose(self) -> None:
        await super().aclose()
        self.server.stop()


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank; 0 for none."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def reviewing(session: ReviewSession) -> list[str]:
    return [e.id for e in session.queue if e.status == "reviewing" and not e.decided]


def decide(session: ReviewSession, cid: str, kind: DecisionKind, pose: str = "front") -> Decision:
    """Select the character and press the decision's key, as the window does."""
    if not session.queue.select(cid):
        raise RuntimeError(f"{cid} is not in the queue")
    if kind is DecisionKind.REGENERATE:
        session.select_pose(pose)
        decision = session.regenerate()
    else:
        decision = {
            DecisionKind.SAVE: session.save,
            DecisionKind.DISCARD: session.discard,
            DecisionKind.RESYNTHESIZE: session.resynthesize,
        }[kind]()
    if decision is None:
        raise RuntimeError(f"{kind} refused for {cid}")
    return decision


def too_many(sim: Simulator) -> int:
    """429s the simulator answered to logged requests (a colleague's are not logged)."""
    return sum(1 for r in sim.requests if r.status == 429)


@dataclass
class Tally:
    """What the server's own state says about a set of decisions."""

    landed: int = 0  # took effect exactly once
    lost: list[Decision] = field(default_factory=list)  # never took effect
    doubled: list[Decision] = field(default_factory=list)  # took effect more than once
    stray: list[str] = field(default_factory=list)  # something else changed the character
    double_charges: list[str] = field(default_factory=list)  # billed more than once

    def problems(self) -> list[str]:
        lost = [f"lost: {d.describe()} [{d.character_id}] ({d.state})" for d in self.lost]
        doubled = [f"applied twice: {d.describe()} [{d.character_id}]" for d in self.doubled]
        return lost + doubled + self.stray + self.double_charges


def tally(sim: Simulator, decisions: list[Decision], key: str = KEY) -> Tally:
    applied = sim.applied(key)
    ledger = sim.ledger(key)
    result = Tally()
    for d in decisions:
        ops: list[str] = [a.operation for a in applied if a.character_id == d.character_id]
        expected = OPERATION[d.kind]
        done = ops.count(expected)
        if done == 0:
            result.lost.append(d)
        elif done > 1:
            result.doubled.append(d)
        else:
            result.landed += 1
        if len(ops) != done:
            result.stray.append(f"{d.describe()} [{d.character_id}]: applied {ops}")
        billed = [x for x in ledger if x.character_id == d.character_id]
        if len(billed) > (1 if d.kind.paid else 0):
            result.double_charges.append(f"billed {len(billed)}x: {d.describe()}")
    for key_, count in Counter(x.idempotency_key for x in ledger).items():
        if count > 1:
            result.double_charges.append(f"idempotency key {key_} billed {count}x")
    return result


class RetryCounter(logging.Handler):
    """Counts the outbox's own "retrying" lines: the app's view of each retry, by error."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.by_error: Counter[str] = Counter()
        self._logger = logging.getLogger("reviewer.review.outbox")

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying in" in str(record.msg) and isinstance(record.args, tuple):
            self.by_error[type(record.args[-1]).__name__] += 1

    def __enter__(self) -> RetryCounter:
        self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *_: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(logging.NOTSET)
