"""Multi-selection below the UI: the selected set follows the queue, and a decision on
it is one group against the simulator (one undo, paid ones refused whole)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reviewer.review.decisions import DecisionKind, DecisionState
from reviewer.review.journal import open_journal
from reviewer.review.queue import ReviewQueue, StatusFilter
from reviewer.review.selection import Selection
from tests.review.deliveryrig import DeliveryRig
from tests.review.factories import character
from tests.simfixtures import KEY


def status(rig: DeliveryRig, cid: str) -> str | None:
    raw = rig.sim.character(cid)
    return None if raw is None else str(raw["status"])


def queue_of(statuses: list[str]) -> tuple[ReviewQueue, Selection, list[str]]:
    """Rows top to bottom in the order given (newest first)."""
    queue = ReviewQueue()
    selection = Selection(queue)
    n = len(statuses)
    for i, status in enumerate(statuses):
        queue.upsert(character(n - i, status))
    return queue, selection, [queue.at(r).id for r in range(n)]


def test_extend_selects_from_the_anchor_and_back() -> None:
    queue, sel, ids = queue_of(["reviewing"] * 6)
    queue.select(ids[1])
    assert sel.extend(+1)
    assert sel.extend(+1)
    assert sel.ids == ids[1:4]
    assert queue.current is not None
    assert queue.current.id == ids[3]
    sel.extend(-1)
    assert sel.ids == ids[1:3]
    sel.extend(-1)
    assert sel.ids == []
    assert not sel.is_multi
    sel.extend(-1)
    assert sel.ids == ids[0:2]
    assert not sel.extend(-1)  # the top: nothing above


def test_toggle_and_extend_to_like_ctrl_and_shift_click() -> None:
    queue, sel, ids = queue_of(["reviewing"] * 6)
    queue.select(ids[0])
    sel.toggle(ids[2])
    sel.toggle(ids[4])
    assert sel.ids == [ids[0], ids[2], ids[4]]
    sel.toggle(ids[2])
    assert sel.ids == [ids[0], ids[4]]
    sel.extend_to(ids[5])  # from the anchor: the last one Ctrl-clicked
    assert sel.ids == ids[2:6]


def test_a_views_selection_gets_an_anchor_at_the_far_end() -> None:
    queue, sel, ids = queue_of(["reviewing"] * 6)
    queue.select(ids[4])
    sel.select_ids([ids[4], ids[2], ids[3]])  # in any order: kept in queue order
    assert sel.ids == ids[2:5]
    assert sel.anchor == ids[2]
    sel.extend(+1)
    assert sel.ids == ids[2:6]


def test_entries_that_leave_or_are_filtered_out_leave_the_selection() -> None:
    queue, sel, ids = queue_of(["reviewing", "failed", "reviewing", "failed", "reviewing"])
    changes: list[None] = []
    sel.changed.connect(lambda: changes.append(None))
    sel.select_ids(ids)
    queue.remove(ids[0])
    assert sel.ids == ids[1:]
    queue.set_filter(status_filter=StatusFilter.FAILED)
    assert sel.ids == [ids[1], ids[3]]
    queue.set_filter(search="no such name")
    assert sel.ids == []
    assert not sel.is_multi
    assert len(changes) == 4


def test_select_all_takes_what_the_predicate_accepts_and_moves_the_current() -> None:
    queue, sel, ids = queue_of(["synthesizing", "reviewing", "failed", "reviewing"])
    assert sel.select_all(lambda e: e.status != "synthesizing") == 3
    assert sel.ids == ids[1:]
    assert queue.current is not None
    assert queue.current.id == ids[1]


# -- against the simulator ---------------------------------------------------------------


@pytest.fixture
async def rig() -> AsyncIterator[DeliveryRig]:
    rig = DeliveryRig(undo_seconds=4, characters=20, credits=1000)
    await rig.start()
    yield rig
    await rig.aclose()


@pytest.mark.anyio
async def test_save_on_five_lands_five_as_one_group_with_one_notice(rig: DeliveryRig) -> None:
    cids = rig.reviewing()[:5]
    rig.session.selection.select_ids(cids)
    before = len(rig.notices)
    assert rig.session.plan(DecisionKind.SAVE).describe() == "Save 5"
    decision = rig.session.save()
    assert decision is not None
    assert decision.group_id is not None
    assert [n.text for n in rig.notices[before:]] == ["Saved 5 characters"]
    assert rig.notices[-1].decision is decision  # the toast's Undo
    assert not rig.session.selection.is_multi
    assert all(status(rig, c) == "reviewing" for c in cids)  # nothing before the window
    await rig.all_sent(seconds=60)
    assert [status(rig, c) for c in cids] == ["ready"] * 5
    assert {a.character_id for a in rig.sim.applied(KEY)} == set(cids)


@pytest.mark.anyio
async def test_one_undo_takes_the_whole_group_back(rig: DeliveryRig) -> None:
    earlier = rig.decide(rig.reviewing()[-1], DecisionKind.SAVE)
    cids = rig.reviewing()[:5]
    rig.session.selection.select_ids(cids)
    rig.session.discard()
    assert all(rig.session.queue.get(c).decided for c in cids)  # type: ignore[union-attr]
    undone = rig.session.undo()
    assert undone is not None
    assert undone.group_id is not None
    assert rig.notices[-1].text == "Undone: Discarded 5 characters"
    for c in cids:
        entry = rig.session.queue.get(c)
        assert entry is not None
        assert not entry.decided
        assert entry.pending is None
        assert rig.session.why_not(DecisionKind.SAVE, entry) is None
    assert rig.session.selection.ids == cids  # selected again, as they were
    assert rig.session.outbox.last_undoable() is earlier  # the next undo: the one before
    await rig.all_sent(seconds=60)
    assert [status(rig, c) for c in cids] == ["reviewing"] * 5
    assert [a.character_id for a in rig.sim.applied(KEY)] == [earlier.character_id]


@pytest.mark.anyio
async def test_a_mixed_selection_decides_only_the_decidable(rig: DeliveryRig) -> None:
    cids = rig.reviewing()[:4]
    rig.decide(cids[3], DecisionKind.RESYNTHESIZE)  # now synthesizing here
    await rig.all_sent(seconds=60)
    rig.session.selection.select_ids(cids)
    plan = rig.session.plan(DecisionKind.SAVE)
    assert plan.describe() == "Save 3 · 1 cannot be decided (synthesizing)"
    decisions = rig.session.decide_selection(DecisionKind.SAVE)
    assert [d.character_id for d in decisions] == cids[:3]
    assert rig.notices[-1].text == "Saved 3 characters · 1 left out (synthesizing)"
    await rig.all_sent(seconds=60)
    assert [status(rig, c) for c in cids] == ["ready", "ready", "ready", "synthesizing"]


@pytest.mark.anyio
async def test_nothing_decidable_is_said_and_nothing_is_sent(rig: DeliveryRig) -> None:
    cids = rig.reviewing()[:2]
    rig.session.selection.select_ids(cids)
    rig.session.save()
    rig.session.selection.select_ids(cids)
    assert rig.session.save() is None
    assert rig.notices[-1].text == "None of the 2 selected can be saved (already saved)"


@pytest.mark.anyio
async def test_a_paid_group_the_balance_cannot_cover_is_refused_before_sending(
    rig: DeliveryRig,
) -> None:
    held = int(rig.sim.balance()["held_credits"])  # runs still synthesizing hold some
    rig.sim.set_credits(None, 10 + held)
    balance = await rig.session.refresh_balance()
    assert balance is not None
    assert balance.available_credits == 10
    cids = rig.reviewing()[:3]
    rig.session.selection.select_ids(cids)
    assert rig.session.plan(DecisionKind.RESYNTHESIZE).cost == 12
    assert rig.session.resynthesize() is None
    assert rig.notices[-1].text == (
        "Out of credits: resynthesizing 3 characters was not done. Add credits to your "
        "Aurous team, then try again."
    )
    assert rig.session.outbox.pending() == []
    rig.session.selection.select_ids(cids[:2])  # 8 of 10: goes, as one group
    decisions = rig.session.decide_selection(DecisionKind.RESYNTHESIZE)
    assert rig.notices[-1].text == "Resynthesizing 2 characters (8 generations)"
    await rig.all_sent(seconds=60)
    rig.check_exactly_once(decisions)


@pytest.mark.anyio
async def test_a_plain_move_ends_the_selection_select_all_takes_the_decidable(
    rig: DeliveryRig,
) -> None:
    queue = rig.session.queue
    cids = rig.reviewing()[:2]
    rig.decide(cids[0], DecisionKind.SAVE)
    decidable = [e.id for e in queue if rig.session.why_not(DecisionKind.DISCARD, e) is None]
    assert rig.session.select_all() == len(decidable)
    assert rig.session.selection.ids == decidable
    assert cids[0] not in decidable
    rig.session.next()
    assert not rig.session.selection.is_multi


@pytest.mark.anyio
async def test_a_group_survives_a_restart_as_one_undo(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    first = DeliveryRig(store=open_journal(path).journal, undo_seconds=4, characters=12)
    await first.start()
    cids = first.reviewing()[:3]
    first.session.selection.select_ids(cids)
    made = first.session.decide_selection(DecisionKind.SAVE)
    # The app dies inside the undo window.
    await first.session.outbox.aclose()
    first.session.outbox._store.close()  # type: ignore[attr-defined]
    await first.client.aclose()

    second = DeliveryRig(store=open_journal(path).journal, undo_seconds=4, server=first.h)
    try:
        await second.session.start()
        resumed = second.session.outbox.pending()
        assert {d.group_id for d in resumed} == {made[0].group_id}
        undone = second.session.undo()
        assert undone is not None
        assert second.session.outbox.pending() == []
        await second.run_until(lambda: not second.session.loading, "sweep", seconds=60)
        await second.tick(10)
        assert [status(second, c) for c in cids] == ["reviewing"] * 3
        assert second.sim.applied(KEY) == []
        reopened = second.session.outbox._store
        assert reopened.unfinished() == []
        assert all(d.state is DecisionState.UNDONE for d in resumed)
    finally:
        await second.aclose()


@pytest.mark.anyio
async def test_a_group_decision_clears_the_later_flags_of_its_members(rig: DeliveryRig) -> None:
    cids = rig.reviewing()[:3]
    rig.session.queue.select(cids[0])
    assert rig.session.toggle_later()
    assert rig.session.queue.get(cids[0]).later is not None  # type: ignore[union-attr]
    rig.session.selection.select_ids(cids)
    assert len(rig.session.decide_selection(DecisionKind.SAVE)) == 3
    assert rig.session.queue.get(cids[0]).later is None  # type: ignore[union-attr]
    assert cids[0] not in rig.session.later_store.later_flags()


def test_a_plain_move_in_the_list_anchors_the_next_shift_range_where_it_went() -> None:
    queue, sel, ids = queue_of(["reviewing"] * 6)
    queue.select(ids[1])
    # The list's own Down: Qt changes its selection before its current row.
    sel.select_ids([ids[2]])
    queue.select(ids[2])
    assert sel.extend(+1)
    assert sel.ids == ids[2:4]  # not from ids[1], the row left behind


@pytest.mark.anyio
async def test_l_on_a_selection_flags_all_of_it_and_l_again_takes_all_back(
    rig: DeliveryRig,
) -> None:
    queue = rig.session.queue
    cids = rig.reviewing()[:3]
    queue.select(cids[0])
    rig.session.selection.select_ids(cids)
    before = len(rig.notices)
    assert rig.session.toggle_later()
    assert [e.id for e in queue][-3:] == cids  # at the end, in the order they had
    assert set(rig.session.later_store.later_flags()) == set(cids)
    assert queue.counts.later == 3
    assert [n.text for n in rig.notices[before:]] == ["3 characters moved to the end, for later"]
    assert not rig.session.selection.is_multi
    assert queue.current is not None
    assert queue.current.id not in cids
    # In the Later view, all of them again: L takes the flags back.
    queue.set_later_only(True)
    rig.session.selection.select_ids(cids)
    assert not rig.session.toggle_later()
    assert rig.session.later_store.later_flags() == {}
    assert rig.notices[-1].text == "3 characters are no longer for later"
    assert len(queue) == 0
