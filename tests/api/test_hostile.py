"""A hostile server behind httpx.MockTransport: every strange answer ends in the
client's error tree with a clear message, never a crash, a hang or a leaked key."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from typing import Any

import httpx
import pytest

from reviewer.api import (
    RETRY_AFTER_CAP,
    APIConnectionError,
    APIError,
    AsyncAurousClient,
    AurousError,
    DownloadError,
    DownloadTooLargeError,
    RateLimitError,
    RedirectError,
    ResponseValidationError,
    ServerError,
    UnknownVersionError,
)

from .conftest import API_KEY, BASE, Recorder, character_json, error_json

pytestmark = pytest.mark.anyio


def _client(transport: httpx.MockTransport, **kw) -> AsyncAurousClient:
    return AsyncAurousClient(api_key=API_KEY, base_url=BASE, transport=transport, **kw)


def _streamed(status: int, body: bytes, **headers: str) -> httpx.Response:
    """A response read from the wire as a real transport gives it: not decoded yet."""
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


def _page(*items: object, has_more: bool = False, cursor: str | None = None) -> dict[str, Any]:
    return {"object": "list", "data": list(items), "has_more": has_more, "next_cursor": cursor}


def _assert_no_key(exc: BaseException) -> None:
    texts = [str(exc), repr(exc)]
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        texts += [str(cause), repr(cause)]
        cause = cause.__cause__ or cause.__context__
    for text in texts:
        assert API_KEY not in text
        assert API_KEY[-12:] not in text


# -- list pages: one bad character never fails the page -----------------------------------


@pytest.mark.parametrize(
    ("bad", "reason", "bad_id"),
    [
        ({"id": None}, "character.id", None),
        ({"id": "char_\u202egnp"}, "character.id", None),
        ({"created_at": "yesterday"}, "character.created_at", "char_bad"),
        ({"name": 5}, "character.name", "char_bad"),
        ({"status": None}, "character.status", "char_bad"),
        ({"refs": "all of them"}, "character.refs", "char_bad"),
        ({"refs": [{"pose": "front", "url": 7}]}, "character.refs[0].url", "char_bad"),
    ],
)
async def test_a_malformed_character_is_skipped_and_reported(
    recorder: Recorder, transport, bad, reason, bad_id
) -> None:
    broken = character_json("char_bad", **bad)
    recorder.handler = lambda r: httpx.Response(
        200,
        json=_page(character_json("char_a"), broken, character_json("char_b")),
        headers={"Aurous-Request-Id": "req_P"},
    )
    async with _client(transport) as client:
        page = await client.list_characters()
    assert [c.id for c in page.data] == ["char_a", "char_b"]
    [skipped] = page.skipped
    assert skipped.index == 1
    assert skipped.id == bad_id
    assert reason in skipped.reason
    assert "\u202e" not in skipped.reason


@pytest.mark.parametrize("item", ["char_1", None, 42, [character_json()]])
async def test_a_list_item_that_is_not_an_object_is_skipped(
    recorder: Recorder, transport, item
) -> None:
    recorder.handler = lambda r: httpx.Response(200, json=_page(item, character_json("char_a")))
    async with _client(transport) as client:
        page = await client.list_characters()
    assert [c.id for c in page.data] == ["char_a"]
    assert page.skipped[0].index == 0
    assert "expected a JSON object" in page.skipped[0].reason


async def test_attributes_that_are_lists_or_objects_are_dropped_not_fatal(
    recorder: Recorder, transport
) -> None:
    attributes = {"gender": ["f"], "age": {"years": 3}, "hair_color": 7, "eye_color": True}
    recorder.handler = lambda r: httpx.Response(200, json=character_json(attributes=attributes))
    async with _client(transport) as client:
        c = await client.retrieve_character("char_1")
    assert c.attributes is not None
    assert (c.attributes.gender, c.attributes.age) == (None, None)
    assert (c.attributes.hair_color, c.attributes.eye_color) == ("7", "True")


# -- Retry-After: capped, what the server said kept -----------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("86400", RETRY_AFTER_CAP),
        ("inf", RETRY_AFTER_CAP),
        ("1e400", RETRY_AFTER_CAP),
        ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_AFTER_CAP),
        ("-30", 0.0),
        ("nan", None),
        ("soon-ish", None),
        ("Thu, 99 Foo 2026 99:99:99 GMT", None),
        ("7", 7.0),
    ],
)
async def test_retry_after_is_capped_and_the_header_kept(
    recorder: Recorder, transport, header, expected
) -> None:
    recorder.handler = lambda r: httpx.Response(
        429, json=error_json("rate_limit", "too_many_requests"), headers={"Retry-After": header}
    )
    async with _client(transport) as client:
        with pytest.raises(RateLimitError) as info:
            await client.list_characters()
    assert info.value.retry_after == expected
    assert info.value.retry_after_header == header
    assert client.last_meta is not None
    assert client.last_meta.retry_after == expected
    if expected != 7.0:
        assert header[:20] in str(info.value)  # what the server asked for is said


async def test_a_429_without_retry_after_gives_none(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(429, json=error_json("rate_limit", "x"))
    async with _client(transport) as client:
        with pytest.raises(RateLimitError) as info:
            await client.list_characters()
    assert info.value.retry_after is None
    assert info.value.retry_after_header is None


# -- bodies that are not what they say --------------------------------------------------------


async def test_gzip_header_on_a_body_that_is_not_gzip(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _streamed(200, b'{"data": []}', **{"Content-Encoding": "gzip"})
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError, match="not gzip data"):
            await client.list_characters()


async def test_a_transport_that_raises_decoding_error_stays_in_the_tree(
    recorder: Recorder, transport
) -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        # httpx decodes in-memory responses while building them: this raises here.
        return httpx.Response(200, content=b"nope", headers={"Content-Encoding": "gzip"})

    recorder.handler = handler
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError, match="could not be decoded"):
            await client.get_balance()


@pytest.mark.parametrize("coding", ["br", "gzip, gzip", "compress"])
async def test_encodings_not_asked_for_are_refused(recorder: Recorder, transport, coding) -> None:
    recorder.handler = lambda r: _streamed(200, b"\x00\x01", **{"Content-Encoding": coding})
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError, match="did not ask for"):
            await client.get_balance()
    assert recorder.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("identity", lambda b: b),
    ],
)
async def test_honest_encodings_decode(recorder: Recorder, transport, coding, encode) -> None:
    body = json.dumps(character_json()).encode()
    recorder.handler = lambda r: _streamed(200, encode(body), **{"Content-Encoding": coding})
    async with _client(transport) as client:
        c = await client.retrieve_character("char_1")
    assert c.name == "Aurora the Adventurer"


def _bomb(decoded_bytes: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    return b"".join([z.compress(zeros) for _ in range(decoded_bytes >> 20)] + [z.flush()])


async def test_a_gzip_bomb_is_stopped_at_the_cap_with_bounded_memory(
    recorder: Recorder, transport
) -> None:
    bomb = _bomb(64 << 20)  # 64 MiB of zeros in ~64 KiB, arriving as one chunk
    assert len(bomb) < 100_000
    recorder.handler = lambda r: _streamed(200, bomb, **{"Content-Encoding": "gzip"})
    async with _client(transport, max_response_bytes=1 << 20) as client:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseValidationError, match="limit"):
                await client.list_characters()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # httpx's own decoder would have held the whole 64 MiB at once.
    assert peak < 8 << 20


async def test_the_default_cap_is_on_decoded_bytes(recorder: Recorder, transport) -> None:
    bomb = _bomb(32 << 20)
    recorder.handler = lambda r: _streamed(200, bomb, **{"Content-Encoding": "gzip"})
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError, match="16777216 byte limit"):
            await client.list_characters()


async def test_a_declared_length_over_the_cap_is_refused_unread(
    recorder: Recorder, transport
) -> None:
    recorder.handler = lambda r: _streamed(200, b"[]", **{"Content-Length": str(1 << 30)})
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError, match="1073741824 bytes"):
            await client.list_characters()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b'{"credits": 5, "currency": "cr\xff\xfe"}', "not valid UTF-8"),
        (b'{"object": "list", "data": [{"id": "char_1", "na', "not valid JSON"),
        (b'{"credits": NaN, "held_credits": 0}', "not valid JSON"),
        (b'{"credits": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"OK", "not valid JSON"),
    ],
)
async def test_bodies_that_are_not_json(recorder: Recorder, transport, body, reason) -> None:
    recorder.handler = lambda r: _streamed(200, body, **{"Aurous-Request-Id": "req_J"})
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError, match=reason) as info:
            await client.get_balance()
    assert info.value.request_id == "req_J"


async def test_a_number_too_large_for_a_float_is_refused(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _streamed(200, b'{"credits": 1e400}')
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError, match="finite number"):
            await client.get_balance()


PROXY_PAGE = b"""<!DOCTYPE html><html><head><title>502 Bad Gateway</title>
<style>body { color: red }</style><script>alert(1)</script></head>
<body><h1>502 Bad Gateway</h1><p>The upstream server &amp; friends are down.</p>
<hr><center>nginx</center></body></html>"""


async def test_an_html_error_page_from_a_proxy_is_readable(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _streamed(502, PROXY_PAGE, **{"Content-Type": "text/html"})
    async with _client(transport) as client:
        with pytest.raises(ServerError) as info:
            await client.list_characters()
    text = str(info.value)
    assert "502 Bad Gateway: The upstream server & friends are down. nginx" in text
    assert "<" not in text
    assert "alert" not in text
    assert "color" not in text


async def test_a_200_html_page_is_named_as_such(recorder: Recorder, transport) -> None:
    page = b"<html><title>Hotel Wi-Fi: sign in</title><body>Accept the terms</body></html>"
    recorder.handler = lambda r: _streamed(200, page)
    async with _client(transport) as client:
        with pytest.raises(ResponseValidationError) as info:
            await client.list_characters()
    assert "an HTML page, not the API's JSON: Hotel Wi-Fi: sign in: Accept the terms" in str(
        info.value
    )


async def test_a_huge_error_body_is_cut_short_not_refused(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _streamed(500, b"x" * (20 << 20))
    async with _client(transport) as client:
        with pytest.raises(ServerError) as info:
            await client.get_balance()
    assert len(str(info.value)) < 400


async def test_an_undecodable_error_body_still_gives_the_status_error(
    recorder: Recorder, transport
) -> None:
    recorder.handler = lambda r: _streamed(503, b"garbage", **{"Content-Encoding": "gzip"})
    async with _client(transport) as client:
        with pytest.raises(ServerError, match="HTTP 503"):
            await client.get_balance()


# -- redirects: reported, never followed, the key stays home --------------------------------


@pytest.mark.parametrize(
    ("location", "host"),
    [
        ("https://evil.example/v1/characters", "evil.example"),
        ("//cdn.other.example/x", "cdn.other.example"),
        ("/v2/characters", "api.aurous-labs.com"),
    ],
)
async def test_a_redirect_is_not_followed(recorder: Recorder, transport, location, host) -> None:
    recorder.handler = lambda r: httpx.Response(301, headers={"Location": location})
    async with _client(transport) as client:
        with pytest.raises(RedirectError) as info:
            await client.save_character("char_1")
    assert f"the API answered a redirect (HTTP 301) to {host}; not followed" in str(info.value)
    assert len(recorder.requests) == 1
    assert recorder.requests[0].url.host == "api.aurous-labs.com"
    _assert_no_key(info.value)


async def test_storage_redirects_never_carry_the_key(recorder: Recorder, transport) -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        if r.url.host == "cdn.example":
            return httpx.Response(302, headers={"Location": f"{BASE}/../storage/p.bin"})
        return httpx.Response(200, content=b"\x89PNG")

    recorder.handler = handler
    async with _client(transport) as client:
        got = await client.download("https://cdn.example/storage/p.bin?token=t")
    assert got.content == b"\x89PNG"
    assert [r.url.host for r in recorder.requests] == ["cdn.example", "api.aurous-labs.com"]
    assert all("X-Api-Key" not in r.headers for r in recorder.requests)


# -- error envelopes with unknown or hostile contents ---------------------------------------


async def test_unknown_version_names_the_version(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(
        400,
        json=error_json(
            "invalid_request", "unknown_version", "Unknown Aurous-Version", param="Aurous-Version"
        ),
    )
    async with _client(transport, api_version="2031-02-30") as client:
        with pytest.raises(UnknownVersionError) as info:
            await client.list_characters()
    assert "the API does not know Aurous-Version 2031-02-30" in str(info.value)
    assert info.value.request_id == "req_01HXMQ7Z3K8Y2NABCDEFGHJKMR"


async def test_unknown_error_type_and_code_are_kept(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(
        451, json=error_json("legal", "unavailable_for_legal_reasons", "Blocked here")
    )
    async with _client(transport) as client:
        with pytest.raises(APIError) as info:
            await client.list_characters()
    assert type(info.value) is APIError
    assert (info.value.type, info.value.code) == ("legal", "unavailable_for_legal_reasons")
    assert "Blocked here" in str(info.value)


async def test_hostile_text_in_an_envelope_and_headers_is_neutralised(
    recorder: Recorder, transport
) -> None:
    long_id = "req_\u202e" + "A" * 10_000
    recorder.handler = lambda r: httpx.Response(
        404,
        json=error_json("not_found", "gone\u2066", "No such\u202e\nthing", request_id=5),
        headers=[(b"Aurous-Request-Id", long_id.encode())],
    )
    async with _client(transport) as client:
        with pytest.raises(APIError) as info:
            await client.retrieve_character("char_1")
    err = info.value
    assert err.message == "No such thing"
    assert err.code == "gone"
    assert err.request_id is not None
    assert len(err.request_id) <= 128
    assert "\u202e" not in err.request_id


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "-1", "X-RateLimit-Reset": "1"},
        {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "61", "X-RateLimit-Reset": "1"},
        {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "6", "X-RateLimit-Reset": "nan"},
        {"X-RateLimit-Limit": "1e9", "X-RateLimit-Remaining": "6", "X-RateLimit-Reset": "1"},
        {"X-RateLimit-Limit": "9" * 30, "X-RateLimit-Remaining": "6", "X-RateLimit-Reset": "1"},
    ],
)
async def test_unbelievable_rate_limit_headers_are_ignored(
    recorder: Recorder, transport, headers
) -> None:
    recorder.handler = lambda r: httpx.Response(200, json=character_json(), headers=headers)
    async with _client(transport) as client:
        c = await client.retrieve_character("char_1")
    assert c.meta.rate_limit is None


# -- the client's own edges -----------------------------------------------------------------


async def test_a_closed_client_raises_in_the_tree(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: httpx.Response(200, json=character_json())
    client = _client(transport)
    await client.aclose()
    with pytest.raises(APIConnectionError, match="closed") as info:
        await client.save_character("char_1")
    assert info.value.maybe_sent is False


@pytest.mark.parametrize("bad", [API_KEY + "\n" + API_KEY, "al_live_\u00e9" + API_KEY, "a b"])
def test_a_key_that_cannot_be_sent_is_refused_without_echoing_it(transport, bad) -> None:
    with pytest.raises(ValueError, match="cannot be sent") as info:
        AsyncAurousClient(api_key=bad, base_url=BASE, transport=transport)
    assert API_KEY not in str(info.value)
    assert "al_live" not in str(info.value)


# -- downloads ------------------------------------------------------------------------------


async def test_a_download_bomb_counts_decoded_bytes(recorder: Recorder, transport) -> None:
    bomb = _bomb(8 << 20)
    recorder.handler = lambda r: _streamed(200, bomb, **{"Content-Encoding": "gzip"})
    async with _client(transport) as client:
        with pytest.raises(DownloadTooLargeError, match="larger than 1048576 bytes"):
            await client.download("https://cdn.example/p.bin?token=secret", max_bytes=1 << 20)


async def test_a_download_with_a_bad_encoding(recorder: Recorder, transport) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    recorder.handler = lambda r: _streamed(200, png, **{"Content-Encoding": "deflate"})
    async with _client(transport) as client:
        with pytest.raises(DownloadError, match="not deflate data") as info:
            await client.download("https://cdn.example/p.bin?token=secret")
    assert "secret" not in str(info.value)


@pytest.mark.parametrize("url", ["http://[::1", "file:///etc/passwd", "not a url", ""])
async def test_a_ref_url_that_is_not_fetchable(recorder: Recorder, transport, url) -> None:
    async with _client(transport) as client:
        with pytest.raises(DownloadError):
            await client.download(url)
    assert recorder.requests == []


async def test_errors_from_hostile_answers_are_all_in_the_tree(
    recorder: Recorder, transport
) -> None:
    """One sweep over answers that once escaped: each is an AurousError."""
    answers = [
        _streamed(200, b"\x1f\x8b\x08garbage", **{"Content-Encoding": "gzip"}),
        _streamed(200, b"[" * 100_000),
        _streamed(200, b"\xff"),
        httpx.Response(307, headers={"Location": "https://elsewhere.example/"}),
        _streamed(200, json.dumps(_page(None, has_more=True)).encode()),
    ]
    async with _client(transport) as client:
        for answer in answers:
            recorder.handler = lambda r, a=answer: a  # type: ignore[misc]
            with pytest.raises(AurousError) as info:
                [c async for c in client.iter_characters()]
            _assert_no_key(info.value)
