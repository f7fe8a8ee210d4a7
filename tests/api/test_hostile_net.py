"""Hostile servers on a real loopback socket: silence, trickles, resets, proxies.

Each server misbehaves for ever; the test ends because the client's deadlines do.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import pytest

from reviewer.api import APIConnectionError, APITimeoutError, AsyncAurousClient, DownloadError

from .conftest import API_KEY
from .rawserver import Conn, RawServer, json_response, response_head
from .test_hostile import _assert_no_key

pytestmark = pytest.mark.anyio

BALANCE = json.dumps(
    {"credits": 9, "held_credits": 0, "available_credits": 9, "currency": "credit"}
).encode()


def _client(server: RawServer, **kw) -> AsyncAurousClient:
    kw.setdefault("timeout", httpx.Timeout(30.0, connect=5.0))
    return AsyncAurousClient(api_key=API_KEY, base_url=server.url, **kw)


async def _silent(conn: Conn) -> None:
    await conn.hang()


async def _trickle_head(conn: Conn) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n":
        await conn.send(bytes([byte]))
        await asyncio.sleep(0.02)
    await conn.hang()


async def _trickle_image(conn: Conn) -> None:
    await conn.send(response_head(Content_Type="image/png", Content_Length="100000"))
    for _ in range(100_000):
        await conn.send(b"\x00")
        await asyncio.sleep(0.02)


async def _reset(conn: Conn) -> None:
    conn.reset()


async def _cut_short(conn: Conn) -> None:
    await conn.send(response_head(Content_Type="application/json", Content_Length="500"))
    await conn.send(b'{"credits": 9, "held')
    conn.writer.close()


async def test_a_server_that_never_answers_meets_the_overall_deadline() -> None:
    async with RawServer(_silent) as server, _client(server, deadline=0.3) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"no complete answer .* within 0.3 s") as info:
            await client.get_balance()
    assert time.monotonic() - started < 10  # the 30 s read timeout did not decide it
    _assert_no_key(info.value)


async def test_a_server_that_never_answers_meets_the_read_timeout() -> None:
    async with RawServer(_silent) as server, _client(server, timeout=0.2) as client:
        with pytest.raises(APITimeoutError, match="stopped sending") as info:
            await client.get_balance()
    assert info.value.maybe_sent


async def test_a_trickled_answer_meets_the_overall_deadline() -> None:
    async with RawServer(_trickle_head) as server, _client(server, deadline=0.4) as client:
        with pytest.raises(APITimeoutError, match=r"within 0\.4 s"):
            await client.save_character("char_1")


async def test_a_trickled_image_meets_the_download_deadline() -> None:
    async with RawServer(_trickle_image) as server, _client(server) as client:
        with pytest.raises(DownloadError, match=r"did not finish within 0\.5 s") as info:
            await client.download(f"{server.url}/storage/p.bin?token=tok", deadline=0.5)
    assert "tok" not in str(info.value)
    assert server.heads
    assert b"X-Api-Key" not in server.heads[0]


async def test_the_download_deadline_is_configurable_on_the_client() -> None:
    async with (
        RawServer(_trickle_image) as server,
        _client(server, download_deadline=0.3) as client,
    ):
        with pytest.raises(DownloadError, match=r"within 0\.3 s"):
            await client.download(f"{server.url}/storage/p.bin")


async def test_a_reset_names_its_reason() -> None:
    async with RawServer(_reset) as server, _client(server) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.save_character("char_1")
    text = str(info.value)
    assert "the connection was reset before an answer arrived" in text
    assert "POST /characters/char_1/save" in text
    assert not text.endswith(": ")
    assert info.value.maybe_sent  # the save may have happened
    _assert_no_key(info.value)


async def test_an_answer_cut_short_says_so() -> None:
    async with RawServer(_cut_short) as server, _client(server) as client:
        with pytest.raises(APIConnectionError, match="before a complete answer arrived"):
            await client.get_balance()


async def test_a_refused_connection_surely_was_not_sent() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with AsyncAurousClient(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}") as client:
        with pytest.raises(APIConnectionError, match="refused") as info:
            await client.save_character("char_1")
    assert info.value.maybe_sent is False
    assert "could not connect to 127.0.0.1" in str(info.value)


async def test_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    async def proxy(conn: Conn) -> None:
        await conn.send(json_response(BALANCE))

    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with RawServer(proxy) as server:
        monkeypatch.setenv("HTTP_PROXY", server.url)
        async with AsyncAurousClient(
            api_key=API_KEY, base_url="http://api.localhost:9/v1"
        ) as client:
            balance = await client.get_balance()
    assert balance.credits == 9
    assert server.heads[0].startswith(b"GET http://api.localhost:9/v1/balance HTTP/1.1")
