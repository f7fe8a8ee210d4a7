"""The harness's delivery phases: decisions a minute against the characters_post bucket,
and polls a minute against characters_get. Review sessions (no window) against a
simulator in its own process on a manual clock: each step moves the simulator's clock
(POST /_sim/advance) and the sessions' together, then lets every request in flight over
loopback finish before the next. Simulated minutes cost seconds, and the counts are
exact; the documented limits apply."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from reviewer.api import AsyncAurousClient
from reviewer.review.decisions import DecisionKind

from ._proc import TEAM_KEY, Context, all_characters
from ._rig import _ManualClocks, decide, reviewing

__all__ = ["NET_PHASES", "LoopbackRig"]

BURST, PER_MINUTE = 60, 30.0  # characters_post, documented
GET_PER_MINUTE = 120.0  # characters_get, sustained
GET_ROUTES = ("list", "retrieve", "balance")


class _CountingTransport(httpx.AsyncHTTPTransport):
    """Knows how many requests are in flight, so a step can wait for them."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        try:
            return await super().handle_async_request(request)
        finally:
            self.in_flight -= 1


class LoopbackRig(_ManualClocks):
    """Sessions on manual clocks against a ``--manual-clock`` simulator over loopback."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.control = httpx.AsyncClient(base_url=base_url.removesuffix("/v1"), timeout=30)
        self._transport = _CountingTransport()

    def _client(self, key: str) -> AsyncAurousClient:
        return AsyncAurousClient(api_key=key, base_url=self.base_url, transport=self._transport)

    async def tick(self, seconds: float) -> None:
        (await self.control.post("/_sim/advance", json={"seconds": seconds})).raise_for_status()
        self._advance(seconds)
        await self.settle()

    async def settle(self, seconds: float = 30.0) -> None:
        """Until nothing is in flight and the sessions have had their turns."""
        deadline = time.monotonic() + seconds
        quiet = 0
        while quiet < 30:
            if time.monotonic() > deadline:
                raise TimeoutError(f"requests still in flight after {seconds:g} s")
            await asyncio.sleep(0)
            if self._transport.in_flight:
                quiet = 0
                await asyncio.sleep(0.0005)
            else:
                quiet += 1

    async def sim_time(self) -> float:
        return float((await self.control.get("/_sim/clock")).raise_for_status().json()["time"])

    async def requests(self) -> list[dict[str, Any]]:
        body = (await self.control.get("/_sim/requests")).raise_for_status().json()
        return list(body["data"])

    async def aclose(self) -> None:
        await super().aclose()
        await self.control.aclose()


# -- decision_throughput ---------------------------------------------------------------


async def decision_throughput(ctx: Context) -> dict[str, Any]:
    """150 saves keyed at once with undo 0; when each took effect in the simulator
    against the bucket's ceiling: 60 at once, then 30 a minute."""
    saves, step = 150, 0.25 if ctx.quick else 0.1
    rig = LoopbackRig(ctx.sims["throughput"])
    try:
        session = rig.add_session(undo_seconds=0.0)
        await rig.start()
        cids = reviewing(session)[:saves]
        if len(cids) < saves:
            raise RuntimeError(f"only {len(cids)} characters in review, {saves} wanted")
        (await rig.control.delete("/_sim/requests")).raise_for_status()
        keyed = await rig.sim_time()
        for cid in cids:
            decide(session, cid, DecisionKind.SAVE)
        limit = 2 * (saves - BURST) / (PER_MINUTE / 60) + 60
        await rig.run_until(
            lambda: not session.outbox.pending(), "saves sent", seconds=limit, step=step
        )
        applied = (await rig.control.get("/_sim/applied")).raise_for_status().json()["data"]
        landed = [a["at"] for a in applied if a["operation"] == "save" and a["at"] >= keyed]
        requests = await rig.requests()
    finally:
        await rig.aclose()
    if not landed:
        raise RuntimeError("no save reached the simulator")
    took = max(max(landed) - keyed, step)
    ceiling_seconds = max(0.0, len(landed) - BURST) / (PER_MINUTE / 60)
    per_min = len(landed) / took * 60
    ceiling_per_min = len(landed) / max(ceiling_seconds, step) * 60
    return {
        "per_min": per_min,
        "share_of_ceiling": ceiling_seconds / took if ceiling_seconds else 1.0,
        "http_429": sum(1 for r in requests if r["status"] == 429),
        "saves": len(landed),
        "seconds": took,
        "ceiling_per_min": ceiling_per_min,
        "ceiling_seconds": ceiling_seconds,
        "step_seconds": step,
    }


# -- poll_requests_per_min -------------------------------------------------------------


async def _synthesize(rig: LoopbackRig, count: int) -> int:
    """Resynthesize characters through another key of the team until ``count``
    synthesize, moving the simulator's clock so its synthesize bucket (6 a minute) has a
    token for each. Returns how many synthesize."""
    headers = {"X-Api-Key": TEAM_KEY}
    async with httpx.AsyncClient(base_url=rig.base_url, headers=headers, timeout=30) as http:
        chars = await all_characters(http)
        have = sum(1 for c in chars if c["status"] == "synthesizing")
        for c in [c for c in chars if c["status"] != "synthesizing"][: max(0, count - have)]:
            answer = await http.post(f"/characters/{c['id']}/resynthesize")
            if answer.status_code == 429:
                await rig.control.post("/_sim/advance", json={"seconds": 10.0})
                answer = await http.post(f"/characters/{c['id']}/resynthesize")
            answer.raise_for_status()
            have += 1
    return have


async def _polls(rig: LoopbackRig, synthesizing: int, minutes: float) -> tuple[float, int]:
    session = rig.add_session()
    await rig.start()
    (await rig.control.delete("/_sim/requests")).raise_for_status()
    started = rig.elapsed()
    await rig.run_until(
        lambda: rig.elapsed() - started >= minutes * 60,
        "the minutes polled",
        seconds=minutes * 60 + 1,
        step=0.5,
    )
    requests = await rig.requests()
    shown = sum(1 for e in session.queue.all_entries() if e.status == "synthesizing")
    if shown != synthesizing:
        raise RuntimeError(f"{synthesizing} synthesize in the simulator, the queue has {shown}")
    gets = sum(1 for r in requests if r["route"] in GET_ROUTES)
    return gets / minutes, sum(1 for r in requests if r["status"] == 429)


async def poll_requests(ctx: Context) -> dict[str, Any]:
    """characters_get requests a minute (list, retrieve, balance) from one session with
    10, 100 and 1,000 characters synthesizing all along, after the queue has loaded."""
    minutes = 1.0 if ctx.quick else 10.0
    counts = (10, 100, 1000)
    rigs = {n: LoopbackRig(ctx.sims[f"poll{n}"]) for n in counts}
    figures: dict[str, Any] = {}
    try:
        # Each simulator in its own process: their setups can overlap.
        made = await asyncio.gather(*(_synthesize(rigs[n], n) for n in counts))
        for n, synthesizing in zip(counts, made, strict=True):
            per_min, limited = await _polls(rigs[n], synthesizing, minutes)
            figures[f"n{n}"] = per_min
            figures[f"n{n}_synthesizing"] = synthesizing
            figures[f"n{n}_http_429"] = limited
    finally:
        for rig in rigs.values():
            await rig.aclose()
    figures["share_of_bucket"] = max(figures[f"n{n}"] for n in counts) / GET_PER_MINUTE
    figures["minutes"] = minutes
    return figures


NET_PHASES = {
    "decision_throughput": decision_throughput,
    "poll_requests_per_min": poll_requests,
}
