"""Figures for a fast reviewer: 150 saves keyed as fast as possible, each after a 1 s undo
window, against the simulator over real loopback HTTP on the real clock. How long until
the server has confirmed all of them, against the characters_post bucket's floor (60 at
once, then 30 a minute: about 3 min), on an idle team and with a colleague spending the
same bucket at 20 a minute (floor: 60, then 10 a minute: about 9 min); the 429s the app
met, decisions lost or doubled (the simulator's own record), and the status line sampled
along the way with its estimate against the time that was really left.

Run from the repository root: ``python -m benchmarks.bench_batch`` (the full figures,
about 13 min) or ``--quick`` (every bucket's rate and burst doubled through the
simulator's rate_limit_scale, the colleague's pace too: about 2 min; the output says so).
Decisions go through the app's real journal (a temporary file). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.api import BucketStatus
from reviewer.review.decisions import Decision, DecisionKind, DecisionState
from reviewer.review.journal import open_journal

from ._rig import LiveRig, decide, reviewing, tally, too_many

BURST, PER_MINUTE = 60, 30.0  # characters_post, documented
COLLEAGUE_PER_MINUTE = 20.0
UNDO_SECONDS = 1.0
SAMPLE_EVERY = 5.0  # seconds between looks at the status line
SAMPLES_SHOWN = 8
QUICK_SCALE = 2.0


@dataclass
class Sample:
    at: float  # seconds since the first key press
    text: str
    eta: float  # the limiter's estimate behind the text


@dataclass
class Run:
    saves: int
    keyed_in: float = 0.0
    confirmed: float = 0.0
    floor: float = 0.0
    too_many: int = 0
    failed: int = 0
    unconfirmed: int = 0
    # How far the server's order of saves strays from the key order (0: the same order),
    # among the burst that goes at once and among those that wait for the rate limit.
    displaced_burst: int = 0
    displaced_rest: int = 0
    colleague_spent: int = 0
    colleague_refused: int = 0
    problems: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)


def _floor(saves: int, scale: float, colleague: float) -> float:
    burst = BURST * scale
    net = (PER_MINUTE - colleague) * scale / 60.0
    return UNDO_SECONDS + max(0.0, saves - burst) / net


def _eta(buckets: list[BucketStatus]) -> float:
    return max((b.eta for b in buckets if b.decisions_waiting), default=0.0)


async def _run(saves: int, scale: float, colleague: float, journal_dir: Path) -> Run:
    options: dict[str, object] = {
        "characters": saves * 2,
        "synthesis_seconds": 3600.0,
        "rate_limit_scale": scale,
    }
    if colleague:
        options["colleague_per_minute"] = {"characters_post": colleague * scale}
    rig = LiveRig(**options)
    opened = open_journal(journal_dir / f"batch-{colleague:g}.sqlite3")
    run = Run(saves)
    confirmed: dict[str, float] = {}
    try:
        session = rig.add_session(undo_seconds=UNDO_SECONDS, store=opened.journal)
        session.outbox.sent.connect(lambda d, _o: confirmed.setdefault(d.id, rig.elapsed()))
        await rig.start()
        cids = reviewing(session)[:saves]
        if len(cids) < saves:
            print(f"  !! only {len(cids)} characters in review", flush=True)
        before = _colleague(rig)
        started = rig.elapsed()
        decisions: list[Decision] = [decide(session, cid, DecisionKind.SAVE) for cid in cids]
        run.keyed_in = rig.elapsed() - started
        limit = _floor(saves, scale, colleague) * 2 + 120
        next_sample = started + UNDO_SECONDS + 1.0
        while session.outbox.pending() and rig.elapsed() - started < limit:
            await rig.tick(0.25)
            if rig.elapsed() >= next_sample:
                next_sample += SAMPLE_EVERY
                line = session.delivery()
                run.samples.append(
                    Sample(
                        at=rig.elapsed() - started,
                        text=line.text if line is not None else "(nothing shown)",
                        eta=_eta(session.limiter.status()),
                    )
                )
        ended = [confirmed[d.id] for d in decisions if d.id in confirmed]
        run.confirmed = (max(ended) if ended else rig.elapsed()) - started
        run.unconfirmed = sum(1 for d in decisions if d.id not in confirmed)
        run.floor = _floor(len(decisions), scale, colleague)
        run.too_many = too_many(rig.sim)
        run.failed = sum(1 for d in decisions if d.state is DecisionState.FAILED)
        result = tally(rig.sim, decisions)
        run.problems = result.problems()
        after = _colleague(rig)
        run.colleague_spent = after[0] - before[0]
        run.colleague_refused = after[1] - before[1]
        order = [a.character_id for a in rig.sim.applied() if a.operation == "save"]
        burst = int(BURST * scale)
        run.displaced_burst, run.displaced_rest = _displaced(order, decisions, burst)
    finally:
        await rig.aclose()
        opened.journal.close()
    return run


def _colleague(rig: LiveRig) -> tuple[int, int]:
    spent = refused = 0
    for c in rig.sim.colleagues():
        spent += int(c["spent"])
        refused += int(c["refused"])
    return spent, refused


def _displaced(order: list[str], decisions: list[Decision], burst: int) -> tuple[int, int]:
    """The largest distance between a save's place on the server and in the key order,
    within the first ``burst`` and among the rest."""
    place = {cid: i for i, cid in enumerate(order)}
    moves = [abs(place.get(d.character_id, i) - i) for i, d in enumerate(decisions)]
    return max(moves[:burst], default=0), max(moves[burst:], default=0)


def _print(runs: dict[str, Run]) -> None:
    names = list(runs)
    print(f"\n{'':28}" + "".join(f"{n:>22}" for n in names))

    def row(label: str, values: list[str]) -> None:
        print(f"{label:28}" + "".join(f"{v:>22}" for v in values))

    rs = list(runs.values())
    row("saves keyed", [str(r.saves) for r in rs])
    row("keyed in", [f"{r.keyed_in * 1000:.0f} ms" for r in rs])
    row("all confirmed after", [f"{r.confirmed:.1f} s" for r in rs])
    row("bucket's floor", [f"{r.floor:.1f} s" for r in rs])
    row("confirmed / floor", [f"{r.confirmed / r.floor:.2f}" for r in rs])
    row("429s seen by the app", [str(r.too_many) for r in rs])
    row("not confirmed", [str(r.unconfirmed) for r in rs])
    row("failed (needs attention)", [str(r.failed) for r in rs])
    row("lost / doubled / stray", [str(len(r.problems)) for r in rs])
    row("order kept: burst / rest", [f"±{r.displaced_burst} / ±{r.displaced_rest}" for r in rs])
    row("colleague spent / refused", [f"{r.colleague_spent} / {r.colleague_refused}" for r in rs])
    for name, r in runs.items():
        for problem in r.problems[:10]:
            print(f"  !! {name}: {problem}")
        print(f"\nstatus line, {name} (ETA: the line's estimate; left: what was really left)")
        print(f"  {'t':>6} {'ETA':>7} {'left':>7} {'ETA/left':>8}  text")
        ratios = []
        shown = r.samples[:: max(1, math.ceil(len(r.samples) / SAMPLES_SHOWN))]
        for s in r.samples:
            left = r.confirmed - s.at
            ratio = s.eta / left if left > 1 and s.eta else None
            if ratio is not None:
                ratios.append(ratio)
            if s in shown:
                text = f"{ratio:.2f}" if ratio is not None else "-"
                print(f"  {s.at:>5.0f}s {s.eta:>6.0f}s {left:>6.0f}s {text:>8}  {s.text}")
        if ratios:
            print(
                f"  ETA/left over {len(ratios)} samples: median {statistics.median(ratios):.2f}, "
                f"min {min(ratios):.2f}, max {max(ratios):.2f}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_batch")
    parser.add_argument("--quick", action="store_true", help=f"rate_limit_scale {QUICK_SCALE:g}")
    parser.add_argument("--saves", type=int, default=150)
    parser.add_argument("--no-colleague", action="store_true", help="the idle team only")
    args = parser.parse_args(argv)
    scale = QUICK_SCALE if args.quick else 1.0
    print(
        f"{args.saves} saves keyed at once, undo window {UNDO_SECONDS:g} s, loopback HTTP, "
        f"real clock, journal on disk"
    )
    if args.quick:
        print(
            f"QUICK: rate_limit_scale {scale:g}: characters_post is {BURST * scale:g} at once "
            f"then {PER_MINUTE * scale:g}/min, the colleague {COLLEAGUE_PER_MINUTE * scale:g}/min. "
            "Not the documented limits; run without --quick for those."
        )
    else:
        print(f"documented limits (rate_limit_scale 1): characters_post {BURST} at once, then "
              f"{PER_MINUTE:g}/min")  # fmt: skip
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="aurous-bench-") as tmp:
        runs["idle team"] = asyncio.run(_run(args.saves, scale, 0.0, Path(tmp)))
        if not args.no_colleague:
            pace = COLLEAGUE_PER_MINUTE * scale
            runs[f"colleague {pace:g}/min"] = asyncio.run(
                _run(args.saves, scale, COLLEAGUE_PER_MINUTE, Path(tmp))
            )
    _print(runs)


if __name__ == "__main__":
    main()
