"""TLS: verification stays on, against the operating system's trust store (truststore),
so a studio's own CA (a TLS-inspecting proxy) works once the machine trusts it."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme
import truststore

from reviewer.api import APIConnectionError, AsyncAurousClient
from reviewer.api._transport import ssl_context

from .conftest import API_KEY
from .rawserver import Conn, RawServer, json_response

pytestmark = pytest.mark.anyio

BALANCE = json.dumps({"credits": 3, "held_credits": 0}).encode()


async def _balance(conn: Conn) -> None:
    await conn.send(json_response(BALANCE))


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA, *hosts: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*hosts).configure_cert(ctx)
    return ctx


@pytest.fixture
def handshakes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each TLS connection that truststore's context sets up."""
    seen: list[str] = []
    original = truststore.SSLContext.wrap_bio

    def wrap_bio(self: truststore.SSLContext, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        obj = original(self, *args, **kwargs)
        seen.append(str(obj.server_hostname))
        return obj

    monkeypatch.setattr(truststore.SSLContext, "wrap_bio", wrap_bio)
    return seen


def test_the_context_verifies_with_truststore() -> None:
    ctx = ssl_context()
    assert isinstance(ctx, truststore.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname


async def test_an_unknown_ca_is_refused(ca: trustme.CA, handshakes: list[str]) -> None:
    async with (
        RawServer(_balance, tls=_server_context(ca, "127.0.0.1")) as server,
        AsyncAurousClient(api_key=API_KEY, base_url=server.url) as client,
    ):
        with pytest.raises(APIConnectionError) as info:
            await client.get_balance()
    assert "TLS certificate could not be verified" in str(info.value)
    assert info.value.maybe_sent is False  # the key never left the machine
    assert handshakes == ["127.0.0.1"]
    assert server.heads == []


@pytest.fixture
def system_trusts(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine trusts ``ca``. SSL_CERT_FILE stands in for the OS store, where an IT
    department installs its CA."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


@pytest.mark.usefixtures("system_trusts")
async def test_a_ca_the_system_trusts_is_accepted(ca: trustme.CA, handshakes: list[str]) -> None:
    async with (
        RawServer(_balance, tls=_server_context(ca, "127.0.0.1")) as server,
        AsyncAurousClient(api_key=API_KEY, base_url=server.url) as client,
    ):
        balance = await client.get_balance()
    assert balance.credits == 3
    assert handshakes == ["127.0.0.1"]
    assert b"X-Api-Key: " + API_KEY.encode() in server.heads[0]


@pytest.mark.usefixtures("system_trusts")
async def test_a_certificate_for_another_name_is_refused(ca: trustme.CA) -> None:
    async with (
        RawServer(_balance, tls=_server_context(ca, "other.example")) as server,
        AsyncAurousClient(api_key=API_KEY, base_url=server.url) as client,
    ):
        with pytest.raises(APIConnectionError, match="could not be verified"):
            await client.get_balance()
    assert server.heads == []
