"""Every decision reaches the server exactly once: rate limits, faults, resets, a revoked
key, the network gone, hostile answers. Counted from the simulator's own ground truth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from reviewer.api import SYNTHESIZED_POSES
from reviewer.review.decisions import Decision, DecisionKind, DecisionState, Phase
from reviewer.review.journal import open_journal
from tests.simfixtures import KEY

from .deliveryrig import DeliveryRig

pytestmark = pytest.mark.anyio

KINDS = [DecisionKind.SAVE] * 5 + [DecisionKind.DISCARD] * 2 + [DecisionKind.REGENERATE] * 2
KINDS.append(DecisionKind.RESYNTHESIZE)


@pytest.fixture
async def closing() -> AsyncIterator[list[DeliveryRig]]:
    rigs: list[DeliveryRig] = []
    yield rigs
    for rig in rigs:
        await rig.aclose()


async def started(closing: list[DeliveryRig], **options: object) -> DeliveryRig:
    rig = DeliveryRig(**options)  # type: ignore[arg-type]
    closing.append(rig)
    await rig.start()
    return rig


def too_many(rig: DeliveryRig) -> int:
    return sum(1 for r in rig.sim.requests if r.status == 429)


async def test_500_decisions_through_faults_resets_and_latency_land_exactly_once(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(
        closing,
        characters=760,
        failure_rate=0.0,
        rate_limit_scale=10,
        fault_rate=0.2,
        reset_rate=0.1,
        latency_seconds=0.002,
    )
    decisions: list[Decision] = []
    for i, cid in enumerate(rig.reviewing()[:500]):
        kind = KINDS[i % len(KINDS)]
        decisions.append(rig.decide(cid, kind, pose=SYNTHESIZED_POSES[i % 4]))
        await rig.tick(0.25)  # four keys a second
    assert len(decisions) == 500
    assert {d.kind for d in decisions} == set(DecisionKind)  # every kind goes through
    await rig.all_sent(seconds=3600)
    assert [d for d in decisions if d.state is not DecisionState.DONE] == []
    assert rig.session.attention() == []
    rig.check_exactly_once(decisions)
    injected = rig.sim.chaos()["injected"]
    assert sum(injected.values()) > 150  # the faults really happened
    assert injected.get("reset_after", 0) > 10


async def test_150_saves_keyed_without_pause_all_land_with_no_429_from_an_idle_team(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(closing, characters=240, failure_rate=0.0)
    saves = [rig.decide(cid, DecisionKind.SAVE) for cid in rig.reviewing()[:150]]
    assert len(saves) == 150
    await rig.tick(1.5)  # past the undo window
    line = rig.session.delivery()
    assert line is not None
    assert "decisions waiting for the API's rate limit" in line.text
    waiting = sum(1 for d in saves if d.phase is Phase.RATE_LIMITED)
    assert 80 <= waiting <= 90  # the burst of 60 went at once
    seconds = await rig.all_sent(seconds=600)
    # The floor: 60 at once, then 90 at 30 a minute.
    assert 170 <= seconds <= 200
    assert too_many(rig) == 0
    rig.check_exactly_once(saves)
    saved_order = [a.character_id for a in rig.sim.applied(KEY) if a.operation == "save"]
    assert saved_order == [d.character_id for d in saves]  # in the order they were made


async def test_150_saves_all_land_while_a_colleague_spends_the_same_bucket(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(
        closing, characters=240, failure_rate=0.0, colleague_per_minute={"characters_post": 20}
    )
    saves = [rig.decide(cid, DecisionKind.SAVE) for cid in rig.reviewing()[:150]]
    await rig.all_sent(seconds=1800, step=1.0)
    assert all(d.state is DecisionState.DONE for d in saves)
    assert rig.session.attention() == []
    rig.check_exactly_once(saves)


async def test_a_revoked_key_holds_decisions_until_a_new_key_is_given(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(closing)
    rig.sim.revoke_key(KEY)
    new_key = "al_live_" + "5a" * 32
    rig.sim.add_key(None, new_key)
    cids = rig.reviewing()[:3]
    decisions = [rig.decide(cids[0], DecisionKind.SAVE), rig.decide(cids[1], DecisionKind.DISCARD)]
    decisions.append(rig.decide(cids[2], DecisionKind.REGENERATE))
    await rig.run_until(
        lambda: all(d.phase is Phase.SIGN_IN for d in decisions), "waiting to sign in", seconds=30
    )
    line = rig.session.delivery()
    assert line is not None
    assert line.sign_in
    assert "3 decisions will be sent once you sign in" in line.text
    await rig.tick(300)  # however long it takes, nothing fails meanwhile
    assert all(d.state is DecisionState.SENDING for d in decisions)
    rig.session.replace_key(new_key)
    await rig.all_sent(seconds=60)
    assert all(d.state is DecisionState.DONE for d in decisions)
    assert rig.session.delivery() is None
    rig.check_exactly_once(decisions)


class Switch(httpx.AsyncBaseTransport):
    """A network that can be cut: requests fail to connect while it is off."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.on = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.on:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        return await self.inner.handle_async_request(request)


async def test_offline_decisions_wait_and_go_when_the_api_is_back(
    closing: list[DeliveryRig],
) -> None:
    switches: list[Switch] = []

    def cut(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        switches.append(Switch(inner))
        return switches[0]

    rig = await started(closing, transport=cut)
    network = switches[0]
    network.on = False
    cids = rig.reviewing()[:3]
    decisions = [
        rig.decide(cids[0], DecisionKind.SAVE),
        rig.decide(cids[1], DecisionKind.SAVE),
        rig.decide(cids[2], DecisionKind.DISCARD),
    ]
    await rig.run_until(lambda: not rig.session.health.online, "offline", seconds=60)
    await rig.tick(60)  # a minute without a network
    line = rig.session.delivery()
    assert line is not None
    assert line.text == "Offline — 3 decisions will be sent when the connection is back"
    assert "127.0.0.1" not in line.text  # the technical line goes to the Activity log
    assert all(d.state is DecisionState.SENDING for d in decisions)
    assert not [n for n in rig.notices if n.level == "error"]  # nothing shown as failed
    network.on = True
    seconds = await rig.all_sent(seconds=60)
    assert seconds <= 20  # sent as soon as the API answers, not after a long backoff
    # ...and whatever waits for the API hears it (images that failed load again).
    assert any(n.text == "The API answers again" and not n.toast for n in rig.notices)
    assert all(d.state is DecisionState.DONE for d in decisions)
    rig.check_exactly_once(decisions)


async def test_a_429_without_retry_after_or_an_absurd_one_is_waited_out(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(closing)
    rig.sim.fail_next(1, status=429, route="save", retry_after=86400)
    save = rig.decide(rig.reviewing()[0], DecisionKind.SAVE)
    seconds = await rig.all_sent(seconds=400)
    assert seconds <= 130  # the day-long Retry-After was capped
    assert save.state is DecisionState.DONE
    rig.check_exactly_once([save])


# -- found by a hostile test server ---------------------------------------------------


class Tamper(httpx.AsyncBaseTransport):
    """Rewrites the answers to requests that ``match``, ``times`` times."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        match: Callable[[httpx.Request], bool],
        rewrite: Callable[[httpx.Request, httpx.Response], httpx.Response],
        times: int = 1,
    ) -> None:
        self.inner = inner
        self.match = match
        self.rewrite = rewrite
        self.times = times

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.times and self.match(request):
            self.times -= 1
            await response.aread()
            return self.rewrite(request, response)
        return response


def still_reviewing(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    body = response.json()
    body["status"] = "reviewing"
    return httpx.Response(200, headers=dict(response.headers.items()), json=body)


async def test_a_save_answered_200_but_still_reviewing_is_not_counted_as_saved(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(
        closing,
        transport=lambda inner: Tamper(
            inner, lambda r: r.url.path.endswith("/save"), still_reviewing
        ),
    )
    cid = rig.reviewing()[0]
    save = rig.decide(cid, DecisionKind.SAVE)
    await rig.all_sent(seconds=30)
    assert save.state is DecisionState.FAILED
    assert "still reviewing" in (save.error or "")
    assert [d.id for d in rig.session.attention()] == [save.id]
    assert rig.session.queue.counts.decided == 0
    entry = rig.session.queue.get(cid)
    assert entry is not None
    assert not entry.decided  # back in the queue, with the reason
    assert entry.message is not None


async def test_a_reset_after_the_server_saved_is_retried_quietly(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(closing)
    rig.sim.drop_next(1, route="save", after=True)
    save = rig.decide(rig.reviewing()[0], DecisionKind.SAVE)
    await rig.all_sent(seconds=60)
    assert save.state is DecisionState.DONE
    texts = " | ".join(n.text for n in rig.notices)
    assert "saved by someone else" not in texts
    assert "127.0.0.1: " not in texts
    rig.check_exactly_once([save])


def gone(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    return httpx.Response(
        404,
        headers={"Aurous-Request-Id": "req_" + "0" * 26},
        json={"error": {"type": "not_found", "code": "resource_not_found", "message": "No."}},
    )


async def test_a_404_on_the_precheck_is_not_reported_as_our_discard(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(
        closing,
        transport=lambda inner: Tamper(
            inner, lambda r: r.method == "GET" and "/characters/char_" in r.url.path, gone
        ),
    )
    cid = rig.reviewing()[0]
    discard = rig.decide(cid, DecisionKind.DISCARD)
    await rig.all_sent(seconds=30)
    assert not [r for r in rig.sim.requests if r.method == "DELETE"]
    texts = [n.text for n in rig.notices]
    assert any("was deleted elsewhere" in t for t in texts)
    assert discard.state is DecisionState.DONE
    assert rig.sim.character(cid) is not None  # nothing of ours deleted it


async def test_a_delete_answered_404_on_our_retry_counts_as_done(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(closing)
    rig.sim.drop_next(1, route="delete", after=True)  # deleted, but the answer is lost
    cid = rig.reviewing()[0]
    discard = rig.decide(cid, DecisionKind.DISCARD)
    await rig.all_sent(seconds=60)
    assert discard.state is DecisionState.DONE
    assert not any("deleted elsewhere" in n.text for n in rig.notices)
    rig.check_exactly_once([discard])


async def test_a_paid_call_whose_answer_is_lost_is_resent_with_its_key_and_billed_once(
    closing: list[DeliveryRig],
) -> None:
    rig = await started(closing)
    rig.sim.drop_next(1, route="regenerate", after=True)
    regen = rig.decide(rig.reviewing()[0], DecisionKind.REGENERATE, pose="side")
    await rig.all_sent(seconds=60)
    assert regen.state is DecisionState.DONE
    replayed = [r for r in rig.sim.requests if r.route == "regenerate" and r.replayed]
    assert len(replayed) == 1
    rig.check_exactly_once([regen])


async def test_a_repeating_cursor_ends_the_sweep_and_says_so(closing: list[DeliveryRig]) -> None:
    first: list[dict[str, object]] = []

    def loop_forever(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        if "status" in request.url.params:
            return httpx.Response(200, headers=dict(response.headers.items()), json=body)
        if not first:
            first.append(body)
        # Whatever the cursor, the same page again, and "there is more".
        page = {**first[0], "has_more": True, "next_cursor": first[0]["data"][-1]["id"]}  # type: ignore[index]
        return httpx.Response(200, headers=dict(response.headers.items()), json=page)

    rig = DeliveryRig(
        transport=lambda inner: Tamper(
            inner, lambda r: r.url.path.endswith("/characters"), loop_forever, times=10_000
        )
    )
    closing.append(rig)
    await rig.session.start()
    await rig.run_until(lambda: not rig.session.loading, "queue loaded", seconds=60)
    lists = sum(1 for r in rig.sim.requests if r.route == "list")
    assert lists <= 3  # not ~300 a second
    assert any("repeats itself" in n.text for n in rig.notices)
    assert len(rig.session.queue) > 0


# -- the journal: a restart picks up where the last session stopped ---------------------


async def test_a_restart_resumes_what_was_waiting_with_the_same_keys(
    closing: list[DeliveryRig], tmp_path: Path
) -> None:
    path = tmp_path / "journal.sqlite3"
    first = DeliveryRig(store=open_journal(path).journal, undo_seconds=4)
    await first.start()
    held = first.sim.hold_next("save")  # this save is out when the app dies
    first.sim.drop_next(1, route="regenerate", after=True)  # billed, the answer lost
    cids = first.reviewing()[:3]
    regen = first.decide(cids[0], DecisionKind.REGENERATE, pose="back")
    sent = first.decide(cids[1], DecisionKind.SAVE)
    await first.run_until(
        lambda: held.entered and first.sim.ledger(KEY), "both calls out", seconds=30
    )
    late = first.decide(cids[2], DecisionKind.SAVE)  # still inside its undo window
    await first.settle()
    # The app dies (its tasks end where they are; nothing more is written).
    await first.session.outbox.aclose()
    first.session.outbox._store.close()  # type: ignore[attr-defined]
    held.release()
    await first.settle()
    assert len(first.sim.ledger(KEY)) == 1
    assert [a.operation for a in first.sim.applied(KEY)] == ["regenerate"]

    second = DeliveryRig(store=open_journal(path).journal, undo_seconds=4, server=first.h)
    closing.append(second)
    second.session.keys.use(lambda action: "Ctrl+U" if action == "undo" else "")
    await second.session.start()
    assert second.notices[0].text == (
        "2 decisions from your last session are being sent; 1 made just before it stopped "
        "will be sent in 4 s (Ctrl+U takes it back)"
    )
    resumed = {d.character_id: d for d in second.session.outbox.pending()}
    assert resumed[cids[0]].idempotency_key == regen.idempotency_key
    undoable = second.session.outbox.last_undoable()
    assert undoable is not None  # the late one gets its undo window again
    assert undoable.character_id == cids[2]
    await second.all_sent(seconds=60)
    second.check_exactly_once([regen, sent, late])
    # The paid call went again with its key and was replayed, not billed again.
    assert [r.replayed for r in second.sim.requests if r.route == "regenerate"][-1]


async def test_a_failed_decision_waits_in_needs_attention_across_a_restart(
    closing: list[DeliveryRig], tmp_path: Path
) -> None:
    path = tmp_path / "journal.sqlite3"
    rig = DeliveryRig(store=open_journal(path).journal)
    closing.append(rig)
    await rig.start()
    rig.sim.set_credits(KEY, 0)
    regen = rig.decide(rig.reviewing()[0], DecisionKind.REGENERATE)
    await rig.all_sent(seconds=30)
    assert regen.state is DecisionState.FAILED
    [failed] = rig.session.attention()
    assert failed.request_id is not None
    assert "Out of credits" in " ".join(n.text for n in rig.notices)
    store = rig.session.outbox._store
    store.close()  # type: ignore[attr-defined]
    reopened = open_journal(path).journal
    [kept] = reopened.failed()
    assert (kept.id, kept.idempotency_key, kept.request_id) == (
        regen.id,
        regen.idempotency_key,
        failed.request_id,
    )
    rig.session.outbox._store = reopened
    rig.sim.set_credits(KEY, 100)
    assert rig.session.retry_decision(kept.id) is not None
    await rig.all_sent(seconds=30)
    assert rig.session.attention() == []
    rig.check_exactly_once([regen])
    reopened.close()
