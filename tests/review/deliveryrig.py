"""A review session and the in-process simulator, both on manual clocks moved together,
for tests that count what reached the server (from the simulator's own ground truth)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import anyio
import anyio.lowlevel
import httpx

from reviewer.api import AsyncAurousClient
from reviewer.review import ManualClock
from reviewer.review.decisions import Decision, DecisionKind, DecisionStore
from reviewer.review.notices import Notice
from reviewer.review.session import ReviewSession
from tests.simfixtures import BASE, KEY, SimHarness, make_sim


class DeliveryRig:
    def __init__(
        self,
        *,
        undo_seconds: float = 1.0,
        store: DecisionStore | None = None,
        transport: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
        key: str = KEY,
        server: SimHarness | None = None,
        **sim: Any,
    ) -> None:
        options: dict[str, Any] = {"characters": 40, "credits": 100_000, "image_size": 32}
        options.update(sim)
        # ``server``: the same simulated service as another rig's (an app restarted).
        self.h: SimHarness = server or make_sim(**options)
        self.sim = self.h.sim
        self.clock = ManualClock()
        self.transport = transport(self.h.transport) if transport is not None else self.h.transport
        self.client = AsyncAurousClient(api_key=key, base_url=BASE, transport=self.transport)
        self.session = ReviewSession(
            self.client, clock=self.clock, undo_seconds=undo_seconds, store=store
        )
        self.notices: list[Notice] = []
        self.session.notice.connect(self.notices.append)
        self.elapsed = 0.0

    async def start(self) -> None:
        await self.session.start()
        await self.run_until(lambda: not self.session.loading, "first sweep", seconds=120)

    async def aclose(self) -> None:
        await self.session.aclose(flush=False)
        await self.client.aclose()

    async def settle(self, rounds: int = 40) -> None:
        for _ in range(rounds):
            await anyio.lowlevel.checkpoint()

    async def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.h.clock.advance(seconds)
        self.elapsed += seconds
        await self.settle()
        # In-process requests also wait on real-time work (injected latency): let it run.
        await anyio.sleep(0.0005)

    async def run_until(
        self, condition: Callable[[], object], what: str, *, seconds: float, step: float = 0.25
    ) -> float:
        """Move both clocks on until ``condition`` holds; returns the simulated seconds."""
        start = self.elapsed
        for _ in range(math.ceil(seconds / step)):
            if condition():
                return self.elapsed - start
            await self.tick(step)
        if condition():
            return self.elapsed - start
        raise AssertionError(f"{what}: not within {seconds} simulated seconds")

    def reviewing(self) -> list[str]:
        return [e.id for e in self.session.queue if e.status == "reviewing" and not e.decided]

    def decide(self, cid: str, kind: DecisionKind, pose: str = "front") -> Decision:
        assert self.session.queue.select(cid), f"{cid} is not in the queue"
        if kind is DecisionKind.REGENERATE:
            self.session.select_pose(pose)
            decision = self.session.regenerate()
        else:
            decision = {
                DecisionKind.SAVE: self.session.save,
                DecisionKind.DISCARD: self.session.discard,
                DecisionKind.RESYNTHESIZE: self.session.resynthesize,
            }[kind]()
        assert decision is not None, self.notices[-1].text if self.notices else kind
        return decision

    async def all_sent(self, seconds: float, step: float = 0.5) -> float:
        return await self.run_until(
            lambda: not self.session.outbox.pending(), "all decisions answered", seconds=seconds,
            step=step,
        )  # fmt: skip

    def check_exactly_once(self, decisions: list[Decision]) -> None:
        """Each decision took effect on the server once, each paid one was billed once
        with its own idempotency key, and nothing else changed those characters."""
        applied = self.sim.applied(KEY)
        ledger = self.sim.ledger(KEY)
        expected_op = {
            DecisionKind.SAVE: "save",
            DecisionKind.DISCARD: "delete",
            DecisionKind.REGENERATE: "regenerate",
            DecisionKind.RESYNTHESIZE: "resynthesize",
        }
        problems = []
        for d in decisions:
            ops = [a.operation for a in applied if a.character_id == d.character_id]
            if ops != [expected_op[d.kind]]:
                problems.append(f"{d.describe()} [{d.character_id}]: applied {ops}")
            billed = [x for x in ledger if x.character_id == d.character_id]
            if d.kind.paid:
                keys = [x.idempotency_key for x in billed]
                if keys != [d.idempotency_key]:
                    problems.append(f"{d.describe()}: billed {len(billed)} times ({keys})")
            elif billed:
                problems.append(f"{d.describe()}: billed {len(billed)} times")
        assert not problems, "\n".join(problems[:20])
