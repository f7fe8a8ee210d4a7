"""Reading response bodies with a cap on decoded bytes, decoding JSON defensively, and
naming transport failures in plain words."""

from __future__ import annotations

import json
import socket
import ssl
import zlib
from collections.abc import Callable, Iterator
from typing import Final

import httpx
import truststore

__all__ = [
    "ACCEPT_ENCODING",
    "MAX_ERROR_BODY_BYTES",
    "MAX_RESPONSE_BYTES",
    "BodyTooLarge",
    "BodyUndecodable",
    "decode_json",
    "never_sent",
    "read_body",
    "ssl_context",
    "transport_reason",
]

# A JSON answer larger than this (after decompression) is refused: the biggest the
# contract allows, a page of 100 characters, is well under 1 MiB.
MAX_RESPONSE_BYTES: Final = 16 * 1024 * 1024
# An error answer is only read for its message; the rest is cut off, not refused.
MAX_ERROR_BODY_BYTES: Final = 64 * 1024
# Only the encodings read_body can decode with bounded output are asked for.
ACCEPT_ENCODING: Final = "gzip, deflate"
# Decoded output is produced in pieces no larger than this.
_PIECE: Final = 64 * 1024


class BodyTooLarge(Exception):
    """The decoded body passed the cap."""


class BodyUndecodable(Exception):
    """The body does not match its Content-Encoding, or names one we cannot decode."""


def ssl_context() -> ssl.SSLContext:
    """Verification against the operating system's trust store, so a studio's own CA
    (a TLS-inspecting proxy) is trusted the way the rest of the machine trusts it."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class _Inflater:
    """gzip / deflate decoding whose output per call is bounded.

    Hand-written rather than httpx's own decoders because those decompress each
    network chunk in one go: 64 KiB of a gzip bomb becomes ~64 MiB at once, and a
    chained ``gzip, gzip`` multiplies that again, before any cap can look at it.
    ``zlib``'s ``max_length`` bounds it.
    """

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        # deflate is meant to be zlib-wrapped, but servers also send it raw.
        self._raw_fallback = encoding == "deflate"
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        buf = data
        while True:
            try:
                out = self._z.decompress(buf, _PIECE)
            except zlib.error as exc:
                if self._raw_fallback and not self._started:
                    self._raw_fallback = False
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise BodyUndecodable(
                    f"the body is marked Content-Encoding: {self._encoding} but is not "
                    f"{self._encoding} data ({exc})"
                ) from None
            self._started = True
            if self._z.eof and self._z.unused_data.strip():
                raise BodyUndecodable(f"the body has data after its {self._encoding} stream")
            if out:
                yield out
            buf = self._z.unconsumed_tail
            # A full piece with no input left may mean more output is pending.
            if not buf and len(out) < _PIECE:
                return

    def finish(self) -> None:
        if not self._z.eof:
            raise BodyUndecodable(
                f"the body's {self._encoding} data is cut short or is not {self._encoding} data"
            )


def _inflater(response: httpx.Response) -> _Inflater | None:
    codings = [
        c.strip().lower()
        for c in response.headers.get("Content-Encoding", "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    if not codings:
        return None
    coding = "gzip" if codings == ["x-gzip"] else codings[0]
    if len(codings) > 1 or coding not in ("gzip", "deflate"):
        raise BodyUndecodable(
            f"the body uses Content-Encoding {', '.join(codings)!r}, which this client "
            f"did not ask for and does not decode"
        )
    return _Inflater(coding)


async def read_body(
    response: httpx.Response,
    limit: int,
    *,
    truncate: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> bytes:
    """The decoded body of a streamed response, at most ``limit`` bytes.

    Past the limit: ``BodyTooLarge``, or with ``truncate`` the first ``limit`` bytes.
    ``on_progress(decoded_so_far)`` follows each piece. Transport errors propagate.
    """
    if response.is_stream_consumed:
        # Built in memory (a mock transport): httpx has already read and decoded it.
        content = response.content
        if len(content) > limit and not truncate:
            raise BodyTooLarge(f"the answer is {len(content)} bytes, over the {limit} byte limit")
        if on_progress is not None:
            on_progress(min(limit, len(content)))
        return content[:limit]
    declared = response.headers.get("Content-Length", "")
    encoded = "Content-Encoding" in response.headers
    if not truncate and not encoded and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the answer is {int(declared)} bytes, over the {limit} byte limit")
    inflater = _inflater(response)
    pieces: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():
        for piece in inflater.feed(raw) if inflater is not None else (raw,):
            if size + len(piece) > limit:
                if truncate:
                    pieces.append(piece[: limit - size])
                    return b"".join(pieces)
                raise BodyTooLarge(f"the answer grew past the {limit} byte limit when decoded")
            size += len(piece)
            pieces.append(piece)
            if on_progress is not None:
                on_progress(size)
    if inflater is not None:
        inflater.finish()
    return b"".join(pieces)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def decode_json(content: bytes) -> object:
    """Strict JSON from bytes; every way it can fail is a ``ValueError`` with a reason
    (invalid UTF-8, nesting too deep, NaN/Infinity, a 5,000-digit number...)."""
    try:
        return json.loads(content, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply to read") from None
    except UnicodeDecodeError:
        raise ValueError("the body is not valid UTF-8") from None
    except ValueError as exc:
        raise ValueError(f"the body is not valid JSON ({exc})") from None


def _os_reason(exc: BaseException) -> str | None:
    """Plain words for the OS-level cause somewhere in an exception's chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionResetError):
            return "the connection was reset before an answer arrived"
        if isinstance(current, ConnectionRefusedError):
            return "the connection was refused (is the server running?)"
        if isinstance(current, ConnectionAbortedError | BrokenPipeError):
            return "the connection was dropped before an answer arrived"
        if isinstance(current, socket.gaierror):
            return "the host name could not be found"
        if isinstance(current, ssl.SSLCertVerificationError):
            detail = current.verify_message or str(current)
            return f"its TLS certificate could not be verified ({detail})"
        if isinstance(current, ssl.SSLError):
            return f"the TLS handshake failed ({current.reason or type(current).__name__})"
        current = current.__cause__ or current.__context__
    return None


def never_sent(exc: httpx.TransportError) -> bool:
    """True when the request surely did not reach the server (it never connected)."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def transport_reason(exc: httpx.TransportError) -> str:
    """Why an exchange failed, in words a reviewer can read."""
    reason = _os_reason(exc)
    if reason is not None:
        return reason
    detail = str(exc).strip()
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting took too long"
    if isinstance(exc, httpx.ReadTimeout):
        return "the server stopped sending (no data within the read timeout)"
    if isinstance(exc, httpx.WriteTimeout):
        return "sending the request took too long"
    if isinstance(exc, httpx.PoolTimeout):
        return "no connection was free in time"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection before a complete answer arrived" + (
            f" ({detail})" if detail else ""
        )
    if isinstance(exc, httpx.ReadError):
        return "the connection broke while the answer was being read" + (
            f" ({detail})" if detail else ""
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "the URL's scheme is not http or https"
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
