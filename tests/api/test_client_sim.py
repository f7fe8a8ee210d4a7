"""The client against the simulator: every documented path, end to end.

In-process through httpx.ASGITransport; the last tests go over a real loopback port.
"""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from reviewer.api import (
    SYNTHESIZED_POSES,
    APIConnectionError,
    AsyncAurousClient,
    AuthenticationError,
    CharacterStatus,
    DownloadError,
    IdempotencyConflictError,
    InsufficientCreditsError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from reviewer.sim import SimConfig, serve_in_thread
from tests.simfixtures import KEY, OTHER_TEAM_KEY, SimHarness, make_sim

pytestmark = pytest.mark.anyio


@pytest.fixture
def h() -> SimHarness:
    return make_sim()


async def first(h: SimHarness, status: str = "reviewing") -> str:
    return str(h.of_status(status)[0]["id"])


async def test_list_walks_every_page_newest_first(h: SimHarness) -> None:
    async with h.client() as client:
        page = await client.list_characters(limit=5)
        everything = [c.id async for c in client.iter_characters(page_size=5)]
    assert len(page.data) == 5
    assert page.has_more
    assert page.next_cursor == page.data[-1].id
    assert everything == [c["id"] for c in h.sim.characters(KEY)]
    assert page.meta.request_id is not None
    assert page.meta.request_id.startswith("req_")
    assert len(page.meta.request_id) == 4 + 26


async def test_status_filter_and_bad_parameters(h: SimHarness) -> None:
    async with h.client() as client:
        reviewing = [c async for c in client.iter_characters(status="reviewing")]
        assert reviewing
        assert {c.status for c in reviewing} == {CharacterStatus.REVIEWING}
        with pytest.raises(InvalidRequestError) as info:
            await client.list_characters(status="pending")
        assert info.value.param == "status"
        assert info.value.request_id is not None
        with pytest.raises(InvalidRequestError):
            await client.list_characters(limit=101)


async def test_retrieve_and_not_found_and_cross_team(h: SimHarness) -> None:
    cid = await first(h)
    async with h.client() as client, h.client(OTHER_TEAM_KEY) as other:
        character = await client.retrieve_character(cid)
        assert character.id == cid
        assert {r.pose for r in character.refs} == set(SYNTHESIZED_POSES)
        with pytest.raises(NotFoundError):
            await client.retrieve_character("char_01ZZZZZZZZZZZZZZZZZZZZZZZZ")
        with pytest.raises(NotFoundError):
            await other.retrieve_character(cid)


async def test_save_is_final_and_repeatable(h: SimHarness) -> None:
    cid = await first(h)
    synthesizing = await first(h, "synthesizing")
    async with h.client() as client:
        saved = await client.save_character(cid)
        again = await client.save_character(cid)
        with pytest.raises(InvalidRequestError) as info:
            await client.save_character(synthesizing)
    assert saved.status == again.status == "ready"
    assert info.value.code == "invalid_request_error"
    assert h.sim.character(cid)["status"] == "ready"  # type: ignore[index]


async def test_regenerate_changes_only_that_pose(h: SimHarness) -> None:
    cid = await first(h)
    before = h.sim.balance(KEY)["available_credits"]
    async with h.client() as client:
        old = await client.retrieve_character(cid)
        started = await client.regenerate_ref(cid, "side")
        assert started.status == "synthesizing"
        h.sim.advance(31)
        done = await client.retrieve_character(cid)
    assert done.status == "reviewing"
    changed = {p for p in SYNTHESIZED_POSES if old.ref(p) != done.ref(p)}
    assert changed == {"side"}
    assert h.sim.balance(KEY)["credits"] == before - 1


async def test_idempotent_retry_bills_once(h: SimHarness) -> None:
    cid = await first(h)
    credits = h.sim.balance(KEY)["available_credits"]
    async with h.client() as client:
        one = await client.regenerate_ref(cid, "front", idempotency_key="key-1")
        two = await client.regenerate_ref(cid, "front", idempotency_key="key-1")
        with pytest.raises(IdempotencyConflictError):
            await client.regenerate_ref(cid, "back", idempotency_key="key-1")
    assert not one.meta.replayed
    assert two.meta.replayed
    assert two.id == one.id
    assert h.sim.balance(KEY)["available_credits"] == credits - 1


async def test_resynthesize_replaces_all_four(h: SimHarness) -> None:
    cid = await first(h)
    async with h.client() as client:
        old = await client.retrieve_character(cid)
        started = await client.resynthesize(cid)
        h.sim.advance(31)
        done = await client.retrieve_character(cid)
    assert started.status == "synthesizing"
    assert all(old.ref(p) != done.ref(p) for p in SYNTHESIZED_POSES)


async def test_delete_hard_for_reviewing_soft_otherwise(h: SimHarness) -> None:
    reviewing = await first(h)
    failed = await first(h, "failed")
    async with h.client() as client:
        result = await client.delete_character(reviewing)
        assert result.deleted
        assert result.id == reviewing
        with pytest.raises(NotFoundError):
            await client.delete_character(reviewing)
        with pytest.raises(NotFoundError):
            await client.retrieve_character(reviewing)
        await client.delete_character(failed)
        with pytest.raises(NotFoundError):
            await client.retrieve_character(failed)
    assert h.sim.character(reviewing) is None
    assert h.sim.character(failed)["status"] == "deleted"  # type: ignore[index]


async def test_out_of_credits_changes_nothing(h: SimHarness) -> None:
    cid = await first(h)
    h.sim.set_credits(KEY, 0)
    async with h.client() as client:
        with pytest.raises(InsufficientCreditsError) as info:
            await client.resynthesize(cid)
        balance = await client.get_balance()
    assert info.value.status_code == 402
    assert info.value.idempotency_key is not None
    assert h.sim.character(cid)["status"] == "reviewing"  # type: ignore[index]
    assert balance.available_credits == 0


async def test_create_and_patch(h: SimHarness) -> None:
    async with h.client() as client:
        created = await client.create_character(
            name="Nova the Navigator", attributes={"gender": "female", "age": 31}
        )
        renamed = await client.update_character(created.id, name="Nova the Bold")
        with pytest.raises(InvalidRequestError):
            await client.create_character(name="")
    assert created.status == "synthesizing"
    assert created.meta.status_code == 201
    assert renamed.name == "Nova the Bold"
    assert renamed.attributes is not None
    assert renamed.attributes.age == 31


async def test_auth_version_and_rate_limit_headers(h: SimHarness) -> None:
    bad = "al_live_" + "00" * 32
    async with h.client(bad) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_balance()
    assert bad not in str(info.value)
    async with h.client(api_version="2026-05-15") as client:
        page = await client.list_characters()
    assert page.meta.api_version == "2026-05-15"
    assert page.meta.rate_limit is not None
    assert page.meta.rate_limit.limit == 240
    async with h.client(api_version="1999-01-01") as client:
        with pytest.raises(InvalidRequestError) as info2:
            await client.list_characters()
    assert info2.value.code == "unknown_version"


async def test_synthesize_bucket_runs_dry(h: SimHarness) -> None:
    async with h.client() as client:
        for i in range(12):  # the bucket's burst
            await client.create_character(name=f"Batch {i}")
        with pytest.raises(RateLimitError) as info:
            await client.create_character(name="One too many")
    assert info.value.retry_after is not None
    assert info.value.retry_after >= 1


async def test_storage_urls_need_no_key_and_expire(h: SimHarness) -> None:
    cid = await first(h)
    async with h.client() as client:
        character = await client.retrieve_character(cid)
        ref = character.ref("portrait")
        assert ref is not None
        got = await client.download(ref.url)
        image = Image.open(io.BytesIO(got.content))
        assert image.size == (96, 96)
        h.sim.expire_urls()
        with pytest.raises(DownloadError) as info:
            await client.download(ref.url)
        assert info.value.status_code is not None
        assert 400 <= info.value.status_code < 500
        fresh = await client.retrieve_character(cid)
        fresh_ref = fresh.ref("portrait")
        assert fresh_ref is not None
        assert (await client.download(fresh_ref.url)).content
    storage = [r for r in h.sim.requests if r.route == "storage"]
    assert storage
    assert not any(r.auth_header for r in storage)


async def test_server_faults_surface_as_typed_errors(h: SimHarness) -> None:
    h.sim.fail_next(1, status=502)
    h.sim.drop_next(1)
    async with h.client() as client:
        with pytest.raises(ServerError) as info:
            await client.list_characters()
        with pytest.raises(APIConnectionError):
            await client.list_characters()
        assert (await client.list_characters()).data
    assert info.value.status_code == 502


async def test_bearer_alias_is_accepted(h: SimHarness) -> None:
    async with httpx.AsyncClient(transport=h.transport, base_url="http://127.0.0.1") as raw:
        response = await raw.get("/v1/balance", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 200


def test_over_a_real_loopback_port() -> None:
    import anyio

    config = SimConfig(api_keys=[KEY], seed=3, characters=5, image_size=64)
    with serve_in_thread(config) as running:

        async def go() -> tuple[int, bytes]:
            async with AsyncAurousClient(api_key=KEY, base_url=running.url) as client:
                everything = [c async for c in client.iter_characters(page_size=2)]
                ref = next(c.refs[0] for c in everything if c.refs)
                data = (await client.download(ref.url)).content
                return len(everything), data

        count, data = anyio.run(go)
    assert count == 5
    assert data
