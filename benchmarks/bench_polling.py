"""Figures for polling: requests per minute against the characters_get budget, for
queues of different sizes, idle and while characters synthesize.

Run from the repository root: ``python -m benchmarks.bench_polling``. The session runs
on a manual clock against the in-process simulator, so one simulated hour takes well
under a second of wall time and the counts are exact, not sampled.
"""

from __future__ import annotations

import asyncio
import time

from reviewer.review import ManualClock, ReviewSession
from tests.simfixtures import make_sim

BUDGET_PER_MIN = 120  # characters_get, sustained
MINUTES = 10


async def _measure(characters: int, synthesizing: int, poll_interval: float) -> dict[str, float]:
    # Idle: seeded syntheses end at once. Active: a known number synthesize all along.
    h = make_sim(
        characters=characters,
        synthesis_seconds=10_000.0 if synthesizing else 0.0,
        image_size=64,
        credits=1_000_000,
        rate_limit_scale=1.0,
    )
    h.sim.advance(1)
    async with h.client() as other:
        for c in h.of_status("reviewing")[:synthesizing]:
            await other.resynthesize(c["id"])
            h.sim.advance(10)  # keep inside the synthesize bucket
    clock = ManualClock()
    client = h.client()
    session = ReviewSession(client, clock=clock, poll_interval=poll_interval)
    started = time.perf_counter()
    await session.start()
    while session.loading:
        await asyncio.sleep(0)
    load_requests = _gets(h)
    load_seconds = time.perf_counter() - started
    h.sim.clear_requests()
    for _ in range(MINUTES * 60 * 4):  # quarter-second steps, both clocks together
        clock.advance(0.25)
        h.sim.advance(0.25)
        for _ in range(3):
            await asyncio.sleep(0)
    requests = _gets(h)
    limited = sum(1 for r in h.sim.requests if r.status == 429)
    synthesizing_now = sum(1 for e in session.queue.all_entries() if e.status == "synthesizing")
    await session.aclose(flush=False)
    await client.aclose()
    per_min = requests / MINUTES
    return {
        "load_requests": load_requests,
        "load_ms": load_seconds * 1000,
        "per_min": per_min,
        "budget_share": per_min / BUDGET_PER_MIN,
        "queue": len(session.queue),
        "limited": limited,
        "synthesizing": synthesizing_now,
    }


def _gets(h: object) -> int:
    sim = h.sim  # type: ignore[attr-defined]
    return sum(1 for r in sim.requests if r.route in ("list", "retrieve", "balance"))


def main() -> None:
    print(f"polling over {MINUTES} simulated minutes (poll interval 10 s idle, 2 s active)")
    print(f"characters_get budget: {BUDGET_PER_MIN}/min sustained\n")
    print(
        f"{'characters':>10} {'synth.':>6} {'load reqs':>9} {'load ms':>8} "
        f"{'GET/min':>8} {'of budget':>9} {'429s':>5}"
    )
    for characters, synthesizing in ((24, 0), (24, 3), (250, 0), (250, 10), (1000, 0), (1000, 10)):
        r = asyncio.run(_measure(characters, synthesizing, 10.0))
        print(
            f"{characters:>10} {r['synthesizing']:>6.0f} {r['load_requests']:>9.0f} "
            f"{r['load_ms']:>8.0f} {r['per_min']:>8.1f} {r['budget_share']:>8.0%} "
            f"{r['limited']:>5.0f}"
        )


if __name__ == "__main__":
    main()
