"""The client against httpx.MockTransport: headers, errors, paging, secrecy."""

from __future__ import annotations

import logging

import httpx
import pytest

from reviewer.api import (
    APIConnectionError,
    APITimeoutError,
    AsyncAurousClient,
    DownloadError,
    IdempotencyConflictError,
    InsecureURLError,
    InsufficientCreditsError,
    NotFoundError,
    ResponseMeta,
    ResponseValidationError,
)

from .conftest import API_KEY, BASE, Recorder, character_json, error_json

pytestmark = pytest.mark.anyio


def _client(transport: httpx.MockTransport, **kw) -> AsyncAurousClient:
    return AsyncAurousClient(
        api_key=API_KEY, base_url=kw.pop("base_url", BASE), transport=transport, **kw
    )


def _ok(body: object, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers)


async def test_sends_key_version_and_user_agent(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _ok(character_json())
    async with _client(transport, api_version="2026-05-15") as client:
        await client.retrieve_character("char_1")
    req = recorder.requests[0]
    assert req.url == "https://api.aurous-labs.com/v1/characters/char_1"
    assert req.headers["X-Api-Key"] == API_KEY
    assert req.headers["Aurous-Version"] == "2026-05-15"
    assert req.headers["User-Agent"].startswith("aurous-reviewer/")
    assert "Idempotency-Key" not in req.headers


async def test_no_version_header_unless_pinned(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _ok(character_json())
    async with _client(transport) as client:
        await client.retrieve_character("char_1")
    assert "Aurous-Version" not in recorder.requests[0].headers


async def test_meta_exposes_request_id_rate_limit_and_version(
    recorder: Recorder, transport
) -> None:
    recorder.handler = lambda r: _ok(
        character_json(),
        **{
            "Aurous-Request-Id": "req_ABC",
            "Aurous-Version": "2026-05-15",
            "X-RateLimit-Limit": "240",
            "X-RateLimit-Remaining": "239",
            "X-RateLimit-Reset": "1778234400",
        },
    )
    seen: list[ResponseMeta] = []
    async with _client(transport) as client:
        client.on_response = seen.append
        c = await client.retrieve_character("char_1")
    assert c.meta.request_id == "req_ABC"
    assert c.meta.api_version == "2026-05-15"
    assert c.meta.rate_limit is not None
    assert (c.meta.rate_limit.limit, c.meta.rate_limit.remaining) == (240, 239)
    assert c.meta.rate_limit.reset == 1778234400
    assert seen == [c.meta]
    assert client.last_meta == c.meta


async def test_missing_or_garbled_rate_limit_headers_are_none(
    recorder: Recorder, transport
) -> None:
    recorder.handler = lambda r: _ok(character_json(), **{"X-RateLimit-Limit": "lots"})
    async with _client(transport) as client:
        c = await client.retrieve_character("char_1")
    assert c.meta.rate_limit is None


async def test_path_ids_are_escaped(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _ok(character_json())
    async with _client(transport) as client:
        await client.retrieve_character("../balance")
        with pytest.raises(ValueError, match="empty"):
            await client.retrieve_character("")
    assert recorder.requests[0].url.raw_path == b"/v1/characters/..%2Fbalance"


async def test_regenerate_generates_a_key_and_returns_it(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _ok(character_json(status="synthesizing"))
    async with _client(transport) as client:
        c = await client.regenerate_ref("char_1", "side")
        c2 = await client.regenerate_ref("char_1", "side", idempotency_key="my-key")
    sent = recorder.requests[0].headers["Idempotency-Key"]
    assert len(sent) == 36
    assert c.meta.idempotency_key == sent
    assert recorder.requests[1].headers["Idempotency-Key"] == "my-key"
    assert c2.meta.idempotency_key == "my-key"
    assert recorder.json_body(0) == {"pose": "side"}
    assert recorder.requests[0].url.path == "/v1/characters/char_1/refs/regenerate"


async def test_paid_error_carries_the_key_for_a_retry(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(
        402, json=error_json("invalid_request", "insufficient_credits", "Out of credits")
    )
    async with _client(transport) as client:
        with pytest.raises(InsufficientCreditsError) as info:
            await client.resynthesize("char_1")
    assert info.value.idempotency_key == recorder.requests[0].headers["Idempotency-Key"]
    assert recorder.json_body() == {"force_all": False}


async def test_replayed_flag(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _ok(
        character_json(status="synthesizing"), **{"Aurous-Idempotent-Replayed": "true"}
    )
    async with _client(transport) as client:
        c = await client.resynthesize("char_1", idempotency_key="k")
    assert c.meta.replayed


async def test_every_endpoint_method_and_path(recorder: Recorder, transport) -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        if r.url.path.endswith("/balance"):
            return _ok(
                {
                    "credits": 5,
                    "held_credits": 1,
                    "available_credits": 4,
                    "currency": "credit",
                    "billing_mode": "metered",
                }
            )
        if r.method == "DELETE":
            return _ok({"id": "char_1", "object": "character", "deleted": True})
        if r.method == "POST" and r.url.path == "/v1/characters":
            return httpx.Response(201, json=character_json(status="synthesizing"))
        return _ok(character_json())

    recorder.handler = handler
    async with _client(transport) as client:
        await client.save_character("char_1")
        deleted = await client.delete_character("char_1")
        balance = await client.get_balance()
        created = await client.create_character(name="Nova", attributes={"gender": "female"})
        await client.update_character("char_1", name="Nova II")
        await client.update_character("char_1", attributes=None)
        with pytest.raises(ValueError, match="needs name or attributes"):
            await client.update_character("char_1")
    calls = [(r.method, r.url.path) for r in recorder.requests]
    assert calls == [
        ("POST", "/v1/characters/char_1/save"),
        ("DELETE", "/v1/characters/char_1"),
        ("GET", "/v1/balance"),
        ("POST", "/v1/characters"),
        ("PATCH", "/v1/characters/char_1"),
        ("PATCH", "/v1/characters/char_1"),
    ]
    assert recorder.requests[0].content == b""
    assert deleted.deleted
    assert balance.available_credits == 4
    assert created.status == "synthesizing"
    assert recorder.json_body(3) == {
        "name": "Nova",
        "generate": True,
        "attributes": {"gender": "female"},
    }
    assert "Idempotency-Key" in recorder.requests[3].headers
    assert recorder.json_body(4) == {"name": "Nova II"}
    assert recorder.json_body(5) == {"attributes": None}


async def test_iter_characters_follows_the_cursor(recorder: Recorder, transport) -> None:
    ids = [f"char_{i:02d}" for i in range(5)]

    def handler(r: httpx.Request) -> httpx.Response:
        after = r.url.params.get("starting_after")
        start = ids.index(after) + 1 if after else 0
        limit = int(r.url.params["limit"])
        chunk = ids[start : start + limit]
        more = start + limit < len(ids)
        return _ok(
            {
                "object": "list",
                "data": [character_json(i) for i in chunk],
                "has_more": more,
                "next_cursor": chunk[-1] if more else None,
            }
        )

    recorder.handler = handler
    async with _client(transport) as client:
        got = [c.id async for c in client.iter_characters(status="reviewing", page_size=2)]
    assert got == ids
    assert len(recorder.requests) == 3
    assert all(r.url.params["status"] == "reviewing" for r in recorder.requests)


async def test_api_errors_are_typed(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(
        404, json=error_json("not_found", "resource_not_found", "No such character")
    )
    async with _client(transport) as client:
        with pytest.raises(NotFoundError, match="No such character"):
            await client.retrieve_character("char_x")


async def test_idempotency_conflict(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(
        409, json=error_json("invalid_request", "idempotency_key_in_use")
    )
    async with _client(transport) as client:
        with pytest.raises(IdempotencyConflictError):
            await client.regenerate_ref("char_x", "front", idempotency_key="k1")


async def test_success_with_garbage_body(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(200, text="<html>oops</html>")
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError, match="not JSON"):
            await client.get_balance()


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("connection refused"), APIConnectionError),
        (httpx.ReadTimeout("read timed out"), APITimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), APIConnectionError),
    ],
)
async def test_transport_errors(recorder: Recorder, transport, exc, cls) -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        raise exc

    recorder.handler = handler
    async with _client(transport) as client:
        with pytest.raises(cls) as info:
            await client.list_characters()
    assert type(info.value) is cls
    assert "GET /characters" in str(info.value)


async def test_key_goes_only_to_the_api_origin(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(
        200, content=b"\x89PNG", headers={"Content-Type": "image/png"}
    )
    async with _client(transport) as client:
        same_host = await client.download(
            "https://api.aurous-labs.com/storage/c/portrait.bin?token=t"
        )
        await client.download("https://cdn.example/storage/c/portrait.bin?token=t")
        await client.download("http://api.aurous-labs.com/storage/c/x.bin")
    assert same_host.content == b"\x89PNG"
    assert same_host.content_type == "image/png"
    for req in recorder.requests:
        assert "X-Api-Key" not in req.headers
        assert "Authorization" not in req.headers


async def test_download_errors(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(403, text="token expired")
    async with _client(transport) as client:
        with pytest.raises(DownloadError) as info:
            await client.download("https://cdn.example/storage/c/p.bin?token=secret-token")
    assert info.value.status_code == 403
    assert "secret-token" not in str(info.value)

    recorder.handler = lambda r: httpx.Response(200, content=b"x" * 1000)
    progress: list[tuple[int, int | None]] = []
    async with _client(transport) as client:
        got = await client.download(
            "https://cdn.example/a.bin", on_progress=lambda *a: progress.append(a)
        )
        assert len(got.content) == 1000
        assert progress[-1] == (1000, 1000)
        with pytest.raises(DownloadError, match="larger than"):
            await client.download("https://cdn.example/a.bin", max_bytes=100)

    def boom(r: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    recorder.handler = boom
    async with _client(transport) as client:
        with pytest.raises(DownloadError) as info:
            await client.download("https://cdn.example/a.bin")
    assert info.value.status_code is None


async def test_refuses_plain_http_to_a_remote_host(transport) -> None:
    with pytest.raises(InsecureURLError):
        AsyncAurousClient(
            api_key=API_KEY, base_url="http://api.aurous-labs.com", transport=transport
        )
    with pytest.raises(ValueError, match="API key is required"):
        AsyncAurousClient(api_key="  ", transport=transport)


async def test_key_never_in_repr_logs_or_errors(recorder: Recorder, transport, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    recorder.handler = lambda r: httpx.Response(
        401, json=error_json("authentication", "invalid_api_key", "Invalid API key")
    )
    client = _client(transport)
    texts = [repr(client), str(vars(client))]
    try:
        await client.list_characters()
    except Exception as exc:
        texts += [str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)]

    def refuse(r: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    recorder.handler = refuse
    try:
        await client.list_characters()
    except Exception as exc:
        texts += [str(exc), repr(exc), str(exc.__cause__)]
    await client.aclose()
    texts += [rec.getMessage() for rec in caplog.records]
    assert len(texts) > 6
    for text in texts:
        assert API_KEY not in text
        assert API_KEY[-12:] not in text
