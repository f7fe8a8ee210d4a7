"""The review session against the simulator, headless: decisions reach the server's
state only after the undo window, and the queue follows the server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import anyio
import pytest

from reviewer.review import DecisionKind, ManualClock
from reviewer.review.notices import Notice, NoticeLevel
from reviewer.review.poller import MERGE_BATCH, PollResult
from reviewer.review.session import FLUSH_TIMEOUT, ReviewSession
from tests.review.factories import character
from tests.simfixtures import KEY, SimHarness, make_sim

pytestmark = pytest.mark.anyio


async def until(condition: Callable[[], object], what: str = "condition") -> None:
    """Let the loop run until ``condition`` holds (everything here is in-process)."""
    with anyio.fail_after(10):
        # asyncio's qtbot.waitUntil: the condition is fed by many signals, not one event.
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(0.001)


class Rig:
    def __init__(self, h: SimHarness, session: ReviewSession, clock: ManualClock) -> None:
        self.h = h
        self.sim = h.sim
        self.session = session
        self.clock = clock
        self.notices: list[Notice] = []
        session.notice.connect(self.notices.append)

    def status(self, cid: str) -> str | None:
        raw = self.sim.character(cid)
        return None if raw is None else str(raw["status"])

    def texts(self) -> list[str]:
        return [n.text for n in self.notices]

    async def pass_undo_window(self) -> None:
        self.clock.advance(self.session.outbox.undo_seconds + 0.01)
        await until(lambda: not self.session.outbox.pending(), "outbox empty")

    async def poll(self) -> None:
        cycles = self.session.poller.cycles
        self.session.refresh()
        await until(lambda: self.session.poller.cycles > cycles and self.clock.sleepers, "poll")


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    h = make_sim()
    clock = ManualClock()
    client = h.client()
    session = ReviewSession(client, clock=clock, undo_seconds=4, poll_interval=10)
    r = Rig(h, session, clock)
    await session.start()
    await until(lambda: not session.loading, "first sweep")
    try:
        yield r
    finally:
        await session.aclose(flush=False)
        await client.aclose()


def current_id(r: Rig) -> str:
    entry = r.session.current
    assert entry is not None
    return entry.id


async def test_loads_the_team_queue_newest_first(rig: Rig) -> None:
    expected = [
        c["id"]
        for c in rig.sim.characters(KEY)
        if c["status"] in ("reviewing", "synthesizing", "failed")
    ]
    assert [e.id for e in rig.session.queue] == expected
    # The first that can be decided is current: the newest may still be synthesizing.
    in_review = next(c["id"] for c in rig.sim.characters(KEY) if c["status"] == "reviewing")
    assert rig.session.current is not None
    assert rig.session.current.id == in_review
    await until(lambda: rig.session.balance is not None)


async def test_save_goes_out_after_the_undo_window(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    decision = rig.session.save()
    assert decision is not None
    entry = rig.session.queue.get(cid)
    assert entry is not None
    assert entry.decided  # shown as on its way until the server answers
    assert entry.decision is decision
    assert rig.session.current is not None
    assert rig.session.current.id != cid  # advanced
    rig.clock.advance(3.9)
    assert rig.session.outbox.pending() == [decision]  # still waiting out its window
    assert rig.status(cid) == "reviewing"
    await rig.pass_undo_window()
    assert rig.status(cid) == "ready"
    assert rig.session.queue.counts.decided == 1
    assert cid not in rig.session.queue


async def test_undo_keeps_the_call_from_ever_going_out(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    rig.session.discard()
    undone = rig.session.undo()
    assert undone is not None
    assert current_id(rig) == cid
    assert rig.session.outbox.pending() == []  # no task is left that could send it
    rig.clock.advance(60)
    assert rig.status(cid) == "reviewing"
    assert not [r for r in rig.sim.requests if r.method == "DELETE"]
    assert rig.session.queue.counts.decided == 0
    assert rig.session.undo() is None  # nothing left: says so
    assert "Nothing to undo" in rig.texts()[-1]


async def test_discard_hard_deletes_a_reviewing_character(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    rig.session.discard()
    await rig.pass_undo_window()
    assert rig.sim.character(cid) is None


async def test_discard_never_deletes_what_someone_else_saved(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    rig.session.discard()
    async with rig.h.client() as colleague:
        await colleague.save_character(cid)
    await rig.pass_undo_window()
    assert rig.status(cid) == "ready"
    assert any("saved by someone else" in t for t in rig.texts())
    assert cid not in rig.session.queue


async def test_regenerate_uses_the_decision_key_and_comes_back(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    rig.session.select_pose("side")
    decision = rig.session.regenerate()
    assert decision is not None
    entry = rig.session.queue.get(cid)
    assert entry is not None
    assert entry.status == "synthesizing"
    assert entry.regenerating == {"side"}
    await rig.pass_undo_window()
    assert rig.status(cid) == "synthesizing"
    sent = [r for r in rig.sim.requests if r.route == "regenerate"]
    assert [r.idempotency_key for r in sent] == [decision.idempotency_key]
    rig.sim.advance(31)
    await rig.poll()
    await rig.poll()
    await until(lambda: entry.status == "reviewing", "back for review")
    assert entry.comparing
    assert entry.compare_pose == "side"
    assert any("back for review" in t for t in rig.texts())


async def test_out_of_credits_restores_the_character_with_a_clear_message(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    rig.sim.set_credits(KEY, 0)
    rig.session.resynthesize()
    await rig.pass_undo_window()
    entry = rig.session.queue.get(cid)
    assert entry is not None
    assert entry.status == "reviewing"
    assert entry.message is not None
    assert "Out of credits" in entry.message
    error = [n for n in rig.notices if n.level is NoticeLevel.ERROR][-1]
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert rig.status(cid) == "reviewing"


async def test_a_character_deleted_elsewhere_leaves_with_a_notice(rig: Rig) -> None:
    victim = rig.h.of_status("reviewing")[-1]
    async with rig.h.client() as colleague:
        await colleague.delete_character(victim["id"])
    await rig.poll()
    assert victim["id"] not in rig.session.queue
    assert any("deleted elsewhere" in t for t in rig.texts())


async def test_new_arrivals_appear_without_a_click(rig: Rig) -> None:
    async with rig.h.client() as colleague:
        created = await colleague.create_character(name="Nova the Navigator")
    await rig.poll()
    entry = rig.session.queue.get(created.id)
    assert entry is not None
    assert entry.status == "synthesizing"
    assert rig.session.queue.row_of(created.id) == 0  # newest first
    rig.sim.advance(31)
    await rig.poll()
    await rig.poll()
    await until(lambda: entry.status == "reviewing")


async def test_a_poll_landing_many_characters_restates_the_counts_once(rig: Rig) -> None:
    # Each landing used to publish the counts (the window's tabs, its status bar) anew.
    async with rig.h.client() as colleague:
        made = [await colleague.create_character(name=f"Batch {n}") for n in range(5)]
    counts: list[object] = []
    rig.session.queue.counts_changed.connect(counts.append)
    await rig.poll()
    assert all(rig.session.queue.get(c.id) is not None for c in made)
    assert len(counts) == 1
    assert rig.session.queue.counts.synthesizing >= 5
    rig.sim.advance(31)
    counts.clear()
    await rig.poll()
    await rig.poll()
    await until(
        lambda: all(
            e.status == "reviewing" for e in map(rig.session.queue.get, [c.id for c in made]) if e
        )
    )
    assert len(counts) <= 2  # once a poll, whatever lands in it


async def test_a_poll_of_many_characters_is_handed_on_a_part_a_turn() -> None:
    """One turn of the GUI thread's loop merged a whole page (50 landing at once: 3.4 ms,
    then a paint of every row they changed): now at most MERGE_BATCH a turn."""
    h = make_sim(characters=60)
    async with h.client() as client:
        session = ReviewSession(client, clock=ManualClock(), undo_seconds=4, poll_interval=10)
        parts: list[PollResult] = []
        shown: list[int] = []  # the queue's length as each part arrives
        session.poller.polled.connect(lambda part: _record(parts, shown, part, len(session.queue)))
        await session.start()
        try:
            await until(lambda: not session.loading, "first sweep")
        finally:
            await session.aclose(flush=False)
    assert sum(len(p.characters) for p in parts) > 2 * MERGE_BATCH
    assert all(len(p.characters) <= MERGE_BATCH for p in parts)
    assert [p.sweep_complete for p in parts] == [False] * (len(parts) - 1) + [True]
    assert shown == sorted(shown)  # merged part by part, as each came
    assert shown[0] < shown[-1] == len(session.queue)


def _record(parts: list[PollResult], shown: list[int], part: PollResult, length: int) -> None:
    parts.append(part)
    shown.append(length)


def test_a_result_in_parts_keeps_its_order_and_ends_with_the_rest() -> None:
    chars = tuple(character(n) for n in range(5))
    whole = PollResult(chars, missing=frozenset({"gone"}), sweep_complete=True, requests=3)
    parts = whole.parts(2)
    assert [len(p.characters) for p in parts] == [2, 2, 1]
    assert sum((p.characters for p in parts), ()) == chars
    assert parts[-1] == replace(whole, characters=chars[4:])
    assert all(not p.sweep_complete and not p.missing and not p.requests for p in parts[:-1])
    assert whole.parts(5) == [whole]


async def test_closing_sends_what_is_still_undoable(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    rig.session.save()
    await rig.session.aclose()
    assert rig.status(cid) == "ready"


async def test_poll_failure_is_shown_then_cleared(rig: Rig) -> None:
    problems: list[str | None] = []
    rig.session.connection_changed.connect(problems.append)
    rig.sim.fail_next(1, status=503, route="list")
    await rig.poll()
    assert problems
    assert problems[-1] is not None
    # Plain words in the status line; the status code is in the Activity log's details.
    assert "the server had a problem" in problems[-1]
    logged = [n for n in rig.notices if not n.toast]
    assert any(n.details and "503" in n.details for n in logged)
    rig.clock.advance(60)  # past the back-off
    await until(lambda: problems[-1] is None, "recovered")


async def test_failed_characters_cannot_be_saved(rig: Rig) -> None:
    failed = rig.h.of_status("failed")[0]["id"]
    rig.session.queue.select(failed)
    assert rig.session.save() is None
    assert "Only a character in review" in rig.texts()[-1]


async def test_regenerate_needs_the_pose_to_exist(rig: Rig) -> None:
    # A first synthesis that failed left no poses: the service would refuse (400).
    bare = replace(character(99, "failed"), refs=())
    rig.session.queue.upsert(bare)
    rig.session.queue.select(bare.id)
    reason = rig.session.why_not(DecisionKind.REGENERATE)
    assert reason is not None
    assert "resynthesize it instead" in reason
    assert rig.session.why_not(DecisionKind.RESYNTHESIZE) is None
    assert rig.session.regenerate() is None
    rig.session.queue.upsert(character(98, "failed"))  # this one has its poses
    rig.session.queue.select(character(98).id)
    assert rig.session.why_not(DecisionKind.REGENERATE) is None


async def test_others_arrivals_do_not_raise_notices(rig: Rig) -> None:
    synthesizing = rig.h.of_status("synthesizing")
    assert synthesizing
    rig.sim.advance(31)
    await rig.poll()
    await rig.poll()
    await until(
        lambda: all(
            (e := rig.session.queue.get(c["id"])) is None or e.status != "synthesizing"
            for c in synthesizing
        )
    )
    assert not any("back for review" in t for t in rig.texts())


async def test_closing_retries_a_save_the_server_failed_once(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    rig.session.save()
    rig.sim.fail_next(1, status=503, route="save")
    closing = asyncio.ensure_future(rig.session.aclose())
    await until(lambda: rig.clock.sleepers, "retry waits")
    while not closing.done():
        rig.clock.advance(0.5)  # the backoff runs on the session's clock
        await anyio.sleep(0.001)
    assert closing.result() == []
    assert rig.status(cid) == "ready"


async def test_closing_while_a_save_hangs_keeps_it_for_the_next_start(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    decision = rig.session.save()
    gate = rig.sim.hold_next("save")
    closing = asyncio.ensure_future(rig.session.aclose())
    await until(lambda: gate.entered, "save held by the server")
    rig.clock.advance(FLUSH_TIMEOUT + 0.1)
    await until(closing.done, "close gave up waiting")
    # Regression: the cancelled sends forgot their decisions and nothing was reported.
    assert closing.result() == [decision]
    assert rig.session.outbox._store.unfinished() == [decision]
    gate.release()
    assert rig.status(cid) in ("reviewing", "ready")


async def test_moves_prefetch_once_the_loop_turns_and_once_for_a_burst(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str | None] = []
    monkeypatch.setattr(rig.session, "prefetch", lambda: calls.append(current_id(rig)))
    queue = rig.session.queue
    for _ in range(3):
        rig.session.next()
    # Not on the move itself: the window paints the move before any prefetch work.
    assert calls == []
    await asyncio.sleep(0)
    assert calls == [queue.current.id if queue.current else None]
    await asyncio.sleep(0)
    assert len(calls) == 1
