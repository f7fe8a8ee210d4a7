"""Triage and the team split against the simulator: flags survive a restart, and two
reviewers on shares of one queue never decide the same character."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.api import AsyncAurousClient
from reviewer.review import ManualClock
from reviewer.review.arrange import Share, SortOrder
from reviewer.review.journal import Journal, open_journal
from reviewer.review.session import ReviewSession
from tests.simfixtures import KEY, SimHarness, make_sim

from .test_session_sim import until

pytestmark = pytest.mark.anyio

QUEUED = ("reviewing", "synthesizing", "failed")


async def started(
    h: SimHarness, clock: ManualClock, journal: Journal | None = None, share: Share | None = None
) -> tuple[ReviewSession, AsyncAurousClient]:
    client = h.client()
    session = ReviewSession(client, clock=clock, undo_seconds=4, poll_interval=10, store=journal)
    if share is not None:
        session.queue.set_share(share)
    await session.start()
    await until(lambda: not session.loading, "first sweep")
    return session, client


async def stopped(session: ReviewSession, client: AsyncAurousClient) -> None:
    await session.aclose(flush=False)
    await client.aclose()


async def test_later_survives_a_restart_and_deciding_clears_it(tmp_path: Path) -> None:
    h = make_sim()
    clock = ManualClock()
    path = tmp_path / "journal.sqlite3"
    journal = open_journal(path).journal
    session, client = await started(h, clock, journal)
    order = [e.id for e in session.queue]
    # A character in review (so it can be saved later on), not the last one.
    first = next(e.id for e in session.queue if e.status == "reviewing")
    second = order[order.index(first) + 1]
    session.queue.select(first)
    assert session.toggle_later()
    assert [e.id for e in session.queue][-1] == first
    assert session.current is not None
    assert session.current.id == second
    requests = len(h.sim.requests)
    await stopped(session, client)
    journal.close()
    # Nothing went to the server about it (polls aside).
    assert not [r for r in h.sim.requests[requests:] if r.method != "GET"]

    journal = open_journal(path).journal
    session, client = await started(h, clock, journal)
    try:
        shown = [e.id for e in session.queue]
        assert shown[-1] == first  # still at the end after the restart
        assert shown[:-1] == [cid for cid in order if cid != first]
        assert session.queue.counts.later == 1
        session.queue.set_later_only(True)
        assert [e.id for e in session.queue] == [first]
        # Deciding it ends the triage: the flag goes, from the journal too.
        assert session.current is not None
        assert session.current.id == first
        assert session.save() is not None
        assert journal.later_flags() == {}
        assert session.queue.counts.later == 0
    finally:
        await stopped(session, client)
        journal.close()


async def test_l_again_takes_the_flag_back() -> None:
    h = make_sim()
    session, client = await started(h, ManualClock())
    try:
        order = [e.id for e in session.queue]
        session.queue.select(order[0])
        session.toggle_later()
        session.queue.select(order[0])
        assert session.toggle_later() is False  # it was flagged: now cleared
        assert [e.id for e in session.queue] == order
        assert session.later_store.later_flags() == {}
        assert session.current is not None
        assert session.current.id == order[0]
    finally:
        await stopped(session, client)


async def test_two_shares_on_one_simulator_never_decide_the_same_character() -> None:
    h = make_sim(characters=30)
    clock = ManualClock()
    everyone = {c["id"] for c in h.sim.characters(KEY) if c["status"] in QUEUED}
    a, a_client = await started(h, clock, share=Share(1, 2))
    b, b_client = await started(h, clock, share=Share(2, 2))
    try:
        seen_a = {e.id for e in a.queue}
        seen_b = {e.id for e in b.queue}
        assert seen_a
        assert seen_b
        assert not seen_a & seen_b
        assert seen_a | seen_b == everyone
        assert a.queue.counts.others == len(seen_b)
        decided: dict[str, set[str]] = {}
        for name, session in (("a", a), ("b", b)):
            mine = decided.setdefault(name, set())
            for entry in list(session.queue):
                session.queue.select(entry.id)
                if entry.status == "reviewing":
                    assert session.save() is not None
                    mine.add(entry.id)
                elif entry.status == "failed":
                    assert session.discard() is not None
                    mine.add(entry.id)
        clock.advance(4.01)
        await until(lambda: not a.outbox.pending() and not b.outbox.pending(), "sent")
        assert decided["a"]
        assert decided["b"]
        assert not decided["a"] & decided["b"]
        # The simulator's side: one decision request per character, never two.
        touched = [
            r.path.split("/")[3]
            for r in h.sim.requests
            if r.method in ("POST", "DELETE") and r.path.startswith("/v1/characters/")
        ]
        assert sorted(touched) == sorted(decided["a"] | decided["b"])
        for cid in decided["a"] | decided["b"]:
            raw = h.sim.character(cid)
            assert raw is None or raw["status"] in ("ready", "deleted")
    finally:
        await stopped(a, a_client)
        await stopped(b, b_client)


async def test_oldest_first_starts_at_the_top_row_not_the_first_one_loaded() -> None:
    h = make_sim()
    client = h.client()
    session = ReviewSession(client, clock=ManualClock(), undo_seconds=4, poll_interval=10)
    session.queue.set_sort(SortOrder.OLDEST)  # remembered from the last session
    await session.start()
    try:
        await until(lambda: not session.loading, "first sweep")
        top = next(e for e in session.queue if not e.decided)
        assert session.current is top  # the oldest, not the newest the API sent first
    finally:
        await stopped(session, client)
