from __future__ import annotations

import asyncio

import anyio
import anyio.lowlevel
import pytest

from reviewer.api import InsufficientCreditsError
from reviewer.review import ManualClock
from reviewer.review.decisions import (
    Decision,
    DecisionKind,
    DecisionState,
    MemoryDecisionStore,
    Outcome,
)
from reviewer.review.outbox import Outbox

pytestmark = pytest.mark.anyio


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[Decision] = []
        self.fail_with: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def send(self, decision: Decision, progress: object = None) -> Outcome:
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(decision)
        if self.fail_with is not None:
            raise self.fail_with
        return Outcome(None)


async def settle() -> None:
    for _ in range(20):
        await anyio.lowlevel.checkpoint()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def test_sent_only_after_the_undo_window(clock: ManualClock) -> None:
    sender = FakeSender()
    box = Outbox(sender, clock=clock, undo_seconds=4)
    sent: list[Decision] = []
    box.sent.connect(lambda d, o: sent.append(d))
    d = box.submit(DecisionKind.SAVE, "char_1", "Aurora")
    await settle()
    clock.advance(3.9)
    await settle()
    assert sender.sent == []
    assert box.last_undoable() is d
    clock.advance(0.2)
    await settle()
    assert sender.sent == [d]
    assert sent == [d]
    assert d.state is DecisionState.DONE
    assert box.pending() == []


async def test_undo_takes_back_the_latest_unsent(clock: ManualClock) -> None:
    sender = FakeSender()
    box = Outbox(sender, clock=clock, undo_seconds=4)
    undone: list[Decision] = []
    box.undone.connect(undone.append)
    first = box.submit(DecisionKind.SAVE, "char_1", "A")
    second = box.submit(DecisionKind.DISCARD, "char_2", "B")
    assert box.undo_last() is second
    clock.advance(5)
    await settle()
    assert sender.sent == [first]
    assert undone == [second]
    assert second.state is DecisionState.UNDONE
    assert box.undo_last() is None  # the first was sent: nothing left to undo


async def test_sending_decision_cannot_be_undone(clock: ManualClock) -> None:
    sender = FakeSender()
    sender.gate = asyncio.Event()
    box = Outbox(sender, clock=clock, undo_seconds=1)
    d = box.submit(DecisionKind.SAVE, "char_1", "A")
    clock.advance(1)
    await settle()
    assert d.state is DecisionState.SENDING
    assert box.undo_last() is None
    sender.gate.set()
    await settle()
    assert box.pending() == []
    assert sender.sent == [d]


async def test_paid_decisions_get_their_key_when_made_and_keep_it(clock: ManualClock) -> None:
    store = MemoryDecisionStore()
    box = Outbox(FakeSender(), clock=clock, undo_seconds=4, store=store)
    d = box.submit(DecisionKind.REGENERATE, "char_1", "A", pose="side")
    assert d.idempotency_key is not None
    assert store.unfinished() == [d]
    save = box.submit(DecisionKind.SAVE, "char_2", "B")
    assert save.idempotency_key is None
    with pytest.raises(ValueError, match="pose"):
        box.submit(DecisionKind.REGENERATE, "char_3", "C")


async def test_failure_is_reported_with_the_error(clock: ManualClock) -> None:
    sender = FakeSender()
    error = InsufficientCreditsError("no credits", status_code=402, code="insufficient_credits")
    sender.fail_with = error
    box = Outbox(sender, clock=clock, undo_seconds=0)
    failed: list[tuple[Decision, Exception]] = []
    box.failed.connect(lambda d, e: failed.append((d, e)))
    d = box.submit(DecisionKind.RESYNTHESIZE, "char_1", "A")
    await settle()
    assert failed == [(d, error)]
    assert d.state is DecisionState.FAILED


async def test_unexpected_exceptions_are_reported_not_swallowed(clock: ManualClock) -> None:
    sender = FakeSender()
    sender.fail_with = KeyError("boom")
    box = Outbox(sender, clock=clock, undo_seconds=0)
    failed: list[str] = []
    box.failed.connect(lambda d, e: failed.append(str(e)))
    box.submit(DecisionKind.SAVE, "char_1", "A")
    await settle()
    assert failed == ["KeyError: 'boom'"]


async def test_flush_sends_everything_now(clock: ManualClock) -> None:
    sender = FakeSender()
    box = Outbox(sender, clock=clock, undo_seconds=60)
    a = box.submit(DecisionKind.SAVE, "char_1", "A")
    b = box.submit(DecisionKind.DISCARD, "char_2", "B")
    await box.flush()
    assert {d.id for d in sender.sent} == {a.id, b.id}


async def test_one_character_in_order_others_in_parallel(clock: ManualClock) -> None:
    sender = FakeSender()
    sender.gate = asyncio.Event()
    box = Outbox(sender, clock=clock, undo_seconds=0)
    states: list[tuple[str, str]] = []
    box.sending.connect(lambda d: states.append((d.character_id, d.kind)))
    box.submit(DecisionKind.REGENERATE, "char_1", "A", pose="front")
    box.submit(DecisionKind.SAVE, "char_1", "A")
    box.submit(DecisionKind.SAVE, "char_2", "B")
    await settle()
    # char_1's second decision waits for its first; char_2 goes alongside.
    assert states == [("char_1", "regenerate"), ("char_2", "save")]
    sender.gate.set()
    await settle()
    assert [(d.character_id, d.kind) for d in sender.sent] == [
        ("char_1", "regenerate"),
        ("char_2", "save"),
        ("char_1", "save"),
    ]


async def test_resume_gives_a_decision_cut_off_in_its_undo_window_a_fresh_one(
    clock: ManualClock,
) -> None:
    store = MemoryDecisionStore()
    first = Outbox(FakeSender(), clock=clock, undo_seconds=60, store=store)
    d = first.submit(DecisionKind.REGENERATE, "char_1", "A", pose="back")
    await first.aclose()  # the app stops before the window ends
    sender = FakeSender()
    second = Outbox(sender, clock=clock, undo_seconds=60, store=store)
    assert second.resume() == [d]
    await settle()
    assert sender.sent == []
    assert second.last_undoable() is d  # Ctrl+Z still takes it back
    clock.advance(60.1)
    await settle()
    assert [x.idempotency_key for x in sender.sent] == [d.idempotency_key]


async def test_resume_sends_a_decision_that_was_being_sent_at_once(clock: ManualClock) -> None:
    store = MemoryDecisionStore()
    hanging = FakeSender()
    hanging.gate = asyncio.Event()  # its answer never comes
    first = Outbox(hanging, clock=clock, undo_seconds=0, store=store)
    d = first.submit(DecisionKind.RESYNTHESIZE, "char_1", "A")
    await settle()
    assert d.state is DecisionState.SENDING
    await first.aclose()  # killed while the call was out
    assert store.unfinished() == [d]
    sender = FakeSender()
    second = Outbox(sender, clock=clock, undo_seconds=60, store=store)
    second.resume()
    await settle()
    assert second.last_undoable() is None
    assert [x.idempotency_key for x in sender.sent] == [d.idempotency_key]


async def test_flush_that_runs_out_of_time_keeps_the_decisions(clock: ManualClock) -> None:
    store = MemoryDecisionStore()
    hanging = FakeSender()
    hanging.gate = asyncio.Event()
    box = Outbox(hanging, clock=clock, undo_seconds=4, store=store)
    d = box.submit(DecisionKind.SAVE, "char_1", "A")
    flushing = asyncio.ensure_future(box.flush(15))
    await settle()
    clock.advance(15.1)
    await settle()
    assert flushing.done()
    # Regression: a timed-out flush once cancelled the sends and they vanished unreported.
    assert flushing.result() == [d]
    assert box.pending() == [d]
    await box.aclose()
    assert store.unfinished() == [d]


async def test_aclose_leaves_no_tasks(clock: ManualClock) -> None:
    box = Outbox(FakeSender(), clock=clock, undo_seconds=60)
    box.submit(DecisionKind.SAVE, "char_1", "A")
    await box.aclose()
    assert all(t.done() for t in asyncio.all_tasks() if t.get_name().startswith("decision-"))


async def test_negative_undo_window_is_refused(clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="undo_seconds"):
        Outbox(FakeSender(), clock=clock, undo_seconds=-1)


async def test_per_character_locks_do_not_pile_up(clock: ManualClock) -> None:
    box = Outbox(FakeSender(), clock=clock, undo_seconds=0)
    for i in range(5):
        box.submit(DecisionKind.SAVE, f"char_{i}", "A")
    await settle()
    assert box.pending() == []
    assert box._locks == {}


async def test_a_group_is_one_undo_only_while_all_of_it_waits(clock: ManualClock) -> None:
    sender = FakeSender()
    box = Outbox(sender, clock=clock, undo_seconds=4)
    undone: list[Decision] = []
    box.undone.connect(undone.append)
    group = box.submit_group(DecisionKind.SAVE, [("char_1", "A"), ("char_2", "B")])
    assert len({d.group_id for d in group}) == 1
    assert group[0].group_id is not None
    assert len({d.due_at for d in group}) == 1
    assert box.undo_last() is group[-1]
    assert undone == group
    assert box.pending() == []

    sender.gate = asyncio.Event()  # the next group's sends hang on the way out
    again = box.submit_group(DecisionKind.SAVE, [("char_1", "A"), ("char_2", "B")])
    clock.advance(4.1)
    await settle()
    assert box.last_undoable() is None  # on its way: no longer one undo
    later = box.submit(DecisionKind.DISCARD, "char_3", "C")
    assert box.undo_last() is later
    assert box.undo_last() is None
    sender.gate.set()
    await settle()
    assert sender.sent == again
