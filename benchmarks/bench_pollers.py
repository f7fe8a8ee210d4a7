"""Figures for a team that all has the app open: ten reviewers of one team (ten review
sessions, each with its own client and rate limiter, on ten keys of one simulator team)
polling together for some simulated minutes, against one reviewer alone. characters_get
requests a minute in total against the sustained 120/min, the most in any one minute, the
429s, and how long a decision's precheck (the GET before a DELETE) waits for a token while
the others poll: one reviewer in turn discards a character every 20 s.

Run from the repository root: ``python -m benchmarks.bench_pollers [--minutes N]``. The
simulator and every session run on manual clocks moved together in quarter-second steps,
in-process, so the counts are exact and ten simulated minutes take seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass, field

from reviewer.review.decisions import Decision, DecisionKind

from ._rig import KEY, ManualRig, decide, reviewing, too_many

BUDGET_PER_MIN = 120  # characters_get, sustained
BURST = 240
GET_ROUTES = ("list", "retrieve", "balance")
DISCARD_EVERY = 20.0  # seconds
UNDO_SECONDS = 1.0
STEP = 0.25


@dataclass
class Result:
    reviewers: int
    load_requests: int = 0
    load_seconds: float = 0.0
    per_min: float = 0.0
    # The second half alone: once the burst the team started with is spent.
    late_per_min: float = 0.0
    busiest_minute: int = 0
    too_many: int = 0
    synthesizing: int = 0
    # Seconds from the end of the undo window to the precheck GET reaching the server,
    # and to the DELETE having taken effect.
    precheck: list[float] = field(default_factory=list)
    whole: list[float] = field(default_factory=list)
    unanswered: int = 0


def _keys(n: int) -> list[str]:
    return [KEY] + [f"al_live_{i:02d}" + "7c" * 31 for i in range(1, n)]


async def _measure(reviewers: int, characters: int, active: bool, minutes: float) -> Result:
    keys = _keys(reviewers)
    rig = ManualRig(
        characters=characters,
        # Active: the seeded 1 in 8 that synthesize stay so for the whole run, so every
        # reviewer polls at the fast interval. Idle: they land at once.
        synthesis_seconds=10_000.0 if active else 0.0,
        rate_limit_scale=1.0,
        team_keys={0: keys[1:]},
    )
    result = Result(reviewers)
    try:
        for key in keys:
            rig.add_session(key, undo_seconds=UNDO_SECONDS)
        rig.sim.advance(1)
        result.load_seconds = await rig.start()
        result.load_requests = len(rig.sim.requests)
        result.synthesizing = sum(
            1 for e in rig.sessions[0].queue.all_entries() if e.status == "synthesizing"
        )
        rig.sim.clear_requests()
        sim_start = rig.h.clock.time()
        # Distinct characters, so no two reviewers discard the same one.
        targets = reviewing(rig.sessions[0])
        presses: list[tuple[float, Decision]] = []
        steps_per_discard = round(DISCARD_EVERY / STEP)
        for step in range(round(minutes * 60 / STEP)):
            if step % steps_per_discard == steps_per_discard // 2 and len(presses) < len(targets):
                session = rig.sessions[len(presses) % reviewers]
                cid = targets[len(presses)]
                presses.append((rig.h.clock.time(), decide(session, cid, DecisionKind.DISCARD)))
            await rig.tick(STEP)
        gets = [r for r in rig.sim.requests if r.route in GET_ROUTES]
        result.per_min = len(gets) / minutes
        half = sim_start + minutes * 30
        result.late_per_min = sum(1 for r in gets if r.at >= half) / (minutes / 2)
        result.busiest_minute = _busiest_minute([r.at for r in gets])
        result.too_many = too_many(rig.sim)
        _timings(rig, presses, result)
    finally:
        await rig.aclose()
    return result


def _busiest_minute(times: list[float]) -> int:
    """The most requests in any 60 s window (sliding): the team's burst shows here."""
    times.sort()
    best = lo = 0
    for hi, at in enumerate(times):
        while times[lo] <= at - 60.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _timings(rig: ManualRig, presses: list[tuple[float, Decision]], result: Result) -> None:
    deleted = {a.character_id: a.at for a in rig.sim.applied() if a.operation == "delete"}
    for pressed, decision in presses:
        due = pressed + UNDO_SECONDS
        path = f"/v1/characters/{decision.character_id}"
        checks = [r.at for r in rig.sim.requests if r.route == "retrieve" and r.path == path]
        if not checks or decision.character_id not in deleted:
            result.unanswered += 1
            continue
        result.precheck.append(max(0.0, min(checks) - due))
        result.whole.append(deleted[decision.character_id] - due)


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_pollers")
    parser.add_argument("--minutes", type=float, default=10.0, help="simulated minutes")
    parser.add_argument("--characters", type=int, default=250)
    args = parser.parse_args(argv)
    print(
        f"reviewers of one team polling for {args.minutes:g} simulated minutes, "
        f"{args.characters} characters, poll interval 10 s (2 s while something synthesizes)"
    )
    print(
        f"characters_get: {BUDGET_PER_MIN}/min sustained, {BURST} at once; one discard every "
        f"{DISCARD_EVERY:g} s, undo {UNDO_SECONDS:g} s; waits in simulated seconds\n"
    )
    print(
        f"{'reviewers':>9} {'synth.':>6} {'load reqs':>9} {'load s':>6} {'GET/min':>8} "
        f"{'of budget':>9} {'2nd half':>8} {'max 60 s':>8} {'429s':>5} {'precheck wait':>14} "
        f"{'due→deleted':>12} {'unanswered':>10}"
    )
    print(f"{'':>86}{'median / max':>14} {'median / max':>12}")
    for reviewers in (1, 10):
        for active in (False, True):
            r = asyncio.run(_measure(reviewers, args.characters, active, args.minutes))
            print(
                f"{reviewers:>9} {r.synthesizing:>6} {r.load_requests:>9} "
                f"{r.load_seconds:>6.1f} {r.per_min:>8.1f} {r.per_min / BUDGET_PER_MIN:>8.0%} "
                f"{r.late_per_min:>8.1f} {r.busiest_minute:>8} {r.too_many:>5} "
                f"{_spread(r.precheck):>14} {_spread(r.whole):>12} {r.unanswered:>10}",
                flush=True,
            )


if __name__ == "__main__":
    main()
