"""Figures for delivery through a bad network: 500 decisions of every kind (saves,
discards, regenerates, resynthesizes) keyed four a second while the simulator answers 20 %
of requests 500/502/503, resets 10 % of connections (half before the call, half after it
took effect) and adds latency to every one. Decisions by kind and how they ended, the
faults injected, the retries the app made (its own log lines, by error), requests per
decision call, 429s, decisions lost or applied twice and generations billed twice (the
simulator's ground truth), and the time to clear them against the buckets' floor.

Run from the repository root: ``python -m benchmarks.bench_faults``: in-process, the
simulator and the session on manual clocks moved together, the documented rate limits;
about a minute. ``--loopback`` runs it over real loopback HTTP on the real clock instead
(real socket resets), with every bucket scaled by ``--scale`` (default 10 there; the
output says so). Decisions go through the app's real journal. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from reviewer.api import SYNTHESIZED_POSES
from reviewer.review.decisions import Decision, DecisionKind
from reviewer.review.journal import open_journal

from ._rig import LiveRig, ManualRig, RetryCounter, decide, reviewing, tally, too_many

# Five saves, two discards, two regenerates and a resynthesize in every ten.
KINDS = [DecisionKind.SAVE] * 5 + [DecisionKind.DISCARD] * 2 + [DecisionKind.REGENERATE] * 2
KINDS.append(DecisionKind.RESYNTHESIZE)
DECISION_ROUTES = ("save", "delete", "regenerate", "resynthesize", "retrieve")
# (per minute, burst), documented.
POST, SYNTHESIZE = (30.0, 60), (6.0, 12)


def _floor(decisions: list[Decision], scale: float, keyed_in: float) -> float:
    """Seconds until the last could go if every bucket gave its tokens to these alone."""
    paid = sum(1 for d in decisions if d.kind.paid)
    posts = len(decisions) - paid
    need = 0.0
    for count, (per_minute, burst) in ((posts, POST), (paid, SYNTHESIZE)):
        need = max(need, (count - burst * scale) / (per_minute * scale / 60.0))
    return max(keyed_in, need)


async def _run(args: argparse.Namespace, journal_dir: Path) -> None:
    chaos = {
        "fault_rate": 0.2,
        "reset_rate": 0.1,
        "latency_seconds": args.latency_ms / 1000.0,
        "rate_limit_scale": args.scale,
        "characters": int(args.decisions * 1.6),
        "synthesis_seconds": 30.0,
    }
    rig = LiveRig(**chaos) if args.loopback else ManualRig(**chaos)
    opened = open_journal(journal_dir / "faults.sqlite3")
    wall = time.perf_counter()
    try:
        session = rig.add_session(undo_seconds=1.0, store=opened.journal)
        await rig.start()
        cids = reviewing(session)[: args.decisions]
        rig.sim.clear_requests()
        with RetryCounter() as retries:
            started = rig.elapsed()
            decisions: list[Decision] = []
            for i, cid in enumerate(cids):
                kind = KINDS[i % len(KINDS)]
                decisions.append(decide(session, cid, kind, pose=SYNTHESIZED_POSES[i % 4]))
                await rig.tick(0.25)  # four keys a second
            keyed_in = rig.elapsed() - started
            await rig.run_until(
                lambda: not session.outbox.pending(), "all decisions answered",
                seconds=4 * 3600, step=0.5,
            )  # fmt: skip
            cleared = rig.elapsed() - started
        wall = time.perf_counter() - wall
        _report(rig, decisions, retries, keyed_in, cleared, wall, args)
    finally:
        await rig.aclose()
        opened.journal.close()


def _report(
    rig: ManualRig | LiveRig,
    decisions: list[Decision],
    retries: RetryCounter,
    keyed_in: float,
    cleared: float,
    wall: float,
    args: argparse.Namespace,
) -> None:
    result = tally(rig.sim, decisions)
    print("\ndecisions by kind and how they ended")
    for kind in DecisionKind:
        mine = [d for d in decisions if d.kind is kind]
        states = Counter(str(d.state) for d in mine)
        lost = sum(1 for d in result.lost if d.kind is kind)
        print(
            f"  {kind:<13} {len(mine):>4}   "
            + ", ".join(f"{s} {n}" for s, n in sorted(states.items()))
            + f"   lost {lost}"
        )
    injected = rig.sim.chaos()["injected"]
    print("\nfaults injected (the simulator's count, whole run)")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(injected.items())))
    print(f"  total {sum(injected.values())}")
    print("\nretries the app made for decisions (its outbox's log lines, by error)")
    print("  " + (", ".join(f"{k} {v}" for k, v in retries.by_error.most_common()) or "none"))
    print(f"  total {sum(retries.by_error.values())}")
    print("\nrequests by route since the first key press (server's log)")
    print(f"  {'route':<13} {'requests':>8} {'faulted':>8} {'429':>5} {'replayed':>8}")
    requests = rig.sim.requests
    for route in DECISION_ROUTES:
        on_route = [r for r in requests if r.route == route]
        faulted = sum(1 for r in on_route if r.fault)
        limited = sum(1 for r in on_route if r.status == 429)
        replayed = sum(1 for r in on_route if r.replayed)
        print(f"  {route:<13} {len(on_route):>8} {faulted:>8} {limited:>5} {replayed:>8}")
    print("  (retrieve: prechecks before a discard or a paid call, and the poller's)")
    floor = _floor(decisions, args.scale, keyed_in)
    unit = "real" if args.loopback else "simulated"
    print("\nground truth")
    print(f"  landed exactly once        {result.landed} of {len(decisions)}")
    print(f"  lost                       {len(result.lost)}")
    print(f"  applied twice              {len(result.doubled)}")
    print(f"  other changes              {len(result.stray)}")
    print(f"  billed twice               {len(result.double_charges)}")
    print(f"  needs attention            {len(rig.sessions[0].attention())}")
    print(f"  429s seen by the app       {too_many(rig.sim)}")
    for problem in result.problems()[:20]:
        print(f"  !! {problem}")
    print("\ntime")
    print(f"  keyed in                   {keyed_in:.0f} s {unit}")
    print(f"  all answered after         {cleared:.0f} s {unit} (from the first key press)")
    print(f"  buckets' floor             {floor:.0f} s (no faults, tokens for these alone)")
    print(f"  answered / floor           {cleared / floor:.2f}")
    print(f"  wall time                  {wall:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_faults")
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--loopback", action="store_true", help="real HTTP, real clock")
    parser.add_argument("--scale", type=float, default=None, help="rate_limit_scale")
    parser.add_argument("--latency-ms", type=float, default=None)
    args = parser.parse_args(argv)
    if args.scale is None:
        args.scale = 10.0 if args.loopback else 1.0
    if args.latency_ms is None:
        args.latency_ms = 20.0 if args.loopback else 2.0
    where = (
        "loopback HTTP, real clock"
        if args.loopback
        else "in-process, manual clocks (latency is real time, the rest simulated)"
    )
    print(
        f"{args.decisions} decisions, four keys a second, undo 1 s; 20 % 5xx, 10 % resets, "
        f"{args.latency_ms:g} ms latency; {where}"
    )
    if args.scale == 1:
        print("documented rate limits (rate_limit_scale 1)")
    else:
        print(f"rate_limit_scale {args.scale:g}: every bucket's rate and burst ×{args.scale:g}")
    with tempfile.TemporaryDirectory(prefix="aurous-bench-") as tmp:
        asyncio.run(_run(args, Path(tmp)))


if __name__ == "__main__":
    main()
