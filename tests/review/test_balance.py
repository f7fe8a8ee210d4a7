"""The balance stays true: re-read when a paid run settles and on a slow timer, and a
paid decision the credits cannot cover is refused before it is sent."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reviewer.review import DecisionKind
from reviewer.review.notices import NoticeLevel, out_of_credits_text
from reviewer.review.session import BALANCE_INTERVAL
from tests.simfixtures import KEY

from .test_session_sim import Rig, current_id, rig, until

__all__ = ["rig"]  # the fixture, shared with the session tests

pytestmark = pytest.mark.anyio


def reads(r: Rig) -> list[object]:
    seen: list[object] = []
    r.session.balance_changed.connect(seen.append)
    return seen


async def test_balance_is_read_again_when_a_paid_run_settles(rig: Rig) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    rig.session.regenerate("front")
    await rig.pass_undo_window()
    await until(lambda: rig.session.balance is not None and rig.session.balance.held_credits > 0)
    rig.sim.advance(31)
    await rig.poll()
    await rig.poll()
    entry = rig.session.queue.get(cid)
    assert entry is not None
    await until(lambda: entry.status == "reviewing", "back for review")
    await until(lambda: rig.session.balance is not None and rig.session.balance.held_credits == 0)


async def test_balance_is_read_again_on_a_slow_timer(rig: Rig) -> None:
    await until(lambda: rig.session.balance is not None)
    rig.sim.set_credits(KEY, 5)
    await rig.poll()
    assert rig.session.balance is not None
    assert rig.session.balance.credits != 5  # not yet: read less often than the queue
    rig.clock.advance(BALANCE_INTERVAL)
    await rig.poll()
    await until(lambda: rig.session.balance is not None and rig.session.balance.credits == 5)


async def test_many_asks_make_at_most_two_reads(rig: Rig) -> None:
    await until(lambda: rig.session.balance is not None)
    seen = reads(rig)
    for _ in range(6):
        rig.session.request_balance()
    await until(lambda: len(seen) >= 2)
    await until(lambda: rig.session._balance_task is None or rig.session._balance_task.done())
    assert len(seen) == 2


async def test_a_paid_decision_the_credits_cannot_cover_is_refused_before_sending(
    rig: Rig,
) -> None:
    reviewing = [str(c["id"]) for c in rig.h.of_status("reviewing")]
    await until(lambda: rig.session.balance is not None)
    assert rig.session.balance is not None
    held = round(rig.session.balance.held_credits)  # the demo team's own runs in progress
    rig.sim.set_credits(KEY, held + 1)
    rig.session.request_balance()
    await until(
        lambda: rig.session.balance is not None and rig.session.balance.available_credits == 1
    )
    rig.session.queue.select(reviewing[0])
    assert rig.session.regenerate("side") is not None  # 1 credit: this one fits
    rig.session.queue.select(reviewing[1])
    name = rig.session.queue.get(reviewing[1]).name  # type: ignore[union-attr]
    assert rig.session.regenerate("front") is None  # the first still waits to go
    assert rig.session.resynthesize() is None
    refused = [n for n in rig.notices if n.level is NoticeLevel.ERROR]
    assert [n.text for n in refused] == [
        out_of_credits_text(f"regenerating the front pose of “{name}”"),
        out_of_credits_text(f"resynthesizing “{name}”"),
    ]
    assert [d.character_id for d in rig.session.outbox.pending()] == [reviewing[0]]
    assert rig.session.queue.get(reviewing[1]).status == "reviewing"  # type: ignore[union-attr]
    assert rig.session.save() is not None  # free decisions are never refused


async def test_an_exempt_team_is_never_refused(rig: Rig) -> None:
    await until(lambda: rig.session.balance is not None)
    assert rig.session.balance is not None
    rig.session.balance = replace(rig.session.balance, available_credits=0, billing_mode="exempt")
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    assert rig.session.can_afford(DecisionKind.RESYNTHESIZE)
